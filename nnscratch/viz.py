"""Pictures and tables for the app, computed without any UI: weight images, confusion matrix, galleries.

Matplotlib is used through ``Figure`` objects on the Agg canvas (no pyplot state), so figures can be
made from any thread and many sessions at once. Every figure helper returns a ``Figure``;
``to_png`` turns one into PNG bytes.
"""

from __future__ import annotations

import io
import math

import numpy as np

WEIGHT_CMAP = "RdBu_r"  # diverging: blue < 0 < red, white at exactly zero
SIDE = 28


# ------------------------------------------------------------------------------------------ numbers
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


def mosaic(tiles, ncols: int, gap: int = 2, fill=np.nan, row_gap: int | None = None) -> np.ndarray:
    """(k, h, w) tiles -> one image, row-major; ``gap`` pixels between columns, ``row_gap`` (default
    ``gap``) between rows (room for labels), gaps filled with ``fill``."""
    tiles = np.asarray(tiles, dtype=np.float64)
    k, h, w = tiles.shape
    rg = gap if row_gap is None else row_gap
    nrows = max(1, math.ceil(k / ncols))
    out = np.full((nrows * (h + rg) - rg, ncols * (w + gap) - gap), fill, dtype=np.float64)
    for i in range(k):
        r, c = divmod(i, ncols)
        out[r * (h + rg):r * (h + rg) + h, c * (w + gap):c * (w + gap) + w] = tiles[i]
    return out


def confusion_matrix(y_true, y_pred, n_classes: int = 10) -> np.ndarray:
    """(n_classes, n_classes) int64 counts: row = true class, column = predicted class."""
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    return np.bincount(y_true * n_classes + y_pred, minlength=n_classes * n_classes).reshape(
        n_classes, n_classes)


def per_class_accuracy(y_true, y_pred, n_classes: int = 10) -> np.ndarray:
    """(n_classes,) accuracy for each true class; NaN for a class with no examples."""
    cm = confusion_matrix(y_true, y_pred, n_classes)
    totals = cm.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, np.diag(cm) / np.maximum(totals, 1), np.nan)


def misclassified(y_true, y_pred, probs=None, true_class=None, pred_class=None, limit=None) -> np.ndarray:
    """Indices of wrong predictions, most confident mistakes first (stable: ties keep index order).

    Filter by the true and/or predicted class; ``limit`` caps the count.
    """
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    mask = y_true != y_pred
    if true_class is not None:
        mask &= y_true == true_class
    if pred_class is not None:
        mask &= y_pred == pred_class
    idx = np.flatnonzero(mask)
    if probs is not None and len(idx):
        conf = np.asarray(probs)[idx, y_pred[idx]]
        idx = idx[np.argsort(-conf, kind="stable")]
    return idx[:limit] if limit is not None else idx


def upscale(img, factor: int = 4) -> np.ndarray:
    """A (28, 28) float image in [0, 1] -> (28f, 28f) uint8, nearest neighbour (crisp pixels)."""
    a = np.clip(np.asarray(img, dtype=np.float64), 0.0, 1.0)
    a = np.repeat(np.repeat(a, factor, axis=0), factor, axis=1)
    return (a * 255 + 0.5).astype(np.uint8)


def history_table(rows, max_points: int = 400, smooth: float = 0.9):
    """History rows -> a pandas DataFrame for charts, at most ~max_points rows.

    Columns: step, epoch, loss (per batch), loss_smooth (exponential moving average), train_acc,
    val_acc (NaN between validations). Thinned evenly, but every row with a validation accuracy
    and the last row are kept, so the curves never lose their end points.
    """
    import pandas as pd

    cols = ["step", "epoch", "loss", "loss_smooth", "train_acc", "val_acc", "lr"]
    if not rows:
        return pd.DataFrame(columns=cols)
    loss = np.array([r["loss"] for r in rows], dtype=np.float64)
    ema = np.empty_like(loss)
    acc = loss[0]
    for i, x in enumerate(loss):  # a few thousand rows at most: a plain loop is fast enough
        acc = smooth * acc + (1 - smooth) * x if np.isfinite(x) else acc
        ema[i] = acc
    n = len(rows)
    keep = np.zeros(n, dtype=bool)
    keep[np.unique(np.linspace(0, n - 1, min(n, max_points)).astype(int))] = True
    keep[-1] = True
    val = np.array([np.nan if r.get("val_acc") is None else r["val_acc"] for r in rows], dtype=np.float64)
    keep |= np.isfinite(val)
    sel = np.flatnonzero(keep)
    return pd.DataFrame({
        "step": [rows[i]["step"] for i in sel],
        "epoch": [rows[i]["epoch"] for i in sel],
        "loss": loss[sel],
        "loss_smooth": ema[sel],
        "train_acc": [rows[i]["train_acc"] for i in sel],
        "val_acc": val[sel],
        "lr": [rows[i]["lr"] for i in sel],
    })


