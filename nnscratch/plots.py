"""Pictures of a network, computed without any UI: weight images, heatmaps, the confusion matrix.

Weight pictures are built as RGB arrays with NumPy (plus Pillow for the numbers) in milliseconds: the
Weights page redraws them every second beside a training thread. The confusion matrix is a Matplotlib
``Figure`` on the Agg canvas (no pyplot state), so any thread can draw one.
"""

from __future__ import annotations

import io
import math

import numpy as np

# The one colour map of every picture of weights and gradients: diverging, blue < 0 < red, a neutral grey at
# exactly zero. coolwarm (Moreland 2009) rather than RdBu_r: its ends and its ±0.25 stay far apart under
# simulated deuteranopia, protanopia and tritanopia too (docs/accessibility.md, bench/bench_colours.py).
WEIGHT_CMAP = "coolwarm"
SIDE = 28


def symmetric_scale(W, percentile: float = 99.5) -> float:
    """One colour limit v for all units so the colour map runs over [-v, v], centred on zero.

    A high percentile of |W| rather than the max, so one outlier weight does not wash out every
    picture; values beyond v are shown at the end colours. Never 0 (an all-zero layer gets 1e-6).
    """
    a = np.abs(np.asarray(W, dtype=np.float64))
    if a.size == 0 or not np.isfinite(a).any():
        return 1e-6
    v = float(np.percentile(a[np.isfinite(a)], percentile))
    return max(v, 1e-6)


def unit_images(W1, units=None) -> np.ndarray:
    """W1 (784, H) -> (k, 28, 28): column j of W1 is hidden unit j's picture."""
    W1 = np.asarray(W1)
    if W1.ndim != 2 or W1.shape[0] != SIDE * SIDE:
        raise ValueError(f"W1 must have shape (784, H), got {W1.shape}")
    cols = np.arange(W1.shape[1]) if units is None else np.asarray(units, dtype=int)
    return W1[:, cols].T.reshape(len(cols), SIDE, SIDE)


def grid_columns(n_units: int) -> int:
    """Columns for a grid of n unit pictures: up to 10 in one row (the classic 784-10-10), then 8
    columns up to 32 units, 16 beyond (64 units = 4 rows: fits a projected screen)."""
    if n_units <= 10:
        return max(1, n_units)
    return 8 if n_units <= 32 else 16


def upscale(img, factor: int = 4) -> np.ndarray:
    """A (28, 28) float image in [0, 1] -> (28f, 28f) uint8, nearest neighbour (crisp pixels)."""
    return _zoom((np.clip(np.asarray(img, dtype=np.float64), 0.0, 1.0) * 255 + 0.5).astype(np.uint8), factor)


_LUTS: dict = {}
_FONTS: dict = {}


def _lut(cmap: str = WEIGHT_CMAP) -> np.ndarray:
    if cmap not in _LUTS:
        from matplotlib import colormaps

        _LUTS[cmap] = (colormaps[cmap](np.linspace(0, 1, 256))[:, :3] * 255 + 0.5).astype(np.uint8)
    return _LUTS[cmap]


def _font(size: int):
    if size not in _FONTS:
        from matplotlib import font_manager
        from PIL import ImageFont

        _FONTS[size] = ImageFont.truetype(font_manager.findfont("DejaVu Sans"), size)
    return _FONTS[size]


def colorize(A, vmax: float, cmap: str = WEIGHT_CMAP) -> np.ndarray:
    """Values -> (..., 3) uint8 RGB on a colour map over [-vmax, vmax] (0 = its middle); NaN -> white (not a value:
    WEIGHT_CMAP's zero is grey)."""
    A = np.asarray(A, dtype=np.float32)
    idx = np.clip((A / np.float32(vmax) + 1) * 127.5, 0, 255)
    nan = ~np.isfinite(idx)
    rgb = _lut(cmap)[np.where(nan, 0, idx).astype(np.uint8)]
    rgb[nan] = 255
    return rgb


def _zoom(a, z: int):
    return np.repeat(np.repeat(a, z, axis=0), z, axis=1) if z > 1 else a


def _colorbar(height: int, vmax: float, font_px: int, width: int = 28) -> np.ndarray:
    """A vertical colour bar (top = +vmax) with five tick labels, as an RGB array."""
    from PIL import Image, ImageDraw

    font = _font(font_px)
    label_w = int(font_px * 4.2)
    bar = colorize(np.linspace(vmax, -vmax, height)[:, None].repeat(width, 1), vmax)
    img = Image.new("RGB", (width + 8 + label_w, height + font_px), "white")
    top = font_px // 2
    img.paste(Image.fromarray(bar), (0, top))
    d = ImageDraw.Draw(img)
    for f in (1.0, 0.5, 0.0, -0.5, -1.0):
        y = top + int(round((1 - f) / 2 * (height - 1)))
        d.line([(width, y), (width + 5, y)], fill="black", width=2)
        d.text((width + 8, y), f"{f * vmax:+.2g}" if f else "0", fill="black", font=font, anchor="lm")
    return np.asarray(img)


