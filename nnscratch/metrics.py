"""Numbers about a model and a run: confusion matrix, per-class accuracy, mistakes, history thinning."""

from __future__ import annotations

import numpy as np


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
    idx = _most_confident_first(np.flatnonzero(mask), y_pred, probs)
    return idx[:limit] if limit is not None else idx


def _most_confident_first(idx, y_pred, probs) -> np.ndarray:
    """``idx`` ordered by the probability of the predicted class, highest first (ties keep index order);
    unchanged without ``probs`` (n, 10)."""
    if probs is not None and len(idx):
        idx = idx[np.argsort(-np.asarray(probs)[idx, y_pred[idx]], kind="stable")]
    return idx


def cells_by_count(cm) -> list:
    """The non-empty cells (true, predicted) of a confusion matrix: the mistakes first, most frequent first,
    then the right answers, most frequent first (ties in row order). What a person picks a cell from."""
    cm = np.asarray(cm)
    cells = [(t, p) for t in range(cm.shape[0]) for p in range(cm.shape[1]) if cm[t, p]]
    return sorted(cells, key=lambda c: (c[0] == c[1], -int(cm[c])))


def confusion_cell(y_true, y_pred, true_class: int, pred_class: int, probs=None) -> np.ndarray:
    """Indices of the examples in one cell of the confusion matrix (row = true, column = predicted),
    the most confident first when ``probs`` (n, 10) is given (ties keep index order)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return _most_confident_first(np.flatnonzero((y_true == true_class) & (y_pred == pred_class)), y_pred, probs)


def thin(rows, max_points: int = 500) -> np.ndarray:
    """Sorted indices of at most ``max_points`` of a run's history rows (dicts): what the charts draw and
    the class board stores. The last row is always kept, so curves never lose their end point; so is
    every row holding a validation accuracy (evenly thinned to half the budget if there are more); the
    rest of the budget goes to evenly spaced steps."""
    n = len(rows)
    if n <= max_points:
        return np.arange(n)
    val_idx = [i for i, r in enumerate(rows) if r.get("val_acc") is not None]
    half = max_points // 2
    if len(val_idx) > half:
        val_idx = [val_idx[round(j * (len(val_idx) - 1) / (half - 1))] for j in range(half)]
    budget = max(max_points - len(val_idx) - 1, 0)
    even = [round(j * (n - 1) / budget) for j in range(budget)] if budget and n > 1 else []
    return np.array(sorted(set(val_idx) | set(even) | {n - 1}))


def smoothed(values, weight: float = 0.9, start: float | None = None) -> np.ndarray:
    """Exponential moving average (non-finite values are skipped), like TensorBoard's smoothing. ``start``:
    the average so far, to carry it over new values only (None: it starts at the first value)."""
    x = np.asarray(values, dtype=np.float64)
    out = np.empty_like(x)
    acc = start if start is not None else x[0] if len(x) else 0.0
    for i, v in enumerate(x):  # a few thousand rows at most: a plain loop is fast enough
        acc = weight * acc + (1 - weight) * v if np.isfinite(v) else acc
        out[i] = acc
    return out
