"""Model files: a network's arrays plus a JSON description of how it was made, in one .npz.

Loading never unpickles anything and checks every array's shape against the metadata before
allocating, so a hostile upload cannot run code or exhaust memory.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import time
from pathlib import Path
from typing import TypedDict

import numpy as np

from .data.kinds import MNIST, PATH, SAMPLE
from .errors import DataFormatError, ModelFileError

__all__ = ["ModelMeta", "DataId", "save", "load", "to_bytes", "SHIPPED_MODEL_PATH"]

# The model the app opens on, trained by this project's CLI; everything that means "the shipped model" reads this.
SHIPPED_MODEL_PATH = Path(__file__).resolve().parents[1] / "models" / "mnist_mlp.npz"

# The keys that rebuild the network (Network.config()); everything else in a file's meta is ModelMeta.
_NETWORK_KEYS = ("sizes", "activation", "init", "seed", "dtype")


class DataId(TypedDict, total=False):
    """Which data a model learned from: ``kind`` is one of ``data.kinds.DATA_KINDS``."""

    kind: str
    label: str  # for people: "MNIST (60,000 train / 10,000 test)", a file name...
    extra: str  # e.g. "pendigits training writers" when the CLI added them


class ModelMeta(TypedDict, total=False):
    """``Network.meta``: how a model was made. Every key is optional (older files have fewer)."""

    name: str
    origin: str  # for people: "trained in the app", "shipped with the app", "uploaded (x.npz)"
    recipe: dict  # Recipe.to_dict(): the one recipe type of the CLI, the form and the presets
    data: DataId
    status: str  # how the run ended: a worker final state (COMPLETED, STOPPED or DIVERGED)
    steps: int
    n_train: int
    val_accuracy: float | None
    test_accuracy: float | None
    train_seconds: float
    command: str  # the CLI command that made it
    fine_tune: dict  # when fine-tuned: nnscratch.finetune's settings, the digits' count, before/after
    created_at: str
    library_version: str


# This module sits below network.py (Network.save/load call it), so it never imports Network: it reads a
# network's params, meta and config(), and load() is given the class to build.
def save(net: Network, path) -> None:
    """Write one .npz: the arrays plus a JSON 'meta' entry. Atomic: temp file, then rename."""
    from . import __version__
    meta = {**net.meta, **net.config(), "library_version": __version__}
    meta.setdefault("created_at", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    arrays = dict(net.params)
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    # stored, not deflated: float weights shrink by only a few percent, and deflating them at every run's end
    # (the class board saves each run) took a core longer than the rest of the run's end together
    if hasattr(path, "write"):
        np.savez(path, **arrays)
        return
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def to_bytes(net: Network) -> bytes:
    buf = io.BytesIO()
    save(net, buf)
    return buf.getvalue()


def load(source, cls: type[Network]) -> Network:
    """Load a model saved by :func:`save` from a path, bytes or a binary file object, as a ``cls``.

    Raises ModelFileError with a one-line reason for a missing, truncated, foreign or inconsistent file.
    """
    from .data.npz_format import read_npz

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
    net.meta = _upgrade({k: v for k, v in meta.items() if k not in _NETWORK_KEYS}, net)
    return net


def _upgrade(meta: dict, net: Network) -> dict:
    """Files from nnscratch 0.1 (the shipped model among them) described their recipe under "config"
    (the app) or "preset" + "fit" (the CLI) and their data as a label only: read them as ModelMeta."""
    if "recipe" not in meta and isinstance(meta.get("config") or meta.get("fit"), dict):
        old = dict(meta.pop("config", None) or meta.pop("fit"))
        old.update(hidden=net.sizes[1:-1], activation=net.activation, init=net.init, seed=net.seed)
        old.setdefault("preset", meta.pop("preset", None))
        meta["recipe"] = {k: v for k, v in old.items() if isinstance(k, str)}
    if "data" not in meta and isinstance(meta.get("data_source"), str):
        label = meta.pop("data_source")
        kind = MNIST if label.startswith("MNIST") else SAMPLE if label.startswith("built-in") else PATH
        meta["data"] = {"kind": kind, "label": label}
    return meta
