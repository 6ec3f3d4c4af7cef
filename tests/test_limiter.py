"""nnscratch.limiter: at most N holders at once; a freed slot goes to the lowest priority, ties first come first served."""

import os
import threading

import pytest

from nnscratch.errors import ConfigError
from nnscratch.limiter import SlotLimiter
from helpers import wait_for


def test_limiter_caps_and_serves_in_order():
    lim = SlotLimiter(1)
    a, b, c = object(), object(), object()
    assert lim.acquire(a)
    order = []

    def take(t):
        assert lim.acquire(t)
        order.append(t)

    tb = threading.Thread(target=take, args=(b,))
    tb.start()
    wait_for(lambda: lim.position(b) == 1)
    tc = threading.Thread(target=take, args=(c,))
    tc.start()
    wait_for(lambda: lim.position(c) == 2)
    assert lim.position(a) == 0 and lim.running == 1 and lim.waiting == 2
    lim.release(a)
    wait_for(lambda: lim.position(b) == 0)
    wait_for(lambda: order == [b])  # the slot is handed over at release; b's thread returns a moment later
    assert lim.position(c) == 1
    lim.release(b)
    tb.join(2), tc.join(2)
    assert order == [b, c]
    lim.release(c)
    assert lim.running == 0 and lim.position(c) is None


def test_limiter_cancel_leaves_queue():
    lim = SlotLimiter(1)
    lim.acquire("x")
    cancel = threading.Event()
    result = []
    t = threading.Thread(target=lambda: result.append(lim.acquire("y", cancel)))
    t.start()
    wait_for(lambda: lim.position("y") == 1)
    cancel.set()
    t.join(2)
    assert result == [False] and lim.waiting == 0


def test_limiter_capacity_from_env(monkeypatch):
    monkeypatch.setenv("NNSCRATCH_MAX_TRAINING", "3")
    assert SlotLimiter().capacity == 3
    monkeypatch.setenv("NNSCRATCH_MAX_TRAINING", "zero")  # unreadable: the default
    assert SlotLimiter().capacity == os.cpu_count()
    monkeypatch.delenv("NNSCRATCH_MAX_TRAINING")  # the default: one slot per CPU core
    assert SlotLimiter().capacity == os.cpu_count()
    with pytest.raises(ConfigError):
        SlotLimiter(0)




def test_the_servers_limiter_has_one_slot_per_cpu_core(monkeypatch):
    """What the app uses (worker.get_limiter(), made on first use): unset NNSCRATCH_MAX_TRAINING gives one
    slot per core, so on a 3-core machine three runs train at once and a fourth waits first in the queue."""
    from nnscratch import limiter, worker

    monkeypatch.delenv("NNSCRATCH_MAX_TRAINING", raising=False)
    monkeypatch.setattr(limiter.os, "cpu_count", lambda: 3)
    monkeypatch.setattr(limiter, "_LIMITER", None)  # a fresh process
    lim = worker.get_limiter()
    assert lim is limiter.get_limiter() and lim.capacity == 3
    tickets = [object() for _ in range(4)]
    assert all(lim.acquire(t) for t in tickets[:3])
    cancel = threading.Event()
    waiter = threading.Thread(target=lim.acquire, args=(tickets[3], cancel))
    waiter.start()
    try:
        wait_for(lambda: lim.position(tickets[3]) == 1)
        assert lim.running == 3
    finally:
        cancel.set()
        waiter.join(2)
    for t in tickets[:3]:
        lim.release(t)
    assert lim.running == 0 and lim.waiting == 0


def test_a_freed_slot_goes_to_the_waiter_with_the_lowest_priority():
    """Processor sharing: a run that has computed less (a new run, a paced run) goes before one that has had
    many slices; equal priorities keep their arrival order."""
    lim = SlotLimiter(1)
    assert lim.acquire("holder")
    got = []

    def take(t, p):
        assert lim.acquire(t, priority=p)
        got.append(t)

    threads = []
    for t, p in (("heavy", 5.0), ("new-1", 0.0), ("paced", 0.2), ("new-2", 0.0)):
        threads.append(threading.Thread(target=take, args=(t, p)))
        threads[-1].start()
        wait_for(lambda t=t: lim.position(t) is not None)
    assert [lim.position(t) for t in ("new-1", "new-2", "paced", "heavy")] == [1, 2, 3, 4]
    holder = "holder"
    for expected in ("new-1", "new-2", "paced", "heavy"):
        lim.release(holder)
        wait_for(lambda e=expected: got and got[-1] == e)
        holder = expected
    lim.release(holder)
    for th in threads:
        th.join(2)
    assert got == ["new-1", "new-2", "paced", "heavy"] and lim.running == 0 and lim.waiting == 0
