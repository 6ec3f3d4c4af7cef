"""What the store writes and reads: run and drawing records, and the history downsampling.

Plain dataclasses with JSON-able fields, checked and cleaned on the way in (``RunRecord.clean``),
so every backend stores exactly the same thing and a hostile string is made harmless once, here.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from dataclasses import dataclass, field

from ..data.kinds import DATA_KINDS
from ..errors import StoreError
from ..metrics import thin
from ..worker import ERROR, FINAL_STATES
from .people import clean_nickname, clean_text, server_name

STATUSES = tuple(s for s in FINAL_STATES if s != ERROR)  # the runs the board keeps: an error leaves no model
MAX_POINTS = 500  # history points kept per run
MAX_MODEL_BYTES = 8 * 1024 * 1024  # a bigger model file is not stored (the run is, with a note)
MAX_RECIPE_CHARS = 20_000
CANVAS_PNG_MAX = 256 * 1024
# History columns kept, in this order (the training rows' keys; see nnscratch.train.History).
CURVE_KEYS = ("step", "epoch", "loss", "train_acc", "val_acc", "lr", "elapsed")
_AVERAGED = ("loss",)  # a kept point carries the mean loss since the previous kept point


def _num(x, digits=5):
    """A finite float rounded to ``digits`` significant digits, else None (JSON has no NaN)."""
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(x):
        return None
    return float(f"{x:.{digits}g}")


def _point(key, x):
    if key == "step":
        x = _num(x, 12)
        return None if x is None else int(x)
    return _num(x, 8 if key == "elapsed" else 5)


def downsample_history(rows, max_points: int = MAX_POINTS) -> dict:
    """Training rows (dicts, one per step) -> ``{key: [values]}`` of at most ``max_points`` points.

    The points are the rows :func:`nnscratch.metrics.thin` keeps (the ones the charts draw). Loss,
    noisy per batch, is the mean over the steps each point stands for. Non-finite values (a diverged
    run) become None. Already-downsampled input (a dict of lists) passes through.
    """
    if isinstance(rows, dict):  # already columns: kept as they are if small enough
        cols = {k: list(rows[k]) for k in CURVE_KEYS if k in rows}
        n = min((len(v) for v in cols.values()), default=0)
        if n <= max_points:
            return {k: [_point(k, x) for x in v[:n]] for k, v in cols.items()} if n else {}
        rows = [dict(zip(cols, vals)) for vals in zip(*cols.values())]
    rows = list(getattr(rows, "rows", rows) or [])
    n = len(rows)
    if n == 0:
        return {}
    keep = thin(rows, max_points).tolist()
    keys = [k for k in CURVE_KEYS if any(k in r for r in rows)]
    out = {k: [] for k in keys}
    prev = -1
    for i in keep:
        row = rows[i]
        for k in keys:
            if k in _AVERAGED:
                vals = [v for v in (_num(rows[j].get(k), 8) for j in range(prev + 1, i + 1)) if v is not None]
                out[k].append(_num(sum(vals) / len(vals)) if vals else None)
            else:
                out[k].append(_point(k, row.get(k)))
        prev = i
    return out


def _json(value, what: str, limit: int) -> str:
    try:
        text = json.dumps(value, allow_nan=False, separators=(",", ":"), default=str, ensure_ascii=False)
        text.encode("utf-8")  # a lone surrogate cannot be stored as text: escape everything instead
    except UnicodeEncodeError:
        text = json.dumps(value, allow_nan=False, separators=(",", ":"), default=str)
    except (TypeError, ValueError) as e:
        raise StoreError(f"the run's {what} cannot be stored: {e}") from None
    if len(text) > limit:
        raise StoreError(f"the run's {what} is {len(text):,} characters, over the {limit:,} the board keeps")
    return text


@dataclass
class RunRecord:
    """One finished run as the board keeps it. ``owner`` is the session token (stored hashed);
    ``model`` the .npz bytes (``Network.to_bytes()``); ``history`` training rows or a downsampled dict."""
    nickname: str
    recipe: dict
    data: dict  # {"kind": "sample" | "mnist" | "upload", "label": "..."}
    status: str
    history: object = ()
    train_acc: float | None = None
    val_acc: float | None = None
    test_acc: float | None = None
    duration_s: float | None = None
    samples_per_s: float | None = None
    model: bytes | None = None
    owner: str | None = None
    name: str = ""
    server: str = field(default_factory=server_name)
    created_at: float = field(default_factory=time.time)
    uid: str = field(default_factory=lambda: uuid.uuid4().hex)

    def row(self) -> tuple[dict, str, bytes | None]:
        """(runs row without owner_hash, history JSON, model bytes or None), checked and cleaned."""
        if self.status not in STATUSES:
            raise StoreError(f"run status {self.status!r} is not one of {', '.join(STATUSES)}")
        data = dict(self.data or {})
        kind = str(data.get("kind", ""))
        if kind not in DATA_KINDS:
            raise StoreError(f"run data kind {kind!r} is not one of {', '.join(DATA_KINDS)}")
        data["label"] = clean_text(data.get("label", kind), 200)
        if not isinstance(self.recipe, dict):
            raise StoreError(f"a run's recipe must be a dict (Recipe.to_dict()), not {type(self.recipe).__name__}")
        model, size, note = self.model, None, ""
        if model is not None:
            model = bytes(model)
            size = len(model)
            if size > MAX_MODEL_BYTES:
                note = (f"model not stored: its file is {size / 2**20:.1f} MB, over the board's "
                        f"{MAX_MODEL_BYTES / 2**20:.0f} MB limit")
                model = None
        accs = {k: _num(getattr(self, k), 8) for k in ("train_acc", "val_acc", "test_acc")}
        for k, v in accs.items():
            if v is not None and not 0 <= v <= 1:
                raise StoreError(f"run {k} {v} is not a fraction from 0 to 1")
        row = dict(uid=clean_text(self.uid, 32), created_at=float(self.created_at),
                   nickname=clean_nickname(self.nickname), server=clean_text(self.server, 100),
                   name=clean_text(self.name, 100), data_kind=kind, data_label=data["label"],
                   recipe=_json(self.recipe, "recipe", MAX_RECIPE_CHARS), status=self.status, **accs,
                   duration_s=_num(self.duration_s, 8), samples_per_s=_num(self.samples_per_s, 8),
                   model_size=size, has_model=model is not None, note=note)
        return row, _json(downsample_history(self.history), "history", 500_000), model


@dataclass
class DrawingRecord:
    """One labelled drawing (issue #12). ``image28``: the 784 uint8 pixels the network saw (bytes or
    an array of 784 values in [0, 255] or [0, 1]); ``canvas_png``: small grayscale PNG bytes."""
    label: int
    image28: object
    nickname: str = ""
    owner: str | None = None
    predicted: int | None = None
    probabilities: object = ()
    model_name: str = ""
    run_id: int | None = None
    canvas_png: bytes | None = None
    server: str = field(default_factory=server_name)
    created_at: float = field(default_factory=time.time)
    uid: str = field(default_factory=lambda: uuid.uuid4().hex)

    def row(self) -> dict:
        import numpy as np
        if not (isinstance(self.label, (int, np.integer)) and 0 <= int(self.label) <= 9):
            raise StoreError(f"a drawing's label must be a digit 0-9, not {self.label!r}")
        img = self.image28
        if isinstance(img, (bytes, bytearray, memoryview)):
            img = np.frombuffer(bytes(img), dtype=np.uint8)
        img = np.asarray(img).reshape(-1)
        if img.size != 784:
            raise StoreError(f"a drawing must be 28x28 = 784 pixels, not {img.size}")
        if img.dtype.kind == "f":
            img = np.clip(np.nan_to_num(img) * (255 if img.max(initial=0) <= 1 else 1), 0, 255).round()
        png = bytes(self.canvas_png) if self.canvas_png else None
        if png is not None and (len(png) > CANVAS_PNG_MAX or not png.startswith(b"\x89PNG")):
            raise StoreError(f"a drawing's canvas image must be a PNG of at most {CANVAS_PNG_MAX // 1024} kB")
        probs = [_num(p) for p in list(self.probabilities)[:10]]
        pred = None if self.predicted is None else int(self.predicted)
        return dict(uid=clean_text(self.uid, 32), created_at=float(self.created_at),
                    nickname=clean_nickname(self.nickname), server=clean_text(self.server, 100),
                    label=int(self.label), predicted=pred if pred is None or 0 <= pred <= 9 else None,
                    probabilities=json.dumps(probs), model_name=clean_text(self.model_name, 200),
                    run_id=None if self.run_id is None else int(self.run_id),
                    image28=img.astype(np.uint8).tobytes(), canvas_png=png)
