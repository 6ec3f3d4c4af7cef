"""A fully connected network with a softmax output: the forward pass, the backward pass, nothing else.

Layout (row-major, one sample per row, unlike the notebooks' transposed layout):

    A0 = X                      (n, 784)
    Zl = A(l-1) @ Wl + bl       Wl: (size[l-1], size[l]),  bl: (size[l],)
    Al = g(Zl)                  for hidden layers
    AL = softmax(ZL)            (n, 10), the class probabilities
    loss = mean_i -log AL[i, y_i]

``W1`` has one *column* per hidden unit: ``W1[:, j].reshape(28, 28)`` is what unit j looks for.
Saving and loading live in ``checkpoint.py``.
"""

from typing import Callable, NamedTuple

import numpy as np

from . import checkpoint, checks
from .errors import ConfigError

__all__ = ["Network", "ACTIVATIONS", "INITS", "softmax", "log_softmax", "softmax_cross_entropy"]

LEAKY_SLOPE = 0.01
# Rows per chunk in large batches: 1,024 x 784 float32 is 3.2 MB, which stays in cache between the
# forward product and the backward one.
_CHUNK_ROWS = 1024


class Activation(NamedTuple):
    """g(Z) -> A, and dA -> dZ given (Z, A); the formulas are what the How it works page shows."""

    forward: Callable
    backward: Callable
    formula: str  # LaTeX of g
    slope: str  # LaTeX of g'
    needs_z: bool = False  # the backward pass reads Z itself (the others read A; relu's forward overwrites Z)
    js: str = ""  # g as a JavaScript expression in a number z, for the exported web page (nnscratch.webpage)


# Written in place where it is safe: the backward pass owns dA and nothing else reads it afterwards.
def _relu(Z):
    return np.maximum(Z, 0, out=Z)  # Z is not needed again: relu' is read off A


def _relu_back(dA, Z, A):
    return np.multiply(dA, A > 0, out=dA)  # a multiplication, much faster than masked assignment


def _leaky_relu(Z):
    return np.where(Z > 0, Z, Z * Z.dtype.type(LEAKY_SLOPE))


def _leaky_relu_back(dA, Z, A):
    dA[Z <= 0] *= LEAKY_SLOPE
    return dA


def _sigmoid(Z):
    # 1/(1+exp(-z)) overflows exp for z << 0; the tanh form is exact and stable
    return 0.5 * (np.tanh(0.5 * Z) + 1)


def _sigmoid_back(dA, Z, A):
    dA *= A * (1 - A)
    return dA


def _tanh(Z):
    return np.tanh(Z)


def _tanh_back(dA, Z, A):
    dA *= 1 - A * A
    return dA


ACTIVATIONS = {
    "relu": Activation(_relu, _relu_back, r"\mathrm{ReLU}(z) = \max(z, 0)", r"g'(Z) = [Z > 0]",
                       js="Math.max(z, 0)"),
    "leaky_relu": Activation(_leaky_relu, _leaky_relu_back, r"\mathrm{LeakyReLU}(z) = \max(z, 0.01 z)",
                             r"g'(Z) = [Z > 0] + 0.01\,[Z \le 0]", needs_z=True,
                             js=f"(z > 0 ? z : z * {LEAKY_SLOPE!r})"),
    "sigmoid": Activation(_sigmoid, _sigmoid_back, r"\sigma(z) = 1 / (1 + e^{-z})", r"g'(Z) = A (1 - A)",
                          js="0.5 * (Math.tanh(0.5 * z) + 1)"),
    "tanh": Activation(_tanh, _tanh_back, r"\tanh(z)", r"g'(Z) = 1 - A^2", js="Math.tanh(z)"),
}



# Each init draws one layer: (rng, fan_in, fan_out) -> W (fan_in, fan_out), b (fan_out,), as float64.
def _he(rng, fan_in, fan_out):
    """N(0, 2 / fan_in): keeps a ReLU layer's output variance equal to its input's."""
    return rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in), np.zeros(fan_out)


