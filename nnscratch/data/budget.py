"""The server's budget for reading uploads: how many are parsed at once, and a job per upload.

    job = ParseJob(parse_uploads, files)     # returns at once; parsing starts when a slot is free
    job.state        # "waiting" (job.position: 1 = next in line), "parsing" (job.fraction 0-1),
                     # "done", "failed" or "cancelled"
    job.cancel()     # leaves the queue, or stops the parse at its next checkpoint
    ds = job.outcome()   # the result, or the parse's own exception re-raised

At most ``NNSCRATCH_MAX_PARSING`` uploads (default 2) are parsed at once in the whole process; the
others wait first come, first served (the same ``SlotLimiter`` as the training slots). Each parse is
bounded by the limits in ``limits.py`` (at most ``limits.MAX_PARSE_MEMORY`` for the largest file that is
accepted, a few MB for one that is refused), so the memory all parses may take together is about
``NNSCRATCH_MAX_PARSING`` times that. Parsers call :func:`checkpoint` between blocks of work: it reports
progress to the job running them and stops a cancelled one; outside a job it does nothing.
Pure Python: never imports streamlit.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import threading
import time

from .. import threads
from ..errors import NNScratchError
from ..limiter import SlotLimiter

log = logging.getLogger(__name__)

ENV = "NNSCRATCH_MAX_PARSING"
DEFAULT_MAX_PARSING = 2
PARSE_NICE = 10  # how far a parse thread steps back behind the server's own threads (Linux nice levels)


class ParseCancelled(NNScratchError):
    """The person cancelled reading their upload."""


class ParseBusy(NNScratchError):
    """No parse slot came free in time (only from :func:`parse_slot` with a timeout)."""


def max_parsing() -> int:
    """``NNSCRATCH_MAX_PARSING`` as a whole number >= 1 (default 2; a bad value is logged and ignored)."""
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_PARSING
    try:
        n = int(raw)
        if n >= 1:
            return n
    except ValueError:
        pass
    log.warning("%s=%r is not a whole number >= 1; using %d", ENV, raw, DEFAULT_MAX_PARSING)
    return DEFAULT_MAX_PARSING


_BUDGET: SlotLimiter | None = None
_BUDGET_LOCK = threading.Lock()


def get_budget() -> SlotLimiter:
    """The process-wide parse slots (created on first use from NNSCRATCH_MAX_PARSING)."""
    global _BUDGET
    with _BUDGET_LOCK:
        if _BUDGET is None:
            _BUDGET = SlotLimiter(max_parsing())
        return _BUDGET


class _Deadline:
    """Quacks like the ``cancel`` event ``SlotLimiter.acquire`` polls: set once ``seconds`` have passed
    (and not at the first look, so ``timeout=0`` still takes a free slot)."""

    def __init__(self, seconds):
        self.at, self.looked = time.monotonic() + seconds, False

    def is_set(self) -> bool:
        first, self.looked = not self.looked, True
        return not first and time.monotonic() >= self.at


@contextlib.contextmanager
def parse_slot(timeout: float | None = None, budget: SlotLimiter | None = None):
    """Hold one parse slot for a short synchronous parse (a model file); ``timeout=0`` only tries.
    Raises ParseBusy when no slot comes free within ``timeout`` seconds."""
    budget = budget or get_budget()
    ticket = object()
    if not budget.acquire(ticket, cancel=None if timeout is None else _Deadline(timeout), poll=0.05):
        raise ParseBusy(f"the server is reading {budget.running} other uploads right now; try again in a few seconds")
    try:
        yield
    finally:
        budget.release(ticket)


_CURRENT: contextvars.ContextVar[ParseJob | None] = contextvars.ContextVar("nnscratch_parse_job", default=None)


def checkpoint(done: float, total: float) -> None:
    """Called by parsers between blocks: progress ``done/total`` for the job running this parse (if
    any); raises ParseCancelled there once the job was cancelled."""
    job = _CURRENT.get()
    if job is not None:
        job._report(done, total)


class ParseJob:
    """Runs ``fn(*args)`` in a daemon thread once a parse slot is free; never blocks its creator.

    ``state`` goes waiting -> parsing -> done | failed | cancelled; ``position`` (while waiting) is
    1 for the next in line; ``fraction`` is the parse's progress in [0, 1]. ``outcome()`` returns the
    result or re-raises the parse's exception, in the caller's thread. The arguments (the upload's
    bytes) are dropped as soon as the parse ends, so a finished job holds only its result.
    """

    def __init__(self, fn, *args, budget: SlotLimiter | None = None):
        self.budget = budget or get_budget()
        self._fn, self._args = fn, args
        self._cancel = threading.Event()
        self._finished = threading.Event()
        self._ticket = object()
        self.state = "waiting"
        self.fraction = 0.0
        self._result = None
        self._error: BaseException | None = None
        threads.Thread(self._run, "parse", nice=PARSE_NICE).start()

    @property
    def position(self) -> int | None:
        """k >= 1: k-th in the queue; 0: parsing; None: finished."""
        return self.budget.position(self._ticket)

    @property
    def finished(self) -> bool:
        return self._finished.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """True once the job has finished (within ``timeout`` seconds)."""
        return self._finished.wait(timeout)

    def cancel(self) -> None:
        self._cancel.set()

    def outcome(self):
        """The parse's result; re-raises its exception (ParseCancelled if cancelled). Call once finished."""
        if not self._finished.is_set():
            raise RuntimeError("ParseJob.outcome() before the job finished")
        if self._error is not None:
            raise self._error
        return self._result

    def _report(self, done, total):
        self.fraction = min(1.0, max(0.0, done / total)) if total else 0.0
        if self._cancel.is_set():
            raise ParseCancelled("reading the upload was cancelled")

    def _run(self):
        try:
            if not self.budget.acquire(self._ticket, cancel=self._cancel):
                raise ParseCancelled("reading the upload was cancelled")
            try:
                self.state = "parsing"
                token = _CURRENT.set(self)
                try:
                    self._result = self._fn(*self._args)
                finally:
                    _CURRENT.reset(token)
            finally:
                self.budget.release(self._ticket)
            self.state = "done"
        except BaseException as err:  # noqa: BLE001 - handed to the caller's thread by outcome()
            if not isinstance(err, NNScratchError):
                log.exception("unexpected error while parsing an upload")
            self._error = _without_frames(err)
            self.state = "cancelled" if isinstance(err, ParseCancelled) else "failed"
        finally:
            self._fn = self._args = None
            self._finished.set()


def _without_frames(err: BaseException) -> BaseException:
    """``err`` with its tracebacks dropped (down its cause/context chain): their frames hold the
    upload's bytes, which a finished job kept in a session must not pin in memory."""
    seen, e = set(), err
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        e.__traceback__ = None
        e = e.__cause__ or e.__context__
    return err
