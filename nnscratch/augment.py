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
    if thickness > 0:
        imgs = _random_thickness(imgs, rng.uniform(-thickness, thickness, n).astype(np.float32))

    theta = np.deg2rad(rng.uniform(-max_rotate, max_rotate, n))
    s = rng.uniform(1 - scale, 1 + scale, n)
    k = rng.uniform(-shear, shear, n)
    t = rng.uniform(-max_shift, max_shift, (n, 2))
    # forward map (about the centre): A = R(theta) @ [[1, 0], [k, 1]] * s  in (row, col) coordinates,
    # i.e. the shear slants columns by rows (italic-like).  We need its inverse to sample the source.
    cos, sin = np.cos(theta), np.sin(theta)
    a11, a12 = cos - sin * k, -sin        # R = [[cos, -sin], [sin, cos]] (row, col) times shear
    a21, a22 = sin + cos * k, cos
    det = (a11 * a22 - a12 * a21) * s     # times s^2 / s
    inv = np.stack([a22, -a12, -a21, a11], axis=1) / det[:, None]   # (A * s)^-1 = adj(A) / (s * det A)
    inv = inv.astype(np.float32)
    dr = _GRID_R[None, :] - t[:, :1].astype(np.float32)   # (n, 784) output coords minus shift
    dc = _GRID_C[None, :] - t[:, 1:].astype(np.float32)
    src_r = inv[:, 0:1] * dr + inv[:, 1:2] * dc + np.float32(_C)
    src_c = inv[:, 2:3] * dr + inv[:, 3:4] * dc + np.float32(_C)
    return _bilinear(imgs, src_r, src_c)


def _bilinear(imgs, src_r, src_c):
    """Sample (n, 28, 28) images at float coords (n, 784) -> (n, 784) float32; outside is 0."""
    n = imgs.shape[0]
    P = SIDE + 2                                   # zero padding of 1 px: out-of-frame reads hit zeros
    padded = np.zeros((n, P, P), np.float32)
    padded[:, 1:-1, 1:-1] = imgs
    flat = padded.reshape(-1)
    r0 = np.floor(src_r)
    c0 = np.floor(src_c)
    fr = src_r - r0
    fc = src_c - c0
    r0 = r0.astype(np.int32) + 1                  # +1: index into the padded frame
    c0 = c0.astype(np.int32) + 1
    # clip both taps independently: anything beyond the frame lands on the zero border
    r1 = np.clip(r0 + 1, 0, P - 1)
    c1 = np.clip(c0 + 1, 0, P - 1)
    r0 = np.clip(r0, 0, P - 1)
    c0 = np.clip(c0, 0, P - 1)
    base = (np.arange(n, dtype=np.int32) * (P * P))[:, None]
    r0 = base + r0 * P
    r1 = base + r1 * P
    top = flat[r0 + c0] * (1 - fc) + flat[r0 + c1] * fc
    bot = flat[r1 + c0] * (1 - fc) + flat[r1 + c1] * fc
    return (top * (1 - fr) + bot * fr).astype(np.float32, copy=False)


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
