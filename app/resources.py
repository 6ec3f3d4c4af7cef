"""What the whole server shares, made once per process (``st.cache_resource``) and read-only:
the datasets as frozen float arrays, the shipped model and its predictions on each shared test set.
Thirty people on one server then hold one copy, not thirty."""

from __future__ import annotations

import logging
import threading

import streamlit as st

import nnscratch
from nnscratch import plots
from nnscratch.checkpoint import SHIPPED_MODEL_PATH
from nnscratch.data import kinds
from nnscratch.data.splits import TrainingArrays, prepare_arrays
from nnscratch.errors import ModelFileError
from nnscratch.recipe import Recipe

log = logging.getLogger("nnscratch.app")


class _DataStore:
    """One TrainingArrays per data source for the whole process; loading one source never blocks
    another (a lock per source), and two sessions asking for the same one wait for a single load."""

    def __init__(self):
        self._lock = threading.Lock()
        self._locks: dict = {}
        self._arrays: dict = {}

    def get(self, source: str, progress=None) -> TrainingArrays:
        with self._lock:
            if source in self._arrays:
                return self._arrays[source]
            lock = self._locks.setdefault(source, threading.Lock())
        with lock:
            if source not in self._arrays:
                self._arrays[source] = prepare_arrays(nnscratch.load_mnist(source, progress=progress))
            return self._arrays[source]

    def loaded(self, source: str) -> bool:
        return source in self._arrays


@st.cache_resource(show_spinner=False)
def data_store() -> _DataStore:
    return _DataStore()


@st.cache_resource(show_spinner="Loading the pretrained model…")
def shipped_model():
    """The pretrained model every session starts with (shared, never modified).

    Falls back to a small model trained once on the built-in sample when the shipped file is
    missing or unreadable, so the app always opens on something that works.
    """
    if SHIPPED_MODEL_PATH.is_file():
        try:
            net = nnscratch.Network.load(SHIPPED_MODEL_PATH)
            net.meta.setdefault("name", "pretrained MLP")
            net.meta["origin"] = f"shipped with the app ({SHIPPED_MODEL_PATH.name})"
            return net
        except ModelFileError as e:
            log.warning("shipped model unreadable, using the starter model: %s", e)
    return _starter_model()


def _starter_model():
    arrays = data_store().get(kinds.SAMPLE)
    recipe = Recipe(hidden=(64,), batch_size=64, epochs=3)
    net = recipe.network()
    nnscratch.fit(net, arrays.X_train, arrays.y_train, **recipe.fit_kwargs())
    net.meta.update(name="starter model", origin="trained at start-up on the built-in sample "
                    f"(the pretrained file models/{SHIPPED_MODEL_PATH.name} is missing)", recipe=recipe.to_dict(),
                    test_accuracy=net.accuracy(arrays.X_test, arrays.y_test), data=arrays.data_id)
    return net


@st.cache_resource(show_spinner=False, max_entries=4)
def shipped_predictions(source: str):
    """(probs, predicted digits) of the shipped model on a shared test set: computed once per process."""
    probs = shipped_model().predict_proba(data_store().get(source).X_test)
    return probs, probs.argmax(axis=1)


@st.cache_data(max_entries=64, show_spinner=False)
def confusion_png(cm) -> bytes:
    """The confusion-matrix picture (Matplotlib, ~0.3 s) made once per distinct matrix."""
    return plots.to_png(plots.confusion_figure(cm), dpi=90)
