"""Does a smaller Draw canvas still give MNIST's stroke widths? Measured on real pen digits, not assumed.

    python bench/bench_canvas_size.py [--model models/mnist_mlp.npz] [--phone 240]

On a phone the canvas may be shown smaller than its CANVAS_SIZE (280) px. Three ways to do that:
- **CSS zoom** (what the app does): the canvas keeps its 280 x 280 bitmap and its BRUSH_WIDTH (22) brush
  and is only displayed smaller; the image the server gets is a 280 px drawing, the first row below.
  (The phone browser test checks this end to end: touch-drawn pen digits on the zoomed canvas get the same
  answers as these offline renders at 280.)
- a **smaller bitmap, same brush** (240 px, brush 22): the strokes get thicker relative to the digit;
- a **smaller bitmap, brush scaled** (240 px, brush 22 * 240 / 280).

For each, the held-out writers' pen digits (``pendigits.heldout_split``, 1,499 digits of 6 writers) are
rendered with ``pendigits.render(size=..., brush=...)`` and preprocessed by ``preprocess.to_mnist``, exactly
the Draw page's path, and we print the shipped model's accuracy and stroke-width statistics of the 28x28
inputs next to MNIST's own test digits:
- ``width`` = 2 * area / perimeter of the ink (pixels >= 0.5; perimeter = ink/background pixel edges): the
  stroke width in pixels for long thin strokes (the same estimator for every row, so they compare);
- ``mean px`` = mean pixel value (MNIST's well-known 0.13), ``ink px`` = pixels >= 0.5 per digit.
Needs ../shared/data/pendigits/pendigits-train (and ../shared/data/mnist for the MNIST row).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nnscratch import Network  # noqa: E402
from nnscratch.drawing import pendigits  # noqa: E402
from nnscratch.drawing.preprocess import BRUSH_WIDTH, CANVAS_SIZE  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"


def stroke_stats(X: np.ndarray) -> dict:
    """X (n, 784) in [0, 1] -> median/quartiles of the stroke width, mean pixel, ink pixels per digit."""
    ink = X.reshape(-1, 28, 28) >= 0.5
    area = ink.sum(axis=(1, 2)).astype(float)
    pad = np.pad(ink, ((0, 0), (1, 1), (1, 1)))
    edges = (np.diff(pad.astype(np.int8), axis=1) != 0).sum(axis=(1, 2)) + \
        (np.diff(pad.astype(np.int8), axis=2) != 0).sum(axis=(1, 2))
    width = 2 * area / np.maximum(edges, 1)
    q1, med, q3 = np.percentile(width, [25, 50, 75])
    return dict(width=med, q1=q1, q3=q3, mean_px=float(X.mean()), ink_px=float(area.mean()))


def row(name: str, X, y, net) -> None:
    st = stroke_stats(X)
    acc = f"{100 * net.accuracy(X, y):6.2f} %" if y is not None else "      –"
    print(f"{name:<48} {acc}   {st['width']:.2f} ({st['q1']:.2f}-{st['q3']:.2f})   "
          f"{st['mean_px']:.3f}   {st['ink_px']:6.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default=str(ROOT / "models" / "mnist_mlp.npz"))
    ap.add_argument("--pendigits", default=str(SHARED / "pendigits" / "pendigits-train"))
    ap.add_argument("--phone", type=int, default=240, help="the smaller canvas size to compare (px)")
    args = ap.parse_args()
    if not Path(args.pendigits).is_file():
        sys.exit(f"bench_canvas_size: {args.pendigits} not found; give --pendigits FILE")
    net = Network.load(args.model)
    _, heldout = pendigits.heldout_split(pendigits.load(args.pendigits))
    small, scaled = args.phone, round(BRUSH_WIDTH * args.phone / CANVAS_SIZE)
    print(f"model {args.model} ({net.architecture}); {len(heldout):,} held-out pen digits")
    print(f"{'input':<48} {'accuracy':>8}   width (q1-q3)      mean px   ink px")
    mnist = SHARED / "mnist"
    if mnist.is_dir():
        from nnscratch.data import load_mnist

        ds = load_mnist(str(mnist))
        X_test = ds.x_test.reshape(len(ds.y_test), 784).astype(np.float32) / 255  # uint8 -> [0, 1]
        row("MNIST test set (10,000, the reference)", X_test, ds.y_test, net)
    for name, size, brush in [(f"canvas {CANVAS_SIZE}, brush {BRUSH_WIDTH} (desktop; phone CSS zoom)",
                               CANVAS_SIZE, BRUSH_WIDTH),
                              (f"canvas {small}, brush {BRUSH_WIDTH} (smaller bitmap)", small, BRUSH_WIDTH),
                              (f"canvas {small}, brush {scaled} (brush scaled too)", small, scaled)]:
        X, y = pendigits.to_dataset(heldout, size=size, brush=brush)
        row(name, X, y, net)


if __name__ == "__main__":
    main()