def format_duration(seconds) -> str:
    """12.3 -> '12 s', 75 -> '1 min 15 s', None -> '–'."""
    if seconds is None or not np.isfinite(seconds):
        return "–"
    s = int(round(seconds))
    if s < 60:
        return f"{s} s"
    m, s = divmod(s, 60)
    if m < 60:
        return f"{m} min {s:02d} s"
    h, m = divmod(m, 60)
    return f"{h} h {m:02d} min"


# ------------------------------------------------------------------------------------------ chart specs
# Plain Vega-Lite dicts for st.vega_lite_chart. Building charts with Altair costs 100-300 ms of
# GIL-holding schema validation per chart; the live Train page redraws twice a second beside the
# training thread and the Draw page answers every stroke, so they use these instead (~0 ms).
PINK, BLUE, GREY = "#d6336c", "#4c72b0", "#9aa5b1"


def _axis(fmt=None, title=None, angle=None, label_size=14):
    a = {"labelFontSize": label_size, "titleFontSize": 15}
    if fmt:
        a["format"] = fmt
    if title is not None:
        a["title"] = title
    if angle is not None:
        a["labelAngle"] = angle
    return a


def loss_chart_spec(x: str = "step", height: int = 300) -> dict:
    """Per-batch loss (grey) under its moving average (pink); data: history_table()."""
    enc_x = {"field": x, "type": "quantitative", "axis": _axis(title=x)}
    return {
        "height": height, "title": "Loss (grey: each batch, pink: smoothed)",
        "layer": [
            {"mark": {"type": "line", "color": GREY, "opacity": 0.6},
             "encoding": {"x": enc_x, "y": {"field": "loss", "type": "quantitative",
                                            "axis": _axis(title="cross-entropy loss")}}},
            {"mark": {"type": "line", "color": PINK, "strokeWidth": 3},
             "encoding": {"x": enc_x, "y": {"field": "loss_smooth", "type": "quantitative"}}},
        ],
    }


def accuracy_chart_spec(x: str = "step", height: int = 300) -> dict:
    """Running train accuracy and validation accuracy (points); data: history_table()."""
    return {
        "height": height, "title": "Accuracy",
        "transform": [
            {"fold": ["train_acc", "val_acc"], "as": ["series", "accuracy"]},
            {"filter": "isValid(datum.accuracy) && isFinite(datum.accuracy)"},
            {"calculate": "datum.series == 'train_acc' ? 'train (running)' : 'validation'", "as": "set"},
        ],
        "mark": {"type": "line", "point": True, "strokeWidth": 3},
        "encoding": {
            "x": {"field": x, "type": "quantitative", "axis": _axis(title=x)},
            "y": {"field": "accuracy", "type": "quantitative", "scale": {"domain": [0, 1]},
                  "axis": _axis(fmt="%", title="accuracy")},
            "color": {"field": "set", "type": "nominal",
                      "scale": {"domain": ["train (running)", "validation"], "range": [BLUE, PINK]},
                      "legend": {"orient": "bottom-right", "title": None, "labelFontSize": 14}},
        },
    }


