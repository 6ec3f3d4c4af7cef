"""Hold a network still and push it one mini-batch at a time: what the Step inside page shows.

One step is exactly what ``fit`` does for one batch: ``Network.forward_backward`` for the mean loss and
the gradients, then the optimizer's ``step``. Around it the stepper keeps what a learner looks at: the
batch, the predictions and loss before and after, the gradients, the update that was applied
(param after - param before) and the units whose weights moved most. Step back restores the
parameters, the optimizer's state and the batch sampler from before the last press, so the same step
can be tried again (say with another learning rate).

Pure NumPy: no Streamlit here (the page is ``app/pages/step.py``).
"""

from __future__ import annotations

import copy
import math
import numbers
from dataclasses import dataclass

import numpy as np

from .errors import ConfigError
from .network import Network, softmax, softmax_cross_entropy
from .optim import make_optimizer

__all__ = ["Stepper", "StepResult", "UNDO_BYTES"]

# Step back keeps the states of the last presses that fit in this many bytes (always at least 2), per
# session: a 784-800-10 network under Adam is 7.6 MB a state, a 784-128-10 one under SGD 0.4 MB.
UNDO_BYTES = 16 * 2**20
MAX_BATCH = 512  # rows per step: the page shows every image of the batch


@dataclass
class StepResult:
    """What one step did. Shapes for a batch of b rows and ``net.sizes = [784, ..., 10]``.

    step: the step number after this step (1 for the first).
    index: (b,) rows of the training set in the batch; -1 marks the drawing put into it.
    X: (b, 784) the batch's pixels; y: (b,) its labels.
    probs_before, probs_after: (b, 10) the probabilities before and after the update.
    loss_before: the engine's mean cross-entropy on the batch (the one the gradients are of);
    loss_after: the same loss, same batch, after the update.
    grads: the gradients, keyed like ``net.params`` (W1: (784, H), b1: (H,), ...).
    update: param after - param before, keyed alike (for SGD: -lr * grad, and weight decay).
    lr, optimizer: the rate and the rule that made the update.
    top_units: {layer l: (units, sizes)}: the units (columns of Wl) whose incoming weights moved most,
    by the length of their update vector ||update[Wl][:, j]||, largest first.
    """

    step: int
    index: np.ndarray
    X: np.ndarray
    y: np.ndarray
    probs_before: np.ndarray
    probs_after: np.ndarray
    loss_before: float
    loss_after: float
    grads: dict
    update: dict
    lr: float
    optimizer: str
    top_units: dict

    @property
    def pred_before(self) -> np.ndarray:
        return self.probs_before.argmax(axis=1)

    @property
    def pred_after(self) -> np.ndarray:
        return self.probs_after.argmax(axis=1)