def weight_grid_image(W1, start: int = 0, count: int = 64, vmax: float | None = None, ncols=None,
                      selected: int | None = None, zoom: int = 4, font_px: int = 22) -> np.ndarray:
    """Units start..start+count-1 of W1 (784, H) as one RGB image: 28x28 tiles (enlarged ``zoom`` x),
    the unit number under each, the selected unit framed, and a colour bar on the right.

    One symmetric scale for all units: ``vmax`` defaults to ``symmetric_scale`` of the WHOLE W1.
    """
    from PIL import Image, ImageDraw

    W1 = np.asarray(W1)
    H = W1.shape[1]
    units = np.arange(start, min(H, start + count))
    vmax = symmetric_scale(W1) if vmax is None else vmax
    ncols = ncols or grid_columns(len(units))
    nrows = max(1, math.ceil(len(units) / ncols))
    t = SIDE * zoom
    gap, label_h = max(6, zoom * 2), int(font_px * 1.4)
    grid = np.full((nrows * (t + label_h + gap), ncols * (t + gap) + gap, 3), 255, np.uint8)
    tiles = colorize(unit_images(W1, units), vmax)
    for i, u in enumerate(units):
        r, c = divmod(i, ncols)
        y, x = r * (t + label_h + gap) + gap, c * (t + gap) + gap
        grid[y:y + t, x:x + t] = _zoom(tiles[i], zoom)
    img = Image.fromarray(grid)
    d = ImageDraw.Draw(img)
    font = _font(font_px)
    for i, u in enumerate(units):
        r, c = divmod(i, ncols)
        y, x = r * (t + label_h + gap) + gap, c * (t + gap) + gap
        d.text((x + t // 2, y + t + 2), str(u), fill="black", font=font, anchor="ma")
        if selected is not None and u == selected:
            d.rectangle([x - 4, y - 4, x + t + 3, y + t + 3], outline="black", width=4)
    grid = np.asarray(img)
    bar = _colorbar(max(min(grid.shape[0] - font_px, 4 * t), 8 * font_px), vmax, font_px)
    out = np.full((max(grid.shape[0], bar.shape[0] + gap), grid.shape[1] + bar.shape[1] + 10, 3), 255, np.uint8)
    out[:grid.shape[0], :grid.shape[1]] = grid
    out[gap:gap + bar.shape[0], grid.shape[1] + 10:] = bar
    return out


def unit_image(w, vmax: float, zoom: int = 10) -> np.ndarray:
    """One unit's 784 weights as a large RGB picture (same colour scale as the grid)."""
    return _zoom(colorize(np.asarray(w).reshape(SIDE, SIDE), vmax), zoom)


def heatmap_image(W, vmax: float | None = None, cell: int = 24, max_width: int = 1600, font_px: int = 20,
                  row_names=None, col_names=None) -> np.ndarray:
    """A (rows x cols) matrix as an RGB heatmap, cells ``cell`` px high and as wide as fits ``max_width``
    (at most ``cell``), with ``row_names`` on the left (default: row numbers) and ``col_names`` under
    the columns when they fit (default: column numbers)."""
    from PIL import Image, ImageDraw

    W = np.asarray(W, dtype=np.float64)
    vmax = symmetric_scale(W, 100.0) if vmax is None else vmax
    rows, cols = W.shape
    cw = max(1, min(cell, max_width // max(cols, 1)))
    body = np.repeat(np.repeat(colorize(W, vmax), cell, axis=0), cw, axis=1)
    left = int(font_px * 1.8)
    show_cols = cw >= font_px * 1.2
    bottom = int(font_px * 1.4) if show_cols else 0
    img = Image.new("RGB", (left + body.shape[1], body.shape[0] + bottom), "white")
    img.paste(Image.fromarray(body), (left, 0))
    d = ImageDraw.Draw(img)
    font = _font(font_px)
    if cell >= font_px * 0.8:
        names = row_names if row_names is not None else range(rows)
        for i, name in enumerate(names):
            d.text((left - 6, i * cell + cell // 2), str(name), fill="black", font=font, anchor="rm")
    if show_cols:
        names = col_names if col_names is not None else range(cols)
        for j, name in enumerate(names):
            d.text((left + j * cw + cw // 2, body.shape[0] + 2), str(name), fill="black", font=font, anchor="ma")
    return np.asarray(img)


def histogram(values, bins: int = 40):
    """(bin centres, counts) of the finite values, for a bar chart."""
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    v = v[np.isfinite(v)]
    counts, edges = np.histogram(v, bins=bins)
    return (edges[:-1] + edges[1:]) / 2, counts


def _figure(w, h):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(w, h), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def to_png(fig, dpi: int = 100) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()


def confusion_figure(cm, fontsize: int = 15):
    """The confusion matrix as a picture: counts in every cell, the diagonal in one colour."""
    cm = np.asarray(cm)
    n = cm.shape[0]
    fig = _figure(7.0, 6.2)
    ax = fig.add_subplot()
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    off = np.where(np.eye(n, dtype=bool), np.nan, frac)
    ax.imshow(np.ma.masked_invalid(off), cmap="Reds", vmin=0, vmax=max(0.05, np.nanmax(off) if n > 1 else 1))
    diag = np.where(np.eye(n, dtype=bool), frac, np.nan)
    ax.imshow(np.ma.masked_invalid(diag), cmap="Greens", vmin=0, vmax=1.3)
    for i in range(n):
        for j in range(n):
            if cm[i, j]:
                ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=fontsize - 1,
                        color="black" if i == j or frac[i, j] < 0.5 * np.nanmax(off) + 1e-9 else "white")
    ax.set_xticks(range(n))
    ax.set_yticks(range(n))
    ax.set_xlabel("predicted digit", fontsize=fontsize)
    ax.set_ylabel("true digit", fontsize=fontsize)
    ax.tick_params(labelsize=fontsize)
    return fig
