"""Whole-page runs take turns (app/page_turns.py): at most one per core at once, in arrival order, and a run
that already holds a turn (a full run reaching the Train page's fragment) does not wait for a second."""

import threading

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
