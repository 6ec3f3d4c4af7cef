"""How a room shares one server's cores: at most ``capacity`` holders compute at once, and a free slot goes
to the waiter that has had the least so far.

``SlotLimiter.acquire(ticket, priority=...)`` waits for a slot; ``release(ticket)`` hands it straight to the
waiter with the lowest ``priority`` (ties: first come, first served). The parse budget passes no priority:
plain first come, first served. A training run passes the seconds it has computed so far and gives its
slot back every time slice (``worker.py``): that is processor sharing, so a run that has just started, or
one that mostly waits out its pace, goes before one that has had many slices.

``get_limiter()`` is the process-wide one for training (cap from the environment variable
``NNSCRATCH_MAX_TRAINING``, default: one slot per CPU core).
"""

from __future__ import annotations

import bisect
import itertools
import logging
import os
import threading

from .errors import ConfigError

log = logging.getLogger(__name__)


def _default_capacity() -> int:
    raw = os.environ.get("NNSCRATCH_MAX_TRAINING", "").strip()
    default = os.cpu_count() or 1
    if not raw:
        return default
    try:
        n = int(raw)
        if n < 1:
            raise ValueError
        return n
    except ValueError:
        log.warning("NNSCRATCH_MAX_TRAINING=%r is not a whole number >= 1; using %d", raw, default)
        return default


class _Waiter:
    __slots__ = ("key", "ticket", "granted")

    def __init__(self, key, ticket):
        self.key, self.ticket, self.granted = key, ticket, threading.Event()

    def __lt__(self, other):
        return self.key < other.key


class SlotLimiter:
    """At most ``capacity`` holders at once; a freed slot goes to the waiter with the lowest priority."""

    def __init__(self, capacity: int | None = None):
        self.capacity = int(capacity) if capacity is not None else _default_capacity()
        if self.capacity < 1:
            raise ConfigError(f"training slots: {capacity} is not allowed; use at least 1")
        self._lock = threading.Lock()
        self._waiting: list[_Waiter] = []  # sorted by (priority, arrival)
        self._holders: set = set()
        self._arrivals = itertools.count()

    def acquire(self, ticket, cancel: threading.Event | None = None, poll: float = 0.1,
                priority: float = 0.0) -> bool:
        """Wait for a slot. Returns False (and leaves the queue) if ``cancel`` gets set first; a free slot
        nobody waits for is taken at once, before ``cancel`` is looked at."""
        with self._lock:
            if len(self._holders) < self.capacity and not self._waiting:
                self._holders.add(ticket)
                return True
            me = _Waiter((priority, next(self._arrivals)), ticket)
            bisect.insort(self._waiting, me)
            self._grant()
        while not me.granted.wait(poll):
            if cancel is not None and cancel.is_set():
                with self._lock:
                    if not me.granted.is_set():
                        self._waiting.remove(me)
                        return False
                self.release(ticket)  # granted just as it was cancelled: hand it on
                return False
        return True

    def release(self, ticket) -> None:
        with self._lock:
            self._holders.discard(ticket)
            self._grant()

    def _grant(self) -> None:
        """Hand free slots to the first waiters (called with the lock held)."""
        while self._waiting and len(self._holders) < self.capacity:
            w = self._waiting.pop(0)
            self._holders.add(w.ticket)
            w.granted.set()

    def position(self, ticket) -> int | None:
        """0 if ``ticket`` holds a slot, k >= 1 if it is k-th in the queue, None otherwise."""
        with self._lock:
            if ticket in self._holders:
                return 0
            for i, w in enumerate(self._waiting):
                if w.ticket is ticket:
                    return i + 1
            return None

    @property
    def running(self) -> int:
        with self._lock:
            return len(self._holders)

    @property
    def waiting(self) -> int:
        with self._lock:
            return len(self._waiting)


_LIMITER: SlotLimiter | None = None
_LIMITER_LOCK = threading.Lock()


def get_limiter() -> SlotLimiter:
    """The process-wide limiter (created on first use from NNSCRATCH_MAX_TRAINING)."""
    global _LIMITER
    with _LIMITER_LOCK:
        if _LIMITER is None:
            _LIMITER = SlotLimiter()
        return _LIMITER