def bar_chart_spec(x: str, y: str, *, title=None, highlight: str | None = None, y_domain=None,
                   y_format=None, x_title=None, y_title=None, text_format=None, height: int = 260,
                   label_size: int = 18) -> dict:
    """Bars of y per category x; rows whose ``highlight`` column is true are pink, the rest blue."""
    enc = {
        "x": {"field": x, "type": "nominal", "sort": None, "axis": _axis(title=x_title, angle=0,
                                                                         label_size=label_size)},
        "y": {"field": y, "type": "quantitative", "axis": _axis(fmt=y_format, title=y_title)},
        "tooltip": [{"field": x, "type": "nominal"},
                    {"field": y, "type": "quantitative", "format": text_format or y_format or ".3f"}],
    }
    if y_domain is not None:
        enc["y"]["scale"] = {"domain": list(y_domain)}
    if highlight:
        enc["color"] = {"condition": {"test": f"datum['{highlight}']", "value": PINK}, "value": BLUE}
    bars = {"mark": {"type": "bar", "color": BLUE}, "encoding": enc}
    spec = {"height": height}
    if title:
        spec["title"] = title
    if text_format:
        text = {"mark": {"type": "text", "dy": -10, "fontSize": 14},
                "encoding": {"x": enc["x"], "y": enc["y"], "text": {"field": y, "type": "quantitative",
                                                                      "format": text_format}}}
        spec["layer"] = [bars, text]
    else:
        spec.update(bars)
    return spec


def probability_bars_html(probs, height: int = 120) -> str:
    """The ten class probabilities as an HTML bar chart: the highest bar pink, a percentage on each.

    Plain HTML and CSS on purpose: it is redrawn on every stroke on the Draw page, and a browser lays
    out ten boxes in well under a millisecond, where a Vega-Lite chart is re-built each time.
    """
    probs = np.asarray(probs, dtype=float)
    top = int(np.argmax(probs))
    cols = []
    for digit, p in enumerate(probs):
        color = PINK if digit == top else BLUE
        bar = max(1, round(height * float(p)))
        cols.append(
            f'<div style="flex:1;display:flex;flex-direction:column;align-items:center;justify-content:flex-end">'
            f'<div style="font-size:0.85rem;color:#555;margin-bottom:2px">{100 * p:.0f}%</div>'
            f'<div style="width:70%;height:{bar}px;background:{color};border-radius:3px 3px 0 0"></div>'
            f'<div style="font-size:1.3rem;font-weight:{700 if digit == top else 400};margin-top:4px">{digit}</div>'
            f'</div>')
    return (f'<div role="img" aria-label="probability of each digit" style="display:flex;gap:4px;'
            f'align-items:stretch;height:{height + 60}px;border-bottom:1px solid #ddd">{"".join(cols)}</div>')


def histogram_spec(title: str = "", height: int = 260) -> dict:
    """Bars from columns lo, hi (bin edges) and count."""
    return {"height": height, "title": title, "mark": {"type": "rect", "color": BLUE},
            "encoding": {"x": {"field": "lo", "type": "quantitative", "axis": _axis(title="weight")},
                         "x2": {"field": "hi"},
                         "y": {"field": "count", "type": "quantitative", "axis": _axis(title="pixels")},
                         "y2": {"datum": 0}}}


# ------------------------------------------------------------------------------------------ fast images
# The Weights page redraws every second while a run trains, next to the training thread: these build
# RGB arrays with NumPy (plus Pillow for the numbers) in milliseconds, where a Matplotlib figure of
# 64 tiles takes most of a second of CPU.
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
    """Values -> (..., 3) uint8 RGB on a colour map over [-vmax, vmax] (0 = its middle); NaN -> white."""
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


# ------------------------------------------------------------------------------------------ figures
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


