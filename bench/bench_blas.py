"""The BLAS threads of a training run: one thread per run with runs in parallel, or all the cores for one run
at a time? Side by side in one process, on this machine.

    python bench/bench_blas.py                 # the best preset's network (784-800-10, augmented), 150 steps
    python bench/bench_blas.py --preset quick  # 784-128-10, the default recipe

For K runs (K = the cores): (a) the K runs at once, one thread each, as the app does (``threads.pin_blas(1)``
and one slot per core); (b) the same K runs one after another, each with K BLAS threads. Also one run alone
with 1 and with K threads: the speed-up a run gets from more threads (its efficiency = speed-up / K).
Printed: wall seconds and the ratio b / a (above 1: parallel runs finish the room sooner).

On 16 cores the same comparison is 16 runs at once against 16 threads for one run; this machine cannot run it,
but its ingredient is measured here: a run's speed-up from K threads. With a speed-up s(K) < K, K runs at
once finish in 1/s(K)·K of the time the threads-per-run plan needs, and the matrices of one mini-batch
(64-128 rows) only get harder to split as K grows.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402,F401  (loaded before threadpoolctl looks for its BLAS)
from threadpoolctl import threadpool_limits  # noqa: E402

from nnscratch.data import load_mnist  # noqa: E402
from nnscratch.data.splits import prepare_arrays  # noqa: E402
from nnscratch.recipe import PRESETS  # noqa: E402
from nnscratch.train import fit  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--preset", default="best", choices=list(PRESETS))
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--repeats", type=int, default=3, help="best of this many")
    args = ap.parse_args(argv)
    k = os.cpu_count() or 1
    a = prepare_arrays(load_mnist("sample"))
    recipe = PRESETS[args.preset].recipe
    kwargs = {**recipe.fit_kwargs(), "epochs": None, "steps": args.steps}

    def one_run():
        fit(recipe.network(), a.X_train, a.y_train, **kwargs)

    def timed(fn, threads):
        best = float("inf")
        for _ in range(args.repeats):
            with threadpool_limits(limits=threads, user_api="blas"):
                t0 = time.perf_counter()
                fn()
                best = min(best, time.perf_counter() - t0)
        return best

    def parallel():
        ts = [threading.Thread(target=one_run) for _ in range(k)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()

    def serial():
        for _ in range(k):
            one_run()

    one_1, one_k = timed(one_run, 1), timed(one_run, k)
    par, ser = timed(parallel, 1), timed(serial, k)
    print(f"{args.preset} preset, {args.steps} steps a run, {k} cores, best of {args.repeats}:")
    print(f"  one run alone, 1 BLAS thread:   {one_1:6.2f} s")
    print(f"  one run alone, {k} BLAS threads:  {one_k:6.2f} s   speed-up {one_1 / one_k:.2f}x, "
          f"efficiency {one_1 / one_k / k:.0%}")
    print(f"  (a) {k} runs at once, 1 thread each:        {par:6.2f} s")
    print(f"  (b) {k} runs one after another, {k} threads each: {ser:6.2f} s")
    print(f"  b / a = {ser / par:.2f}  (above 1: runs in parallel serve a room sooner; the app does a)")


if __name__ == "__main__":
    main()
