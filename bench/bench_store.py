"""The Class page's server cost with 10,000 runs in the store, on SQLite and on PostgreSQL.

    python bench/bench_store.py [--runs 10000] [--builds 30] [--no-postgres]

Seeds a fresh store on each backend (an SQLite file in a temp dir; a throwaway PostgreSQL cluster
from tests/pgserver.py) with N runs by 60 people: 70 % on the built-in sample, 25 % on MNIST,
5 % on uploads, each with a realistic curve downsampled as the store keeps it (<= 500 points) and
every 10th with a real model file (model files live in their own table, which no page query reads).
Then times the queries a Class page build makes, the store's part of a build (``Store.board``: one
transaction), and the whole Class page run in the real app (``streamlit_app.py`` with the page and
the sidebar, headless through Streamlit's AppTest: server time without the websocket), as median
and p95 of several builds. Target: a page build under 200 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import sqlalchemy as sa  # noqa: E402

from nnscratch.store import Store, downsample_history, owner_hash  # noqa: E402
from nnscratch.store.schema import run_curves, run_models, runs  # noqa: E402
from storedata import history_rows, make_run, model_bytes  # noqa: E402

TARGET_MS = 200
PAGE_RUN = "CLASS PAGE in the app (server-side run)"
PEOPLE = 60
SOURCES = [({"kind": "sample", "label": "built-in sample"}, 0.70), ({"kind": "mnist", "label": "MNIST"}, 0.25),
           ({"kind": "upload", "label": "digits.csv"}, 0.03), ({"kind": "upload", "label": "my_pen.npz"}, 0.02)]


def seed(store: Store, n: int, batch: int = 500) -> float:
    """Insert n runs (rows cleaned by RunRecord.row(), as save_run writes them) in batches; return seconds."""
    rng = random.Random(0)
    curves = [json.dumps(downsample_history(history_rows(rng.randint(200, 5000), epochs=rng.randint(2, 30), seed=k)),
                         separators=(",", ":")) for k in range(20)]
    blob = model_bytes()
    t = time.perf_counter()
    store.ensure_ready()
    engine = store._engine
    for start in range(0, n, batch):
        rows, hist, models = [], [], []
        for i in range(start + 1, min(start + batch, n) + 1):
            data = rng.choices([s for s, _ in SOURCES], [w for _, w in SOURCES])[0]
            rec = make_run(nickname=f"person{i % PEOPLE}", owner=f"token{i % PEOPLE}", data=data,
                           test_acc=round(rng.uniform(0.6, 0.99), 4), history=(),
                           created_at=1.7e9 + i, status=rng.choice(["completed"] * 8 + ["stopped", "diverged"]),
                           model=blob if i % 10 == 0 else None)
            row, _, model = rec.row()  # the curve JSON is one of 20 made above, as save_run would make it
            rows.append({**row, "id": i, "owner_hash": owner_hash(rec.owner)})
            hist.append({"run_id": i, "history": curves[i % len(curves)]})
            if model is not None:
                models.append({"run_id": i, "data": model})
        with engine.begin() as conn:
            conn.execute(runs.insert(), rows)
            conn.execute(run_curves.insert(), hist)
            if models:
                conn.execute(run_models.insert(), models)
    with engine.begin() as conn:
        if store.backend == "postgresql":  # ids were given explicitly: move the sequence past them
            conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('runs', 'id'), (SELECT max(id) FROM runs))"))
            conn.execute(sa.text("ANALYZE"))  # what autovacuum does within a minute of such a load
        else:
            conn.execute(sa.text("ANALYZE"))
    for i in range(30):  # some sessions online, a few training
        store.heartbeat(f"token{i}", f"person{i}", training=i % 5 == 0)
    return time.perf_counter() - t


def timed(fn, builds: int) -> tuple[float, float]:
    fn()  # warm: connection pool, statement caches
    ms = []
    for _ in range(builds):
        t = time.perf_counter()
        fn()
        ms.append((time.perf_counter() - t) * 1e3)
    ms.sort()
    return statistics.median(ms), ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]


def measure(store: Store, builds: int) -> dict:
    me = "token7"
    ids = [r.id for r in store.list_runs(order="latest", limit=5)]
    checks = {
        "leaderboard, one source, top 50": lambda: store.list_runs("sample", "built-in sample", owner=me, limit=50),
        "my runs (50 newest)": lambda: store.list_runs(owner=me, mine_only=True, order="latest", limit=50),
        "latest 5 runs + their curves": lambda: store.curves([r.id for r in store.list_runs(order="latest", limit=5)]),
        "compare: 5 chosen runs' curves": lambda: store.curves(ids),
        "counts + data sources": lambda: (store.counts(), store.data_sources()),
        "people online / training": store.online,
        "PAGE BUILD (Store.board, one transaction)": lambda: store.board(owner=me),
        "presenter refresh (top 10, 5 curves)": lambda: store.board(owner=None, top=10, mine=0),
    }
    return {name: timed(fn, builds) for name, fn in checks.items()}


def app_page(url: str, builds: int, timings: Path) -> tuple:
    """The Class page in the real app (streamlit_app.py, the page, the sidebar; headless AppTest)
    against the store at ``url``: median / p95 ms of the server's own measure of a run up to the
    sidebar (app.timing "class_page_run"), of the CPU time the page's thread used for it (which a
    busy machine does not inflate; the database server's own work is not in it), and of AppTest's
    wall time for a whole rerun (adds the sidebar and AppTest's polling: an upper bound)."""
    from streamlit.testing.v1 import AppTest
    os.environ["NNSCRATCH_DB"] = url
    os.environ["NNSCRATCH_TIMINGS"] = str(timings)
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    at.run()
    at.switch_page("app/pages/class_board.py")

    def build():
        at.run()
        assert not at.exception and at.multiselect, "the Class page did not render its leaderboard"
    timings.unlink(missing_ok=True)
    wall = timed(build, builds)
    rows = [json.loads(line) for line in timings.read_text().splitlines()]

    def stats(what):
        ms = sorted(1e3 * r["seconds"] for r in rows if r["what"] == what)[1:]  # [0] was the warm-up
        return statistics.median(ms), ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return stats("class_page_run"), stats("class_page_cpu"), wall


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=10_000)
    ap.add_argument("--builds", type=int, default=30)
    ap.add_argument("--no-postgres", action="store_true")
    args = ap.parse_args(argv)

    results, notes = {}, []
    tmp = Path(tempfile.mkdtemp(prefix="nnscratch-bench-store-"))
    pg = None
    try:
        backends = [("sqlite", f"sqlite:///{tmp / 'class.db'}")]
        if not args.no_postgres:
            from pgserver import PgServer, PgUnavailable
            try:
                pg = PgServer()
                pg.start()
                backends.append(("postgresql", pg.create_database("bench")))
            except PgUnavailable as e:
                print(f"PostgreSQL skipped: {e}", file=sys.stderr)
        for name, url in backends:
            store = Store.open(url)
            secs = seed(store, args.runs)
            assert store.counts()["runs"] == args.runs
            size = ""
            if name == "sqlite":
                size = f", file {(tmp / 'class.db').stat().st_size / 2**20:.0f} MB"
            notes.append(f"{name}: seeded {args.runs:,} runs in {secs:.1f} s{size}")
            results[name] = measure(store, args.builds)
            run, cpu, wall = app_page(url, min(args.builds, 15), tmp / f"timings-{name}.jsonl")
            results[name][PAGE_RUN] = run
            results[name]["  its CPU time (page thread)"] = cpu
            results[name]["  whole rerun incl. sidebar (AppTest wall)"] = wall
            store.close()
    finally:
        if pg is not None:
            pg.close()
        shutil.rmtree(tmp, ignore_errors=True)

    names = list(results)
    print(f"Class page queries with {args.runs:,} runs ({PEOPLE} people; {args.builds} builds each; "
          f"ms, median / p95); machine load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for line in notes:
        print("  " + line)
    width = max(len(k) for k in next(iter(results.values())))
    print(f"{'query':<{width}}  " + "  ".join(f"{n:>18}" for n in names))
    for q in next(iter(results.values())):
        print(f"{q:<{width}}  " + "  ".join(f"{results[n][q][0]:8.1f} / {results[n][q][1]:7.1f}" for n in names))
    page = "PAGE BUILD (Store.board, one transaction)"
    for n in names:
        for what, key in (("store part", page), ("Class page run", PAGE_RUN)):
            med, p95 = results[n][key]
            print(f"{n}: {what} p95 {p95:.1f} ms = {p95 / TARGET_MS:.2f} x the {TARGET_MS} ms target: "
                  f"{'OK' if p95 < TARGET_MS else 'OVER'}")
    if len(names) == 2:
        a, b = (results[n][page][0] for n in names)
        print(f"postgresql / sqlite page build (median): {b / a:.2f}")


if __name__ == "__main__":
    main()
