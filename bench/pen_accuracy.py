"""How well a model reads real pen-written digits, rendered the way the Draw page's canvas draws them.

    python bench/pen_accuracy.py [MODEL ...] [--pendigits FILE]

Prints accuracy on the held-out writers of ``nnscratch.drawing.pendigits.heldout_split`` (never used for
training by ``train --add-pendigits``) and on all 7,494 digits (only meaningful for a model that
saw no pen digits). Needs the development file ../shared/data/pendigits/pendigits-train.
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nnscratch import Network  # noqa: E402
from nnscratch.drawing import pendigits  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("models", nargs="*", default=[str(ROOT / "models" / "mnist_mlp.npz")])
    p.add_argument("--pendigits", default=str(ROOT.parent / "shared" / "data" / "pendigits" / "pendigits-train"))
    args = p.parse_args()
    if not Path(args.pendigits).is_file():
        sys.exit(f"pen_accuracy: {args.pendigits} not found; give --pendigits FILE")
    samples = pendigits.load(args.pendigits)
    train, test = pendigits.heldout_split(samples)
    X_all, y_all = pendigits.to_dataset(samples)
    X_test, y_test = pendigits.to_dataset(test)
    writers = sorted({s.writer for s in test})
    for path in args.models:
        net = Network.load(path)
        print(f"{path}: held-out writers {writers} ({len(y_test):,} digits): {100 * net.accuracy(X_test, y_test):.2f} %; "
              f"all {len(y_all):,} digits: {100 * net.accuracy(X_all, y_all):.2f} %")


if __name__ == "__main__":
    main()
