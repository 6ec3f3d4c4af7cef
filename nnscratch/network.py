"""A fully connected network with a softmax output, forward and backward in plain NumPy.

Layout (row-major, one sample per row, unlike the notebooks' transposed layout):

    A0 = X                      (n, 784)
    Zl = A(l-1) @ Wl + bl       Wl: (size[l-1], size[l]),  bl: (size[l],)
    Al = act(Zl)                for hidden layers
    AL = softmax(ZL)            (n, 10), the class probabilities

``W1`` has one *column* per hidden unit: ``W1[:, j].reshape(28, 28)`` is what unit j looks for.
"""

import io
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from .errors import ConfigError, DataFormatError, ModelFileError

__all__ = ["Network", "ACTIVATIONS", "INITS"]

LEAKY_SLOPE = 0.01
# Rows per chunk in large batches: 1,024 x 784 float32 is 3.2 MB, which stays in cache between the
# forward product and the backward one (measured fastest of 512-4096 on 2- and 4-core machines).
_CHUNK_ROWS = 1024


# Each activation: f(Z) -> A, and dA -> dZ given (Z, A). Written in place where it is safe: the
# backward pass owns dA and nothing else reads it afterwards.
def _relu(Z):
    return np.maximum(Z, 0, out=Z)  # Z is not needed again: relu' is read off A


def _relu_back(dA, Z, A):
    return np.multiply(dA, A > 0, out=dA)  # 5x faster than masked assignment dA[A <= 0] = 0


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
    "relu": (_relu, _relu_back),
    "leaky_relu": (_leaky_relu, _leaky_relu_back),
    "sigmoid": (_sigmoid, _sigmoid_back),
    "tanh": (_tanh, _tanh_back),
}
# Activations whose backward pass needs Z itself (relu's reads A; its forward overwrites Z).
_NEEDS_Z = {"leaky_relu"}

INITS = ("classic", "he", "xavier")


def softmax(Z):
    """Row-wise softmax, stable for any logits: exp(z - max z) / sum."""
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    E /= E.sum(axis=1, keepdims=True)
    return E


def log_softmax(Z):
    """Row-wise log softmax via log-sum-exp, so huge logits give finite values."""
    shifted = Z - Z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _softmax_cross_entropy(ZL, y, n):
    """Loss, correct count and gradient of the output layer for the rows ZL (m, k) of a batch of n.

    Returns (sum over rows of loss_i, number of rows whose argmax is y_i, dZ) where
    loss_i = logsumexp(z_i) - z_i[y_i] (stable for any logits) and dZ = (softmax(ZL) - onehot(y)) / n,
    (m, k): the gradient of the batch's *mean* loss.
    """
    # Worked on as (k, m), classes by rows: reductions over 10 classes then run along contiguous
    # memory, which makes this step 1.5-2x faster; dZ comes back as a (m, k) view.
    ZT = np.ascontiguousarray(ZL.T)
    cols = np.arange(len(y))
    n_correct = int(np.count_nonzero(ZT.argmax(axis=0) == y))
    ZT -= ZT.max(axis=0)
    E = np.exp(ZT)
    S = E.sum(axis=0)
    loss_sum = float(np.log(S).sum() - ZT[y, cols].sum())
    E *= (1 / n) / S
    E[y, cols] -= 1 / n
    return loss_sum, n_correct, E.T


