"""Background training for the app: one worker thread per run, and a process-wide cap on runs.

Pure Python + NumPy (never imports streamlit), so it is unit-tested like the rest of the package.

- ``TrainConfig`` / ``check_config``: the Train form's values, validated with one reason per problem.
- ``prepare_arrays``: a dataset's train/val/test float arrays, made once and shared READ-ONLY by all
  sessions (a server holds one copy, never one per session).
- ``SlotLimiter``: at most ``capacity`` runs train at once; later ones wait first-come first-served and
  can see their place in the queue. ``get_limiter()`` is the process-wide one (cap from the environment
  variable ``NNSCRATCH_MAX_TRAINING``, default ``os.cpu_count()``).
- ``TrainingWorker``: runs ``nnscratch.fit`` in a daemon thread. The fit callback appends each history
  row to a lock-protected list (cheap, so training keeps its headless speed); the UI polls ``rows()`` and
  ``snapshot()``. ``stop()`` ends the run within one step (also while queued or paused); the network's
  last good weights and the history stay available after a stop, a divergence or an error.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from .errors import ConfigError, NNScratchError, TrainingDiverged

log = logging.getLogger(__name__)

ACTIVATIONS = ("relu", "leaky_relu", "sigmoid", "tanh")
INITS = ("he", "xavier", "classic")
OPTIMIZERS = ("adam", "momentum", "sgd")
SCHEDULES = ("constant", "cosine", "step")

MAX_HIDDEN_UNITS = 4096  # per layer: bigger is too slow for a shared server and to draw
MAX_HIDDEN_LAYERS = 4
MAX_EPOCHS = 1000  # classic preset = 500 full-batch epochs
MAX_LR = 10.0
MAX_SEED = 2**32 - 1

# Worker states. "queued" waits for a slot; the last four are final.
QUEUED, RUNNING, PAUSED = "queued", "running", "paused"
COMPLETED, STOPPED, DIVERGED, ERROR = "completed", "stopped", "diverged", "error"
FINAL_STATES = (COMPLETED, STOPPED, DIVERGED, ERROR)


# --------------------------------------------------------------------------------------------------
# Configuration from the form


@dataclass(frozen=True)
class TrainConfig:
    """Everything one training run needs besides the data. batch_size None = full batch."""

    hidden: tuple = (128,)
    activation: str = "relu"
    init: str = "he"
    optimizer: str = "adam"
    lr: float = 1e-3
    schedule: str = "cosine"
    batch_size: int | None = 128
    epochs: int = 3
    weight_decay: float = 0.0
    seed: int = 0
    augment: bool = False
    preset: str | None = None

    @property
    def sizes(self) -> list:
        return [784, *self.hidden, 10]

    @property
    def architecture(self) -> str:
        return "-".join(str(s) for s in self.sizes)

    def fit_kwargs(self) -> dict:
        """Keyword arguments for ``nnscratch.fit`` (without data, callback and events)."""
        return dict(epochs=self.epochs, batch_size=self.batch_size, optimizer=self.optimizer,
                    lr=self.lr, schedule=self.schedule, weight_decay=self.weight_decay,
                    augment=self.augment, seed=self.seed)

    def to_meta(self) -> dict:
        d = asdict(self)
        d["hidden"] = list(self.hidden)
        return d


def parse_hidden(text) -> tuple:
    """'128 64' or '128, 64' -> (128, 64); '' or 'none' -> () (no hidden layer: logistic regression).

    Raises ConfigError naming the bad entry.
    """
    if isinstance(text, (list, tuple)):
        parts = [str(p) for p in text]
    else:
        s = str(text or "").replace(",", " ").replace("-", " ").strip()
        parts = [] if s.lower() in ("", "none", "0 hidden") else s.split()
    sizes = []
    for p in parts:
        try:
            n = int(p)
        except ValueError:
            raise ConfigError(f"hidden layers: {p!r} is not a whole number; write sizes like '128' or "
                              f"'256 128' (empty = no hidden layer)") from None
        if not 1 <= n <= MAX_HIDDEN_UNITS:
            raise ConfigError(f"hidden layers: {n} units is out of range; use 1 to {MAX_HIDDEN_UNITS} "
                              f"units per layer")
        sizes.append(n)
    if len(sizes) > MAX_HIDDEN_LAYERS:
        raise ConfigError(f"hidden layers: {len(sizes)} layers is too many here; use at most "
                          f"{MAX_HIDDEN_LAYERS}")
    return tuple(sizes)


def check_config(values: dict, n_train: int | None = None):
    """Validate the Train form. Returns (TrainConfig or None, errors, notes): one line per problem.

    ``values`` holds the form fields (hidden may be text). ``notes`` are harmless adjustments the
    user should know about (e.g. a batch larger than the dataset becomes full batch).
    """
    errors, notes = [], []
    v = dict(values)
    try:
        hidden = parse_hidden(v.get("hidden", (128,)))
    except ConfigError as e:
        errors.append(str(e))
        hidden = ()
    for key, allowed in (("activation", ACTIVATIONS), ("init", INITS), ("optimizer", OPTIMIZERS),
                         ("schedule", SCHEDULES)):
        if v.get(key, TrainConfig.__dataclass_fields__[key].default) not in allowed:
            errors.append(f"{key}: {v.get(key)!r} is not one of {', '.join(allowed)}")

    def number(key, kind, lo, hi, what):
        raw = v.get(key, TrainConfig.__dataclass_fields__[key].default)
        try:
            x = kind(raw)
            if isinstance(raw, float) and kind is int and raw != int(raw):
                raise ValueError
        except (TypeError, ValueError):
            errors.append(f"{key}: {raw!r} is not a {what}")
            return None
        if not (math.isfinite(x) and lo <= x <= hi):
            errors.append(f"{key}: {raw!r} is out of range; use {lo:g} to {hi:g}")
            return None
        return x

    lr = v.get("lr", 1e-3)
    try:
        lr = float(lr)
    except (TypeError, ValueError):
        errors.append(f"learning rate: {lr!r} is not a number")
        lr = None
    if lr is not None:
        if not math.isfinite(lr) or lr <= 0:
            errors.append(f"learning rate: {lr:g} cannot train anything; use a positive value such as "
                          f"0.001 (Adam) or 0.1 (SGD)")
        elif lr > MAX_LR:
            errors.append(f"learning rate: {lr:g} is far too large and will diverge; use at most "
                          f"{MAX_LR:g} (typical: 0.001 for Adam, 0.1 for SGD)")
    epochs = number("epochs", int, 1, MAX_EPOCHS, "whole number of epochs")
    wd = number("weight_decay", float, 0.0, 1.0, "number")
    seed = number("seed", int, 0, MAX_SEED, "whole number")
    full_batch = bool(v.get("full_batch", False))
    batch = None
    if not full_batch:
        batch = number("batch_size", int, 1, 10**7, "whole number")
        if batch is not None and n_train is not None and batch >= n_train:
            notes.append(f"batch size {batch} is at least the {n_train:,} training digits, so every "
                         f"step uses the full batch")
            batch = None
    if errors:
        return None, errors, notes
    cfg = TrainConfig(hidden=hidden, activation=v.get("activation", "relu"), init=v.get("init", "he"),
                      optimizer=v.get("optimizer", "adam"), lr=lr, schedule=v.get("schedule", "cosine"),
                      batch_size=batch, epochs=epochs, weight_decay=wd, seed=seed,
                      augment=bool(v.get("augment", False)), preset=v.get("preset") or None)
    return cfg, errors, notes


def steps_per_epoch(n_train: int, batch_size: int | None) -> int:
    """Optimizer steps in one epoch (the last, smaller batch counts as a step)."""
    if not batch_size or batch_size >= n_train:
        return 1
    return math.ceil(n_train / batch_size)


# --------------------------------------------------------------------------------------------------
# Shared read-only arrays


@dataclass(frozen=True)
class TrainingArrays:
    """Float32 (n, 784) inputs in [0, 1] and int64 labels; all arrays read-only (shared by sessions)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    source: str = ""

    @property
    def n_train(self) -> int:
        return len(self.y_train)


