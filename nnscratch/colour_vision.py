"""How colours look to someone with a colour vision deficiency, and how far apart two colours are.

Simulation: Machado, Oliveira & Fernandes (2009), "A physiologically-based model for simulation of
color vision deficiency", severity 1.0 (the full dichromacies), a 3x3 matrix on linear sRGB; the same
matrices Chrome's and Firefox's developer tools use. (Machado is least exact for tritanopia, which is
also the rarest: about 1 in 10,000, against about 1 in 100 men each for deuteranopia and protanopia.)

Distance: CIELAB 1976 ΔE (D65 white), where about 2.3 is "just noticeable" and differences above ~10
are read at a glance. NumPy only; every function takes (..., 3) arrays.
"""

from __future__ import annotations

import numpy as np

MACHADO_2009 = {
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968],
                              [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868],
                            [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779],
                            [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}
VISIONS = ("normal", *MACHADO_2009)  # "normal" = no simulation

# linear sRGB -> CIE XYZ (D65), and the D65 white point
_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                 [0.2126729, 0.7151522, 0.0721750],
                 [0.0193339, 0.1191920, 0.9503041]])
_WHITE = _XYZ.sum(axis=1)


def to_linear(rgb) -> np.ndarray:
    """sRGB in [0, 1] (..., 3) -> linear light."""
    c = np.asarray(rgb, dtype=np.float64)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def from_linear(lin) -> np.ndarray:
    c = np.clip(np.asarray(lin, dtype=np.float64), 0.0, 1.0)
    return np.where(c <= 0.0031308, c * 12.92, 1.055 * c ** (1 / 2.4) - 0.055)


def simulate(rgb, vision: str) -> np.ndarray:
    """sRGB in [0, 1] (..., 3) as seen with ``vision`` (a key of MACHADO_2009, or "normal")."""
    if vision == "normal":
        return np.asarray(rgb, dtype=np.float64)
    return from_linear(to_linear(rgb) @ MACHADO_2009[vision].T)


def lab(rgb) -> np.ndarray:
    """sRGB in [0, 1] (..., 3) -> CIELAB (L*, a*, b*)."""
    xyz = to_linear(rgb) @ _XYZ.T / _WHITE
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1)


def delta_e(a, b, vision: str = "normal") -> np.ndarray:
    """CIE76 ΔE between sRGB colours a and b (..., 3) in [0, 1], both seen with ``vision``."""
    return np.linalg.norm(lab(simulate(a, vision)) - lab(simulate(b, vision)), axis=-1)


def chroma(rgb) -> np.ndarray:
    """CIELAB chroma C* (0 for a grey): how far from neutral a colour is."""
    return np.hypot(*np.moveaxis(lab(rgb)[..., 1:], -1, 0))


def map_figures(cmap: str, vision: str = "normal") -> dict:
    """How well a colour map over [-1, 1], painted as the app paints weights (``plots.colorize``: its 256
    colours, 8 bits each), keeps values apart when seen with ``vision``; CIELAB ΔE unless named otherwise:

    - ``ends``: between -1 and +1; ``±0.5``, ``±0.25``: between a value and its opposite;
    - ``0→end``: the smaller distance from zero to either end;
    - ``min step``: the smallest distance between neighbours 1/16 apart (a flat stretch hides differences);
    - ``C*(0)``: zero's chroma with normal vision (0: a neutral grey or white).
    """
    from nnscratch import plots

    def c(*v):
        return plots.colorize(np.asarray(v, dtype=np.float64), 1.0, cmap=cmap) / 255.0

    steps = c(*np.linspace(-1, 1, 33))
    (lo, hi, zero, h_lo, h_hi, q_lo, q_hi) = c(-1.0, 1.0, 0.0, -0.5, 0.5, -0.25, 0.25)
    return {
        "ends": float(delta_e(lo, hi, vision)),
        "±0.5": float(delta_e(h_lo, h_hi, vision)),
        "±0.25": float(delta_e(q_lo, q_hi, vision)),
        "0→end": float(min(delta_e(zero, lo, vision), delta_e(zero, hi, vision))),
        "min step": float(delta_e(steps[:-1], steps[1:], vision).min()),
        "C*(0)": float(chroma(zero)),
    }
