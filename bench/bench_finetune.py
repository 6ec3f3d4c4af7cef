"""Does "Teach it my handwriting" work? Fine-tune on 3 digits per class of one pen writer, test on the rest.

    python bench/bench_finetune.py [--model M ...] [--worst K] [--seeds S]

For each model (default: the shipped ``models/mnist_mlp.npz``), the held-out writers of
``pendigits.heldout_split`` (never trained on by the shipped model, never used to choose fine_tune's
defaults: ``bench/tune_finetune.py`` chose them on the training writers) are ranked by the model's
error, and for the K it reads worst: pick 3 of the writer's digits per class (S different picks),
``fine_tune`` with its defaults, and measure that writer's other digits and the full MNIST test set
before and after. Aim: the writer's error at least halves. Limit: MNIST test drops by at most 0.3 points.
Seconds are CPU seconds of this process (the machine is shared; wall time is printed beside them).
Needs ../shared/data/pendigits and ../shared/data/mnist.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nnscratch import Network, fine_tune, load_mnist  # noqa: E402
from nnscratch.drawing import pendigits  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
PER_CLASS = 3
AIM_FACTOR = 0.5      # the writer's error at least halves
MNIST_LIMIT = 0.003   # MNIST test accuracy drops by at most 0.3 points


def writer_digits(samples):
    """Pen samples -> (X float32 (n, 784), y int64 (n,), writer int (n,)), rendered like canvas drawings."""
    X, y = pendigits.to_dataset(samples)
    return X, y, np.array([s.writer for s in samples])


def pick(y, idx, seed, per_class=PER_CLASS):
    """(train, test) index arrays: ``per_class`` of idx's digits of every class to learn, the rest to test."""
    rng = np.random.default_rng(seed)
    train = np.concatenate([rng.choice(idx[y[idx] == c], per_class, replace=False) for c in range(10)])
    return np.sort(train), np.setdiff1d(idx, train)


def trial(net, X, y, train, test, mnist_test, seed, **options):
    """One fine-tune -> dict of errors before/after (fractions), MNIST accuracies, CPU and wall seconds."""
    cpu, wall = time.process_time(), time.perf_counter()
    new = fine_tune(net, X[train], y[train], seed=seed, **options)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    Xm, ym = mnist_test
    return {"err_before": float((net.predict(X[test]) != y[test]).mean()),
            "err_after": float((new.predict(X[test]) != y[test]).mean()),
            "mnist_before": net.accuracy(Xm, ym), "mnist_after": new.accuracy(Xm, ym),
            "cpu": cpu, "wall": wall, "n_test": int(len(test))}


def run_writers(net, X, y, w, writers, mnist_test, seeds, **options):
    """Trials for every writer x seed -> list of (writer, seed, trial dict)."""
    out = []
    for wr in writers:
        idx = np.flatnonzero(w == wr)
        for seed in range(seeds):
            train, test = pick(y, idx, seed)
            out.append((wr, seed, trial(net, X, y, train, test, mnist_test, seed, **options)))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", action="append", help="model(s) to start from (default: the shipped one)")
    p.add_argument("--worst", type=int, default=3, help="how many of the worst-read held-out writers (default 3)")
    p.add_argument("--seeds", type=int, default=3, help="different picks of the 3 digits per class (default 3)")
    p.add_argument("--pendigits", default=str(SHARED / "pendigits" / "pendigits-train"))
    p.add_argument("--mnist", default=str(SHARED / "mnist"))
    args = p.parse_args()
    for f in (args.pendigits, args.mnist):
        if not Path(f).exists():
            sys.exit(f"bench_finetune: {f} not found (development data in ../shared)")
    _, heldout = pendigits.heldout_split(pendigits.load(args.pendigits))
    X, y, w = writer_digits(heldout)
    mnist_test = load_mnist(args.mnist).test_xy()
    for path in args.model or [str(ROOT / "models" / "mnist_mlp.npz")]:
        net = Network.load(path)
        errors = {int(wr): float((net.predict(X[w == wr]) != y[w == wr]).mean()) for wr in np.unique(w)}
        print(f"\n{path} ({net.meta.get('name', net.architecture)}): error on each held-out writer's "
              f"{'/'.join(str(int((w == wr).sum())) for wr in errors)} digits: "
              + ", ".join(f"{wr}: {100 * e:.1f} %" for wr, e in errors.items()))
        ranked = sorted(errors, key=lambda wr: -errors[wr])[:args.worst]
        if not any(errors[wr] > 0 for wr in ranked):
            print("  it reads every held-out writer without an error: nothing to teach")
            continue
        report(run_writers(net, X, y, w, ranked, mnist_test, args.seeds))


def report(rows):
    """Print one line per writer x seed, a mean per writer and whether aim and limit are met."""
    print(f"  {'writer':>6} {'pick':>4} {'tested':>6} {'error before':>12} {'error after':>11} "
          f"{'MNIST before':>12} {'MNIST after':>11} {'CPU s':>6} {'wall s':>6}")
    for wr, seed, r in rows:
        print(f"  {wr:>6} {seed:>4} {r['n_test']:>6} {100 * r['err_before']:>10.2f} % {100 * r['err_after']:>9.2f} % "
              f"{100 * r['mnist_before']:>10.2f} % {100 * r['mnist_after']:>9.2f} % {r['cpu']:>6.1f} {r['wall']:>6.1f}")
    for wr in dict.fromkeys(wr for wr, _, _ in rows):
        rs = [r for w_, _, r in rows if w_ == wr]
        eb, ea = (np.mean([r[k] for r in rs]) for k in ("err_before", "err_after"))
        drop = max(r["mnist_before"] - r["mnist_after"] for r in rs)
        aim = "n/a: no errors before" if eb == 0 else "met" if ea <= AIM_FACTOR * eb else "NOT met"
        limit = "met" if drop <= MNIST_LIMIT else "NOT met"
        print(f"  writer {wr}, mean of {len(rs)} picks: error {100 * eb:.2f} % -> {100 * ea:.2f} % "
              f"(aim: at least halves: {aim}); largest MNIST test drop {100 * drop:+.2f} points "
              f"(limit 0.30: {limit})")


if __name__ == "__main__":
    main()
