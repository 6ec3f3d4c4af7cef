"""Background training for the app: one run per daemon thread, computing in a child process, watched from
other threads.

``TrainingWorker`` trains a network while holding one of the process-wide limiter's slots (one per core).
The computing happens in a process of its own (``child.py``), so page runs and training never wait on each
other's Python; the run's thread here holds the slot, keeps the history and takes the turns. A run gives its
slot back after every time slice (``turns.SLICE_SECONDS``) when someone waits, and whenever it has nothing to
compute: while it waits out its pace or is paused. Waiting runs are served least-computed first
(``limiter.py``), so the cores are shared out fairly: a new run shows its first points at once, and thirty
paced runs all move together. ``fit_fn`` (the tests' fakes, fine-tuning's closure) computes in the run's
thread instead, with the same turns.

History rows are appended to a lock-protected list; the UI polls ``rows()`` and ``snapshot()``. ``stop()``
ends the run within one step (also while queued or paused); the network's last good weights and the
history stay available after a stop, a divergence or an error. Pure Python + NumPy (never imports
streamlit).

Pace: ``set_pace(seconds)`` stretches a run that would be over in a second or two to about that long, by
waiting between steps, so a room can watch it learn. The waits are a display choice, not compute: no slot
is held and no thread spins. Each row's ``elapsed`` and ``samples_per_s`` count only the time the run
computed (holding a slot).

BLAS: every run computes with one BLAS thread (``threads.pin_blas``), and as many runs as cores compute at
once. OpenBLAS's own threads would otherwise spin between the small steps and fight each other.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from dataclasses import dataclass, field

import numpy as np

from . import child, threads, turns
from .data.splits import TrainingArrays
from .errors import NNScratchError, TrainingDiverged
from .limiter import SlotLimiter, get_limiter
from .recipe import Recipe
from .status import COMPLETED, DIVERGED, ERROR, FINAL_STATES, PAUSED, QUEUED, RUNNING, STOPPED  # noqa: F401 - the app reads them here
from .train import fit, steps_per_epoch

log = logging.getLogger(__name__)

_STARTED: "weakref.WeakSet[TrainingWorker]" = weakref.WeakSet()  # every started run of this process
# "Watch it learn": a run that computes faster than this is stretched to about this many seconds.
WATCH_SECONDS = 20.0
BLAS_THREADS_PER_RUN = 1


def _one_line(err: BaseException) -> str:
    msg = " ".join(str(err).split()) or type(err).__name__
    return msg if isinstance(err, NNScratchError) else f"unexpected {type(err).__name__}: {msg}"


_worker_counter = 0
_worker_counter_lock = threading.Lock()


@dataclass
class _Timing:
    created: float = field(default_factory=time.time)
    started: float | None = None  # got a slot
    finished: float | None = None


class TrainingWorker:
    """Trains ``net`` on ``arrays`` with ``recipe`` in a daemon thread.

    The network is trained in place: while running, ``live_params()`` gives a copy of its current
    weights (for live pictures); once finished, ``net`` holds the final (or last good) weights.
    Thread-safety: every public method may be called from any thread.
    """

    def __init__(self, net, arrays: TrainingArrays, recipe: Recipe, *, limiter: SlotLimiter | None = None,
                 fit_fn=None, owner: str = "", name: str | None = None, data_label: str | None = None):
        global _worker_counter
        with _worker_counter_lock:
            _worker_counter += 1
            self.id = _worker_counter
        self.net = net
        self.arrays = arrays
        self.recipe = recipe
        self.owner = owner
        self.name = name or f"run {self.id}"
        self.data_label = data_label or arrays.source
        self.steps_per_epoch = steps_per_epoch(arrays.n_train, recipe.batch_size)
        self.total_steps = recipe.total_steps(arrays.n_train)
        self.total_epochs = self.total_steps / self.steps_per_epoch
        self._limiter = limiter if limiter is not None else get_limiter()
        self._fit = fit_fn  # None: nnscratch.fit, in a child process
        self._flags = child.flags()  # pace, pause and stop, as the child reads them
        self._stop_timer: threading.Timer | None = None
        self._stop_set_at = 0.0  # time.perf_counter() when stop_after() set _stop_timer
        self._when_done: list = []  # callables run in this run's thread once it has ended
        self._lock = threading.Lock()
        self._rows: list = []
        self._status = QUEUED
        self._error: str | None = None
        self._stop = threading.Event()
        self._pause = threading.Event()
        self._pause_held = threading.Event()  # paused, and computing nothing (or ended)
        self._done = threading.Event()
        self._first = threading.Event()  # it has a history row, or has ended
        self._time = _Timing()
        self._pace: float | None = None  # target wall seconds for the whole run, or None: no waits
        self._waited = 0.0  # seconds spent not computing so far: pace waits and waits for a slot (not pauses)
        self._paused = 0.0  # seconds spent paused
        self._holding = False  # holds a slot (only the run's own thread changes it)
        self._clock: turns.Clock | None = None  # the turns, when it computes in this thread
        self.test_accuracy: float | None = None
        self._thread = threads.Thread(self._run, f"train-{self.id}")

    # -- control -----------------------------------------------------------------------------------
    def start(self) -> "TrainingWorker":
        threads.pin_blas(BLAS_THREADS_PER_RUN)
        _STARTED.add(self)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ask the run to end; it does within one step (or at once if it is still queued)."""
        self._stop.set()
        self._flags[child.STOP] = 1
        self._pause.clear()  # a paused fit must wake up to see the stop
        self._flags[child.PAUSE] = 0

    def stop_after(self, seconds: float) -> None:
        """Stop in ``seconds`` unless :meth:`cancel_stop` is called first (a session whose browser
        went away keeps its run that long, in case the browser comes back)."""
        with self._lock:
            if self._stop_timer is not None:
                self._stop_timer.cancel()
            self._stop_timer = None
            if not self._done.is_set():
                self._stop_timer = threads.Timer(seconds, self.stop, f"stop-{self.id}")
                self._stop_set_at = time.perf_counter()
                self._stop_timer.start()

    def cancel_stop(self, set_before: float = float("inf")) -> bool:
        """Cancel the stop :meth:`stop_after` set, if it was set before ``set_before`` (a
        ``time.perf_counter()``); True if one was. A page run that began before the browser went away says
        nothing about whether it came back, and must not keep the run alive with nobody there."""
        with self._lock:
            timer = self._stop_timer
            if timer is None or self._stop_set_at >= set_before:
                return False
            self._stop_timer = None
        timer.cancel()
        return True

    def when_done(self, fn) -> None:
        """Call ``fn(self)`` once the run has ended, however it ends, from the run's own thread (at once if
        it already has). For what must happen even when nobody is looking, like saving the run."""
        with self._lock:
            if not self._done.is_set():
                self._when_done.append(fn)
                return
        fn(self)

    def set_pace(self, seconds: float | None) -> None:
        """Make the whole run last about ``seconds`` (pauses not counted) by waiting after each step that
        took less than its share (``seconds / total_steps``); None: as fast as it goes. A run slower than
        that never waits. May be changed while it runs (it applies from the next step)."""
        if seconds is not None and not (seconds > 0 and np.isfinite(seconds)):
            raise ValueError(f"pace must be a positive number of seconds or None, not {seconds!r}")
        self._pace = None if seconds is None else float(seconds)
        self._flags[child.PACE] = -1.0 if seconds is None else float(seconds)

    @property
    def pace(self) -> float | None:
        return self._pace

    def pause(self) -> None:
        if not self.done:
            self._pause.set()
            self._flags[child.PAUSE] = 1

    def resume(self) -> None:
        self._pause.clear()
        self._flags[child.PAUSE] = 0

    def wait_paused(self, timeout: float) -> bool:
        """After :meth:`pause`: wait up to ``timeout`` seconds until the run computes nothing more; True if it
        is held (or has ended). The steps it computed before it saw the pause (a child sends its rows in
        batches, ``child.ROWS_EVERY``) are then in its history, so the step shown as paused is the one it stays at."""
        return self._pause_held.wait(timeout)

    def join(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    # -- state -------------------------------------------------------------------------------------
    @property
    def done(self) -> bool:
        return self._done.is_set()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    @property
    def status(self) -> str:
        with self._lock:
            st = self._status
        if st == RUNNING and self._pause.is_set():
            return PAUSED
        return st

    @property
    def error(self) -> str | None:
        with self._lock:
            return self._error

    def queue_position(self) -> int | None:
        return self._limiter.position(self)

    def rows(self, start: int = 0) -> list:
        """A copy of the history rows made so far (from index ``start``)."""
        with self._lock:
            return self._rows[start:]

    def first_row(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the run's first history row (or its end); True if it came."""
        return self._first.wait(timeout)

    def n_rows(self) -> int:
        with self._lock:
            return len(self._rows)

    def last_row(self) -> dict | None:
        with self._lock:
            return self._rows[-1] if self._rows else None

    def live_params(self) -> dict:
        """A copy of the network's current parameters (may mix two adjacent steps while running)."""
        return {k: np.array(v, copy=True) for k, v in self.net.params.items()}

    def snapshot(self) -> dict:
        """Everything the UI shows about this run, read consistently."""
        status = self.status
        with self._lock:
            last = self._rows[-1] if self._rows else None
            waited = self._waited
        now = time.time()
        t = self._time
        compute = float(last["elapsed"]) if last else 0.0
        elapsed = compute + waited if last else 0.0  # what a watcher saw: training plus pace waits
        progress = 0.0
        if last:
            progress = min(1.0, max(float(last.get("epoch", 0.0)) / max(self.total_epochs, 1),
                                    float(last.get("step", 0)) / max(self.total_steps, 1)))
        if status == COMPLETED:
            progress = 1.0
        eta = None
        if status in (RUNNING, PAUSED) and 0 < progress < 1 and elapsed > 0:
            eta = elapsed * (1 - progress) / progress
        return dict(
            id=self.id, name=self.name, status=status, error=self.error,
            queue_position=self.queue_position() if status == QUEUED else None,
            step=int(last["step"]) if last else 0, total_steps=self.total_steps,
            epoch=float(last["epoch"]) if last else 0.0, total_epochs=self.total_epochs,
            progress=progress, elapsed=elapsed, compute=compute, waited=waited, eta=eta,
            samples_per_s=float(last["samples_per_s"]) if last else None,
            lr=float(last["lr"]) if last else None, loss=float(last["loss"]) if last else None,
            train_acc=last.get("train_acc") if last else None,
            val_acc=self.last_val_acc(), test_acc=self.test_accuracy, n_rows=self.n_rows(),
            wall=(t.finished or now) - (t.started or now),
        )

    def last_val_acc(self) -> float | None:
        with self._lock:
            for r in reversed(self._rows):
                if r.get("val_acc") is not None:
                    return float(r["val_acc"])
        return None

    # -- the thread --------------------------------------------------------------------------------
    def _record(self, row: dict) -> None:
        with self._lock:
            off = self._waited + self._paused  # fit's elapsed includes our waits: take them out
            if off:
                row["elapsed"] = float(row["elapsed"]) - off
                row["samples_per_s"] = row["samples"] / row["elapsed"] if row["elapsed"] > 0 else float("nan")
            self._rows.append(row)
        self._first.set()

    def _on_row(self, row: dict) -> None:
        """fit's callback, when it computes in this thread: record the row, then take a turn if one is due."""
        self._record(row)
        now = turns.now()
        wait = self._clock.after_step(now, self._pace, self._pause.is_set())
        if wait is not None:
            paused_for = self._take_turn(wait, self._clock.computed)
            if paused_for is None:
                self._clock.kept(now)
            else:
                self._clock.resumed(now, wait, paused_for, turns.now())

    def _take_turn(self, wait: float, computed: float) -> float | None:
        """Give the slot back while there is nothing to compute (a pace wait of ``wait`` seconds, a pause) or
        another run waits, then queue for it again, ``computed`` seconds in; return how long it was paused.
        None: nothing to wait for and nobody waits, so it keeps the slot."""
        if wait <= 0 and not self._pause.is_set() and self._limiter.waiting == 0:
            return None
        yielded = turns.now()
        self._limiter.release(self)
        self._holding = False
        if wait > 0:
            self._stop.wait(wait)
        paused_at = turns.now()
        while self._pause.is_set() and not self._stop.is_set():
            self._pause_held.set()  # the steps computed before the pause are all in the history now
            self._stop.wait(0.05)
        self._pause_held.clear()
        resumed_at = turns.now()
        if not self._stop.is_set():  # a stopped run leaves the queue; fit ends before its next step
            self._holding = self._limiter.acquire(self, self._stop, priority=computed)
        with self._lock:
            self._paused += resumed_at - paused_at
            self._waited += turns.now() - yielded - (resumed_at - paused_at)
        return resumed_at - paused_at

    def _compute(self, run: child.ChildRun | None) -> str:
        """Train, in this thread (``fit_fn``, or where there is no ``run``) or in the child process ``run``;
        return fit's status (raises as fit does)."""
        a = self.arrays
        kw = self.recipe.fit_kwargs()
        if run is None:
            fit_fn = self._fit or fit
            self._clock = turns.Clock(turns.now(), self.total_steps)
            with_val = len(a.y_val) > 0
            return fit_fn(self.net, a.X_train, a.y_train, X_val=a.X_val if with_val else None,
                             y_val=a.y_val if with_val else None, callback=self._on_row,
                             stop_event=self._stop, **kw).status
        try:
            run.send(None)  # go: it holds a slot now
            while True:
                # stop, pause and pace also land here if they were set while the child started
                self._flags[:] = (self._pace or -1.0, self._pause.is_set(), self._stop.is_set())
                kind, rows, *rest = run.recv()
                for row in rows:
                    self._record(row)
                if kind == "turn":
                    run.send(self._take_turn(*rest))
                elif kind == "end":
                    status, error = rest
                    if error is None:
                        return status
                    if error[0] == DIVERGED:
                        raise TrainingDiverged(*error[1:])
                    raise NNScratchError(error[1])
        finally:
            run.close()

    def _run(self) -> None:
        run = None
        final: tuple[str, str | None] = (ERROR, "the run ended without saying how")  # set below, shown only at the end
        try:
            if self._fit is None and child.AVAILABLE:
                # the child starts up while the run waits for its slot, and computes only once it has one
                run = child.ChildRun(self.net, self.arrays, self.recipe.fit_kwargs(), self.total_steps, self._flags)
                self._flags = run.flags
            self._holding = self._limiter.acquire(self, self._stop)
            if not self._holding:
                final = (STOPPED, None)
                return
            self._time.started = time.time()
            with self._lock:
                self._status = RUNNING
            # no pause_event: a pause is waited out between steps, without the slot (_take_turn)
            status = self._compute(run)
            if status == STOPPED or (status != COMPLETED and self._stop.is_set()):
                status = STOPPED
            self._finish_model(status)
            final = (status if status in FINAL_STATES else COMPLETED, None)
        except TrainingDiverged as e:
            self._finish_model(DIVERGED)
            final = (DIVERGED, _one_line(e))
        except NNScratchError as e:
            final = (ERROR, _one_line(e))
        except Exception as e:  # noqa: BLE001 - a worker must never die silently
            log.exception("training worker %s failed", self.id)
            final = (ERROR, _one_line(e))
        finally:
            if run is not None:
                run.close()  # stopped while queued, or failed: the child goes, the weights come home
            if self._holding:
                self._limiter.release(self)
                self._holding = False
            self._time.finished = time.time()
            # the final status and done together: a run shown as ended is one a new Start does not refuse
            with self._lock:
                self._status = final[0]
                if final[1] is not None:
                    self._error = final[1]
                self._done.set()
                self._first.set()
                self._pause_held.set()
                callbacks, self._when_done = self._when_done, []
                timer, self._stop_timer = self._stop_timer, None  # a stop set for later has nothing left to stop
            if timer is not None:
                timer.cancel()
            for fn in callbacks:
                try:
                    fn(self)
                except Exception:  # noqa: BLE001 - a callback's failure must not hide the run's result
                    log.exception("a when_done callback of training worker %s failed", self.id)

    def _finish_model(self, status: str) -> None:
        """Measure test accuracy and record how the model was made in its metadata."""
        a = self.arrays
        try:
            if len(a.y_test):
                self.test_accuracy = float(np.mean(self.net.predict(a.X_test) == a.y_test))
        except Exception:  # noqa: BLE001 - a diverged net may hold NaNs; accuracy is then unknown
            self.test_accuracy = None
        self.net.meta.update({  # checkpoint.ModelMeta
            "name": self.net.meta.get("name") or self.name,
            "origin": "trained in the app",
            "recipe": self.recipe.to_dict(),
            "data": a.data_id,
            "status": status,
            "steps": (self.last_row() or {}).get("step", 0),
            "n_train": a.n_train,
            "test_accuracy": self.test_accuracy,
            "val_accuracy": self.last_val_acc(),
        })


def running_workers() -> list:
    """The runs of this process whose thread is still alive, whoever started them (a server stopping
    ends them all, including those of sessions whose browser has gone)."""
    return [w for w in list(_STARTED) if w.alive]


def live_threads() -> list:
    """The training threads, and timers that will stop one, alive in this process (for tests that
    count orphans)."""
    return [t for t in threading.enumerate() if t.name.startswith(("nnscratch-train-", "nnscratch-stop-"))]
