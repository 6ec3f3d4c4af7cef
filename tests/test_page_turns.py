"""Whole-page runs take turns (app/page_turns.py): one at a time (the tests set more), in arrival order, and a run
that already holds a turn (a full run reaching the Train page's fragment) does not wait for a second. And the
live views' ticks, which take no turn, are spread in a full room (app/runs.py)."""

import threading
from types import SimpleNamespace

import pytest

from app import page_turns


def _page_runs(n, capacity, monkeypatch):
    """n page runs arriving one after another; each holds its turn until its event is set."""
    from nnscratch.limiter import SlotLimiter
    monkeypatch.setattr(page_turns, "_TURNS", SlotLimiter(capacity))
    entered, leave = [], [threading.Event() for _ in range(n)]

    def page_run(i):
        with page_turns.page_turn():
            entered.append(i)
            leave[i].wait(5)

    threads = [threading.Thread(target=page_run, args=(i,)) for i in range(n)]
    for i, t in enumerate(threads):
        t.start()
        # the next arrives once this one is in, or waiting for its turn
        while len(entered) + page_turns._TURNS.waiting < i + 1:
            threading.Event().wait(0.002)
    return entered, leave, threads


def _until(cond):
    for _ in range(2500):
        if cond():
            return True
        threading.Event().wait(0.002)
    return cond()


def test_at_most_one_page_run_per_core_at_once(monkeypatch):
    entered, leave, threads = _page_runs(6, 2, monkeypatch)
    assert entered == [0, 1] and page_turns._TURNS.waiting == 4
    leave[0].set()
    assert _until(lambda: len(entered) == 3) and entered[2] == 2 and page_turns._TURNS.running == 2
    for e in leave:
        e.set()
    for t in threads:
        t.join(5)
    assert sorted(entered) == list(range(6)) and page_turns._TURNS.running == 0


def test_page_runs_take_their_turns_in_arrival_order(monkeypatch):
    entered, leave, threads = _page_runs(5, 1, monkeypatch)
    for i in range(5):
        assert _until(lambda: len(entered) == i + 1) and entered == list(range(i + 1))
        leave[i].set()
    for t in threads:
        t.join(5)


def test_a_run_holding_a_turn_enters_the_fragment_without_a_second_one(monkeypatch):
    from nnscratch.limiter import SlotLimiter
    monkeypatch.setattr(page_turns, "_TURNS", SlotLimiter(1))
    done = threading.Event()

    def full_run():
        with page_turns.page_turn():  # streamlit_app.py
            with page_turns.page_turn():  # the Train page's form_and_run, in the same run
                done.set()

    t = threading.Thread(target=full_run)
    t.start()
    t.join(5)
    assert done.is_set() and page_turns._TURNS.running == 0


def test_a_run_waiting_without_its_turn_lets_another_run_in_and_takes_a_turn_again_after(monkeypatch):
    """A download inside a page run (app/session.py) gives the turn up, and waits in line for it after."""
    from nnscratch.limiter import SlotLimiter
    monkeypatch.setattr(page_turns, "_TURNS", SlotLimiter(1))
    downloading, downloaded, other_ran, back = threading.Event(), threading.Event(), threading.Event(), []

    def full_run():
        with page_turns.page_turn():
            with page_turns.without_turn():
                downloading.set()
                downloaded.wait(5)
            back.append(page_turns._TURNS.running)

    def other_run():
        with page_turns.page_turn():
            other_ran.set()

    t = threading.Thread(target=full_run)
    t.start()
    assert downloading.wait(5)
    o = threading.Thread(target=other_run)
    o.start()
    assert other_ran.wait(5), "another page run waited for the download"
    downloaded.set()
    t.join(5)
    o.join(5)
    assert back == [1] and page_turns._TURNS.running == 0


def test_in_a_full_room_each_persons_live_views_tick_at_a_slightly_different_pace(monkeypatch):
    """Timers started together stay together: the room's ticks would reach the server in bursts."""
    from app import runs

    monkeypatch.setattr(runs.worker, "running_workers", lambda: [SimpleNamespace(pace=20.0)] * 30)
    periods = []
    for i in range(30):
        monkeypatch.setattr(runs, "_session_id", lambda i=i: f"session-{i}")
        periods.append(runs.tick_every(0.4))
    slowest_room_pace = 0.4 * 30 / runs.FULL_RATE_RUNS
    assert all(slowest_room_pace <= p < slowest_room_pace * (1 + runs.TICK_SPREAD) for p in periods)
    assert max(periods) - min(periods) > slowest_room_pace * runs.TICK_SPREAD / 2
    assert len({round(p, 4) for p in periods}) >= 25
    monkeypatch.setattr(runs, "_session_id", lambda: "session-3")
    assert runs.tick_every(0.4) == periods[3]  # one person keeps one pace (a page run compares it with the timer's)
    monkeypatch.setattr(runs.worker, "running_workers", lambda: [SimpleNamespace(pace=20.0)] * runs.FULL_RATE_RUNS)
    assert runs.tick_every(0.4) == 0.4  # up to the full rate, every view at the page's own pace


def test_runs_as_fast_as_they_go_slow_the_live_numbers_down_more_than_paced_runs(monkeypatch):
    """Every tick comes out of the room's training; paced runs leave the cores idle most of the time."""
    from app import runs

    monkeypatch.setattr(runs, "_session_id", lambda: "session-3")

    def room(pace, n):
        monkeypatch.setattr(runs.worker, "running_workers", lambda: [SimpleNamespace(pace=pace)] * n)

    room(20.0, 30)
    paced = runs.tick_every(0.4, weigh_unpaced=True)
    room(None, 30)
    unpaced = runs.tick_every(0.4, weigh_unpaced=True)
    assert unpaced > paced and unpaced == pytest.approx(paced * runs.UNPACED_WEIGHT)
    assert runs.tick_every(0.4) == paced  # the curves, and the numbers until their first points
    room(None, runs.FULL_RATE_RUNS // runs.UNPACED_WEIGHT)
    assert runs.tick_every(0.4, weigh_unpaced=True) == 0.4  # a few, and the numbers keep their own pace
    room(None, runs.FULL_RATE_RUNS // runs.UNPACED_WEIGHT + 1)
    assert runs.tick_every(0.4, weigh_unpaced=True) > 0.4


def test_each_persons_paced_run_lasts_a_little_longer_than_the_next_ones(monkeypatch):
    """A room's runs, started together, would end together: thirty page runs at once."""
    from app import runs

    lengths = []
    for i in range(30):
        monkeypatch.setattr(runs, "_session_id", lambda i=i: f"session-{i}")
        lengths.append(runs.paced(20.0))
    assert all(20.0 <= s < 20.0 * (1 + runs.PACE_SPREAD) for s in lengths)
    assert max(lengths) - min(lengths) > 20.0 * runs.PACE_SPREAD / 2  # the ends spread over seconds
    assert len({round(s, 3) for s in lengths}) >= 25
    monkeypatch.setattr(runs, "_session_id", lambda: "session-3")
    assert runs.paced(20.0) == lengths[3]  # one person, one length, every run
