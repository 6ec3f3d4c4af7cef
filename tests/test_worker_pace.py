"""TrainingWorker.set_pace: a run you can watch lasts about the pace, and the waits are not training time."""

import time

import numpy as np
import pytest

from nnscratch import turns
from nnscratch import worker as W
from nnscratch.data.splits import TrainingArrays
from nnscratch.limiter import SlotLimiter
from nnscratch.recipe import Recipe


def arrays(n=640):
    rng = np.random.default_rng(0)
    X = rng.random((n, 784), dtype=np.float32)
    y = np.arange(n) % 10
    return TrainingArrays(X, y, X[:50], y[:50], X[:50], y[:50], "random pixels")


def run(pace, epochs=4, change_to=..., after=0.3):
    """A real fit (784-16-10, 40 steps) under a pace; returns (worker, wall seconds)."""
    recipe = Recipe(hidden=(16,), optimizer="adam", lr=1e-3, batch_size=64, epochs=epochs)
    w = W.TrainingWorker(recipe.network(), arrays(), recipe, limiter=SlotLimiter(1))
    w.set_pace(pace)
    t0 = time.perf_counter()
    w.start()
    if change_to is not ...:
        time.sleep(after)
        w.set_pace(change_to)
    assert w.join(60)
    return w, time.perf_counter() - t0


def test_a_paced_run_lasts_about_the_pace_and_its_waits_are_not_training_time():
    fast, fast_wall = run(None)
    paced, paced_wall = run(2.0)
    assert fast.status == paced.status == W.COMPLETED
    assert paced.total_steps == 40 and paced.n_rows() == 40
    assert 1.8 <= paced_wall <= 4.0, paced_wall  # ~2 s: 40 waits of up to 50 ms
    snap = paced.snapshot()
    # elapsed (what the progress bar shows) is the wall time of the run; compute leaves the waits out
    assert 1.7 <= snap["elapsed"] <= paced_wall, snap
    assert snap["waited"] > 1.0 and snap["compute"] < 0.5 * snap["elapsed"], snap
    last = paced.last_row()
    assert last["elapsed"] == pytest.approx(snap["compute"])
    assert last["samples_per_s"] == pytest.approx(last["samples"] / last["elapsed"])
    # samples/s of the paced run is the engine's speed, not diluted by the waits: far above samples / wall
    assert last["samples_per_s"] > 5 * last["samples"] / paced_wall, (last, paced_wall)
    rows = paced.rows()
    assert all(b["elapsed"] >= a["elapsed"] for a, b in zip(rows, rows[1:])), "elapsed must not go back"


def test_pace_can_be_dropped_mid_run_and_stop_ends_a_wait_at_once():
    w, wall = run(30.0, change_to=None, after=0.4)  # 30 s run made fast after 0.4 s
    assert w.status == W.COMPLETED and wall < 5, wall

    recipe = Recipe(hidden=(16,), batch_size=64, epochs=4)
    w = W.TrainingWorker(recipe.network(), arrays(), recipe, limiter=SlotLimiter(1))
    w.set_pace(60.0)  # 1.5 s per step
    w.start()
    while w.n_rows() == 0:
        time.sleep(0.01)
    t0 = time.perf_counter()
    w.stop()
    assert w.join(5) and time.perf_counter() - t0 < 1.0
    assert w.status == W.STOPPED


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf")])
def test_bad_pace_is_refused(bad):
    recipe = Recipe(hidden=(16,), batch_size=64, epochs=1)
    w = W.TrainingWorker(recipe.network(), arrays(), recipe, limiter=SlotLimiter(1))
    with pytest.raises(ValueError, match="pace"):
        w.set_pace(bad)


def test_a_paced_run_waits_a_few_steps_at_a_time_not_after_every_step():
    """Steps of 1 ms under a pace of 40 ms a step: a turn (and a message from a child) every few steps, each
    wait at least PACE_WAIT, and the run still lasts about the pace (a fake clock: logic, not timing)."""
    clock = turns.Clock(0.0, total_steps=500)  # 20 s for 500 steps: 40 ms a step
    t, waits = 0.0, []
    for _ in range(500):
        t += 0.001
        wait = clock.after_step(t, 20.0, False)
        if wait is not None:
            waits.append(wait)
            clock.resumed(t, wait, 0.0, t + wait)
            t += wait
    assert all(w >= turns.PACE_WAIT for w in waits[:-1]), min(waits)
    assert len(waits) <= 500 * 0.04 / turns.PACE_WAIT, len(waits)  # not 500
    assert 19.0 <= t <= 20.5, t
