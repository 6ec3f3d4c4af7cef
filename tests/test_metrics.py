"""nnscratch.metrics: confusion matrix, per-class accuracy, mistakes, history thinning."""

import numpy as np

from nnscratch import metrics


def test_confusion_and_per_class():
    y = np.array([0, 0, 1, 1, 2])
    p = np.array([0, 1, 1, 1, 0])
    cm = metrics.confusion_matrix(y, p, 3)
    assert cm.tolist() == [[1, 1, 0], [0, 2, 0], [1, 0, 0]]
    acc = metrics.per_class_accuracy(y, p, 4)
    assert acc[:3].tolist() == [0.5, 1.0, 0.0] and np.isnan(acc[3])


def test_misclassified_sorted_by_confidence_and_filtered():
    y = np.array([1, 2, 3, 4, 5])
    p = np.array([1, 3, 4, 7, 5])
    probs = np.zeros((5, 10))
    probs[1, 3], probs[2, 4], probs[3, 7] = 0.6, 0.9, 0.7
    assert metrics.misclassified(y, p, probs).tolist() == [2, 3, 1]
    assert metrics.misclassified(y, p, probs, true_class=2).tolist() == [1]
    assert metrics.misclassified(y, p, probs, pred_class=7).tolist() == [3]
    assert metrics.misclassified(y, p, limit=2).tolist() == [1, 2]


def test_thin_keeps_every_validation_row_and_the_last_and_at_most_about_max_points():
    rows = [{"step": i + 1, "val_acc": 0.5 if (i + 1) % 100 == 0 else None} for i in range(2000)]
    kept = metrics.thin(rows, max_points=500)
    steps = [rows[i]["step"] for i in kept]
    assert steps == sorted(set(steps)) and steps[0] == 1 and steps[-1] == 2000
    assert {r["step"] for r in rows if r["val_acc"] is not None} <= set(steps)
    assert 480 <= len(kept) <= 500
    assert metrics.thin(rows[:10], 500).tolist() == list(range(10))


def test_smoothed_skips_non_finite_values():
    s = metrics.smoothed([1.0, float("nan"), 1.0, 3.0], weight=0.5)
    assert s.tolist() == [1.0, 1.0, 1.0, 2.0]
