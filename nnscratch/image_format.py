"""Image files of single digits (PNG, JPEG, ...), as found in ``<label>/`` folders."""

from __future__ import annotations

import io

import numpy as np

from .errors import DataFormatError
from .formats import guard

MAX_IMAGE_PIXELS = 4096 * 4096


def decode_image(data: bytes, name: str) -> np.ndarray:
    """One image file (any size, either polarity) -> uint8 (28, 28), white digit on black like MNIST.

    28x28 images are taken pixel for pixel; others are cropped to the ink, fitted into 20x20
    and centred, as MNIST was made.
    """
    from PIL import Image  # lazy: only image folders need Pillow

    with guard(name), Image.open(io.BytesIO(data)) as im:
        if im.width * im.height > MAX_IMAGE_PIXELS:
            raise DataFormatError(f"{name}: image is {im.width}x{im.height}; too large for a digit")
        if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
            im = _flatten_alpha(im)
        g = np.asarray(im.convert("L"), dtype=np.uint8)
        border = np.concatenate([g[0], g[-1], g[:, 0], g[:, -1]])
        if border.mean() > 127:  # dark ink on a light background: invert to MNIST's polarity
            g = 255 - g
        if g.shape != (28, 28):
            g = _fit_mnist(g, Image)
        return g


def _flatten_alpha(im):
    """Transparent background: put the image on the colour that contrasts with its ink."""
    from PIL import Image

    rgba = im.convert("RGBA")
    a = np.asarray(rgba)[..., 3]
    ink = np.asarray(rgba.convert("L"))[a > 127]
    bg = (255, 255, 255) if ink.size and ink.mean() < 128 else (0, 0, 0)
    base = Image.new("RGB", rgba.size, bg)
    base.paste(rgba, mask=rgba.getchannel("A"))
    return base


def _fit_mnist(g: np.ndarray, Image) -> np.ndarray:
    ys, xs = np.nonzero(g > 30)
    out = np.zeros((28, 28), np.uint8)
    if ys.size == 0:
        return out
    crop = g[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    h, w = crop.shape
    scale = 20.0 / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    small = np.asarray(Image.fromarray(crop).resize((nw, nh), Image.LANCZOS), dtype=np.uint8)
    top, left = (28 - nh) // 2, (28 - nw) // 2
    out[top : top + nh, left : left + nw] = small
    return out
