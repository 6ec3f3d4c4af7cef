"""Runs for the store tests and benchmark: real model files, training-like histories."""

from __future__ import annotations

import numpy as np

from nnscratch import Network
from nnscratch.store import RunRecord

RECIPE = {"preset": "quick", "hidden": [16], "activation": "relu", "optimizer": "adam", "lr": 0.001,
          "batch_size": 128, "epochs": 3, "augment": False}
SAMPLE = {"kind": "sample", "label": "built-in sample"}
MNIST = {"kind": "mnist", "label": "MNIST"}
_MODEL = {}


def model_bytes(hidden: int = 16, seed: int = 0) -> bytes:
    """A real nnscratch model file (784-hidden-10), cached per shape and seed."""
    key = (hidden, seed)
    if key not in _MODEL:
        _MODEL[key] = Network([784, hidden, 10], seed=seed).to_bytes()
    return _MODEL[key]


def history_rows(steps: int = 300, epochs: int = 3, seed: int = 0) -> list[dict]:
    """Rows shaped like nnscratch.train's: a falling loss, a validation point at each epoch's end."""
    rng = np.random.default_rng(seed)
    per = max(steps // epochs, 1)
    rows = []
    for s in range(1, steps + 1):
        p = s / steps
        rows.append(dict(step=s, epoch=s / per, samples=s * 128, loss=float(2.3 * (1 - 0.8 * p) + rng.normal(0, 0.1)),
                         train_acc=float(0.1 + 0.8 * p), val_acc=float(0.1 + 0.85 * p) if s % per == 0 else None,
                         lr=0.001, elapsed=s * 0.01, samples_per_s=12800.0))
    return rows


def make_run(nickname="ada", owner="token-a", test_acc=0.9, data=SAMPLE, status="completed", model=True,
             **kw) -> RunRecord:
    return RunRecord(nickname=nickname, owner=owner, recipe=kw.pop("recipe", RECIPE), data=data, status=status,
                     history=kw.pop("history", history_rows(60)), train_acc=kw.pop("train_acc", 0.95),
                     val_acc=kw.pop("val_acc", 0.91), test_acc=test_acc, duration_s=kw.pop("duration_s", 12.5),
                     samples_per_s=kw.pop("samples_per_s", 25_000.0),
                     model=model_bytes() if model is True else (model or None), **kw)
