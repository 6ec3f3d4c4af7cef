"""Runs that end while the database is down wait here (in memory, per process) and are written
when it is back, or are reported as not saved.

A session keeps the :class:`Pending` it got back and shows its ``state``: "saved" (with
``run_id``), "waiting" (the board is offline; retried every few seconds by one background thread
that exists only while something waits), or "failed" (``message`` says why, plainly). Bounded: a
process keeps at most MAX_WAITING runs and MAX_BYTES of model files waiting; beyond that a run is
failed at once rather than growing memory without end. Lost if the process itself dies.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from .. import threads
from ..errors import StoreError

log = logging.getLogger(__name__)
RETRY_SECONDS = 5.0
MAX_WAITING = 200
MAX_BYTES = 256 * 1024 * 1024


@dataclass(eq=False)
class Pending:
    record: object = field(repr=False)
    state: str = "waiting"  # waiting | saved | failed
    run_id: int | None = None
    message: str = ""
    attempts: int = 0
    since: float = field(default_factory=time.time)

    @property
    def size(self) -> int:
        return len(getattr(self.record, "model", None) or b"")


class Outbox:
    def __init__(self, store, retry_seconds: float = RETRY_SECONDS):
        self.store = store
        self.retry_seconds = retry_seconds
        self._waiting: list[Pending] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def submit(self, record) -> Pending:
        """Save now if the database answers; else keep it waiting (or fail it, if it can never be saved)."""
        p = Pending(record)
        self._try(p)
        if p.state == "waiting":
            with self._lock:
                if len(self._waiting) >= MAX_WAITING or sum(q.size for q in self._waiting) + p.size > MAX_BYTES:
                    p.state = "failed"
                    p.message = (f"not saved: the class board has been offline too long and this server's "
                                 f"waiting list is full ({p.message})")
                    return p
                self._waiting.append(p)
                self._start_thread()
        return p

    def waiting(self) -> int:
        with self._lock:
            return len(self._waiting)

    def flush(self) -> int:
        """Try every waiting run once, oldest first; return how many were saved now."""
        with self._lock:
            todo = list(self._waiting)
        saved = 0
        for p in todo:
            self._try(p)
            if p.state == "waiting":
                break  # still offline: keep the order, try again later
            saved += p.state == "saved"
        with self._lock:
            self._waiting = [p for p in self._waiting if p.state == "waiting"]
        return saved

    def _try(self, p: Pending) -> None:
        p.attempts += 1
        try:
            p.run_id = self.store.save_run(p.record)
            p.state, p.message = "saved", ""
        except StoreError as e:
            if getattr(e, "transient", False):
                p.message = str(e)
            else:
                p.state, p.message = "failed", f"not saved: {e}"
        except Exception as e:  # noqa: BLE001 - a bad record must not kill the retry thread
            log.exception("outbox: saving a run failed")
            p.state, p.message = "failed", f"not saved: {type(e).__name__}: {e}"

    def _start_thread(self) -> None:  # with self._lock held
        if self._thread is None or not self._thread.is_alive():
            self._thread = threads.Thread(self._loop, "outbox")
            self._thread.start()

    def _loop(self) -> None:
        while True:
            self._wake.wait(self.retry_seconds)
            self._wake.clear()
            self.flush()
            with self._lock:
                if not self._waiting:
                    self._thread = None
                    return
