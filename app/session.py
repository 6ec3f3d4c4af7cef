"""One browser session's state: its own model, which model the pages use, its data and its drawing.

Everything here lives in ``st.session_state``; ``state()`` fills in the defaults, so a page can read
any key without checking first.
"""

from __future__ import annotations

import streamlit as st

from nnscratch.data import kinds
from nnscratch.data.splits import TrainingArrays
from nnscratch.errors import DataUnavailableError

from . import resources
from .page_turns import without_turn

DATA_CHOICES = {
    kinds.SAMPLE: "Built-in sample (5,000 digits, works offline)",
    kinds.MNIST: "Full MNIST (70,000 digits)",
    kinds.UPLOAD: "A file you upload",
}

_DEFAULTS = {
    "model": None,  # this session's own Network (trained, uploaded or loaded from the class board)
    "model_token": 0,  # changes whenever "model" changes (for caches)
    "model_choice": "yours",  # "yours" or "shipped": which model the pages use
    "data_source": kinds.SAMPLE,  # a key of DATA_CHOICES
    "upload_arrays": None,  # TrainingArrays of this session's uploaded data
    "upload_name": "",
    "worker": None,  # the session's latest TrainingWorker
    "canvas_key": 0,  # a new key is a new, empty canvas
    "canvas_init": None,  # the drawing the canvas starts from (Undo: all strokes but the last; app/canvas.py)
    "canvas_objects": [],  # the strokes on the canvas now, as the component last sent them
    "last_drawing": None,  # the last 28x28 drawing, for How it works
    "keyboard_pen": False,  # the Draw page draws with the keyboard pad (app/keypen), not the canvas
}


def state():
    """st.session_state with this app's defaults filled in."""
    s = st.session_state
    for key, value in _DEFAULTS.items():
        s.setdefault(key, value)
    return s


def set_model(net, origin: str) -> None:
    """Make ``net`` this session's model, the one every page uses."""
    s = state()
    net.meta["origin"] = origin
    s["model"] = net
    s["model_token"] += 1
    s["model_choice"] = "yours"
    s.pop("eval_cache", None)


def active_model():
    """(net, kind, token): the model pages use now: the session's own if chosen and present."""
    s = state()
    if s["model"] is not None and s["model_choice"] == "yours":
        return s["model"], "yours", f"yours-{s['model_token']}"
    return resources.shipped_model(), "shipped", "shipped"


def model_summary(net) -> dict:
    m = net.meta
    acc = m.get("test_accuracy")
    data = m.get("data") or {}
    return dict(name=m.get("name") or "model", architecture=net.architecture,
                accuracy=None if acc is None else float(acc), origin=m.get("origin", ""),
                data=data.get("label", ""), activation=net.activation)


def get_arrays(source: str, progress=None) -> TrainingArrays:
    """The shared, read-only arrays for "sample" or "mnist"; or this session's upload."""
    if source == kinds.UPLOAD:
        arrays = state()["upload_arrays"]
        if arrays is None:
            raise DataUnavailableError("no uploaded data yet: upload a file on the Train page, or choose "
                                       "the built-in sample")
        return arrays
    return resources.data_store().get(source, progress)


def get_arrays_with_progress(source: str) -> TrainingArrays:
    """get_arrays, showing a progress bar while full MNIST downloads the first time."""
    if source == kinds.UPLOAD or resources.data_store().loaded(source):
        return get_arrays(source)
    bar = st.progress(0.0, text="Loading the data…")

    def progress(done, total, name=""):
        if total:
            bar.progress(min(1.0, done / total), text=f"Downloading {name}: {done / 2**20:.1f} of "
                                                      f"{total / 2**20:.1f} MB")

    try:
        with without_turn():  # the room's other page runs go on meanwhile
            return get_arrays(source, progress)
    finally:
        bar.empty()


def data_label(source: str) -> str:
    """What the data behind ``source`` is, for people."""
    s = state()
    if source == kinds.UPLOAD and s["upload_name"]:
        return f"Uploaded: {s['upload_name']}"
    if source != kinds.UPLOAD and resources.data_store().loaded(source):
        return resources.data_store().get(source).source
    return DATA_CHOICES.get(source, source)


def evaluate(net, token: str, source: str):
    """(probs, pred, arrays) of ``net`` on the test split of ``source``; one cached entry per session."""
    arrays = get_arrays(source)
    if token == "shipped" and source != kinds.UPLOAD:
        probs, pred = resources.shipped_predictions(source)
        return probs, pred, arrays
    s = state()
    key = (token, source, id(arrays))
    cache = s.get("eval_cache")
    if cache is None or cache[0] != key:
        probs = net.predict_proba(arrays.X_test)
        cache = (key, probs, probs.argmax(axis=1))
        s["eval_cache"] = cache  # one entry: memory per session stays small
    return cache[1], cache[2], arrays