def _xavier(rng, fan_in, fan_out):
    """Glorot uniform, U[-l, l) with l = sqrt(6 / (fan_in + fan_out)): for tanh and sigmoid."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, (fan_in, fan_out)), np.zeros(fan_out)


def _classic(rng, fan_in, fan_out):
    """The notebooks: np.random.rand(...) - 0.5 for W and b alike."""
    return rng.random((fan_in, fan_out)) - 0.5, rng.random(fan_out) - 0.5


INITS = {"he": _he, "xavier": _xavier, "classic": _classic}


def log_softmax(Z, axis=1):
    """log softmax along ``axis`` via log-sum-exp: z - max z - log sum exp(z - max z), finite for any logits."""
    shifted = Z - Z.max(axis=axis, keepdims=True)
    shifted -= np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return shifted


def softmax(Z, axis=1):
    """exp(z_k) / sum_j exp(z_j) along ``axis``, computed as exp(log_softmax): stable for any logits."""
    return np.exp(log_softmax(Z, axis))


def softmax_cross_entropy(ZL, y, n):
    """Loss, correct count and output gradient for the rows ZL (m, k) of a batch of n rows.

    Returns (sum over rows of -log softmax(z_i)[y_i], number of rows whose argmax is y_i, dZ) with
    dZ = (softmax(ZL) - onehot(y)) / n, shape (m, k): the gradient of the batch's *mean* loss.
    """
    # Worked on as (k, m), classes by rows: the reductions over 10 classes then run along contiguous
    # memory; dZ comes back as a (m, k) view.
    ZT = np.ascontiguousarray(ZL.T)
    rows = np.arange(len(y))
    n_correct = int(np.count_nonzero(ZT.argmax(axis=0) == y))
    logP = log_softmax(ZT, axis=0)
    loss_sum = -float(logP[y, rows].sum())
    dZ = np.exp(logP, out=logP)  # softmax(ZL), classes by rows
    dZ[y, rows] -= 1
    dZ *= 1 / n
    return loss_sum, n_correct, dZ.T


class Network:
    """A multilayer perceptron: ``sizes = [784, hidden..., 10]``, softmax + cross-entropy on top.

    Parameters
    ----------
    sizes : list of int, at least [inputs, outputs]; ``[784, 10]`` is logistic regression.
    activation : a key of ACTIVATIONS (all hidden layers).
    init : a key of INITS ("classic" is the notebooks' U[-0.5, 0.5) for weights and biases).
    seed : int, seeds the initial weights.
    dtype : np.float32 (fast) or np.float64 (for gradient checks).
    """

    def __init__(self, sizes, activation="relu", init="he", seed=0, dtype=np.float32):
        self._configure(sizes, activation, init, seed, dtype)
        self.params = _init_params(self.sizes, init, np.random.default_rng(self.seed), self.dtype)

    def _configure(self, sizes, activation, init, seed, dtype):
        """Validate and set everything but the parameters."""
        sizes = _check_sizes(sizes)
        checks.choice("activation", activation, ACTIVATIONS)
        checks.choice("init", init, INITS)
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise ConfigError(f"dtype must be float32 or float64, not {dtype}")
        seed = checks.seed(seed)
        self.sizes = sizes
        self.activation = activation
        self.init = init
        self.seed = seed
        self.dtype = dtype
        self.meta = {}  # how the model was made: see checkpoint.ModelMeta

    # ---- shape facts -------------------------------------------------------------------------
    @property
    def n_layers(self):
        """Number of weight layers (hidden layers + the output layer)."""
        return len(self.sizes) - 1

    @property
    def architecture(self):
        return "-".join(str(s) for s in self.sizes)

    def __repr__(self):
        return f"Network({self.sizes}, activation={self.activation!r}, init={self.init!r})"

    def _check_X(self, X):
        X = np.asarray(X)
        if X.ndim == 1:
            X = X[None, :]
        if X.ndim != 2 or X.shape[1] != self.sizes[0]:
            raise ConfigError(f"X must have shape (n, {self.sizes[0]}), got {X.shape}")
        if X.dtype != self.dtype:
            X = X.astype(self.dtype)
        return X

    # ---- forward -----------------------------------------------------------------------------
    def forward(self, X, keep_z=False):
        """The forward pass: (ZL, layers), ZL the (n, 10) scores and layers[l-1] = (Zl, Al) of each hidden layer.

        Zl is None unless ``keep_z`` or the activation's slope needs it (relu overwrites Z with A).
        """
        g = ACTIVATIONS[self.activation]
        A, layers = X, []
        for l in range(1, self.n_layers + 1):
            Z = A @ self.params[f"W{l}"]
            Z += self.params[f"b{l}"]
            if l == self.n_layers:
                return Z, layers
            Z_kept = Z.copy() if keep_z or g.needs_z else None
            A = g.forward(Z)
            layers.append((Z_kept, A))

    def activations(self, X):
        """Every layer's values for X, keyed like the equations: A0, Z1, A1, ..., ZL, AL (for the app's views).

        X: (n, 784). Zl, Al: (n, sizes[l]); AL is the softmax (the probabilities).
        """
        X = self._check_X(X)
        ZL, layers = self.forward(X, keep_z=True)
        out = {"A0": X}
        for l, (Z, A) in enumerate(layers, start=1):
            out[f"Z{l}"], out[f"A{l}"] = Z, A
        out[f"Z{self.n_layers}"], out[f"A{self.n_layers}"] = ZL, softmax(ZL)
        return out

    def predict_proba(self, X, batch_size=8192):
        """Class probabilities, (n, 10); computed in batches so 60,000 rows stay light on memory."""
        X = self._check_X(X)
        return np.concatenate([softmax(self.forward(X[i:i + batch_size])[0])
                               for i in range(0, max(len(X), 1), batch_size)])[:len(X)]

    def predict(self, X, batch_size=8192):
        """Predicted class of each row of X, (n,) int64."""
        X = self._check_X(X)
        return np.concatenate([self.forward(X[i:i + batch_size])[0].argmax(axis=1)
                               for i in range(0, max(len(X), 1), batch_size)])[:len(X)].astype(np.int64)

    def accuracy(self, X, y):
        """Fraction of rows of X whose predicted class is y."""
        y = np.asarray(y)
        return float((self.predict(X) == y).mean()) if len(y) else float("nan")

    # ---- backward ----------------------------------------------------------------------------
    def loss_and_gradients(self, X, y):
        """Mean cross-entropy over the batch and its gradient for every parameter.

        X: (n, 784), y: (n,) integer labels. Returns (loss, grads) with grads keyed like params.
        """
        loss, grads, _ = self.forward_backward(X, y)
        return loss, grads

    def forward_backward(self, X, y):
        """One training pass: (mean loss, grads, number of correct predictions in the batch).

        Large batches go through in chunks of rows whose gradients are summed: the gradient of a
        mean is the sum of per-chunk gradients / n, and a chunk that fits in cache is read from
        memory once instead of twice (forward, then X.T @ dZ1).
        """
        X = self._check_X(X)
        y = np.asarray(y)
        if y.shape != (len(X),):
            raise ConfigError(f"y must have shape ({len(X)},), got {y.shape}")
        n = len(X)
        loss_sum, grads, n_correct = 0.0, None, 0
        for i in range(0, n, _CHUNK_ROWS):
            part_loss, part_grads, part_correct = self.backward(X[i:i + _CHUNK_ROWS], y[i:i + _CHUNK_ROWS], n)
            loss_sum += part_loss
            n_correct += part_correct
            if grads is None:
                grads = part_grads
            else:
                for k, g in part_grads.items():
                    grads[k] += g
        return loss_sum / n, grads, n_correct

    def backward(self, X, y, n):
        """Forward and backward pass for the rows X, y of a batch of n rows: (sum of losses, grads, correct).

        dZL = (AL - Y) / n;  dWl = A(l-1)^T dZl;  dbl = sum over rows of dZl;  dZ(l-1) = dZl Wl^T * g'(Z(l-1)).
        """
        ZL, layers = self.forward(X)
        loss_sum, n_correct, dZ = softmax_cross_entropy(ZL, y, n)
        slope = ACTIVATIONS[self.activation].backward
        grads = {}
        for l in range(self.n_layers, 0, -1):
            A_prev = layers[l - 2][1] if l > 1 else X
            grads[f"W{l}"] = A_prev.T @ dZ
            grads[f"b{l}"] = dZ.sum(axis=0)  # one gradient per unit, never one scalar
            if l > 1:  # the input layer needs no dX
                Z_prev, A_prev = layers[l - 2]
                dZ = slope(dZ @ self.params[f"W{l}"].T, Z_prev, A_prev)
        return loss_sum, grads, n_correct

    # ---- copies and files (see checkpoint.py) ------------------------------------------------
    def copy(self):
        other = Network.__new__(Network)
        other.__dict__.update(self.__dict__)
        other.params = {k: v.copy() for k, v in self.params.items()}
        other.meta = _json_copy(self.meta)
        return other

    def config(self):
        """What is needed to rebuild this network (JSON-able)."""
        return {"sizes": self.sizes, "activation": self.activation, "init": self.init,
                "seed": self.seed, "dtype": self.dtype.name}

    def save(self, path):
        """Write one .npz (atomic: temp file, then rename); see :func:`nnscratch.checkpoint.save`."""
        checkpoint.save(self, path)

    def to_bytes(self):
        return checkpoint.to_bytes(self)

    @classmethod
    def load(cls, source):
        """A model saved by :meth:`save`, from a path, bytes or a binary file; raises ModelFileError."""
        return checkpoint.load(source, cls)


def _json_copy(obj):
    import json
    return json.loads(json.dumps(obj))


def _check_sizes(sizes):
    try:
        sizes = [int(s) for s in sizes]
    except (TypeError, ValueError):
        raise ConfigError(f"sizes must be a list of integers like [784, 128, 10], not {sizes!r}") from None
    if len(sizes) < 2:
        raise ConfigError(f"sizes needs at least inputs and outputs, e.g. [784, 10]; got {sizes}")
    if min(sizes) < 1:
        raise ConfigError(f"every layer needs at least one unit; got {sizes}")
    if sizes[-1] < 2:
        raise ConfigError(f"the output layer needs at least two classes; got {sizes}")
    return sizes


def _init_params(sizes, init, rng, dtype):
    """W1, b1, ..., WL, bL drawn layer by layer by ``INITS[init]`` from one rng, in that order."""
    params = {}
    for l, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        W, b = INITS[init](rng, fan_in, fan_out)
        params[f"W{l}"] = W.astype(dtype)
        params[f"b{l}"] = b.astype(dtype)
    return params
