"""Training: mini-batch (or full-batch) gradient descent with a live history.

``fit`` is written to run in a background thread: it reports every step to ``callback``,
stops within one step of ``stop_event`` being set and waits while ``pause_event`` is set.
"""

import math
import time

import numpy as np

from . import checks
from .errors import ConfigError, TrainingDiverged
from .status import COMPLETED, DIVERGED, RUNNING, STOPPED
from .optim import SCHEDULES, lr_at, make_optimizer
from .recipe import Recipe, steps_per_epoch

__all__ = ["fit", "History", "steps_per_epoch"]

# Weights are copied this often so a run that blows up can roll back to weights that worked.
_SNAPSHOT_EVERY = 50
# A mean cross-entropy this large means logits a thousand apart on the wrong side: the run has
# blown up even though the stable log-sum-exp keeps the number finite.
DIVERGED_LOSS = 1e3
TRAIN_ACC_WINDOW = 5000


class History:
    """The rows a run produced, one per step, plus how it ended.

    Row keys: step, epoch (float, fraction of passes over the data), samples, loss (this batch),
    train_acc (running: an exponentially weighted mean over about the
    last TRAIN_ACC_WINDOW samples or one epoch, whichever is smaller), val_acc (None between validations), lr,
    elapsed (seconds, pauses excluded), samples_per_s.
    """

    def __init__(self, total_steps, steps_per_epoch):
        self.rows = []
        self.total_steps = total_steps
        self.steps_per_epoch = steps_per_epoch
        self.status = RUNNING  # then COMPLETED, STOPPED or DIVERGED

    def __len__(self):
        return len(self.rows)

    def column(self, key):
        return [row[key] for row in self.rows]

    @property
    def last(self):
        return self.rows[-1] if self.rows else None

    @property
    def val_acc(self):
        """The latest validation accuracy, or None."""
        vals = [r["val_acc"] for r in self.rows if r["val_acc"] is not None]
        return vals[-1] if vals else None


