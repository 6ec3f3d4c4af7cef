"""Training-time augmentation: small random affine distortions (and stroke thickness), whole batch at once.

Every image gets its own rotation, scale, shear and shift; the warped batch is sampled bilinearly with
index arithmetic over the whole (n, 784) array, so there is no Python loop per image. For a batch of
128 this costs a fraction of one forward+backward pass of 784-800-10 (see the README's figures).
"""

from __future__ import annotations

import numpy as np

from .errors import ConfigError

SIDE = 28
_C = (SIDE - 1) / 2   # rotate/scale/shear about the frame's centre
_GRID_R, _GRID_C = (g.ravel().astype(np.float32) - _C for g in np.mgrid[0:SIDE, 0:SIDE])


def _check(name, value, upper):
    if not (0 <= value <= upper):
        raise ConfigError(f"augmentation {name}={value!r} is out of range; use a value in [0, {upper}]")


def random_affine(X, rng, *, max_shift=2.0, max_rotate=12.0, scale=0.12, shear=0.25,
                  thickness=0.0) -> np.ndarray:
    """X (n, 784) float in [0, 1] -> NEW (n, 784) float32, each image randomly distorted.

    Per image, drawn uniformly: rotation in [-max_rotate, max_rotate] degrees, scale factor in
    [1 - scale, 1 + scale], horizontal shear factor in [-shear, shear], shift in [-max_shift, max_shift]
    pixels on each axis; thickness > 0 also thickens (dilation) or thins (erosion) strokes by a random
    blend in [-thickness, thickness] (1 = a full 1-px dilation/erosion). Deterministic given rng
    (a numpy Generator, or an int seed).
    """
    _check("max_shift", max_shift, 14)
    _check("max_rotate", max_rotate, 180)
    _check("scale", scale, 0.9)
    _check("shear", shear, 2)
    _check("thickness", thickness, 1)
    rng = np.random.default_rng(rng)
    X = np.asarray(X, dtype=np.float32)
    n = X.shape[0]
    if X.ndim != 2 or X.shape[1] != SIDE * SIDE:
        raise ConfigError(f"random_affine expects X of shape (n, 784), got {X.shape}")
    imgs = X.reshape(n, SIDE, SIDE)
    # all random numbers first, so the result does not depend on the chunking below
    amount = rng.uniform(-thickness, thickness, n).astype(np.float32) if thickness > 0 else None
    theta = np.deg2rad(rng.uniform(-max_rotate, max_rotate, n))
    s = rng.uniform(1 - scale, 1 + scale, n)
    k = rng.uniform(-shear, shear, n)
    t = rng.uniform(-max_shift, max_shift, (n, 2))
    # forward map about the centre, in (row, col) coordinates: A = s * R(theta) @ [[1, 0], [k, 1]]
    # (the shear slants columns by rows, like italics). We sample the source, so we need A^-1.
    cos, sin = np.cos(theta), np.sin(theta)
    a11, a12 = cos - sin * k, -sin
    a21, a22 = sin + cos * k, cos
    det = (a11 * a22 - a12 * a21) * s
    inv = (np.stack([a22, -a12, -a21, a11], axis=1) / det[:, None]).astype(np.float32)
    # source = inv @ (out - C - t) + C = inv @ (out - C) + (C - inv @ t): one offset per image
    off = np.empty((n, 2), np.float32)
    off[:, 0] = _C - (inv[:, 0] * t[:, 0] + inv[:, 1] * t[:, 1])
    off[:, 1] = _C - (inv[:, 2] * t[:, 0] + inv[:, 3] * t[:, 1])
    out = np.empty((n, SIDE * SIDE), np.float32)
    # Work in chunks whose temporaries stay under ~128 KB: they then come from malloc's heap instead of
    # fresh mmap'd pages, which makes every NumPy op here several times faster (measured).
    for i in range(0, n, _CHUNK):
        j = slice(i, i + _CHUNK)
        chunk = imgs[j] if amount is None else _random_thickness(imgs[j], amount[j])
        out[j] = _warp(chunk, inv[j], off[j])
    return out


_CHUNK = 32
_PAD = 31   # 28 + 1 zero row/col before and 2 after: every tap of a clipped coordinate is in range


def _warp(imgs, inv, off):
    """Bilinearly sample (m, 28, 28) images at inv @ (out - C) + off for every output pixel -> (m, 784).

    Source coordinates are clipped to [-1, 28], where the zero border lies, so every read is in
    range and whatever falls outside the frame reads zeros.
    """
    m = imgs.shape[0]
    P = _PAD
    src_r = inv[:, 0:1] * _GRID_R + inv[:, 1:2] * _GRID_C
    src_r += off[:, 0:1]
    src_c = inv[:, 2:3] * _GRID_R + inv[:, 3:4] * _GRID_C
    src_c += off[:, 1:2]
    np.clip(src_r, -1, SIDE, out=src_r)
    np.clip(src_c, -1, SIDE, out=src_c)
    r0 = np.floor(src_r)
    c0 = np.floor(src_c)
    src_r -= r0            # now the fractional parts
    src_c -= c0
    fr, fc = src_r, src_c
    r0 *= P
    r0 += c0
    idx = r0.astype(np.int32)               # top-left tap, relative to the padded frame's (1, 1)
    idx += (np.arange(m, dtype=np.int32) * (P * P))[:, None]
    padded = np.zeros((m, P, P), np.float32)
    padded[:, 1:SIDE + 1, 1:SIDE + 1] = imgs
    flat = padded.reshape(-1)
    base = P + 1
    tl = np.take(flat[base:], idx)          # views at offsets: no index arithmetic per tap
    tr = np.take(flat[base + 1:], idx)
    bl = np.take(flat[base + P:], idx)
    br = np.take(flat[base + P + 1:], idx)
    tr -= tl
    tr *= fc
    tl += tr                                # top row
    br -= bl
    br *= fc
    bl += br                                # bottom row
    bl -= tl
    bl *= fr
    tl += bl
    return tl


def _random_thickness(imgs, amount):
    """Blend each image towards its 3x3-cross dilation (amount > 0) or erosion (amount < 0)."""
    p = np.pad(imgs, ((0, 0), (1, 1), (1, 1)))
    nb = (p[:, :-2, 1:-1], p[:, 2:, 1:-1], p[:, 1:-1, :-2], p[:, 1:-1, 2:])
    dil = np.maximum(np.maximum(nb[0], nb[1]), np.maximum(nb[2], nb[3]))
    dil = np.maximum(dil, imgs)
    ero = np.minimum(np.minimum(nb[0], nb[1]), np.minimum(nb[2], nb[3]))
    ero = np.minimum(ero, imgs)
    a = amount[:, None, None]
    target = np.where(a > 0, dil, ero)
    return imgs + np.abs(a) * (target - imgs)
