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
    """Columns for a grid of n unit pictures: up to 10 in one row (the classic 784-10-10), else 8."""
    return max(1, n_units) if n_units <= 10 else 8


def mosaic(tiles, ncols: int, gap: int = 2, fill=np.nan) -> np.ndarray:
    """(k, h, w) tiles -> one (rows*(h+gap)-gap, ncols*(w+gap)-gap) image, row-major, gaps = fill."""
    tiles = np.asarray(tiles, dtype=np.float64)
    k, h, w = tiles.shape
    nrows = max(1, math.ceil(k / ncols))
    out = np.full((nrows * (h + gap) - gap, ncols * (w + gap) - gap), fill, dtype=np.float64)
    for i in range(k):
        r, c = divmod(i, ncols)
        out[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = tiles[i]
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
                       selected: int | None = None, fontsize: int = 11):
    """Units start..start+count-1 of W1 (784, H) as 28x28 tiles with unit numbers and a colour bar.

    One symmetric scale for all units (``vmax`` defaults to ``symmetric_scale`` of the WHOLE W1, so
    pages of the grid are comparable). ``selected`` gets a black frame.
    """
    W1 = np.asarray(W1)
    H = W1.shape[1]
    units = np.arange(start, min(H, start + count))
    vmax = symmetric_scale(W1) if vmax is None else vmax
    ncols = ncols or grid_columns(len(units))
    nrows = max(1, math.ceil(len(units) / ncols))
    tile_in = 1.05 if ncols <= 10 else 0.95
    fig = _figure(ncols * tile_in + 1.0, nrows * (tile_in + 0.22) + 0.3)
    ax = fig.add_subplot()
    img = mosaic(unit_images(W1, units), ncols, gap=4)
    from matplotlib import colormaps

    cmap = colormaps[WEIGHT_CMAP].with_extremes(bad="white")  # gaps between tiles are NaN
    im = ax.imshow(np.ma.masked_invalid(img), cmap=cmap, vmin=-vmax, vmax=vmax, interpolation="nearest")
    step = SIDE + 4
    for i, u in enumerate(units):
        r, c = divmod(i, ncols)
        ax.text(c * step + SIDE / 2 - 0.5, r * step + SIDE + 1.2, str(u), ha="center", va="top",
                fontsize=fontsize, color="black")
        if selected is not None and u == selected:
            from matplotlib.patches import Rectangle

            ax.add_patch(Rectangle((c * step - 1.5, r * step - 1.5), SIDE + 2, SIDE + 2, fill=False,
                                   lw=2.5, ec="black"))
    ax.set_xlim(-2, ncols * step - 2)
    ax.set_ylim(nrows * step + 0.5, -2)
    ax.set_axis_off()
    cb = fig.colorbar(im, ax=ax, fraction=0.035 if nrows > 1 else 0.02, pad=0.01, shrink=0.9)
    cb.set_label("weight (red > 0, blue < 0)", fontsize=fontsize)
    cb.ax.tick_params(labelsize=fontsize - 1)
    return fig


def unit_figure(w, bias: float, vmax: float, unit: int, fontsize: int = 12):
    """One hidden unit large (its 784 weights as 28x28) next to the histogram of its weights."""
    w = np.asarray(w, dtype=np.float64).reshape(-1)
    fig = _figure(9.0, 3.8)
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


def heatmap_figure(W, row_label: str = "hidden unit", col_label: str = "class", fontsize: int = 12):
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


def confusion_figure(cm, fontsize: int = 12):
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
