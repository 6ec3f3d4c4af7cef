"""Fine-tuning: teach a trained network someone's handwriting from a few labelled drawings.

    new = nnscratch.fine_tune(net, X, y)     # X (n, 784) in [0, 1], y (n,) labels; net is untouched

The drawings are few (3 per digit is enough), so on their own they would be memorised and the rest
of what the network knew forgotten. Two things prevent that: every batch mixes them with *replayed*
MNIST digits (the built-in sample by default, so it works offline), and every image is randomly
distorted (``augment.random_affine``) each time it is seen, so the network learns the writer's shapes
rather than 30 exact images. The defaults were chosen with ``bench/tune_finetune.py`` on pen digits
of writers that ``bench/bench_finetune.py`` does not report on (see notes in that file).
"""

from __future__ import annotations

import math
import numbers
import time

import numpy as np

from . import checks
from .errors import ConfigError
from .network import Network
from .train import fit

__all__ = ["fine_tune", "fine_tune_in_place", "holdout_split", "DEFAULTS", "check_digits"]

# Chosen with bench/tune_finetune.py on the training writers (3 drawings per digit): of the settings tried,
# these forgot MNIST least while staying a few seconds per person; the README gives the table.
DEFAULTS = dict(
    steps=150,              # optimizer updates
    batch_size=64,
    lr=1e-4,                # Adam; pretrained weights need small steps (a fresh run uses 1e-3)
    replay_fraction=0.75,   # share of each batch that is replayed MNIST rather than the drawings
    augment=True,           # random_affine's defaults: +-2 px, +-12 degrees, +-12 % scale, shear
)
MAX_STEPS = 20_000


def fine_tune(net: Network, X, y, **options) -> Network:
    """A NEW network: ``net`` trained further on X (n, 784) floats in [0, 1] with labels y (n,).

    ``net`` is left untouched. Options and errors: see :func:`fine_tune_in_place`.
    """
    if not isinstance(net, Network):
        raise ConfigError(f"fine_tune needs an nnscratch Network to start from, not {type(net).__name__}")
    new = net.copy()
    fine_tune_in_place(new, X, y, **options)
    return new


def fine_tune_in_place(net: Network, X, y, *, replay="sample", steps: int = DEFAULTS["steps"],
                       batch_size: int = DEFAULTS["batch_size"], lr: float = DEFAULTS["lr"],
                       replay_fraction: float = DEFAULTS["replay_fraction"], augment=DEFAULTS["augment"],
                       seed: int = 0, callback=None, stop_event=None, pause_event=None):
    """Train ``net`` itself further on X (n, 784) floats in [0, 1] with labels y (n,); return the History
    (the app's background worker trains its own copy this way). Records what was done in
    ``net.meta["fine_tune"]`` and ``net.meta["status"]``.

    replay: "sample" (the built-in MNIST sample's 4,000 training digits), ``(X_replay, y_replay)``,
    or None (no replay: it will forget). ``replay_fraction`` of every batch is replayed digits, the
    rest the given ones (each repeated as often as needed). ``augment`` is True, False or a dict of
    :func:`nnscratch.augment.random_affine` options. Training is Adam for ``steps`` updates;
    ``callback``, ``stop_event`` and ``pause_event`` work as in :func:`nnscratch.fit` (a stop returns
    the network as far as it got, with meta status "stopped").

    Raises ConfigError (one line) on bad input, before anything is changed; TrainingDiverged if the
    loss blows up (the network is then rolled back to finite weights, as fit does).
    """
    if not isinstance(net, Network):
        raise ConfigError(f"fine_tune needs an nnscratch Network to start from, not {type(net).__name__}")
    X, y = check_digits(X, y, net, "the digits to learn")
    steps = checks.whole("steps", steps, 1, MAX_STEPS)
    batch_size = checks.whole("batch_size", batch_size, 1, 4096)
    lr = checks.learning_rate(lr, 1.0)
    if not (isinstance(replay_fraction, numbers.Real) and not isinstance(replay_fraction, bool)
            and 0 <= replay_fraction < 1):
        raise ConfigError(f"replay_fraction must be a number from 0 to below 1, not {replay_fraction!r}")
    if not isinstance(augment, (bool, dict)):
        raise ConfigError(f"augment must be True, False or a dict of random_affine options, not {augment!r}")
    if isinstance(augment, dict):
        from .augment import random_affine
        random_affine(X[:1], 0, **augment)  # bad option names or values fail here, in one line
    seed = checks.seed(seed)
    X_rep, y_rep, replay_label = _replay(replay, net)

    rng = np.random.default_rng(seed)
    X_mix, y_mix = _mix(X, y, X_rep, y_rep, replay_fraction, steps * batch_size, rng)
    started_from = net.meta.get("name") or net.architecture
    start = time.perf_counter()
    history = fit(net, X_mix, y_mix, steps=steps, batch_size=batch_size, optimizer="adam", lr=lr,
                  schedule="constant", augment=augment, seed=seed, callback=callback, stop_event=stop_event,
                  pause_event=pause_event)
    net.meta["status"] = history.status
    net.meta["fine_tune"] = {  # checkpoint.ModelMeta["fine_tune"]
        "from": started_from, "n_digits": int(len(y)),
        "per_digit": np.bincount(y, minlength=net.sizes[-1]).tolist(), "replay": replay_label,
        "replay_fraction": float(replay_fraction), "steps": len(history), "batch_size": batch_size,
        "lr": float(lr), "augment": augment, "seed": int(seed),
        "seconds": round(time.perf_counter() - start, 2),
    }
    return history


