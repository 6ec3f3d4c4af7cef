"""The library's background threads, made one way: daemon threads named ``nnscratch-<what>``, in Python
and in the operating system.

The OS name (Linux, first 15 bytes) lets ``top -H``, ``ps -L`` and /proc tell the app's threads from the
web server's own, which come and go as it pleases (the session tests count ours this way). Python 3.14
names OS threads itself; before it, ``prctl(PR_SET_NAME)`` does. ``nice`` lowers one thread's CPU
priority: Linux schedules each thread on its own.

``pin_blas(n)``: the BLAS library's own thread pool (OpenBLAS's, through ``threadpoolctl``) is one setting
for the whole process; the app sets it, not whatever the environment says.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading

PREFIX = "nnscratch-"
_LINUX = sys.platform.startswith("linux")
_PR_SET_NAME = 15


class _InTheOS:
    """Mixed into a ``threading`` class: the thread names itself in the OS (and steps back by ``nice``)
    before it runs its target."""

    nice = 0

    def run(self):
        if _LINUX:
            _os_name(self.name)
            if self.nice:
                _step_back(self.nice)
        super().run()


class Thread(_InTheOS, threading.Thread):
    def __init__(self, target, what: str, *, args=(), nice: int = 0):
        super().__init__(target=target, args=args, name=PREFIX + what, daemon=True)
        self.nice = nice


class Timer(_InTheOS, threading.Timer):
    """Calls ``fn`` in ``seconds`` unless cancelled first."""

    def __init__(self, seconds: float, fn, what: str):
        super().__init__(seconds, fn)
        self.name, self.daemon = PREFIX + what, True


_BLAS_PINNED: list = []  # the threadpoolctl limiter in force (kept: it restores the old limits when dropped)
_BLAS_LOCK = threading.Lock()


def pin_blas(n: int) -> None:
    """Make every BLAS call in this process use ``n`` threads, once (later calls change nothing). The
    training runs share the cores by taking turns (``limiter.py``); a BLAS pool per call on top of that
    would spin between steps and fight the other runs for the same cores."""
    with _BLAS_LOCK:
        if _BLAS_PINNED:
            return
        from threadpoolctl import threadpool_limits

        _BLAS_PINNED.append(threadpool_limits(limits=n, user_api="blas"))


def _os_name(name: str) -> None:
    try:
        ctypes.CDLL(None).prctl(_PR_SET_NAME, name.encode()[:15], 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not glibc/musl: the thread keeps its Python name only


def _step_back(nice: int) -> None:
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + nice))
    except OSError:
        pass  # not allowed here: the thread runs at normal priority
