"""Load test: N sessions drawing digits at once, on the real app and on a minimal app, in the same run.

    OPENBLAS_NUM_THREADS=1 python bench/bench_load.py                # 30 sessions (2 of them real browsers)
    python bench/bench_load.py --sessions 10 --browsers 1 --phase 20 --rounds 1   # quicker

What it measures
- **End to end**, mouse-up -> new ``Prediction`` value, for the real app (``streamlit_app.py``, Draw page)
  and for ``bench/minimal_draw_app.py`` (canvas -> ``preprocess.to_mnist`` -> one forward pass ->
  ``st.metric("Prediction")``, nothing else), and their ratio (the project's overhead; aim < 1.2x).
- **Server time per drawing**: what each app appends to ``$NNSCRATCH_TIMINGS`` (script rerun start ->
  prediction written), p50/p95 (aim: p95 < 100 ms with 30 sessions).
- That every drawing got a prediction and none showed an exception or an error box.
- **Server CPU per drawing** (the server process's user+system time over a phase / drawings answered) and
  the machine's load average: on a shared machine the latencies mostly measure the other jobs; CPU per
  drawing does not, and says how many drawings per second one core can serve.

Method (2 shared cores cannot run 30 Chromiums next to the server they measure)
- Both servers run side by side (``streamlit run``, headless, 127.0.0.1 only, same environment); the load
  goes to one app at a time, in alternating phases (real, minimal, real, minimal, ...) so a change in the
  machine's background load hits both alike. Sessions connected to the idle app stay idle.
- Most sessions are **protocol clients**: one asyncio process speaks Streamlit's own websocket protocol
  (``/_stcore/stream``; ``BackMsg``/``ForwardMsg`` from ``streamlit.proto``) exactly as the browser does: a
  ``rerun_script`` with ``page_name="draw"`` opens the page; each stroke sends a ``rerun_script`` (with the
  canvas's ``fragment_id``, as the browser does for a widget in an ``st.fragment``) whose widget state for the canvas (``json_value``, ``{"drawing": {"raw": <Fabric JSON>, "data": "data:image/png;
  base64,..."}}``, the format captured from a real Chromium session) holds the canvas PNG so far. The
  digits are real pen trajectories from ``../shared/data/pendigits`` rendered stroke by stroke with
  ``nnscratch.drawing.pendigits.render`` (the canvas's own size, brush and anti-aliasing); where that data is
  absent, synthetic ones and zeros. Their end-to-end time is send -> the ``ForwardMsg`` holding the
  ``Prediction`` metric received (no browser rendering).
- ``--browsers`` sessions per app are **real headless Chromium** pages (Playwright, one browser process,
  one context each) drawing the same trajectories with ``page.mouse``. An init script timestamps, in the
  page, the ``mouseup``, the websocket send, the arrival of the message holding the ``Prediction``
  metric, and the moment that metric is on screen and no longer stale; end to end = mouseup -> on screen.
- Each session draws a digit stroke by stroke (waiting for each answer, then ``--stroke-gap`` seconds),
  then pauses ``--digit-gap`` seconds (random, uniform) and starts the next digit; browser sessions press
  Clear between digits. Defaults: 0.4-1.0 s between strokes, 2-4 s between digits: about one drawing
  every 2 s per person, i.e. a room where everyone draws continuously.
- ``--training K``: after the phases, K more sessions start long runs on the Train page (the ``quick`` recipe
  on the built-in sample, 500 epochs, through the form's Start button) and the real app gets one more phase
  of drawing while they train (reported apart, not in the ratio); closing those sessions stops the runs.
- After the phases, a burst check: one protocol session sends ten strokes back to back without waiting
  (Streamlit interrupts the older runs); the last must still get its prediction, with no exception.
- Both servers read the same ``.streamlit/config.toml`` (cwd = repo root) and environment, so a Streamlit
  setting can be compared by setting it in the environment for the whole run, e.g.
  ``STREAMLIT_RUNNER_POST_SCRIPT_GC=false python bench/bench_load.py`` (Streamlit's full ``gc.collect``
  after every rerun was ~100 ms of CPU per drawing here). The file watcher is always off
  (``--server.fileWatcherType none``): a commit landing mid-run otherwise re-imports modules under live
  sessions.
- Bounded: at most 60 sessions per app, phases of at most 300 s, every process it starts (two servers, one
  Chromium) is stopped at the end, also on Ctrl-C. Results go to stdout and ``--json`` (default
  ``test-artifacts/bench_load.json``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "tests")]

from streamlit_client import (  # noqa: E402  (the protocol client library)
    SHARED, BrowserSession, ProtocolSession, browser_fixtures, cpu_seconds, drive, load_digits, rss_mb,
    start_server, stop_server, summarize,
)

MAX_SESSIONS, MAX_PHASE = 60, 300
APPS = {"real": ("streamlit_app.py", "draw"), "minimal": ("bench/minimal_draw_app.py", "")}


async def start_trainers(url: str, n: int, epochs: int = 500):
    """n sessions that each start a long run on the Train page (the form's Start, like a click)."""
    out = []
    for i in range(n):
        t = ProtocolSession(url, "train", f"trainer{i}")
        await t.open(require_canvas=False)
        submit = t.widgets["Start training"][1]
        ep = next(v[1] for k, v in t.widgets.items() if k.startswith("Epochs"))
        await t.rerun([(ep, "int_value", epochs), (submit, "trigger_value", True)])
        out.append(t)
    return out


async def trainer_status(t) -> str:
    await t.rerun()
    text = " ".join(t.texts)
    for word in ("running", "queued", "completed", "stopped", "diverged", "error"):
        if f"· {word} ·" in text:
            return word
    return "unknown"


def read_timings(path: Path, since: float, until: float):
    if not path.exists():
        return []
    vals = []
    for line in path.read_text().splitlines():
        try:
            d = json.loads(line)
        except ValueError:
            continue
        if d.get("what") == "draw" and since <= d.get("t", 0) <= until:
            vals.append(float(d["seconds"]))
    return vals


async def run(args):
    from playwright.async_api import async_playwright

    out_dir = ROOT / "test-artifacts"
    out_dir.mkdir(exist_ok=True)
    digits = load_digits()
    print(f"{len(digits)} digits ready ({'pen trajectories' if (SHARED / 'pendigits').is_dir() else 'synthetic'})")
    servers, sessions, pw, browser = {}, {}, None, None
    results = {"config": {k: v for k, v in vars(args).items() if k != "json"}, "phases": []}
    try:
        for app, (script, _) in APPS.items():
            t = out_dir / f"bench_load_timings_{app}.jsonl"
            t.unlink(missing_ok=True)
            t0 = time.perf_counter()
            proc, url = start_server(script, t, out_dir / f"bench_load_server_{app}.log")
            servers[app] = (proc, url, t)
            print(f"{app}: {script} up at {url} in {time.perf_counter() - t0:.1f} s")
        n_proto = args.sessions - args.browsers
        if args.browsers:
            pw = await async_playwright().start()
            exe, why = browser_fixtures.find_chromium(pw)
            if exe is None:
                raise SystemExit(f"no browser: {why} (or run with --browsers 0)")
            browser = await pw.chromium.launch(executable_path=exe, args=browser_fixtures.CHROMIUM_FLAGS, headless=True)
        for app, (proc, url, _) in servers.items():
            page = APPS[app][1]
            sess = []
            t0 = time.perf_counter()
            for i in range(0, n_proto, 5):  # open in small groups: a first visit runs the whole page
                group = [ProtocolSession(url, page, f"{app}-p{j}") for j in range(i, min(i + 5, n_proto))]
                await asyncio.gather(*(s.open() for s in group))
                sess += [("protocol", s) for s in group]
            for j in range(args.browsers):
                s = BrowserSession(browser, url, page, f"{app}-b{j}")
                await s.open()
                sess.append(("browser", s))
            sessions[app] = sess
            print(f"{app}: {len(sess)} sessions open in {time.perf_counter() - t0:.1f} s; server RSS {rss_mb(proc.pid):.0f} MB")
        rng = random.Random(1)
        for rnd in range(args.rounds):
            for app in (("real", "minimal") if rnd % 2 == 0 else ("minimal", "real")):
                proc, url, tpath = servers[app]
                records: list = []
                cpu0 = cpu_seconds(proc.pid)
                wall0 = time.time()
                until = time.perf_counter() + args.phase
                await asyncio.gather(*(drive(s, kind, digits, until, random.Random(rng.random()), args, records)
                                       for kind, s in sessions[app]))
                wall1 = time.time()
                await asyncio.sleep(0.5)  # let the last timing lines land
                summary = summarize(records, read_timings(tpath, wall0, wall1 + 0.5))
                cpu = cpu_seconds(proc.pid) - cpu0
                summary.update(app=app, round=rnd, seconds=wall1 - wall0, rss_mb=rss_mb(proc.pid),
                               server_cpu_ms_per_stroke=1000 * cpu / max(1, summary["answered"]),
                               server_cpu_share=cpu / (wall1 - wall0), loadavg_1min=os.getloadavg()[0],
                               errors=sum(len(s.errors) for _, s in sessions[app]))
                results["phases"].append(summary)
                print(json.dumps(summary))
        if args.training:  # one more real-app phase while training runs fill the slots
            proc, url, tpath = servers["real"]
            trainers = await start_trainers(url, args.training)
            try:
                records = []
                cpu0, wall0 = cpu_seconds(proc.pid), time.time()
                until = time.perf_counter() + args.phase
                await asyncio.gather(*(drive(s, kind, digits, until, random.Random(rng.random()), args, records)
                                       for kind, s in sessions["real"]))
                wall1 = time.time()
                await asyncio.sleep(0.5)
                summary = summarize(records, read_timings(tpath, wall0, wall1 + 0.5))
                cpu = cpu_seconds(proc.pid) - cpu0
                running = [await trainer_status(t) for t in trainers]
                summary.update(app="real+training", trainers=args.training, trainer_status=running,
                               seconds=wall1 - wall0, server_cpu_share=cpu / (wall1 - wall0),
                               loadavg_1min=os.getloadavg()[0], rss_mb=rss_mb(proc.pid),
                               errors=sum(len(s.errors) for _, s in sessions["real"]))
                results["training_phase"] = summary
                print(json.dumps(summary))
            finally:
                for t in trainers:
                    await t.close()  # closing the session stops its run (the app's session-end hook)
        # ten quick strokes before the first answer returns
        burst = {}
        for app in servers:
            s = next(s for kind, s in sessions[app] if kind == "protocol") if n_proto else None
            if s is not None:
                burst[app] = await s.burst(digits)
        results["burst"] = burst
        results["errors"] = {app: sorted({e for _, s in sessions[app] for e in s.errors})[:5] for app in sessions}
    finally:
        for app, sess in sessions.items():
            for _, s in sess:
                try:
                    await s.close()
                except Exception:  # noqa: BLE001 - closing best effort
                    pass
        if browser is not None:
            await browser.close()
        if pw is not None:
            await pw.stop()
        for proc, _, _ in servers.values():
            stop_server(proc)
    results["summary"] = overall(results["phases"])
    return results


def overall(phases):
    """Pool the phases per app and compute the real/minimal ratios."""
    res = {}
    for app in APPS:
        ph = [p for p in phases if p["app"] == app]
        if not ph:
            continue
        res[app] = dict(strokes=sum(p["strokes"] for p in ph), lost=sum(p["lost"] for p in ph),
                        errors=max(p["errors"] for p in ph),
                        server_cpu_ms_per_stroke=statistics.fmean(p["server_cpu_ms_per_stroke"] for p in ph),
                        loadavg_1min=statistics.fmean(p["loadavg_1min"] for p in ph))
        for key in ("protocol_e2e", "browser_e2e", "server"):
            vals = [p[key] for p in ph if key in p]
            if vals:
                n = sum(v["n"] for v in vals)
                # weighted mean of the per-phase percentiles (phases are similar in length)
                res[app][key] = {q: sum(v[q] * v["n"] for v in vals) / n for q in ("p50", "p95")} | {"n": n}
    if "real" in res and "minimal" in res:
        res["cpu_ratio"] = res["real"]["server_cpu_ms_per_stroke"] / res["minimal"]["server_cpu_ms_per_stroke"]
        res["ratio"] = {key: {q: res["real"][key][q] / res["minimal"][key][q] for q in ("p50", "p95")}
                        for key in ("protocol_e2e", "browser_e2e", "server")
                        if key in res["real"] and key in res["minimal"]}
    return res


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sessions", type=int, default=30, help="sessions per app (protocol + browser)")
    p.add_argument("--browsers", type=int, default=2, help="how many of them are real Chromium pages")
    p.add_argument("--phase", type=float, default=40.0, help="seconds of load per phase")
    p.add_argument("--rounds", type=int, default=2, help="real+minimal phase pairs (alternating order)")
    p.add_argument("--stroke-gap", type=float, nargs=2, default=(0.4, 1.0), metavar=("MIN", "MAX"))
    p.add_argument("--digit-gap", type=float, nargs=2, default=(2.0, 4.0), metavar=("MIN", "MAX"))
    p.add_argument("--training", type=int, default=0,
                   help="after the phases, one more real-app phase while this many sessions train (0-4)")
    p.add_argument("--json", type=Path, default=ROOT / "test-artifacts" / "bench_load.json")
    args = p.parse_args(argv)
    if not 1 <= args.sessions <= MAX_SESSIONS or not 0 <= args.browsers <= min(args.sessions, 4):
        p.error(f"--sessions 1..{MAX_SESSIONS}, --browsers 0..4 (and <= sessions)")
    if not 0 <= args.training <= 4:
        p.error("--training 0..4")
    if not 1 <= args.phase <= MAX_PHASE or not 1 <= args.rounds <= 5:
        p.error(f"--phase 1..{MAX_PHASE} s, --rounds 1..5")
    t0 = time.perf_counter()
    res = asyncio.run(run(args))
    res["wall_seconds"] = time.perf_counter() - t0
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(res, indent=1) + "\n")
    print(json.dumps(res["summary"], indent=1))
    print(f"burst: {json.dumps(res.get('burst'))}")
    print(f"written to {args.json} ({res['wall_seconds']:.0f} s)")


if __name__ == "__main__":
    main()
