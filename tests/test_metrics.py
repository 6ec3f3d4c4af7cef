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


def test_smoothed_carried_over_new_values_is_the_same_as_smoothed_at_once():
    values = np.random.default_rng(1).random(50)
    values[[0, 20, 37]] = np.nan, np.inf, np.nan
    whole = metrics.smoothed(values)
    first = metrics.smoothed(values[:20])
    assert np.array_equal(np.concatenate([first, metrics.smoothed(values[20:], start=first[-1])]), whole, equal_nan=True)


def test_confusion_cell_holds_exactly_the_matrix_count_for_every_cell():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, 2000)
    pred = np.where(rng.random(2000) < 0.7, y, rng.integers(0, 10, 2000))
    probs = rng.dirichlet(np.ones(10), 2000)
    cm = metrics.confusion_matrix(y, pred)
    for t in range(10):
        for p in range(10):
            idx = metrics.confusion_cell(y, pred, t, p, probs)
            assert len(idx) == cm[t, p]
            assert (y[idx] == t).all() and (pred[idx] == p).all()
            assert list(probs[idx, p]) == sorted(probs[idx, p], reverse=True)


def test_cells_by_count_lists_every_non_empty_cell_mistakes_first_most_frequent_first():
    cm = np.zeros((10, 10), np.int64)
    cm[1, 1], cm[7, 1], cm[4, 9], cm[2, 2], cm[3, 5] = 50, 3, 7, 9, 3
    assert metrics.cells_by_count(cm) == [(4, 9), (3, 5), (7, 1), (1, 1), (2, 2)]


def test_the_rooms_cells_hold_exactly_the_room_matrix_counts():
    """The Class page's cells of the room's drawings: the rows a model read, filtered by the one confusion_cell."""
    from app.class_drawings import _read, _stats

    rng = np.random.default_rng(1)
    rows = []
    for i in range(300):
        label = int(rng.integers(10))
        probs = rng.dirichlet(np.ones(10))
        pred = None if i % 17 == 0 else int(label if rng.random() < 0.6 else np.argmax(probs))
        rows.append(dict(id=i, label=label, predicted=pred, probabilities=list(probs) if pred is not None else []))
    read = _read(rows)
    _, cm, n = _stats(rows)
    assert n == 300 and cm.sum() == len(read["y"]) == sum(r["predicted"] is not None for r in rows)
    seen = 0
    for t, p in metrics.cells_by_count(cm):
        idx = metrics.confusion_cell(read["y"], read["pred"], t, p, read["probs"])
        assert len(idx) == cm[t, p]
        assert all(read["rows"][i]["label"] == t and read["rows"][i]["predicted"] == p for i in idx)
        assert [read["probs"][i].tolist() for i in idx] == [read["rows"][i]["probabilities"] for i in idx]
        seen += len(idx)
    assert seen == cm.sum()

