"""Image files of single digits (PNG, JPEG, ...), as found in ``<label>/`` folders.

Each file's pixel count is read from its header and checked before anything is decoded: one image
at most ``MAX_IMAGE_PIXELS``, a whole dataset at most ``MAX_FOLDER_PIXELS`` (see ``limits``).
"""

from __future__ import annotations

import io

import numpy as np

from ..errors import DataFormatError
from .formats import reading
from .limits import MAX_FOLDER_PIXELS, MAX_IMAGE_PIXELS
from ..drawing.preprocess import read_gray, to_mnist_uint8


class PixelBudget:
    """Pixels the images of one dataset may still decode, together (``MAX_FOLDER_PIXELS``)."""

    def __init__(self, name: str, pixels: int | None = None):
        self.name, self.total = name, MAX_FOLDER_PIXELS if pixels is None else pixels
        self.left = self.total

    def spend(self, pixels: int) -> None:
        self.left -= pixels
        if self.left < 0:
            raise DataFormatError(f"{self.name}: its images hold more than {self.total / 1e6:.0f} M pixels in all; "
                                  "MNIST-style digits are small (28x28): shrink them first")


def decode_image(data: bytes, name: str, budget: PixelBudget | None = None) -> np.ndarray:
    """One image file (any size, either polarity) -> uint8 (28, 28), white digit on black like MNIST.

    28x28 images are taken pixel for pixel; others are cropped to the ink, fitted into 20x20 and
    centred by mass, as MNIST was made (the same code as the Draw page and ``predict``).
    """
    from PIL import Image

    with reading(name):
        try:
            with Image.open(io.BytesIO(data)) as img:  # reads the header only
                w, h = img.size
        except Exception:  # noqa: BLE001 - not an image: read_gray below says so in its own words
            w = h = 0
        if w * h > MAX_IMAGE_PIXELS:
            raise DataFormatError(f"{name}: image is {w}x{h}; a digit in a dataset may have at most "
                                  f"{MAX_IMAGE_PIXELS / 1e6:.3g} M pixels: scale it down")
        if budget is not None:
            budget.spend(w * h)
        _, gray = read_gray(data, max_pixels=MAX_IMAGE_PIXELS, name=name)
        return to_mnist_uint8(gray, name)