def prepare_arrays(ds, val_fraction: float = 0.1, max_val: int = 5000, seed: int = 0) -> TrainingArrays:
    """Split ds's training set into train + validation (fixed seed) and freeze every array.

    ``ds`` is what ``nnscratch.load_mnist`` returns. Validation takes ``val_fraction`` of the training
    set (at most ``max_val``) so the test set stays untouched for the final accuracy.
    """
    X, y = ds.train_xy()
    X_test, y_test = ds.test_xy()
    n = len(y)
    n_val = min(max_val, int(round(n * val_fraction))) if n >= 20 else 0
    perm = np.random.default_rng(seed).permutation(n)
    val_idx, tr_idx = np.sort(perm[:n_val]), np.sort(perm[n_val:])
    arrays = [X[tr_idx], y[tr_idx], X[val_idx], y[val_idx], X_test, y_test]
    del X
    for a in arrays:
        a.setflags(write=False)
    return TrainingArrays(*arrays, source=getattr(ds, "source", ""))


# --------------------------------------------------------------------------------------------------
# The cap on concurrent runs


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


# --------------------------------------------------------------------------------------------------
# The worker


def _default_fit(*args, **kwargs):
    from .train import fit  # late import: the engine module may import heavier things

    return fit(*args, **kwargs)


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
    """Trains ``net`` on ``arrays`` with ``config`` in a daemon thread.

    The network is trained in place: while running, ``live_params()`` gives a copy of its current
    weights (for live pictures); once finished, ``net`` holds the final (or last good) weights.
    Thread-safety: every public method may be called from any thread.
    """

    def __init__(self, net, arrays: TrainingArrays, config: TrainConfig, *, limiter: SlotLimiter | None = None,
                 fit_fn=None, owner: str = "", name: str | None = None):
        global _worker_counter
        with _worker_counter_lock:
            _worker_counter += 1
            self.id = _worker_counter
        self.net = net
        self.arrays = arrays
        self.config = config
        self.owner = owner
        self.name = name or f"run {self.id}"
        self.total_epochs = config.epochs
        self.steps_per_epoch = steps_per_epoch(arrays.n_train, config.batch_size)
        self.total_steps = self.total_epochs * self.steps_per_epoch
        self._limiter = limiter if limiter is not None else get_limiter()
        self._fit = fit_fn or _default_fit
        self._lock = threading.Lock()
        self._rows: list = []
        self._status = QUEUED
        self._error: str | None = None
        self._stop = threading.Event()
        self._pause = threading.Event()
        self._done = threading.Event()
        self._time = _Timing()
        self.test_accuracy: float | None = None
        self._thread = threading.Thread(target=self._run, name=f"nnscratch-train-{self.id}", daemon=True)

    # -- control -----------------------------------------------------------------------------------
    def start(self) -> "TrainingWorker":
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ask the run to end; it does within one step (or at once if it is still queued)."""
        self._stop.set()
        self._pause.clear()  # a paused fit must wake up to see the stop

    def stop_after(self, seconds: float) -> None:
        """Stop in ``seconds`` unless :meth:`cancel_stop` is called first (a session whose browser
        went away keeps its run that long, in case the browser comes back)."""
        self.cancel_stop()
        if not self.done:
            timer = threading.Timer(seconds, self.stop)
            timer.daemon = True
            timer.name = f"nnscratch-stop-{self.id}"
            self._stop_timer = timer
            timer.start()

    def cancel_stop(self) -> None:
        timer, self._stop_timer = getattr(self, "_stop_timer", None), None
        if timer is not None:
            timer.cancel()

    def pause(self) -> None:
        if not self.done:
            self._pause.set()

    def resume(self) -> None:
        self._pause.clear()

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
        last = self.last_row()
        now = time.time()
        t = self._time
        elapsed = float(last["elapsed"]) if last else 0.0
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
            progress=progress, elapsed=elapsed, eta=eta,
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
    def _on_row(self, row: dict) -> None:
        with self._lock:
            self._rows.append(row)

    def _set(self, status: str, error: str | None = None) -> None:
        with self._lock:
            self._status = status
            if error is not None:
                self._error = error

    def _run(self) -> None:
        a = self.arrays
        got_slot = False
        try:
            got_slot = self._limiter.acquire(self, self._stop)
            if not got_slot:
                self._set(STOPPED)
                return
            self._time.started = time.time()
            self._set(RUNNING)
            hist = self._fit(self.net, a.X_train, a.y_train, X_val=a.X_val if len(a.y_val) else None,
                             y_val=a.y_val if len(a.y_val) else None, callback=self._on_row,
                             stop_event=self._stop, pause_event=self._pause, **self.config.fit_kwargs())
            status = getattr(hist, "status", COMPLETED)
            if status == "stopped" or (status != COMPLETED and self._stop.is_set()):
                status = STOPPED
            self._finish_model(status)
            self._set(status if status in FINAL_STATES else COMPLETED)
        except TrainingDiverged as e:
            self._finish_model(DIVERGED)
            self._set(DIVERGED, _one_line(e))
        except NNScratchError as e:
            self._set(ERROR, _one_line(e))
        except Exception as e:  # noqa: BLE001 - a worker must never die silently
            log.exception("training worker %s failed", self.id)
            self._set(ERROR, _one_line(e))
        finally:
            if got_slot:
                self._limiter.release(self)
            self._time.finished = time.time()
            self._done.set()

    def _finish_model(self, status: str) -> None:
        """Measure test accuracy and record how the model was made in its metadata."""
        a = self.arrays
        try:
            if len(a.y_test):
                self.test_accuracy = float(np.mean(self.net.predict(a.X_test) == a.y_test))
        except Exception:  # noqa: BLE001 - a diverged net may hold NaNs; accuracy is then unknown
            self.test_accuracy = None
        meta = getattr(self.net, "meta", None)
        if isinstance(meta, dict):
            meta.update({
                "name": meta.get("name") or self.name,
                "origin": "trained in the app",
                "data_source": a.source,
                "config": self.config.to_meta(),
                "status": status,
                "test_accuracy": self.test_accuracy,
                "val_accuracy": self.last_val_acc(),
                "steps": (self.last_row() or {}).get("step", 0),
            })


def live_threads() -> list:
    """The training threads, and timers that will stop one, alive in this process (for tests that
    count orphans)."""
    return [t for t in threading.enumerate() if t.name.startswith(("nnscratch-train-", "nnscratch-stop-"))]
