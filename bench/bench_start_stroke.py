"""The stroke made as the room presses Start, this checkout against another commit, in pairs.

    python bench/bench_start_stroke.py --against 07187be --pairs 8

The moment `bench_room.py` shows once per room, repeated: 30 sessions open the Train page, press Start
("Watch it learn") at the same moment, and one more person, in a process of their own, draws a stroke on
the Draw page 0, 30 or 100 ms after the presses were sent. Printed: how long that stroke took (sent ->
prediction received), for both servers, alternating, and in how many pairs this checkout's was faster.

Both servers are started as the README starts the app (``streamlit run streamlit_app.py``, free 127.0.0.1
ports, nothing set); the other commit is a temporary git worktree, removed at the end. Bounded: at most 20
pairs; each room's sessions are closed after the stroke, and the next room waits for its runs to end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import bench_room as R  # noqa: E402  (the room's sessions and the drawer)
import streamlit_client as B  # noqa: E402

OFFSETS = (0.0, 0.03, 0.0, 0.1)  # seconds between the presses and the stroke, in turn
RUN_SECONDS = 26  # a room's runs (about 20-24 s at the watch pace) end before the next room on that server


async def one_room(url: str, offset: float) -> float | None:
    """30 Start presses and one stroke ``offset`` s later: the stroke's seconds, or None if unanswered."""
    watchers = [R.Watcher(url, i) for i in range(30)]
    for k in range(0, 30, 5):
        await asyncio.gather(*(w.open() for w in watchers[k:k + 5]))
    drawer = await asyncio.create_subprocess_exec(sys.executable, str(ROOT / "bench" / "bench_room.py"),
                                                  "--draw-at", url, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    if (await drawer.stdout.readline()).strip() != b"ready":
        raise RuntimeError("the drawer could not open the Draw page")
    presses = asyncio.ensure_future(asyncio.gather(*(w.start("Watch it learn") for w in watchers)))
    await asyncio.sleep(offset)
    drawer.stdin.write(b"go\n")
    await presses
    await asyncio.sleep(1.5)
    drawer.stdin.write(b"stop\n")
    strokes = json.loads(await drawer.stdout.read())
    await drawer.wait()
    for w in watchers:
        await w.s.close()
    return strokes[0]["e2e"] if strokes and strokes[0].get("ok") else None


async def main(args) -> None:
    for k in R.UNSET:
        os.environ.pop(k, None)
    other = Path(tempfile.mkdtemp(prefix="nnscratch-against-")) / "tree"
    subprocess.run(["git", "worktree", "add", "--detach", str(other), args.against], cwd=ROOT, check=True,
                   capture_output=True)
    logs = Path(tempfile.mkdtemp(prefix="nnscratch-bench-"))
    servers = {}
    try:
        for name, root in (("this checkout", ROOT), (args.against, other)):
            servers[name] = B.start_server("streamlit_app.py", logs / f"{len(servers)}.jsonl",
                                           logs / f"{len(servers)}.log", cwd=root)
        ms = {name: [] for name in servers}
        for i in range(args.pairs):
            offset = OFFSETS[i % len(OFFSETS)]
            for name, (_, url) in servers.items():
                e2e = await one_room(url, offset)
                ms[name].append(None if e2e is None else round(e2e * 1000))
                await asyncio.sleep(RUN_SECONDS)
            print(f"pair {i + 1} (stroke {offset * 1000:.0f} ms after the presses): "
                  + "; ".join(f"{name} {ms[name][-1]} ms" for name in servers), flush=True)
        mine, theirs = ms["this checkout"], ms[args.against]
        both = [(a, b) for a, b in zip(mine, theirs) if a is not None and b is not None]
        print(f"this checkout: {' '.join(map(str, mine))} ms (mean {sum(a for a, _ in both) / max(len(both), 1):.0f})")
        print(f"{args.against}: {' '.join(map(str, theirs))} ms (mean {sum(b for _, b in both) / max(len(both), 1):.0f})")
        print(f"this checkout faster in {sum(a < b for a, b in both)} of {len(both)} pairs, "
              f"as fast in {sum(a == b for a, b in both)}")
    finally:
        for proc, _ in servers.values():
            B.stop_server(proc)
        subprocess.run(["git", "worktree", "remove", "--force", str(other)], cwd=ROOT, capture_output=True)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--against", required=True, help="the commit to compare with (a git revision)")
    ap.add_argument("--pairs", type=int, default=8, help="rooms on each server, alternating (at most 20)")
    a = ap.parse_args()
    if not 1 <= a.pairs <= 20:
        ap.error("--pairs: use 1 to 20")
    asyncio.run(main(a))