class Stepper:
    """A copy of ``net`` trained one press at a time on X (n, 784) in [0, 1], y (n,) labels.

    The network given is never changed: the stepper steps its own copy (``self.net``); ``keep()`` hands
    a copy of the stepped one back. The batch sampler is seeded, so the same settings give the same
    batches, and a step taken after Step back takes the same batch again.
    """

    def __init__(self, net: Network, X, y, *, optimizer: str = "sgd", lr: float = 0.1, batch_size: int = 16,
                 weight_decay: float = 0.0, seed: int = 0, top_k: int = 8):
        X, y = np.asarray(X), np.asarray(y)
        if X.ndim != 2 or X.shape[1] != net.sizes[0]:
            raise ConfigError(f"X must have shape (n, {net.sizes[0]}), got {X.shape}")
        if y.shape != (len(X),) or len(X) == 0:
            raise ConfigError(f"y must have one label per row of X ({len(X)} rows), got shape {y.shape}")
        if not (isinstance(lr, numbers.Real) and not isinstance(lr, bool) and math.isfinite(lr) and lr > 0):
            raise ConfigError(f"learning rate must be a positive number, not {lr!r}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or not 1 <= batch_size <= MAX_BATCH:
            raise ConfigError(f"batch size must be a whole number from 1 to {MAX_BATCH}, not {batch_size!r}")
        self.net = net.copy()
        self.X, self.y = X, y
        self.optimizer = optimizer
        self.opt = make_optimizer(optimizer, weight_decay)
        self.lr = float(lr)
        self.batch_size = min(int(batch_size), len(X))
        self.top_k = top_k
        self.rng = np.random.default_rng(seed)
        self.steps = 0
        self._undo: list = []  # (params, optimizer, rng state, steps) before each press, oldest first

    # ---- one step ----------------------------------------------------------------------------------
    def batch(self, drawing=None):
        """(index (b,), X (b, 784), y (b,)): the next batch, drawn without replacement. With
        ``drawing = (x (784,) or (28, 28), label)`` the drawing takes the batch's first row (index -1)."""
        drawing = self._check_drawing(drawing)
        index = self.rng.choice(len(self.X), size=self.batch_size, replace=False)
        xb = self.X[index].astype(self.net.dtype)
        yb = self.y[index].astype(np.int64)
        if drawing is not None:
            index = index.copy()
            index[0] = -1
            xb[0], yb[0] = drawing
        return index, xb, yb

    def _check_drawing(self, drawing):
        """(x (784,), label) or None; a one-line ConfigError for anything else."""
        if drawing is None:
            return None
        x, label = drawing
        x = np.asarray(x, dtype=self.net.dtype).reshape(-1)
        if x.shape != (self.net.sizes[0],):
            raise ConfigError(f"the drawing must have {self.net.sizes[0]} pixels, got {x.size}")
        if isinstance(label, bool) or not isinstance(label, (int, np.integer)) \
                or not 0 <= label < self.net.sizes[-1]:
            raise ConfigError(f"the drawing's label must be a digit 0..{self.net.sizes[-1] - 1}, not {label!r}")
        return x, int(label)

    def step(self, drawing=None) -> StepResult:
        """One mini-batch update, undoable by one ``back()``."""
        self._check_drawing(drawing)  # before anything changes: a refused drawing leaves no undo entry
        self._remember()
        return self._step(drawing)

    def step_many(self, k: int = 10, drawing=None) -> list:
        """``k`` steps in a row (the same as k calls of ``step``); one ``back()`` undoes all k.
        Returns the k StepResults, oldest first."""
        self._check_drawing(drawing)
        self._remember()
        return [self._step(drawing) for _ in range(k)]

    def _step(self, drawing) -> StepResult:
        net = self.net
        index, xb, yb = self.batch(drawing)
        # the engine's own pass, as fit runs it: mean loss and the gradient of that mean
        ZL, _ = net.forward(xb)
        probs_before = softmax(ZL)
        loss_before, grads, _ = net.forward_backward(xb, yb)
        before = {k: v.copy() for k, v in net.params.items()}
        self.opt.step(net.params, grads, self.lr)
        update = {k: net.params[k] - before[k] for k in before}
        ZL, _ = net.forward(xb)
        loss_after = softmax_cross_entropy(ZL, yb, len(yb))[0] / len(yb)
        self.steps += 1
        return StepResult(step=self.steps, index=index, X=xb, y=yb, probs_before=probs_before,
                          probs_after=softmax(ZL), loss_before=float(loss_before), loss_after=float(loss_after),
                          grads=grads, update=update, lr=self.lr, optimizer=self.optimizer,
                          top_units={l: top_changed(update[f"W{l}"], self.top_k) for l in range(1, net.n_layers + 1)})

    # ---- step back -----------------------------------------------------------------------------------
    def _remember(self) -> None:
        state = ({k: v.copy() for k, v in self.net.params.items()}, copy.deepcopy(self.opt),
                 copy.deepcopy(self.rng.bit_generator.state), self.steps)
        self._undo.append(state)
        opt_state = [a for d in (getattr(self.opt, "m", {}), getattr(self.opt, "v", {})) for a in d.values()]
        size = sum(v.nbytes for v in state[0].values()) + sum(a.nbytes for a in opt_state)
        keep = max(2, UNDO_BYTES // max(size, 1))
        del self._undo[:-keep]

    @property
    def can_go_back(self) -> bool:
        return bool(self._undo)

    def back(self) -> bool:
        """Undo the last press (a step, or all ten of a Step x10): the parameters, the optimizer's state
        and the batch sampler as they were. False when there is nothing left to undo."""
        if not self._undo:
            return False
        params, opt, rng_state, steps = self._undo.pop()
        for k, v in params.items():
            self.net.params[k][...] = v
        self.opt = opt
        self.rng.bit_generator.state = rng_state
        self.steps = steps
        return True

    def keep(self) -> Network:
        """A copy of the stepped network (for the person to keep as their model)."""
        return self.net.copy()


def top_changed(update_W, k: int = 8):
    """(units, sizes): the k columns of an update (fan_in, units) with the longest update vectors,
    largest first, and those lengths ||update[:, j]||."""
    norms = np.sqrt(np.einsum("ij,ij->j", update_W, update_W, dtype=np.float64))
    units = np.argsort(-norms, kind="stable")[:k]
    return units, norms[units]
