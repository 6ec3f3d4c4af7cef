"""A training run computing in a process of its own, so the web server's pages never wait on its Python, nor
it on theirs (each process has its own interpreter lock).

The run's thread in the server (``worker.TrainingWorker``) keeps the slot, the queue and the history; the
child only computes, and says when a turn is due (``turns.Clock``). One socket between them:

    child -> server   ("pid", pid)                            first, so the server can end a child that hangs
                      ("rows", rows)                          rows made since the last message (every 50 ms)
                      ("turn", rows, wait, computed)          give the slot back, then wait ``wait`` seconds
                      ("end", rows, status, error)            fit returned (status) or raised (error)
    server -> child   None first: it holds a slot, go (the child starts up while the run waits for one)
                      then after each turn: None, nobody waits, keep computing; a number, the turn is over
                      (seconds it was paused)

Nothing is copied per step: the network's parameters live in one memory-mapped file both processes see (the
Weights page draws them live), and each dataset is written once to another that every child reads. Stop,
pause and pace are three shared numbers the child reads after every step.

Children are forked from one small server process that has already imported NumPy and nnscratch, so a start
costs milliseconds, not an import. They run at a lower CPU priority (``NICE``): a page someone is waiting for
goes first, training takes the rest of the cores. Without ``os.fork`` (Windows) a run computes in its thread.
"""

from __future__ import annotations

import copy
import ctypes
import json
import logging
import os
import pickle
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from multiprocessing.connection import Connection

import numpy as np

from . import threads, turns

log = logging.getLogger(__name__)

NICE = 10
ROWS_EVERY = 0.05  # seconds between batches of rows sent to the server
PACE, PAUSE, STOP = range(3)  # the shared flags; pace <= 0: none
# Forking needs a Unix; elsewhere (Windows) a run computes in its thread, as fit_fn's do.
AVAILABLE = hasattr(os, "fork") and hasattr(socket, "send_fds")


def flags() -> np.ndarray:
    """A run's pace, pause and stop, before it has a child (then they move to the shared map)."""
    return np.array([-1.0, 0.0, 0.0])


# -- memory-mapped arrays ------------------------------------------------------------------------------------
def _map_dir() -> str:
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else tempfile.gettempdir()


