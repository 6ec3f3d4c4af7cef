"""How long a time slice should be: 30 heavy runs started together on this machine's training slots, for
several values of ``turns.SLICE_SECONDS``, in one process (the app's own worker and limiter, no server).

    python bench/bench_slices.py                    # 30 runs of the best preset's network, 60 steps each
    python bench/bench_slices.py --runs 10 --steps 120

For each slice: the longest wait until a run had its first point, the mean and last completion (makespan),
and the makespan over the bound (the runs' solo compute summed / cores). "one epoch" is a slice as long as
one pass over the sample; "whole run" never gives the slot back: first come, first served, as before.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nnscratch import turns  # noqa: E402
from nnscratch import worker as W  # noqa: E402
from nnscratch.data import load_mnist  # noqa: E402
from nnscratch.data.splits import prepare_arrays  # noqa: E402
from nnscratch.limiter import SlotLimiter  # noqa: E402
from nnscratch.recipe import PRESETS  # noqa: E402


def room(arrays, recipe, n, slice_s):
    turns.SLICE_SECONDS = slice_s
    lim = SlotLimiter(os.cpu_count() or 1)
    doors = [object() for _ in range(lim.capacity)]
    for d in doors:  # everyone presses Start, then the slots open together
        lim.acquire(d)
    runs = [W.TrainingWorker(recipe.network(), arrays, recipe, limiter=lim).start() for _ in range(n)]
    while lim.waiting < n:
        time.sleep(0.01)
    t0 = time.perf_counter()
    for d in doors:
        lim.release(d)
    first, done = {}, {}
    while len(done) < n:
        now = time.perf_counter() - t0
        for w in runs:
            if w.id not in first and w.n_rows():
                first[w.id] = now
            if w.id not in done and w.done:
                done[w.id] = now
        time.sleep(0.005)
    return max(first.values()), statistics.fmean(done.values()), max(done.values())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--steps", type=int, default=60)
    args = ap.parse_args(argv)
    if not 1 <= args.runs <= 60:
        ap.error("--runs must be 1 to 60")
    arrays = prepare_arrays(load_mnist("sample"))
    recipe = PRESETS["best"].recipe.replace(steps=args.steps)
    solo = room(arrays, recipe, 1, float("inf"))[2]
    epoch = solo / args.steps * W.steps_per_epoch(arrays.n_train, recipe.batch_size)
    bound = args.runs * solo / (os.cpu_count() or 1)
    print(f"{args.runs} runs of {args.steps} steps (best preset's network); one alone: {solo:.2f} s; "
          f"bound {bound:.1f} s")
    print(f"{'slice':>12}  {'first point (max)':>18}  {'mean end':>9}  {'makespan':>9}  {'/ bound':>7}")
    for label, s in (("20 ms", 0.02), ("100 ms", 0.1), ("500 ms", 0.5), ("one epoch", epoch),
                     ("whole run", float("inf"))):
        first, mean_end, last = room(arrays, recipe, args.runs, s)
        print(f"{label:>12}  {first:17.2f}s  {mean_end:8.1f}s  {last:8.1f}s  {last / bound:7.2f}")


if __name__ == "__main__":
    main()
