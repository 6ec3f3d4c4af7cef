"""A dataset split into train / validation / test float arrays, frozen so every session shares one copy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .kinds import PATH


@dataclass(frozen=True)
class TrainingArrays:
    """Float32 (n, 784) inputs in [0, 1] and int64 labels; all arrays read-only (shared by sessions)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    source: str = ""  # for people: "MNIST (60,000 train / 10,000 test)", a file name
    kind: str = PATH  # one of kinds.DATA_KINDS

    @property
    def n_train(self) -> int:
        return len(self.y_train)

    @property
    def data_id(self) -> dict:
        """What a model's metadata records about its data (checkpoint.DataId)."""
        return {"kind": self.kind, "label": self.source}


def prepare_arrays(ds, val_fraction: float = 0.1, max_val: int = 5000, seed: int = 0,
                   kind: str | None = None) -> TrainingArrays:
    """Split ds's training set into train + validation (fixed seed) and freeze every array.

    ``ds`` is what ``nnscratch.load_mnist`` returns; ``kind`` defaults to the source it was loaded
    from when that was "sample" or "mnist", else "path". Validation takes ``val_fraction`` of the training
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
    if kind is None:
        kind = getattr(ds, "kind", PATH)
    return TrainingArrays(*arrays, source=getattr(ds, "source", ""), kind=kind)