def _write(arrays: dict) -> tuple:
    """Write ``arrays`` to one new file; return (path, layout) for :func:`_open`."""
    layout, off = {}, 0
    for k, a in arrays.items():
        a = np.ascontiguousarray(a)
        layout[k] = (off, a.dtype.str, a.shape)
        off += -(-a.nbytes // 64) * 64
    fd, path = tempfile.mkstemp(prefix=f"nnscratch-{os.getpid()}-", suffix=".map", dir=_map_dir())
    with os.fdopen(fd, "wb") as f:
        f.truncate(off + 64)  # never empty: an empty file cannot be mapped
        for k, a in arrays.items():
            f.seek(layout[k][0])
            np.ascontiguousarray(a).tofile(f)
    return path, layout


def _open(path: str, layout: dict, mode: str) -> dict:
    mm = np.memmap(path, dtype=np.uint8, mode=mode)
    return {k: np.ndarray(shape, np.dtype(dt), buffer=mm, offset=off) for k, (off, dt, shape) in layout.items()}


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


def _sweep() -> None:
    """Remove the maps left by app processes that died without cleaning up (killed, or their terminal
    closed): each map's name carries the pid of the process that wrote it."""
    try:
        d = _map_dir()
        names = os.listdir(d)
    except OSError:
        return
    for name in names:
        m = re.fullmatch(r"nnscratch-(\d+)-.+\.map", name)
        if m is None or int(m[1]) == os.getpid():
            continue
        try:
            os.kill(int(m[1]), 0)
        except ProcessLookupError:
            _remove(os.path.join(d, name))
        except OSError:
            pass  # alive, someone else's


_DATA: dict = {}  # id(arrays) -> (weakref, path, layout): each dataset written once, for every run on it
_DATA_LOCK = threading.Lock()


def _data_map(arrays) -> tuple:
    with _DATA_LOCK:
        ref, path, layout = _DATA.get(id(arrays), (None, None, None))
        if ref is None or ref() is not arrays:
            path, layout = _write({"X": arrays.X_train, "y": arrays.y_train, "X_val": arrays.X_val,
                                   "y_val": arrays.y_val})
            weakref.finalize(arrays, _remove, path)
            _DATA[id(arrays)] = (weakref.ref(arrays, lambda _, k=id(arrays): _DATA.pop(k, None)), path, layout)
        return path, layout


# -- the fork server ----------------------------------------------------------------------------------------
# multiprocessing's forkserver and spawn would re-import the parent's __main__ in the child, and under
# Streamlit that is the app script itself; this one imports nnscratch and nothing else.
class _ForkServer:
    def __init__(self, keep_memory: bool = True):
        ours, theirs = socket.socketpair()
        code = ("import sys, json; sys.path[:0] = json.loads(sys.argv[1]); "
                "from nnscratch.child import _serve; _serve(int(sys.argv[2]), sys.argv[3] == 'keep')")
        # its own session: Ctrl-C, or a SIGTERM to the app's process group, is the app's to handle (it
        # stops its runs, and they end and are saved); if the app dies, its children see their sockets close
        self.proc = subprocess.Popen([sys.executable, "-c", code, json.dumps(sys.path), str(theirs.fileno()),
                                      "keep" if keep_memory else "system"],
                                     pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, start_new_session=True)
        theirs.close()
        self._sock = ours
        self._lock = threading.Lock()

    def fork(self, args: tuple) -> Connection:
        """A new child running ``_main(conn, *args)``; returns the server's end of its connection."""
        ours, theirs = socket.socketpair()
        data = pickle.dumps(args)
        with self._lock:
            socket.send_fds(self._sock, [struct.pack("!I", len(data)) + data], [theirs.fileno()])
        theirs.close()
        return Connection(ours.detach())


_SERVER: _ForkServer | None = None
_SERVER_LOCK = threading.Lock()


def _fork_server() -> _ForkServer:
    global _SERVER
    with _SERVER_LOCK:
        if _SERVER is None or _SERVER.proc.poll() is not None:
            _sweep()
            _SERVER = _ForkServer()
        return _SERVER


def _reap(*_) -> None:
    """Wait for the children that have ended (their CPU time then counts in this process's, for benchmarks)."""
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def _keep_freed_memory() -> None:
    """glibc's malloc hands the big temporaries of every step (Adam's, a layer's) back to the system and
    faults them in again at the next step: a forked child trained up to 1.5x slower than the long-lived server
    (python bench/bench_child.py). Keep up to 256 MB of freed memory, and serve arrays under 32 MB from the heap."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return  # not glibc
    M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3
    mallopt(M_TRIM_THRESHOLD, 256 << 20)
    mallopt(M_TOP_PAD, 64 << 20)
    mallopt(M_MMAP_THRESHOLD, 32 << 20)


def _serve(fd: int, keep_memory: bool = True) -> None:
    """The fork server's loop: one child per request, until the app closes the socket. ``keep_memory``:
    :func:`_keep_freed_memory` (off only to measure it)."""
    if keep_memory:
        _keep_freed_memory()
    signal.signal(signal.SIGCHLD, _reap)
    from . import worker  # imported here once, not in every child

    threads.pin_blas(worker.BLAS_THREADS_PER_RUN)  # once, inherited by every child
    sock = socket.socket(fileno=fd)
    while True:
        try:
            msg, fds, _, _ = socket.recv_fds(sock, 4, 1)
        except OSError:
            return
        if not msg:
            return  # the app has gone
        (n,) = struct.unpack("!I", msg)
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                return
            data += chunk
        if os.fork() == 0:
            sock.close()
            code = 1
            try:
                _main(Connection(fds[0]), *pickle.loads(data))
                code = 0
            finally:
                os._exit(code)
        os.close(fds[0])


# -- the server's side ---------------------------------------------------------------------------------------
class ChildRun:
    """``fit(net, arrays, **fit_kwargs)`` in a child process. ``net.params`` become views of the shared map
    until :meth:`close` gives the network its own copy again; ``flags`` are the run's shared flags."""

    def __init__(self, net, arrays, fit_kwargs: dict, total_steps: int, start_flags: np.ndarray):
        self.net = net
        shell = copy.copy(net)
        shell.params = {}
        self._path, layout = _write({"flags": start_flags, **net.params})
        shared = _open(self._path, layout, "r+")
        self.flags = shared.pop("flags")
        net.params = shared
        self._pid = None
        try:
            self._conn = _fork_server().fork((shell, (self._path, layout), _data_map(arrays),
                                              len(arrays.y_val) > 0, fit_kwargs, total_steps,
                                              (turns.SLICE_SECONDS, turns.PACE_WAIT)))
        except BaseException:
            net.params = {k: np.array(v) for k, v in shared.items()}  # as it was: its own memory, no file
            _remove(self._path)
            raise

    def recv(self) -> tuple:
        try:
            msg = self._conn.recv()
            while msg[0] == "pid":
                self._pid = msg[1]
                msg = self._conn.recv()
            return msg
        except (EOFError, OSError):
            from .errors import NNScratchError
            raise NNScratchError("the training process ended unexpectedly; start the run again") from None

    def send(self, answer) -> None:
        try:
            self._conn.send(answer)
        except OSError:
            pass  # the child is gone: the next recv says so

    def close(self) -> None:
        """End the child (it has usually ended by itself) and give the network its own copy of the weights;
        once (later calls do nothing)."""
        if self._conn.closed:
            return
        self._conn.close()
        if self._pid is not None:
            try:
                os.kill(self._pid, signal.SIGKILL)  # gone already, unless it hangs
            except OSError:
                pass
        self.net.params = {k: np.array(v) for k, v in self.net.params.items()}
        _remove(self._path)


# -- the child's side ----------------------------------------------------------------------------------------
def _main(conn, net, params, data, with_val, fit_kwargs, total_steps, turn_lengths) -> None:
    from . import worker
    from .errors import NNScratchError, TrainingDiverged
    from .status import DIVERGED, ERROR
    from .train import fit

    conn.send(("pid", os.getpid()))
    turns.SLICE_SECONDS, turns.PACE_WAIT = turn_lengths  # the server's (a bench or a test may have set them)
    try:
        os.nice(NICE)
    except OSError:
        pass
    net.params = _open(*params, "r+")
    shared_flags = net.params.pop("flags")
    d = _open(*data, "r")
    now = time.perf_counter
    outbox: list = []
    sent = -ROWS_EVERY  # the first row goes at once

    class Stop:
        @staticmethod
        def is_set():
            return shared_flags[STOP] > 0

    def on_row(row):
        nonlocal sent
        outbox.append(row)
        t = now()
        pace = shared_flags[PACE]
        wait = clock.after_step(t, pace if pace > 0 else None, shared_flags[PAUSE] > 0)
        if wait is not None:
            conn.send(("turn", outbox[:], wait, clock.computed))
            outbox.clear()
            paused_for = conn.recv()
            if paused_for is None:
                clock.kept(now())
            else:
                clock.resumed(t, wait, paused_for, now())
            sent = now()
        elif t - sent >= ROWS_EVERY:
            conn.send(("rows", outbox[:]))
            outbox.clear()
            sent = t

    status, error = None, None
    try:
        conn.recv()  # go: the run holds a slot (it starts up while it waits for one)
        clock = turns.Clock(now(), total_steps)
        hist = fit(net, d["X"], d["y"], X_val=d["X_val"] if with_val else None,
                   y_val=d["y_val"] if with_val else None, callback=on_row, stop_event=Stop, **fit_kwargs)
        status = hist.status
    except TrainingDiverged as e:
        error = (DIVERGED, e.step, e.lr, e.loss)
    except NNScratchError as e:
        error = (ERROR, worker._one_line(e))
    except (EOFError, OSError):
        return  # the server is gone
    except Exception as e:  # noqa: BLE001 - the server must hear of it; the traceback goes to its log
        log.exception("training process failed")
        error = (ERROR, worker._one_line(e))
    try:
        conn.send(("end", outbox, status, error))
    except OSError:
        pass