def holdout_split(y, fraction: float = 0.25, min_train: int = 3, seed: int = 0):
    """Which labelled drawings to learn from and which to keep for a before/after measure.

    -> (learn, held) index arrays, sorted. Of every digit, ``fraction`` of its drawings (rounded down)
    are held out, but only as many as leave ``min_train`` to learn from: a digit with 3 drawings or
    fewer is learnt from entirely. ``held`` is empty when there are too few drawings to measure.
    """
    y = np.asarray(y)
    rng = np.random.default_rng(seed)
    held = []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        k = min(int(len(idx) * fraction), len(idx) - min_train)
        if k > 0:
            held.append(rng.permutation(idx)[:k])
    held = np.sort(np.concatenate(held)) if held else np.zeros(0, np.int64)
    return np.setdiff1d(np.arange(len(y)), held), held


def check_digits(X, y, net: Network, what: str):
    """X, y checked and converted -> (float32 (n, inputs), int64 (n,)); ConfigError naming ``what``."""
    try:
        X = np.asarray(X, dtype=np.float32)
        y_arr = np.asarray(y)
    except (TypeError, ValueError):
        raise ConfigError(f"{what}: X must be an array of numbers, shape (n, {net.sizes[0]})") from None
    if X.ndim == 1 and X.size == net.sizes[0]:
        X = X[None, :]
    if X.ndim != 2 or X.shape[1] != net.sizes[0]:
        raise ConfigError(f"{what}: X must have shape (n, {net.sizes[0]}) (one flattened 28x28 image per row), "
                          f"got {X.shape}")
    if len(X) == 0:
        raise ConfigError(f"{what}: there are none; label at least one drawing")
    if y_arr.shape != (len(X),):
        raise ConfigError(f"{what}: give one label per image: {len(X)} images, labels of shape {y_arr.shape}")
    if not np.isfinite(X).all() or X.min() < 0 or X.max() > 1:
        raise ConfigError(f"{what}: pixel values must be in [0, 1] (divide 0-255 images by 255)")
    if y_arr.dtype.kind not in "iuf" or (y_arr.dtype.kind == "f" and not np.all(np.mod(y_arr, 1) == 0)):
        raise ConfigError(f"{what}: labels must be whole numbers 0-{net.sizes[-1] - 1}")
    y_arr = y_arr.astype(np.int64)
    if y_arr.min() < 0 or y_arr.max() >= net.sizes[-1]:
        raise ConfigError(f"{what}: labels must be 0-{net.sizes[-1] - 1}, found {y_arr.min()}..{y_arr.max()}")
    return X, y_arr


def _replay(replay, net):
    """-> (X, y, label) of the digits to replay, or (None, None, "none")."""
    if replay is None or replay is False:
        return None, None, "none"
    if isinstance(replay, str):
        if replay != "sample":
            raise ConfigError(f"replay must be 'sample', None or (X, y), not {replay!r}")
        from .data import load_mnist
        X, y = load_mnist("sample").train_xy()
        return X, y, "built-in sample (4,000 MNIST training digits)"
    if not (isinstance(replay, (tuple, list)) and len(replay) == 2):
        raise ConfigError("replay must be 'sample', None or a pair (X, y) of digits to keep reading well")
    X, y = check_digits(replay[0], replay[1], net, "the replay digits")
    return X, y, f"{len(y):,} given digits"


def _mix(X, y, X_rep, y_rep, fraction, n_seen, rng):
    """One array that fit() shuffles: the drawings repeated so that about ``fraction`` of its rows
    (and so of every batch) are replay digits. Replay is subsampled to what ``n_seen`` rows can use,
    which keeps memory small when the replay is all of MNIST."""
    if X_rep is None or fraction == 0:
        return X, y
    n_rep = min(len(y_rep), max(1, math.ceil(n_seen * fraction)))
    pick = rng.choice(len(y_rep), n_rep, replace=False) if n_rep < len(y_rep) else np.arange(n_rep)
    copies = max(1, round(n_rep * (1 - fraction) / fraction / len(y)))
    return (np.concatenate([np.tile(X, (copies, 1)), X_rep[pick]]),
            np.concatenate([np.tile(y, copies), y_rep[pick]]))