def weight_grid_figure(W1, start: int = 0, count: int = 64, vmax: float | None = None, ncols=None,
                       selected: int | None = None, fontsize: int = 13):
    """Units start..start+count-1 of W1 (784, H) as 28x28 tiles with unit numbers and a colour bar.

    One symmetric scale for all units (``vmax`` defaults to ``symmetric_scale`` of the WHOLE W1, so
    pages of the grid are comparable). ``selected`` gets a black frame.
    """
    from matplotlib import colormaps
    from matplotlib.patches import Rectangle

    W1 = np.asarray(W1)
    H = W1.shape[1]
    units = np.arange(start, min(H, start + count))
    vmax = symmetric_scale(W1) if vmax is None else vmax
    ncols = ncols or grid_columns(len(units))
    if ncols > 8:  # a wide figure is shown shrunk: keep the numbers readable
        fontsize += 4
    nrows = max(1, math.ceil(len(units) / ncols))
    gap, row_gap = 4, 11  # room under each tile for its number
    fig = _figure(ncols * 1.0 + 1.2, nrows * 1.0 * (SIDE + row_gap) / SIDE + 0.2)
    ax = fig.add_subplot()
    img = mosaic(unit_images(W1, units), ncols, gap=gap, row_gap=row_gap)
    cmap = colormaps[WEIGHT_CMAP].with_extremes(bad="white")  # gaps between tiles are NaN
    im = ax.imshow(np.ma.masked_invalid(img), cmap=cmap, vmin=-vmax, vmax=vmax, interpolation="nearest")
    sx, sy = SIDE + gap, SIDE + row_gap
    for i, u in enumerate(units):
        r, c = divmod(i, ncols)
        ax.text(c * sx + SIDE / 2 - 0.5, r * sy + SIDE + 0.5, str(u), ha="center", va="top",
                fontsize=fontsize, color="black")
        if selected is not None and u == selected:
            ax.add_patch(Rectangle((c * sx - 1.5, r * sy - 1.5), SIDE + 2, SIDE + 2, fill=False,
                                   lw=3, ec="black"))
    ax.set_xlim(-2, ncols * sx - gap + 1)
    ax.set_ylim(nrows * sy - 1, -2)
    ax.set_axis_off()
    cb = fig.colorbar(im, ax=ax, fraction=0.04 if nrows > 1 else 0.02, pad=0.01, shrink=0.95)
    cb.set_label("weight (red > 0, blue < 0)", fontsize=fontsize)
    cb.ax.tick_params(labelsize=fontsize - 1)
    return fig


def unit_figure(w, bias: float, vmax: float, unit: int, fontsize: int = 16):
    """One hidden unit large (its 784 weights as 28x28) next to the histogram of its weights."""
    w = np.asarray(w, dtype=np.float64).reshape(-1)
    fig = _figure(10.0, 4.4)
    ax_img, ax_hist = fig.subplots(1, 2, width_ratios=[1, 1.3])
    im = ax_img.imshow(w.reshape(SIDE, SIDE), cmap=WEIGHT_CMAP, vmin=-vmax, vmax=vmax, interpolation="nearest")
    ax_img.set_title(f"unit {unit}   (bias {bias:+.3f})", fontsize=fontsize + 1)
    ax_img.set_axis_off()
    fig.colorbar(im, ax=ax_img, fraction=0.046, pad=0.02).ax.tick_params(labelsize=fontsize - 2)
    finite = w[np.isfinite(w)]
    ax_hist.hist(finite, bins=40, color="#4c72b0")
    ax_hist.axvline(0, color="black", lw=1)
    ax_hist.set_title("its 784 weights", fontsize=fontsize + 1)
    ax_hist.set_xlabel("weight", fontsize=fontsize)
    ax_hist.set_ylabel("count", fontsize=fontsize)
    ax_hist.tick_params(labelsize=fontsize - 2)
    return fig


def heatmap_figure(W, row_label: str = "hidden unit", col_label: str = "class", fontsize: int = 16):
    """A weight matrix (rows x cols) as a diverging heatmap centred on zero.

    Shown transposed when it is tall (e.g. 800 hidden units x 10 classes) so it fits a screen.
    """
    W = np.asarray(W, dtype=np.float64)
    vmax = symmetric_scale(W, 100.0)
    tall = W.shape[0] > 3 * W.shape[1]
    M, ylab, xlab = (W.T, col_label, row_label) if tall else (W, row_label, col_label)
    h = min(7.0, 1.2 + 0.3 * M.shape[0])
    fig = _figure(10.0, max(2.6, h))
    ax = fig.add_subplot()
    im = ax.imshow(M, cmap=WEIGHT_CMAP, vmin=-vmax, vmax=vmax, aspect="auto", interpolation="nearest")
    ax.set_xlabel(xlab, fontsize=fontsize)
    ax.set_ylabel(ylab, fontsize=fontsize)
    if M.shape[0] <= 20:
        ax.set_yticks(range(M.shape[0]))
    if M.shape[1] <= 20:
        ax.set_xticks(range(M.shape[1]))
    ax.tick_params(labelsize=fontsize - 2)
    fig.colorbar(im, ax=ax, fraction=0.03, pad=0.01).ax.tick_params(labelsize=fontsize - 2)
    return fig


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
