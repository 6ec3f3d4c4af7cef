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
    idx = np.flatnonzero(mask)
    if probs is not None and len(idx):
        conf = np.asarray(probs)[idx, y_pred[idx]]
        idx = idx[np.argsort(-conf, kind="stable")]
    return idx[:limit] if limit is not None else idx



def thin(rows, max_points: int = 500) -> np.ndarray:
    """Indices of at most about ``max_points`` of a run's history rows, evenly spread: every row that
    holds a validation accuracy and the last row are always kept, so curves never lose their end points."""
    n = len(rows)
    if n <= max_points:
        return np.arange(n)
    keep = np.zeros(n, dtype=bool)
    keep[np.unique(np.linspace(0, n - 1, max_points).astype(int))] = True
    keep[-1] = True
    keep |= np.array([r.get("val_acc") is not None for r in rows])
    return np.flatnonzero(keep)


def downsample_history(rows, max_points: int = 500) -> list:
    """The rows :func:`thin` keeps (what the class board stores of a run)."""
    return [rows[i] for i in thin(rows, max_points)]


def smoothed(values, weight: float = 0.9) -> np.ndarray:
    """Exponential moving average (non-finite values are skipped), like TensorBoard's smoothing."""
    x = np.asarray(values, dtype=np.float64)
    out = np.empty_like(x)
    acc = x[0] if len(x) else 0.0
    for i, v in enumerate(x):  # a few thousand rows at most: a plain loop is fast enough
        acc = weight * acc + (1 - weight) * v if np.isfinite(v) else acc
        out[i] = acc
    return out
