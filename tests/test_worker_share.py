"""How runs share the cores (issue: the room presses Start): time slices handed to the least-computed run,
and a run waiting out its pace or paused holds no slot. Logic tests: events and conditions, no timings."""

import threading

import pytest
from threadpoolctl import threadpool_info

from nnscratch import turns
from nnscratch import worker as W
from nnscratch.limiter import SlotLimiter
from helpers import wait_for
from test_worker import FakeNet, arrays, fake_fit
from nnscratch.recipe import Recipe


def _worker(lim, steps=20, step_time=0.0, log=None, name=""):
    fit = fake_fit(steps=steps, step_time=step_time)
    if log is not None:  # each step noted while its run holds the slot: with one slot, the true order
        inner = fit

        def fit(net, X, y, *, callback=None, **kw):
            def step_done(row):
                log.append(name)
                turns.now.ticks += 1  # a step computes one tick of the fake clock
                callback(row)
            return inner(net, X, y, callback=step_done, **kw)
    return W.TrainingWorker(FakeNet(), arrays(), Recipe(epochs=2, batch_size=10), limiter=lim, fit_fn=fit)


class _Clock:
    """The scheduler's clock in steps: a run has computed as long as it has computed steps."""

    def __init__(self):
        self.ticks = 0

    def __call__(self):
        return float(self.ticks)


def _three_runs_on_one_slot(monkeypatch, slice_steps):
    """Three 20-step runs that start together on one slot, with slices of ``slice_steps`` steps; returns the
    order their steps were computed."""
    monkeypatch.setattr(turns, "now", _Clock())
    monkeypatch.setattr(turns, "SLICE_SECONDS", float(slice_steps))
    lim = SlotLimiter(1)
    assert lim.acquire("door")  # hold the slot until all three wait, so they start together
    log = []
    runs = [_worker(lim, log=log, name=name) for name in "abc"]
    for w in runs:
        w.start()
    wait_for(lambda: lim.waiting == 3)
    lim.release("door")
    for w in runs:
        assert w.join(10)
    assert [w.status for w in runs] == [W.COMPLETED] * 3 and len(log) == 60
    assert lim.running == 0 and lim.waiting == 0
    return log


def _before_first_end(log):
    """Steps each run had computed when the first run computed its last step."""
    end = min(max(i for i, n in enumerate(log) if n == name) for name in "abc")
    return {name: log[:end + 1].count(name) for name in "abc"}


def test_three_runs_started_together_all_make_progress_before_any_ends(monkeypatch):
    """One slot, three runs: with slices, every run has points before the first one ends, and they move
    together (first come, first served would give the second and third nothing until the first is over)."""
    done = _before_first_end(_three_runs_on_one_slot(monkeypatch, slice_steps=1))
    assert sorted(done.values()) == [19, 19, 20], done  # round robin: one step apart at most


def test_first_come_first_served_would_have_failed_the_test_above(monkeypatch):
    """The control: with slices longer than the runs, the first run keeps the slot to its end."""
    done = _before_first_end(_three_runs_on_one_slot(monkeypatch, slice_steps=1000))
    assert sorted(done.values()) == [0, 0, 20], done


def test_slices_of_five_steps_take_turns_five_steps_at_a_time(monkeypatch):
    log = _three_runs_on_one_slot(monkeypatch, slice_steps=5)
    turns = [log[i:i + 5] for i in range(0, 60, 5)]
    assert all(len(set(t)) == 1 for t in turns), log  # each turn is one run's five steps
    first_round = [t[0] for t in turns[:3]]
    assert sorted(first_round) == ["a", "b", "c"] and turns[:3] == turns[3:6], log  # round robin, in arrival order


def test_a_paced_run_holds_no_slot_while_it_waits():
    lim = SlotLimiter(1)
    w = _worker(lim, steps=3)
    w.set_pace(600.0)  # 30 s per step (20 planned): it spends its life waiting
    w.start()
    try:
        wait_for(lambda: w.n_rows() == 2 and lim.running == 0)  # waiting out its pace, without the slot
        assert w.status == W.RUNNING
        assert lim.acquire("someone else", threading.Event())  # at once: the slot is free
        lim.release("someone else")
    finally:
        w.stop()
    assert w.join(5) and w.status == W.STOPPED and lim.running == 0 and lim.waiting == 0


def test_a_paused_run_holds_no_slot_and_resumes():
    lim = SlotLimiter(1)
    go = threading.Event()
    w = _worker(lim, steps=5)
    w.when_done(lambda _: go.set())
    w.pause()
    w.start()
    wait_for(lambda: w.n_rows() == 1 and lim.running == 0)  # paused after its first step, slot handed back
    assert w.status == W.PAUSED and w.n_rows() == 1
    assert lim.acquire("someone else", threading.Event())
    w.resume()
    wait_for(lambda: lim.position(w) == 1)  # it queues for the slot again...
    lim.release("someone else")
    assert go.wait(10) and w.status == W.COMPLETED and w.n_rows() == 5  # ...and finishes


def test_a_run_computes_with_one_blas_thread():
    """The app sets the BLAS threads, not the environment: OpenBLAS's pool would spin between steps."""
    w = _worker(SlotLimiter(1), steps=1).start()
    assert w.join(10)
    blas = [p for p in threadpool_info() if p["user_api"] == "blas"]
    assert blas, "numpy's BLAS is not visible to threadpoolctl"
    assert all(p["num_threads"] == W.BLAS_THREADS_PER_RUN for p in blas), blas
