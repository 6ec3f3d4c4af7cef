"""Costs of the drawing pipeline and the live views, side by side (timed here, never in unit tests).

    python bench/bench_drawing.py

- augmenting a batch of 128 vs one forward+backward step of 784-800-10 on it (ratio);
- preprocessing one 280x280 canvas drawing into the 28x28 digit (ms);
- drawing the Weights page's 64-tile grid image from a 784-800 W1 (ms).
Best of several runs each: the machine is shared and noisy.
"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nnscratch import Network, plots  # noqa: E402
from nnscratch.drawing import preprocess  # noqa: E402
from nnscratch.tools import bench  # noqa: E402
from nnscratch.augment import random_affine  # noqa: E402


def best_of(fn, k=9):
    fn()  # warm up caches and allocators
    return bench.best_of(fn, k)


def main():
    rng = np.random.default_rng(0)
    X = rng.random((128, 784), dtype=np.float32)
    y = rng.integers(0, 10, 128)
    net = Network([784, 800, 10])
    t_aug = best_of(lambda: random_affine(X, rng))
    t_step = best_of(lambda: net.forward_backward(X, y))
    print(f"augment 128 digits: {t_aug * 1e3:.2f} ms; forward+backward 784-800-10: {t_step * 1e3:.2f} ms; "
          f"ratio {t_aug / t_step:.2f}")
    canvas = np.zeros((preprocess.CANVAS_SIZE, preprocess.CANVAS_SIZE, 4), np.uint8)
    canvas[..., 3] = 255
    canvas[40:240, 120:142, :3] = 255
    canvas[40:62, 60:200, :3] = 255
    print(f"preprocess one canvas drawing: {best_of(lambda: preprocess.to_mnist(canvas)) * 1e3:.2f} ms")
    W1 = rng.normal(size=(784, 800)).astype(np.float32)
    t_grid = best_of(lambda: plots.weight_grid_image(W1, start=64, count=64, selected=70, zoom=4), k=5)
    print(f"Weights page grid image, 64 tiles: {t_grid * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
