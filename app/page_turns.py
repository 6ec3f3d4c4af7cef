"""Whole-page runs take turns: one at a time, first come first served. A stroke on the Draw page or a live
view's tick reruns only its fragment and never waits for a turn.

Why: thirty people pressing Start, or thirty runs ending together, are thirty page runs at once. In one
Python process they all share the interpreter lock, so a drawing answered meanwhile got 1/31 of it and
waited with them (bench/bench_room.py). Taking turns, the same thirty finish no later in all, the first
ones much sooner, and a drawing shares the lock with one page run, not thirty. One turn, not one per core:
a page run is Python, and two at once only share the lock (docs/performance.md, "One page run at a time").
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

from nnscratch.limiter import SlotLimiter

_TURNS = SlotLimiter(1)
_MINE = threading.local()  # .ticket: the turn this script thread holds (a full run reaching the Train page's fragment)


@contextmanager
def page_turn():
    """Hold one of the turns for the block (at once if this thread already holds one)."""
    if getattr(_MINE, "ticket", None) is not None:
        yield
        return
    ticket = object()
    _TURNS.acquire(ticket)
    _MINE.ticket = ticket
    try:
        yield
    finally:
        _MINE.ticket = None
        _TURNS.release(ticket)


@contextmanager
def without_turn():
    """Give this thread's turn up for the block, and wait for one again after it: for a wait that is not
    Python (full MNIST's first download takes seconds), which would otherwise hold every page run in the room."""
    ticket = getattr(_MINE, "ticket", None)
    if ticket is None:
        yield
        return
    _MINE.ticket = None
    _TURNS.release(ticket)
    try:
        yield
    finally:
        _TURNS.acquire(ticket)
        _MINE.ticket = ticket
