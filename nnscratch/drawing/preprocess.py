"""Turn a drawing or an image file into the 28x28 digit the network expects, the way MNIST was made.

MNIST's recipe (LeCun et al.): crop the digit to its ink's bounding box, scale it anti-aliased so the
longer side is 20 px (aspect ratio kept), then place it in a 28x28 frame so that its centre of mass
is at the centre. In MNIST itself that centre is pixel (row 14, col 14) in 0-based index
coordinates, reached by a whole-pixel shift (measured on the test set: mean centre of mass 13.99, 14.01,
spread +-0.5), so we do the same.

The canvas on the Draw page and the pen-digit renderer (``nnscratch.pendigits``) both use
``CANVAS_SIZE`` and ``BRUSH_WIDTH`` from here, so what we measure offline is what the app gets.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from ..errors import DataFormatError

# A 280 px square canvas is 10x the MNIST frame: big enough to draw with a mouse or a finger, small
# enough for a laptop screen next to the charts.
CANVAS_SIZE = 280
# A digit drawn at a natural size on this canvas is ~150-220 px tall and gets scaled to 20 px, i.e.
# by ~1/9. MNIST strokes are ~2-3 px wide in that 20 px box, so the brush is ~2.5 * 9 px. (Chosen
# by measuring accuracy on real pen trajectories rendered this way: see pendigits.py / the README.)
BRUSH_WIDTH = 22

BOX = 20            # the longer side of the digit in the 28x28 frame
FRAME = 28
CENTRE = 14.0       # where MNIST puts the centre of mass (row and column, 0-based)
INK_THRESHOLD = 0.1  # below this (after background removal) a pixel is not ink, for the bounding box
# Most pixels a picture of a digit may have: a 16 MP phone photo fits; checked from the file's header
# before decoding, so a tiny PNG claiming 100,000 x 100,000 pixels costs nothing (Pillow's own
# decompression-bomb limit is 89 M pixels, ~360 MB decoded).
MAX_PICTURE_PIXELS = 4096 * 4096


def _to_gray(image) -> np.ndarray:
    """Any (H,W), (H,W,1), (H,W,3) or (H,W,4) array -> (H,W) float32 brightness in [0,1].

    RGBA is composited over black (the canvas's background; its unpainted pixels may be transparent),
    so ink = brightness * alpha.
    """
    a = np.asarray(image)
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] not in (3, 4)) or a.size == 0:
        raise DataFormatError(
            f"image has shape {a.shape}; give a 2-D gray image or an (H, W, 3/4) RGB(A) image"
        )
    if a.dtype == np.uint8:
        a = a.astype(np.float32) * np.float32(1 / 255)
    else:
        a = a.astype(np.float32)
        if a.size and np.nanmax(a) > 1.0:   # floats on a 0-255 scale
            a = a * np.float32(1 / 255)
        a = np.nan_to_num(a, nan=0.0)
    if a.ndim == 2:
        return a
    # ITU-R 601 luma, like Pillow's "L" conversion
    gray = a[:, :, 0] * 0.299 + a[:, :, 1] * 0.587 + a[:, :, 2] * 0.114
    if a.shape[2] == 4:
        gray = gray * a[:, :, 3]
    return gray.astype(np.float32, copy=False)


def _border_median(g: np.ndarray) -> float:
    """Median of the outermost ring of pixels: the background level of a scanned or drawn digit."""
    ring = np.concatenate([g[0], g[-1], g[1:-1, 0], g[1:-1, -1]])
    return float(np.median(ring))


def _resize(crop: np.ndarray, out_h: int, out_w: int) -> np.ndarray:
    """Anti-aliased resize of a float image: area averaging when shrinking (what MNIST's
    anti-aliasing amounts to), bilinear when enlarging a tiny crop."""
    from PIL import Image

    img = Image.fromarray(np.ascontiguousarray(crop, dtype=np.float32), mode="F")
    shrinking = out_h <= crop.shape[0] and out_w <= crop.shape[1]
    method = Image.Resampling.BOX if shrinking else Image.Resampling.BILINEAR
    return np.asarray(img.resize((out_w, out_h), method), dtype=np.float32)


def to_mnist(image, invert="auto") -> np.ndarray | None:
    """Canvas drawing or picture -> (28, 28) float32 in [0, 1], MNIST-style; None if there is no ink.

    image: (H, W) gray, (H, W, 3) RGB or (H, W, 4) RGBA (the canvas's ``image_data``), uint8 in
    0..255 or floats in [0, 1]. Ink is bright on dark, as in MNIST.
    invert: True for dark ink on a light background, False for light on dark, "auto" to decide from
    the border (a light border means a light background). The canvas is black, so "auto" is safe.
    None (a canvas that has sent no image yet) gives None too.
    """
    if image is None:
        return None
    g = _to_gray(image)
    if invert == "auto":
        invert = _border_median(g) > 0.5
    if invert:
        g = 1.0 - g
    # Remove a uniform background (paper, a grey scan) and stretch the ink to full range.
    bg = _border_median(g)
    peak = float(g.max())
    if peak - bg < INK_THRESHOLD:
        return None
    if bg > 0.0 or peak < 1.0:
        g = np.clip((g - bg) / (peak - bg), 0.0, 1.0)
    ink = g > INK_THRESHOLD
    rows = np.flatnonzero(ink.any(axis=1))
    cols = np.flatnonzero(ink.any(axis=0))
    crop = g[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    h, w = crop.shape
    s = BOX / max(h, w)
    out_h, out_w = max(1, round(h * s)), max(1, round(w * s))
    small = np.clip(_resize(crop, out_h, out_w), 0.0, 1.0)
    return _centre_by_mass(small)


def _centre_by_mass(small: np.ndarray) -> np.ndarray:
    """Paste a (h, w) digit (h, w <= 20) into a 28x28 frame, centre of mass at (14, 14) by a whole-pixel
    shift, clamped so no ink falls off the frame."""
    h, w = small.shape
    total = float(small.sum())
    if total <= 0:
        cy, cx = (h - 1) / 2, (w - 1) / 2
    else:
        cy = float(small.sum(axis=1) @ np.arange(h)) / total
        cx = float(small.sum(axis=0) @ np.arange(w)) / total
    top = min(max(int(np.floor(CENTRE - cy + 0.5)), 0), FRAME - h)
    left = min(max(int(np.floor(CENTRE - cx + 0.5)), 0), FRAME - w)
    out = np.zeros((FRAME, FRAME), np.float32)
    out[top:top + h, left:left + w] = small
    return out


def read_gray(source, max_pixels=MAX_PICTURE_PIXELS, name=None) -> tuple[str, np.ndarray]:
    """An image file (path, bytes or binary file object) -> (name, (H, W) uint8 gray as stored).

    ``max_pixels``: larger images are refused from their header, before anything is decoded.
    Transparent pixels become the background that contrasts with the ink; EXIF rotation is applied.
    Raises DataFormatError with a one-line message when the file cannot be read as an image.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    if isinstance(source, (bytes, bytearray, memoryview)):
        default, opener = "the uploaded image", io.BytesIO(bytes(source))
    elif isinstance(source, (str, Path)):
        default, opener = str(source), source
    else:
        default, opener = getattr(source, "name", "the image"), source
    name = name or default
    try:
        with Image.open(opener) as img:
            if max_pixels and img.width * img.height > max_pixels:
                raise DataFormatError(f"{name}: image is {img.width}x{img.height}; too large for a digit "
                                      f"(at most {max_pixels / 1e6:.3g} M pixels): scale it down")
            img = ImageOps.exif_transpose(img)
            img.load()
            has_alpha = img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info
            rgba = np.asarray(img.convert("RGBA")) if has_alpha else None
            gray = np.asarray(img.convert("L"))
    except FileNotFoundError:
        raise DataFormatError(f"image file not found: {name}; check the path") from None
    except Image.DecompressionBombError:  # Pillow's own limit, met before ours could look at the size
        raise DataFormatError(f"{name}: image claims more pixels than Pillow will decode; too large for a digit "
                              "(scale it down)") from None
    except DataFormatError:
        raise
    except MemoryError:
        raise
    except Exception as err:  # noqa: BLE001 - Pillow's plugins raise SyntaxError, struct.error, ... on bad bytes
        if isinstance(err, UnidentifiedImageError):
            reason = "not a recognised image format"
        else:
            reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise DataFormatError(
            f"cannot read {name} as an image ({reason}); give a PNG, JPEG, BMP or GIF file"
        ) from None
    return name, (_flatten_alpha(rgba) if rgba is not None else gray)


def load_image(source) -> np.ndarray:
    """An image file (path, bytes or binary file object) -> (28, 28) float32 in [0, 1], MNIST-style.

    Any size and any format Pillow reads; dark-on-light (a scan, a photo of paper) or light-on-dark is
    detected from the border. Transparent pixels count as background. Raises DataFormatError with a
    one-line message when the file cannot be read or holds no digit.
    """
    name, gray = read_gray(source)
    out = to_mnist(gray, invert="auto")
    if out is None:
        raise DataFormatError(f"{name} has no visible digit (it is one flat colour); draw or scan a digit")
    return out


def to_mnist_uint8(gray: np.ndarray, name: str) -> np.ndarray:
    """A gray image file's pixels -> uint8 (28, 28) light-on-dark. A 28x28 image is taken pixel for
    pixel (only its polarity is fixed: it is already MNIST-shaped); any other size goes through
    :func:`to_mnist`."""
    if gray.shape == (FRAME, FRAME):
        return 255 - gray if _border_median(gray) > 127 else gray.copy()
    out = to_mnist(gray, invert="auto")
    if out is None:
        raise DataFormatError(f"{name} has no visible digit (it is one flat colour)")
    return np.round(out * 255).astype(np.uint8)


def _flatten_alpha(rgba: np.ndarray) -> np.ndarray:
    """(H, W, 4) uint8 -> (H, W) uint8 gray, transparent pixels set to the background that contrasts
    with the opaque pixels (dark strokes on transparency -> white paper, light strokes -> black)."""
    a = rgba[:, :, 3].astype(np.float32) / 255
    lum = (rgba[:, :, 0] * 0.299 + rgba[:, :, 1] * 0.587 + rgba[:, :, 2] * 0.114) / 255
    opaque = a > 0.5
    if opaque.all() or not opaque.any():
        return (lum * 255).astype(np.uint8)
    paper = 1.0 if np.median(lum[opaque]) < 0.5 else 0.0
    out = lum * a + paper * (1 - a)
    return np.clip(out * 255 + 0.5, 0, 255).astype(np.uint8)
