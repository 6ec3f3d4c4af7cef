"""Where a run computes: the same run of the best preset in a thread of this process, in a child process
(nnscratch/child.py), and in a child whose fork server leaves glibc's malloc as it is, side by side.

    python bench/bench_child.py            # 2 rounds of each, 300 steps of the best preset on the sample

Printed: each run's compute seconds (the worker's own count: time holding a slot) and the ratios to the
thread's. One BLAS thread throughout.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

def one_run(where: str, steps: int) -> float:
    """``where``: "thread", "child" or "child, malloc as it is"."""
    import nnscratch
    from nnscratch import child
    from nnscratch import worker as W
    from nnscratch.data.splits import prepare_arrays
    from nnscratch.limiter import SlotLimiter
    from nnscratch.recipe import Recipe, preset_recipe

    r = Recipe(**{**preset_recipe("best").to_dict(), "hidden": tuple(preset_recipe("best").hidden),
                  "steps": steps, "epochs": 0})
    a = _arrays(prepare_arrays, nnscratch)
    child.AVAILABLE, was = where != "thread", child.AVAILABLE
    child._SERVER = child._ForkServer(keep_memory=where == "child")
    try:
        w = W.TrainingWorker(r.network(), a, r, limiter=SlotLimiter(1)).start()
        w.join()
        assert w.status == W.COMPLETED, w.error
        return w.snapshot()["compute"]
    finally:
        child.AVAILABLE = was


_A = []


def _arrays(prepare_arrays, nnscratch):
    if not _A:
        _A.append(prepare_arrays(nnscratch.load_mnist("sample")))
    return _A[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--steps", type=int, default=300)
    args = ap.parse_args()
    from nnscratch import threads
    threads.pin_blas(1)
    times = {"thread": [], "child": [], "child, malloc as it is": []}
    for _ in range(args.rounds):
        for where in times:
            times[where].append(one_run(where, args.steps))
            print(f"{where:24s} {times[where][-1]:.2f} s of computing", flush=True)
    t = statistics.median(times["thread"])
    for where, ts in times.items():
        print(f"median {where:24s} {statistics.median(ts):.2f} s: {statistics.median(ts) / t:.2f}x the thread's")


if __name__ == "__main__":
    t0 = time.perf_counter()
    main()
    print(f"({time.perf_counter() - t0:.0f} s)")