# The defaults are Recipe()'s, so fit(net, X, y) is the run `python -m nnscratch train` would make of
# Recipe() (class attributes of a dataclass are its field defaults).
def fit(net, X, y, *, epochs=None, steps=None, batch_size=Recipe.batch_size, optimizer=Recipe.optimizer,
        lr=Recipe.lr, schedule=Recipe.schedule, weight_decay=Recipe.weight_decay, augment=Recipe.augment,
        X_val=None, y_val=None, val_every=None, seed=Recipe.seed, callback=None, stop_event=None,
        pause_event=None):
    """Train ``net`` in place on X (n, 784) float in [0, 1] and y (n,) labels; return a History.

    Give at most one of ``epochs`` (passes over the data) or ``steps`` (updates); neither is
    ``Recipe.epochs`` epochs. ``batch_size=None`` is full-batch gradient descent. ``augment`` is False, True (default small shifts and
    rotations) or a dict of keyword arguments for :func:`nnscratch.augment.random_affine`.
    Validation accuracy is computed every ``val_every`` steps (default: about 20 times per run
    and at least once per epoch) and at the end.

    Raises TrainingDiverged if the loss becomes non-finite (or above DIVERGED_LOSS); the network
    is then rolled back to its last snapshot (at most 50 steps old, taken while the loss was
    finite) and the error carries the ``history`` so far.
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != net.sizes[0]:
        raise ConfigError(f"X must have shape (n, {net.sizes[0]}), got {X.shape}")
    if y.shape != (len(X),):
        raise ConfigError(f"y must have one label per row of X: X has {len(X)} rows, y has shape {y.shape}")
    if len(X) == 0:
        raise ConfigError("no training data: X has 0 rows")
    if y.min() < 0 or y.max() >= net.sizes[-1]:
        raise ConfigError(f"labels must be in 0..{net.sizes[-1] - 1}, found {y.min()}..{y.max()}")
    if epochs is not None and steps is not None:
        raise ConfigError("give exactly one of epochs or steps")
    if steps is None:
        epochs = checks.whole("epochs", Recipe.epochs if epochs is None else epochs)
    else:
        steps = checks.whole("steps", steps)
    batch_size = None if batch_size is None else checks.whole("batch_size", batch_size)
    lr = checks.learning_rate(lr)
    weight_decay = checks.real("weight_decay", weight_decay, 0.0)
    checks.choice("schedule", schedule, SCHEDULES)
    seed = checks.seed(seed)
    opt = make_optimizer(optimizer, weight_decay)
    if (X_val is None) != (y_val is None):
        raise ConfigError("give both X_val and y_val, or neither")
    augmenter = _make_augmenter(augment)

    X = X.astype(net.dtype, copy=False)
    n = len(X)
    bs = n if batch_size is None else min(batch_size, n)
    per_epoch = steps_per_epoch(n, bs)
    total = steps if steps is not None else epochs * per_epoch
    if val_every is None:
        val_every = max(1, min(per_epoch, math.ceil(total / 20)))
    history = History(total, per_epoch)
    rng = np.random.default_rng(seed)

    snapshot = {k: v.copy() for k, v in net.params.items()}
    samples = 0
    # running accuracy with exponentially decaying weights: smooth, and no jump at epoch boundaries
    recent_correct = recent_seen = 0.0
    decay = math.exp(-bs / min(n, TRAIN_ACC_WINDOW))
    paused_for = 0.0
    start = time.perf_counter()
    order = None
    # a blow-up is detected below and reported, so overflow warnings would only be noise
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(total):
            if stop_event is not None and stop_event.is_set():
                history.status = STOPPED
                return history
            if pause_event is not None and pause_event.is_set():
                t0 = time.perf_counter()
                while pause_event.is_set() and not (stop_event is not None and stop_event.is_set()):
                    time.sleep(0.02)
                paused_for += time.perf_counter() - t0
                if stop_event is not None and stop_event.is_set():
                    history.status = STOPPED
                    return history

            i = step % per_epoch
            if i == 0:
                if bs < n:  # full batch needs no shuffling
                    order = rng.permutation(n)
            if bs < n:
                idx = order[i * bs:(i + 1) * bs]
                xb, yb = X[idx], y[idx]
            else:
                xb, yb = X, y
            if augmenter is not None:
                xb = augmenter(xb, rng)

            loss, grads, correct = net.forward_backward(xb, yb)
            if not loss < DIVERGED_LOSS:  # also catches NaN
                for k in net.params:
                    net.params[k][...] = snapshot[k]
                history.status = DIVERGED
                err = TrainingDiverged(step + 1, lr, loss)
                err.history = history
                raise err
            if step % _SNAPSHOT_EVERY == 0:
                for k, v in net.params.items():
                    snapshot[k][...] = v
            rate = lr_at(schedule, lr, step, total)
            opt.step(net.params, grads, rate)

            samples += len(yb)
            recent_correct = recent_correct * decay + correct
            recent_seen = recent_seen * decay + len(yb)
            val_acc = None
            if X_val is not None and ((step + 1) % val_every == 0 or step + 1 == total):
                val_acc = net.accuracy(X_val, y_val)
            elapsed = time.perf_counter() - start - paused_for
            row = {
                "step": step + 1,
                "epoch": (step + 1) / per_epoch,
                "samples": samples,
                "loss": loss,
                "train_acc": recent_correct / recent_seen,
                "val_acc": val_acc,
                "lr": rate,
                "elapsed": elapsed,
                "samples_per_s": samples / elapsed if elapsed > 0 else float("nan"),
            }
            history.rows.append(row)
            if callback is not None:
                callback(row)
    history.status = COMPLETED
    return history


def _make_augmenter(augment):
    if augment is False or augment is None:
        return None
    from .augment import random_affine  # only runs that augment need it
    kwargs = {} if augment is True else dict(augment)
    return lambda xb, rng: random_affine(xb, rng, **kwargs)
