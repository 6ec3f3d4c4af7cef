"""The cap on training runs at once: a whole room shares one server's cores.

``SlotLimiter``: at most ``capacity`` runs train at once; later ones wait first-come, first-served and
can see their place in the queue. ``get_limiter()`` is the process-wide one (cap from the environment
variable ``NNSCRATCH_MAX_TRAINING``, default: one slot per CPU core).
"""

from __future__ import annotations

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


class SlotLimiter:
    """At most ``capacity`` holders at once; waiters are served first-come, first-served."""

    def __init__(self, capacity: int | None = None):
        self.capacity = int(capacity) if capacity is not None else _default_capacity()
        if self.capacity < 1:
            raise ConfigError(f"training slots: {capacity} is not allowed; use at least 1")
        self._cond = threading.Condition()
        self._waiting: list = []
        self._holders: set = set()

    def acquire(self, ticket, cancel: threading.Event | None = None, poll: float = 0.1) -> bool:
        """Wait for a slot. Returns False (and leaves the queue) if ``cancel`` gets set first."""
        with self._cond:
            self._waiting.append(ticket)
            try:
                while True:
                    if cancel is not None and cancel.is_set():
                        return False
                    if self._waiting[0] is ticket and len(self._holders) < self.capacity:
                        self._waiting.pop(0)
                        self._holders.add(ticket)
                        return True
                    self._cond.wait(poll)
            finally:
                if ticket in self._waiting:
                    self._waiting.remove(ticket)
                self._cond.notify_all()

    def release(self, ticket) -> None:
        with self._cond:
            self._holders.discard(ticket)
            self._cond.notify_all()

    def position(self, ticket) -> int | None:
        """0 if ``ticket`` holds a slot, k >= 1 if it is k-th in the queue, None otherwise."""
        with self._cond:
            if ticket in self._holders:
                return 0
            for i, t in enumerate(self._waiting):
                if t is ticket:
                    return i + 1
            return None

    @property
    def running(self) -> int:
        with self._cond:
            return len(self._holders)

    @property
    def waiting(self) -> int:
        with self._cond:
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
