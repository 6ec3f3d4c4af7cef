"""How big is the exported web page, and how far are its answers from the float32 engine's?

    python bench/bench_webpage.py [--model M.npz ...] [--mnist DIR]

For each model (default: a 784-128-10 trained here with the "quick" preset, seed 0, on MNIST's 60,000
training digits; and the shipped models/mnist_mlp.npz), and each weight encoding of
``nnscratch.webpage`` (float32, float16, int8 with one scale per matrix): the page's size, and over the
10,000 MNIST test digits the largest and mean absolute difference of any probability from the float32
model's, the share of digits whose answer (argmax) is the same, and the test accuracy. The quantised
weights are what the page decodes (``webpage.quantised``); the page's own JavaScript forward pass is
checked against them to 1e-5 in tests/browser/test_browser_webpage.py. Needs ../shared/data/mnist (or
the MNIST cache: ``python -m nnscratch download``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nnscratch import Network, load_mnist  # noqa: E402
from nnscratch.checkpoint import SHIPPED_MODEL_PATH  # noqa: E402
from nnscratch.recipe import preset_recipe  # noqa: E402
from nnscratch.train import fit  # noqa: E402
from nnscratch.webpage import ENCODINGS, quantised, to_html  # noqa: E402

SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist"
LIMIT_KB = 500  # issue #25: a 784-128-10 page under 500 KB


def quick_128(ds) -> Network:
    """784-128-10 with the quick preset (what a workshop trains first), seed 0."""
    recipe = preset_recipe("quick").replace(hidden=(128,), seed=0)
    net = recipe.network()
    X, y = ds.train_xy()
    t = time.perf_counter()
    fit(net, X, y, **recipe.fit_kwargs())
    net.meta = {"name": "quick 784-128-10 (bench)", "train_seconds": time.perf_counter() - t}
    return net


def rows(net: Network, X, y):
    p32 = net.predict_proba(X)
    for enc in ENCODINGS:
        p = quantised(net, enc).predict_proba(X)
        diff = np.abs(p - p32)
        yield dict(encoding=enc, kb=len(to_html(net, enc).encode()) / 1024, max_diff=float(diff.max()),
                   mean_diff=float(diff.mean()), agree=float((p.argmax(1) == p32.argmax(1)).mean()),
                   acc=float((p.argmax(1) == y).mean()))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", nargs="*", help="model files (default: a quick 784-128-10 trained here + the shipped one)")
    ap.add_argument("--mnist", default=str(SHARED_MNIST) if SHARED_MNIST.is_dir() else "mnist",
                    help="MNIST folder or 'mnist' (the cache)")
    args = ap.parse_args()
    ds = load_mnist(args.mnist)
    X, y = ds.test_xy()
    models = ([(m, Network.load(m)) for m in args.model] if args.model
              else [("quick, trained now", quick_128(ds)), (SHIPPED_MODEL_PATH.name, Network.load(SHIPPED_MODEL_PATH))])
    print(f"Exported page vs the float32 engine on {len(y):,} MNIST test digits ({ds.source})")
    print(f"{'model':<20} {'layers':<11} {'weights':<8} {'page KB':>8} {'max |dp|':>9} {'mean |dp|':>10} {'same answer':>12} {'accuracy':>9}")
    for name, net in models:
        for r in rows(net, X, y):
            flag = " (over 500 KB)" if net.sizes == [784, 128, 10] and r["kb"] >= LIMIT_KB else ""
            print(f"{name:<20.20} {net.architecture:<11} {r['encoding']:<8} {r['kb']:>8.0f} {r['max_diff']:>9.2e} {r['mean_diff']:>10.1e} "
                  f"{100 * r['agree']:>11.2f}% {100 * r['acc']:>8.2f}%{flag}")


if __name__ == "__main__":
    main()