class Network:
    """A multilayer perceptron: ``sizes = [784, hidden..., 10]``, softmax + cross-entropy on top.

    Parameters
    ----------
    sizes : list of int, at least [inputs, outputs]; ``[784, 10]`` is logistic regression.
    activation : "relu", "leaky_relu", "sigmoid" or "tanh" (all hidden layers).
    init : "classic" (the notebooks' U[-0.5, 0.5) for weights and biases), "he" or "xavier".
    seed : int, seeds the initial weights.
    dtype : np.float32 (fast) or np.float64 (for gradient checks).
    """

    def __init__(self, sizes, activation="relu", init="he", seed=0, dtype=np.float32):
        self._configure(sizes, activation, init, seed, dtype)
        self.params = _init_params(self.sizes, init, np.random.default_rng(self.seed), self.dtype)

    def _configure(self, sizes, activation, init, seed, dtype):
        """Validate and set everything but the parameters."""
        sizes = _check_sizes(sizes)
        if activation not in ACTIVATIONS:
            raise ConfigError(f"unknown activation {activation!r}: choose one of {', '.join(ACTIVATIONS)}")
        if init not in INITS:
            raise ConfigError(f"unknown init {init!r}: choose one of {', '.join(INITS)}")
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise ConfigError(f"dtype must be float32 or float64, not {dtype}")
        if not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**32:
            raise ConfigError(f"seed must be an integer from 0 to 2**32 - 1, not {seed!r}")
        self.sizes = sizes
        self.activation = activation
        self.init = init
        self.seed = int(seed)
        self.dtype = dtype
        self.meta = {}

    # ---- shape facts -------------------------------------------------------------------------
    @property
    def n_layers(self):
        """Number of weight layers (hidden layers + the output layer)."""
        return len(self.sizes) - 1

    @property
    def architecture(self):
        return "-".join(str(s) for s in self.sizes)

    @property
    def n_params(self):
        return int(sum(p.size for p in self.params.values()))

    def __repr__(self):
        return f"Network({self.sizes}, activation={self.activation!r}, init={self.init!r})"

    # ---- forward -----------------------------------------------------------------------------
    def _check_X(self, X):
        X = np.asarray(X)
        if X.ndim == 1:
            X = X[None, :]
        if X.ndim != 2 or X.shape[1] != self.sizes[0]:
            raise ConfigError(f"X must have shape (n, {self.sizes[0]}), got {X.shape}")
        if X.dtype != self.dtype:
            X = X.astype(self.dtype)
        return X

    def _forward(self, X, keep):
        """Return the logits ZL and, if ``keep``, the per-layer (Z, A) cache for backprop."""
        act = ACTIVATIONS[self.activation][0]
        A, cache = X, []
        for l in range(1, self.n_layers):
            Z = A @ self.params[f"W{l}"]
            Z += self.params[f"b{l}"]
            Zkeep = Z.copy() if keep and self.activation in _NEEDS_Z else None
            A = act(Z)
            if keep:
                cache.append((Zkeep, A))
        L = self.n_layers
        Z = A @ self.params[f"W{L}"]
        Z += self.params[f"b{L}"]
        return Z, cache

    def activations(self, X):
        """Every layer's values for X, keyed like the equations: A0, Z1, A1, ..., ZL, AL.

        X: (n, 784). Zl, Al: (n, sizes[l]); AL is the softmax (the probabilities).
        """
        X = self._check_X(X)
        act = ACTIVATIONS[self.activation][0]
        out = {"A0": X}
        A = X
        for l in range(1, self.n_layers + 1):
            Z = A @ self.params[f"W{l}"] + self.params[f"b{l}"]
            out[f"Z{l}"] = Z
            A = act(Z.copy()) if l < self.n_layers else softmax(Z)
            out[f"A{l}"] = A
        return out

    def predict_proba(self, X, batch_size=8192):
        """Class probabilities, (n, 10); computed in batches so 60,000 rows stay light on memory."""
        X = self._check_X(X)
        return np.concatenate([softmax(self._forward(X[i:i + batch_size], False)[0])
                               for i in range(0, max(len(X), 1), batch_size)])[:len(X)]

    def predict(self, X, batch_size=8192):
        """Predicted class of each row of X, (n,) int64."""
        X = self._check_X(X)
        return np.concatenate([self._forward(X[i:i + batch_size], False)[0].argmax(axis=1)
                               for i in range(0, max(len(X), 1), batch_size)])[:len(X)].astype(np.int64)

    def accuracy(self, X, y):
        """Fraction of rows of X whose predicted class is y."""
        y = np.asarray(y)
        return float((self.predict(X) == y).mean()) if len(y) else float("nan")

    # ---- loss and backward -------------------------------------------------------------------
    def loss_and_gradients(self, X, y):
        """Mean cross-entropy over the batch and its gradient for every parameter.

        X: (n, 784), y: (n,) integer labels. Returns (loss, grads) with grads keyed like params.
        """
        loss, grads, _ = self.forward_backward(X, y)
        return loss, grads

    def forward_backward(self, X, y):
        """One pass for training: (loss, grads, number of correct predictions in the batch).

        Large batches go through in chunks of rows whose gradients are summed: the gradient of a
        mean is the sum of per-chunk gradients / n, and a chunk that fits in cache is read from
        memory once instead of twice (forward, then X.T @ dZ1). That makes full-batch descent
        on 60,000 images about twice as fast.
        """
        X = self._check_X(X)
        y = np.asarray(y)
        if y.shape != (len(X),):
            raise ConfigError(f"y must have shape ({len(X)},), got {y.shape}")
        n = len(X)
        if n <= _CHUNK_ROWS:
            loss_sum, grads, n_correct = self._backprop(X, y, n)
            return loss_sum / n, grads, n_correct
        loss_sum, grads, n_correct = 0.0, None, 0
        for i in range(0, n, _CHUNK_ROWS):
            part_loss, part_grads, part_correct = self._backprop(X[i:i + _CHUNK_ROWS], y[i:i + _CHUNK_ROWS], n)
            loss_sum += part_loss
            n_correct += part_correct
            if grads is None:
                grads = part_grads
            else:
                for k, g in part_grads.items():
                    grads[k] += g
        return loss_sum / n, grads, n_correct

    def _backprop(self, X, y, n):
        """Forward and backward for the rows X, y of a batch of n rows: (sum of losses, grads, correct)."""
        ZL, cache = self._forward(X, keep=True)
        loss_sum, n_correct, dZ = _softmax_cross_entropy(ZL, y, n)

        back = ACTIVATIONS[self.activation][1]
        grads = {}
        for l in range(self.n_layers, 0, -1):
            A_prev = cache[l - 2][1] if l > 1 else X
            grads[f"W{l}"] = A_prev.T @ dZ
            grads[f"b{l}"] = dZ.sum(axis=0)  # one gradient per unit, never one scalar
            if l > 1:  # the input layer needs no dX
                dA = dZ @ self.params[f"W{l}"].T
                Z_prev, A_prev = cache[l - 2]
                dZ = back(dA, Z_prev, A_prev)
        return loss_sum, grads, n_correct

    # ---- copies and files --------------------------------------------------------------------
    def copy(self):
        other = Network.__new__(Network)
        other.__dict__.update(self.__dict__)
        other.params = {k: v.copy() for k, v in self.params.items()}
        other.meta = json.loads(json.dumps(self.meta))
        return other

    def config(self):
        """What is needed to rebuild this network (JSON-able)."""
        return {"sizes": self.sizes, "activation": self.activation, "init": self.init,
                "seed": self.seed, "dtype": self.dtype.name}

    def save(self, path):
        """Write one .npz: the arrays plus a JSON 'meta' entry. Atomic: temp file, then rename."""
        from . import __version__
        meta = {**self.meta, **self.config(), "library_version": __version__}
        meta.setdefault("created_at", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        arrays = dict(self.params)
        arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
        if hasattr(path, "write"):
            np.savez_compressed(path, **arrays)
            return
        path = Path(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez_compressed(f, **arrays)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def to_bytes(self):
        buf = io.BytesIO()
        self.save(buf)
        return buf.getvalue()

    @classmethod
    def load(cls, source):
        """Load a model saved by :meth:`save` from a path, bytes or a binary file object.

        Raises ModelFileError with a one-line reason for a missing, truncated, foreign or
        inconsistent file. Never unpickles anything, and checks every array's shape against the
        metadata before allocating anything, so a hostile upload cannot exhaust memory.
        """
        from .data.formats import read_npz

        if isinstance(source, (bytes, bytearray)):
            name, data = "uploaded model", bytes(source)
        elif isinstance(source, (str, Path)):
            name = str(source)
            if not Path(source).is_file():
                raise ModelFileError(f"{name}: no such model file")
            data = Path(source).read_bytes()
        else:
            name, data = getattr(source, "name", None) or "model file", source.read()
        try:
            files = read_npz(data, name, lowercase=False)
        except DataFormatError as e:
            raise ModelFileError(f"not a readable nnscratch model (.npz) file: {e}") from None
        if "meta" not in files:
            raise ModelFileError(f"{name}: not an nnscratch model: it has no 'meta' entry")
        net = cls.__new__(cls)
        try:
            meta = json.loads(files.pop("meta").tobytes().decode())
            net._configure([int(s) for s in meta["sizes"]], meta["activation"], meta.get("init", "he"),
                           int(meta.get("seed", 0)), np.dtype(meta.get("dtype", "float32")))
        except (ValueError, KeyError, TypeError, UnicodeDecodeError, AttributeError, RecursionError, OverflowError) as e:
            raise ModelFileError(f"{name}: its metadata is damaged or incomplete ({type(e).__name__})") from None
        params = {}
        for l, (fan_in, fan_out) in enumerate(zip(net.sizes[:-1], net.sizes[1:]), start=1):
            for key, want in ((f"W{l}", (fan_in, fan_out)), (f"b{l}", (fan_out,))):
                got = files.get(key)
                if got is None:
                    raise ModelFileError(f"{name}: array {key} is missing")
                if got.shape != want:
                    raise ModelFileError(f"{name}: {key} has shape {got.shape}, expected {want} "
                                         f"for a {net.architecture} network")
                if got.dtype.kind != "f" or not np.isfinite(got).all():
                    raise ModelFileError(f"{name}: {key} holds non-float or non-finite values")
                params[key] = got.astype(net.dtype)
        extra = set(files) - set(params)
        if extra:
            raise ModelFileError(f"{name}: unexpected arrays {sorted(extra)}: not an nnscratch model")
        net.params = params
        net.meta = {k: v for k, v in meta.items() if k not in ("sizes", "activation", "init", "seed", "dtype")}
        return net


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
    params = {}
    for l, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        if init == "classic":  # the notebooks: np.random.rand(...) - 0.5 for W and b
            W = rng.random((fan_in, fan_out)) - 0.5
            b = rng.random(fan_out) - 0.5
        elif init == "he":
            W = rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)
            b = np.zeros(fan_out)
        else:  # xavier (Glorot uniform)
            limit = np.sqrt(6.0 / (fan_in + fan_out))
            W = rng.uniform(-limit, limit, (fan_in, fan_out))
            b = np.zeros(fan_out)
        params[f"W{l}"] = W.astype(dtype)
        params[f"b{l}"] = b.astype(dtype)
    return params
