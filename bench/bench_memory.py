"""Server memory per session: RSS of `streamlit run streamlit_app.py` before and after 30 idle sessions.

    OPENBLAS_NUM_THREADS=1 python bench/bench_memory.py            # 30 sessions
    python bench/bench_memory.py --sessions 10

Method: the app runs under ``streamlit run`` (headless, 127.0.0.1, a free port). A warm-up session visits
every page once and draws a digit, so everything shared is loaded (datasets, the shipped model and its
evaluation, imports, Streamlit's own caches); it then disconnects. Baseline = the server's RSS
(/proc/<pid>/status VmRSS) once it has settled. Then ``--sessions`` sessions connect at the protocol
level (Streamlit's websocket protocol, the ``ProtocolSession`` of bench/streamlit_client.py: no browser, so
the server sees exactly what a browser would send) and, like participants who looked around and are now
listening to the presenter, each one opens Home, visits every page once, draws one real pen digit on
the Draw page and then stays connected and idle. RSS is read after they all opened Home, after the page
tour, and once more after they all disconnected (is the memory given back?).
Per extra session = (RSS after the tour - baseline) / sessions; aim < 25 MB. Results also go to --json.
Bounded: at most 60 sessions, only 127.0.0.1, the server is stopped at the end (also on Ctrl-C).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import streamlit_client as B  # noqa: E402  (servers, protocol sessions, pen digits)

PAGES = ["", "train", "weights", "draw", "evaluate", "how-it-works"]


async def settle(pid: int, seconds: float = 4.0) -> float:
    """RSS after the server has been idle for ``seconds`` (a few samples; the last one)."""
    await asyncio.sleep(seconds)
    return B.rss_mb(pid)


async def tour(s: B.ProtocolSession, digit) -> None:
    for page in PAGES[1:]:
        await s.goto(page)
        if page == "draw":
            label, strokes, urls = digit
            pred, _, _ = await s.stroke(strokes, urls[-1])
            if pred is None:
                s.errors.append("no prediction for the drawing")


async def run(args) -> dict:
    out = B.ROOT / "test-artifacts"
    out.mkdir(exist_ok=True)
    digits = B.load_digits(max(args.sessions, 2))
    proc, url = B.start_server("streamlit_app.py", out / "bench_memory_timings.jsonl", out / "bench_memory_server.log")
    res = {"sessions": args.sessions, "server_pid_rss_at_start_mb": B.rss_mb(proc.pid)}
    sessions = []
    try:
        warm = B.ProtocolSession(url, "", "warm-up")
        await warm.open(require_canvas=False)
        await tour(warm, digits[0])
        await warm.close()
        res["baseline_mb"] = await settle(proc.pid)
        t0 = time.perf_counter()
        for i in range(0, args.sessions, 5):  # connect in groups of 5, like a room arriving
            group = [B.ProtocolSession(url, "", f"s{j}") for j in range(i, min(i + 5, args.sessions))]
            await asyncio.gather(*(s.open(require_canvas=False) for s in group))
            sessions += group
        res["after_home_mb"] = await settle(proc.pid)
        for i in range(0, len(sessions), 5):
            await asyncio.gather(*(tour(s, digits[j % len(digits)]) for j, s in enumerate(sessions[i:i + 5], i)))
        res["connect_and_tour_seconds"] = time.perf_counter() - t0
        res["after_tour_mb"] = await settle(proc.pid)
        res["errors"] = sorted({e for s in sessions for e in s.errors})
        for s in sessions:
            await s.close()
        sessions = []
        res["after_disconnect_mb"] = await settle(proc.pid, 8.0)
    finally:
        for s in sessions:
            try:
                await s.close()
            except Exception:  # noqa: BLE001 - best effort
                pass
        B.stop_server(proc)
    n = args.sessions
    res["per_session_home_mb"] = (res["after_home_mb"] - res["baseline_mb"]) / n
    res["per_session_after_tour_mb"] = (res["after_tour_mb"] - res["baseline_mb"]) / n
    return res


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sessions", type=int, default=30)
    p.add_argument("--json", type=Path, default=B.ROOT / "test-artifacts" / "bench_memory.json")
    args = p.parse_args(argv)
    if not 1 <= args.sessions <= 60:
        p.error("--sessions 1..60")
    res = asyncio.run(run(args))
    args.json.write_text(json.dumps(res, indent=1) + "\n")
    for k, v in res.items():
        print(f"{k:32s} {v:.1f}" if isinstance(v, float) else f"{k:32s} {v}")
    print(f"written to {args.json}")


if __name__ == "__main__":
    main()
