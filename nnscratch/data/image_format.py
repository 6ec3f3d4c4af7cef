"""Image files of single digits (PNG, JPEG, ...), as found in ``<label>/`` folders."""

from __future__ import annotations

import numpy as np

from .formats import guard
from ..drawing.preprocess import read_gray, to_mnist_uint8

MAX_IMAGE_PIXELS = 4096 * 4096


def decode_image(data: bytes, name: str) -> np.ndarray:
    """One image file (any size, either polarity) -> uint8 (28, 28), white digit on black like MNIST.

    28x28 images are taken pixel for pixel; others are cropped to the ink, fitted into 20x20 and
    centred by mass, as MNIST was made (the same code as the Draw page and ``predict``).
    """
    with guard(name):
        _, gray = read_gray(data, max_pixels=MAX_IMAGE_PIXELS, name=name)
        return to_mnist_uint8(gray, name)
