"""How fine_tune's defaults were chosen, on writers the benchmark does not report on.

    python bench/tune_finetune.py --model BASE.npz [--worst 3] [--seeds 1]

BASE should be a model that never saw pen digits (e.g. ``python -m nnscratch train --preset best
--epochs 8 --data mnist --val-fraction 0 --out BASE.npz``): the training writers of
``pendigits.heldout_split`` are then as new to it as the held-out ones, and ``bench_finetune.py``
reports on the held-out writers only. Forgetting is measured on the first half of the MNIST test set
here (the benchmark reports the whole set). One line per candidate setting, each changed from START
in one to three options.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_finetune import SHARED, run_writers, writer_digits  # noqa: E402

from nnscratch import Network, load_mnist  # noqa: E402
from nnscratch.drawing import pendigits  # noqa: E402

# Where the search started (the first guess), and each candidate's changes to it. Written out in full
# so the figures do not change when nnscratch.finetune.DEFAULTS (chosen from them: #13) changes.
START = dict(steps=300, batch_size=64, lr=3e-4, replay_fraction=0.5, augment=True)
CANDIDATES = [
    {},
    {"lr": 1e-4}, {"lr": 1e-3},
    {"steps": 100}, {"steps": 200}, {"steps": 500},
    {"replay_fraction": 0.25}, {"replay_fraction": 0.75},
    {"augment": False}, {"augment": {"thickness": 0.5}},
    {"steps": 150, "lr": 1e-3},
    # round 2, around the best of round 1 (lr 1e-4 forgot least; more replay forgot less)
    {"lr": 1e-4, "replay_fraction": 0.75}, {"lr": 1e-4, "steps": 150},
    {"lr": 1e-4, "steps": 150, "replay_fraction": 0.75}, {"lr": 5e-5},
    {"lr": 1e-4, "steps": 500, "replay_fraction": 0.75},
]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", required=True, help="a model that never saw pen digits")
    p.add_argument("--worst", type=int, default=3)
    p.add_argument("--seeds", type=int, default=1)
    p.add_argument("--only", type=int, nargs="*", help="indexes of CANDIDATES to run (default all)")
    args = p.parse_args()
    train, _ = pendigits.heldout_split(pendigits.load(SHARED / "pendigits" / "pendigits-train"))
    X, y, w = writer_digits(train)
    Xm, ym = load_mnist(str(SHARED / "mnist")).test_xy()
    mnist_half = (Xm[:5000], ym[:5000])
    net = Network.load(args.model)
    errors = {int(wr): float((net.predict(X[w == wr]) != y[w == wr]).mean()) for wr in np.unique(w)}
    writers = sorted(errors, key=lambda wr: -errors[wr])[:args.worst]
    print(f"{args.model}: tuning on training writers {writers} "
          f"(errors {', '.join(f'{100 * errors[wr]:.1f} %' for wr in writers)}); start {START}")
    print(f"{'options':<40} {'error before':>12} {'error after':>11} {'worst MNIST drop':>16} {'CPU s':>6}")
    for i, options in enumerate(CANDIDATES):
        if args.only and i not in args.only:
            continue
        rows = [r for _, _, r in run_writers(net, X, y, w, writers, mnist_half, args.seeds, **{**START, **options})]
        eb, ea, cpu = (np.mean([r[k] for r in rows]) for k in ("err_before", "err_after", "cpu"))
        drop = max(r["mnist_before"] - r["mnist_after"] for r in rows)
        print(f"{i:>2} {str(options or 'start'):<37} {100 * eb:>10.2f} % {100 * ea:>9.2f} % "
              f"{100 * drop:>+13.2f} pt {cpu:>6.1f}", flush=True)


if __name__ == "__main__":
    main()
