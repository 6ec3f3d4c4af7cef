import threading
import time

import numpy as np
import pytest

from nnscratch import ConfigError, Network, TrainingDiverged, fit


def _blobs(n=600, seed=0):
    """Ten well separated clusters in 784-d: learnable in a few steps."""
    rng = np.random.default_rng(seed)
    centres = rng.random((10, 784)).astype(np.float32)
    y = rng.integers(0, 10, n)
    X = np.clip(centres[y] + rng.normal(0, 0.15, (n, 784)), 0, 1).astype(np.float32)
    return X, y


def test_learns_and_reports_rows():
    X, y = _blobs()
    net = Network([784, 32, 10], seed=0)
    seen = []
    hist = fit(net, X[:500], y[:500], epochs=3, batch_size=50, optimizer="adam", lr=1e-2,
               X_val=X[500:], y_val=y[500:], callback=seen.append)
    assert hist.status == "completed"
    assert len(hist) == hist.total_steps == 30 and seen == hist.rows
    last = hist.last
    assert set(last) == {"step", "epoch", "samples", "loss", "train_acc", "val_acc", "lr", "elapsed",
                         "samples_per_s"}
    assert last["step"] == 30 and last["epoch"] == 3.0 and last["samples"] == 1500
    assert hist.rows[0]["loss"] > last["loss"]
    assert last["val_acc"] > 0.9 and hist.val_acc == last["val_acc"]
    assert sum(r["val_acc"] is not None for r in hist.rows) >= 3  # validated during the run
    assert last["samples_per_s"] > 0
    # the running train accuracy follows the recent batches (no reset at epoch boundaries)
    assert abs(last["train_acc"] - net.accuracy(X[:500], y[:500])) < 0.1
    epoch_starts = [r["train_acc"] for r in hist.rows if r["step"] in (10, 11, 20, 21)]
    assert abs(epoch_starts[1] - epoch_starts[0]) < 0.2 and abs(epoch_starts[3] - epoch_starts[2]) < 0.2


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("schedule", ["constant", "step", "cosine"])
def test_every_optimizer_and_schedule_reduces_the_loss(optimizer, schedule):
    X, y = _blobs(300)
    net = Network([784, 16, 10], seed=1)
    lr = {"sgd": 0.05, "momentum": 0.05, "adam": 3e-3}[optimizer]
    loss0 = net.loss_and_gradients(X, y)[0]
    fit(net, X, y, steps=40, batch_size=32, optimizer=optimizer, lr=lr, schedule=schedule, weight_decay=1e-4)
    assert net.loss_and_gradients(X, y)[0] < 0.5 * loss0


def test_deterministic_bit_for_bit():
    X, y = _blobs(400)
    runs = []
    for _ in range(2):
        net = Network([784, 24, 12, 10], seed=3)
        h = fit(net, X, y, epochs=2, batch_size=64, optimizer="adam", lr=1e-3, seed=9, augment=True)
        runs.append((net, [(r["loss"], r["train_acc"]) for r in h.rows]))
    assert runs[0][1] == runs[1][1]
    for k in runs[0][0].params:
        assert np.array_equal(runs[0][0].params[k], runs[1][0].params[k])
    net = Network([784, 24, 12, 10], seed=3)
    fit(net, X, y, epochs=2, batch_size=64, optimizer="adam", lr=1e-3, seed=10, augment=True)
    assert not np.array_equal(net.params["W1"], runs[0][0].params["W1"])


def test_full_batch_and_batch_larger_than_data():
    X, y = _blobs(100)
    h = fit(Network([784, 8, 10]), X, y, steps=5, batch_size=None)
    assert [r["samples"] for r in h.rows] == [100, 200, 300, 400, 500]
    h = fit(Network([784, 8, 10]), X, y, epochs=2, batch_size=10_000)
    assert len(h) == 2


def test_stop_event_stops_within_one_step():
    X, y = _blobs(200)
    stop = threading.Event()

    def cb(row):
        if row["step"] == 7:
            stop.set()
    h = fit(Network([784, 8, 10]), X, y, steps=1000, batch_size=10, callback=cb, stop_event=stop)
    assert h.status == "stopped" and len(h) == 7


def test_pause_event_holds_training_still():
    X, y = _blobs(200)
    pause, stop = threading.Event(), threading.Event()
    rows = []
    pause.set()
    t = threading.Thread(target=lambda: rows.append(
        fit(Network([784, 8, 10]), X, y, steps=50, batch_size=10, pause_event=pause, stop_event=stop)))
    t.start()
    time.sleep(0.3)
    assert t.is_alive() and not rows  # nothing happens while paused
    pause.clear()
    t.join(10)
    assert rows and rows[0].status == "completed" and len(rows[0]) == 50
    # paused time is not counted as training time
    assert rows[0].last["elapsed"] < 0.25


def test_divergence_raises_and_keeps_finite_weights():
    X, y = _blobs(200)
    net = Network([784, 32, 10], init="classic", seed=0)
    before = {k: v.copy() for k, v in net.params.items()}
    with pytest.raises(TrainingDiverged, match=r"diverged at step \d+.*smaller learning rate") as e:
        fit(net, X, y, steps=200, batch_size=None, optimizer="sgd", lr=1e6)
    assert e.value.step >= 1 and e.value.history.status == "diverged"
    assert len(e.value.history) == e.value.step - 1
    assert all(np.isfinite(p).all() for p in net.params.values())
    # rolled back to the snapshot taken at step 0 (the blow-up came before step 50)
    assert all(np.array_equal(net.params[k], before[k]) for k in before)


def test_overflowing_weights_give_nan_and_are_rolled_back():
    X, y = _blobs(100)
    net = Network([784, 10], seed=0)
    with pytest.raises(TrainingDiverged):
        fit(net, X, y, steps=10, batch_size=None, lr=1e38)
    assert all(np.isfinite(p).all() for p in net.params.values())


@pytest.mark.parametrize("kwargs, words", [
    ({"epochs": 0}, "epochs"),
    ({"epochs": 1, "steps": 3}, "exactly one"),
    ({"epochs": 1, "lr": 0}, "learning rate"),
    ({"epochs": 1, "lr": float("nan")}, "learning rate"),
    ({"epochs": 1, "batch_size": 0}, "batch_size"),
    ({"epochs": 1, "optimizer": "rmsprop"}, "rmsprop"),
    ({"epochs": 1, "schedule": "linear"}, "linear"),
    ({"epochs": 1, "weight_decay": -1}, "weight_decay"),
])
def test_bad_arguments_are_refused_with_the_value(kwargs, words):
    X, y = _blobs(20)
    with pytest.raises(ConfigError, match=words):
        fit(Network([784, 4, 10]), X, y, **kwargs)


def test_bad_labels_and_shapes():
    X, y = _blobs(20)
    with pytest.raises(ConfigError, match="labels"):
        fit(Network([784, 4, 10]), X, y + 5, epochs=1)
    with pytest.raises(ConfigError, match="one label per row"):
        fit(Network([784, 4, 10]), X, y[:-1], epochs=1)
