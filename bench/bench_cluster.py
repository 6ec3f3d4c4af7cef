"""Server CPU per drawing, per page view and per training step: 1 replica vs 2 behind HAProxy, one run.

    OPENBLAS_NUM_THREADS=1 python bench/bench_cluster.py            # ~6 minutes
    python bench/bench_cluster.py --sessions 10 --phase 15 --rounds 1   # quicker

Setups, both up for the whole run on this machine (they share its cores):
- **solo**: one ``streamlit run streamlit_app.py``, reached directly (today's single-server set-up);
- **cluster**: ``deploy/cluster up --replicas 2`` (HAProxy + 2 replicas + its own PostgreSQL). The
  solo server uses the same PostgreSQL (``NNSCRATCH_DB``), so the store's cost is in both.

Server CPU = user+system time of the setup's processes (replicas, HAProxy, PostgreSQL's postmaster and
backends) over a phase, divided by what was served in it. Load goes to one setup at a time, in
alternating phases, so a change in the machine's background load hits both alike:
- **drawing**: ``--sessions`` protocol clients (streamlit_client's) on the Draw page draw real pen digits stroke
  by stroke for ``--phase`` s; per drawing = CPU / strokes answered (a stroke is one drawing answer);
- **page view**: each of 5 sessions opens the app and visits every page of the navigation once;
  per page view = CPU / page runs;
- **training step**: one session presses Start on the Train page (the form's defaults: the quick preset
  on the built-in sample) and watches it finish, three times; per step = CPU / steps (includes its
  live chart and the run's record).
Before measuring, one tab per replica visits every page once (first runs import and fill caches).
The cluster's figures include HAProxy and the second replica; the ratio cluster/solo is their
overhead per unit of work, not a speed-up (both share 2 cores here).

Capacity: from the cluster's figures and these stated assumptions: each person draws every
``--draw-every`` s (5) and opens a page every ``--page-every`` s (60); at any moment a fifth of the room
has a training run going (the quick preset on the sample), one after another, each finishing within
``--train-within`` s (10: what a live demo can wait), so each trainer needs steps x CPU per step / 10 s;
cores are loaded to at most ``--target-load`` (70 %) so answers stay quick; one replica per core (a
replica's Python runs under one GIL).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
import streamlit_client  # noqa: E402
import cluster_client as cc  # noqa: E402

from deploy._procs import free_port, with_children  # noqa: E402  (streamlit_client put the repository on the path)

CLUSTER = ROOT / "deploy" / "cluster"


# ------------------------------------------------------------------------------------ CPU accounting
def cpu_of(pids) -> float:
    """CPU seconds used so far by the processes, including children they have reaped (a PostgreSQL
    backend that ended counts in its postmaster's cutime)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    return total


class Setup:
    def __init__(self, name: str, url: str, roots: list[int], pg_pid: int | None, proxy_pid: int | None = None):
        self.name, self.url, self.roots, self.pg_pid, self.proxy_pid = name, url, roots, pg_pid, proxy_pid

    def cpu(self) -> float:
        pids = list(self.roots) + (with_children(self.pg_pid) if self.pg_pid else [])
        return cpu_of(pids)

    def proxy_cpu(self) -> float:
        return cpu_of([self.proxy_pid]) if self.proxy_pid else 0.0


def measured(setup: Setup, fn):
    """Wrap a workload: adds the setup's CPU (and HAProxy's part of it) over the call to its record."""
    async def run(*args, **kwargs):
        c0, p0 = setup.cpu(), setup.proxy_cpu()
        rec = await fn(setup, *args, **kwargs)
        rec.update(cpu_s=setup.cpu() - c0, proxy_cpu_s=setup.proxy_cpu() - p0)
        rec["cpu_ms_per_unit"] = 1000 * rec["cpu_s"] / max(1, rec["n"])
        return rec
    return run


# ------------------------------------------------------------------------------------ workloads
async def drawing_phase(setup: Setup, sessions, digits, seconds: float, rng) -> dict:
    out: list = []
    t0 = time.perf_counter()
    until = t0 + seconds
    await asyncio.gather(*(cc.draw_for(s, digits, until, random.Random(rng.random()), out) for s in sessions))
    ok = sum(r["ok"] for r in out)
    return dict(setup=setup.name, what="drawing", n=ok, lost=len(out) - ok, wall_s=time.perf_counter() - t0,
                errors=sum(len(s.errors) for s in sessions))


async def visit_all(setup: Setup, name: str, keep_open: bool = False):
    """One tab: open Home, then every other page of the navigation; (session, page views)."""
    s = cc.ProxySession(setup.url, "", name)
    await s.open(require_canvas=False)
    views = 1
    for path in [p for p in s.pages if p]:
        await s.goto(path)
        views += 1
    if not keep_open:
        await s.close_quietly()
    return s, views


async def warm_up(setup: Setup, replicas: int) -> None:
    """Visit every page once on every replica (first runs import and cache): not measured. Tabs
    are held open together so leastconn puts one on each replica."""
    tabs = [await visit_all(setup, f"{setup.name}-warm{i}", keep_open=True) for i in range(replicas)]
    for s, _ in tabs:
        await s.close_quietly()


async def page_views(setup: Setup, n_sessions: int = 5) -> dict:
    views, errors = 0, 0
    for i in range(n_sessions):
        s, v = await visit_all(setup, f"{setup.name}-pv{i}")
        views += v
        errors += len(s.errors)
    return dict(setup=setup.name, what="page view", n=views, errors=errors)


async def training(setup: Setup, runs: int = 3, timeout: float = 300) -> dict:
    """``runs`` quick-preset runs on the sample, one after another in one tab, each started from the
    Train form and watched to the end; CPU per step."""
    t = cc.ProxySession(setup.url, "train", f"{setup.name}-trainer")
    await t.open(require_canvas=False)
    submit = t.widgets["Start training"][1]
    t0 = time.perf_counter()
    steps = []
    for _ in range(runs):
        await t.rerun([(submit, "trigger_value", True)])
        t_run = time.perf_counter()
        while True:
            if time.perf_counter() - t_run > timeout:
                raise RuntimeError(f"{setup.name}: a training run did not finish in {timeout:.0f} s")
            await asyncio.sleep(0.25)
            await t.rerun()
            m = re.search(r"Finished ([\d,]+) steps", " ".join(t.texts))
            if m:
                steps.append(int(m.group(1).replace(",", "")))
                break
    wall = time.perf_counter() - t0
    await t.close_quietly()
    return dict(setup=setup.name, what="training step", n=sum(steps), runs=runs, steps_per_run=max(steps),
                wall_s=wall, errors=len(t.errors))


# ------------------------------------------------------------------------------------ capacity
def capacity(per_draw_ms: float, per_page_ms: float, per_step_ms: float, steps_per_run: int, args) -> list[dict]:
    rows = []
    for people in (30, 100, 300):
        draw = people / args.draw_every * per_draw_ms / 1000  # cores
        page = people / args.page_every * per_page_ms / 1000
        train = people / 5 * steps_per_run * per_step_ms / 1000 / args.train_within
        need = draw + page + train
        cores = max(1, math.ceil(need / args.target_load))
        rows.append(dict(people=people, drawing_cores=draw, page_cores=page, training_cores=train, busy_cores=need,
                         cores=cores, replicas=cores, trainers=people // 5,
                         max_training_per_replica=math.ceil(people / 5 / cores)))
    return rows


# ------------------------------------------------------------------------------------ run
def cluster_up(run_dir: Path, port: int, env: dict, replicas: int = 2) -> dict:
    r = subprocess.run([sys.executable, str(CLUSTER), "up", "--replicas", str(replicas), "--port", str(port), "--bind",
                        "127.0.0.1", "--run-dir", str(run_dir)], capture_output=True, text=True, env=env,
                       timeout=400)
    if r.returncode:
        raise SystemExit(f"deploy/cluster up failed: {r.stderr.strip()}")
    return json.loads((run_dir / "state.json").read_text())


async def run(args) -> dict:
    digits = streamlit_client.load_digits(200)
    run_dir = Path(tempfile.mkdtemp(prefix="nnscratch-bench-cluster-"))
    os.chmod(run_dir, 0o755)  # the postgres user must reach its data dir
    port = free_port()
    out_dir = ROOT / "test-artifacts"
    out_dir.mkdir(exist_ok=True)
    solo_proc, results = None, {"config": {k: v for k, v in vars(args).items() if k != "json"}, "phases": []}
    try:
        state = cluster_up(run_dir, port, dict(os.environ))
        os.environ["NNSCRATCH_DB"] = state["db"]["url_secret"]  # the solo server shares the store
        solo_proc, solo_url = streamlit_client.start_server("streamlit_app.py", out_dir / "bench_cluster_timings.jsonl",
                                                      out_dir / "bench_cluster_solo.log")
        pg = state["db"]["pid"]
        setups = {"solo": Setup("solo", solo_url, [solo_proc.pid], pg),
                  "cluster": Setup("cluster", f"http://127.0.0.1:{port}",
                                   [state["proxy"]["pid"], *(r["pid"] for r in state["replicas"])], pg,
                                   proxy_pid=state["proxy"]["pid"])}
        print(f"up: solo {solo_url}, cluster http://127.0.0.1:{port} (2 replicas, HAProxy, PostgreSQL)")
        await warm_up(setups["solo"], 1)
        await warm_up(setups["cluster"], 2)
        sessions = {}
        for name, st in setups.items():
            sessions[name] = []
            for i in range(0, args.sessions, 5):
                group = [cc.ProxySession(st.url, "draw", f"{name}{j}") for j in range(i, min(args.sessions, i + 5))]
                await asyncio.gather(*(s.open() for s in group))
                sessions[name] += group
        spread = {r: sum(s.replica == r for s in sessions["cluster"]) for r in ("r1", "r2")}
        print(f"{args.sessions} drawing sessions per setup; cluster sessions per replica: {spread}")
        rng = random.Random(1)
        for rnd in range(args.rounds):
            for name in (("solo", "cluster") if rnd % 2 == 0 else ("cluster", "solo")):
                ph = await measured(setups[name], drawing_phase)(sessions[name], digits, args.phase, rng)
                results["phases"].append(ph)
                print(json.dumps(ph))
        for ss in sessions.values():
            for s in ss:
                await s.close_quietly()
        for name in ("solo", "cluster", "cluster", "solo"):
            ph = await measured(setups[name], page_views)()
            results["phases"].append(ph)
            print(json.dumps(ph))
        for name in ("solo", "cluster", "cluster", "solo"):
            ph = await measured(setups[name], training)()
            results["phases"].append(ph)
            print(json.dumps(ph))
    finally:
        if solo_proc is not None:
            streamlit_client.stop_server(solo_proc)
        subprocess.run([sys.executable, str(CLUSTER), "down", "--run-dir", str(run_dir)], capture_output=True,
                       timeout=120)
        subprocess.run(["rm", "-rf", str(run_dir)])
    return results


def summarize(results, args) -> dict:
    def pooled(setup, what):
        ph = [p for p in results["phases"] if p["setup"] == setup and p["what"] == what]
        return 1000 * sum(p["cpu_s"] for p in ph) / max(1, sum(p["n"] for p in ph))

    table = {}
    for what in ("drawing", "page view", "training step"):
        solo, clus = pooled("solo", what), pooled("cluster", what)
        ph = [p for p in results["phases"] if p["setup"] == "cluster" and p["what"] == what]
        proxy = 1000 * sum(p["proxy_cpu_s"] for p in ph) / max(1, sum(p["n"] for p in ph))
        table[what] = dict(solo_ms=solo, cluster_ms=clus, proxy_ms=proxy, overhead=clus / solo if solo else None)
    steps = max(p["steps_per_run"] for p in results["phases"] if p["what"] == "training step")
    cap = capacity(table["drawing"]["cluster_ms"], table["page view"]["cluster_ms"],
                   table["training step"]["cluster_ms"], steps, args)
    lost = sum(p.get("lost", 0) for p in results["phases"])
    errors = sum(p.get("errors", 0) for p in results["phases"])
    return dict(per_unit=table, steps_per_quick_run=steps, capacity=cap, lost=lost, errors=errors)


def print_report(s, args):
    print("\nserver CPU per unit of work (ms), 1 replica direct vs 2 replicas behind HAProxy, same run:")
    print(f"{'':16}{'1 replica':>11}{'2 + HAProxy':>13}{'of which HAProxy':>18}{'ratio':>8}")
    for what, r in s["per_unit"].items():
        print(f"{what:16}{r['solo_ms']:11.1f}{r['cluster_ms']:13.1f}{r['proxy_ms']:18.2f}{r['overhead']:8.2f}")
    print(f"(ratio = overhead of the proxy and the second replica per unit of work; lost drawings {s['lost']}, "
          f"errors {s['errors']}; a quick run on the sample = {s['steps_per_quick_run']} steps)")
    print(f"\ncapacity (draw every {args.draw_every:g} s, a page every {args.page_every:g} s, a fifth train at once and "
          f"run back to back, each within {args.train_within:g} s, cores at most {args.target_load:.0%} busy):")
    print(f"{'people':>7}{'drawing':>9}{'pages':>7}{'training':>10}{'busy cores':>12}{'cores':>7}{'replicas':>10}"
          f"{'MAX_TRAINING':>14}")
    for r in s["capacity"]:
        print(f"{r['people']:7}{r['drawing_cores']:9.2f}{r['page_cores']:7.2f}{r['training_cores']:10.2f}"
              f"{r['busy_cores']:12.2f}{r['cores']:7}{r['replicas']:10}{r['max_training_per_replica']:14}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sessions", type=int, default=20, help="drawing sessions per setup (1-40)")
    p.add_argument("--phase", type=float, default=30.0, help="seconds per drawing phase")
    p.add_argument("--rounds", type=int, default=2, help="solo+cluster drawing phase pairs (alternating order)")
    p.add_argument("--draw-every", type=float, default=5.0)
    p.add_argument("--page-every", type=float, default=60.0)
    p.add_argument("--train-within", type=float, default=10.0)
    p.add_argument("--target-load", type=float, default=0.7)
    p.add_argument("--json", type=Path, default=ROOT / "test-artifacts" / "bench_cluster.json")
    args = p.parse_args(argv)
    if not 1 <= args.sessions <= 40 or not 1 <= args.phase <= 300 or not 1 <= args.rounds <= 4:
        p.error("--sessions 1..40, --phase 1..300 s, --rounds 1..4")
    results = asyncio.run(run(args))
    results["summary"] = summarize(results, args)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=1) + "\n")
    print_report(results["summary"], args)
    print(f"written to {args.json}")


if __name__ == "__main__":
    main()
