"""Choose a cell of a confusion matrix, see exactly those examples, each with its probabilities.

One picker for the Evaluate page (the test set) and the Class page (the room's labelled drawings): the cells
come from ``metrics.cells_by_count`` and the examples of a cell from ``metrics.confusion_cell``, the same
filter whose counts are the confusion matrix's (tests/test_metrics.py).
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from nnscratch import metrics, plots

from . import session, ui

SHOWN = 40  # examples shown of one cell


def pick(y, pred, probs, *, key: str, label: str, noun: str = "digit") -> np.ndarray:
    """A select of every non-empty cell (true, predicted), the most frequent mistakes first, and "every
    mistake"; returns the chosen examples' indices into y (n,), the most confident first."""
    s = session.state()
    cm = metrics.confusion_matrix(y, pred)
    cells = metrics.cells_by_count(cm)
    options = ["mistakes"] + cells
    if s.get(key) not in options:
        s[key] = options[1] if len(options) > 1 and cells[0][0] != cells[0][1] else "mistakes"
    n_wrong = int(np.sum(np.asarray(y) != np.asarray(pred)))

    def text(c):
        if c == "mistakes":
            return f"Every mistake ({n_wrong:,})"
        n = int(cm[c])
        return f"true {c[0]} → said {c[1]}: {n:,} {noun}{'s' if n != 1 else ''}{' (right)' if c[0] == c[1] else ''}"

    cell = st.selectbox(label, options, key=key, format_func=text)
    if cell == "mistakes":
        return metrics.misclassified(y, pred, probs)
    return metrics.confusion_cell(y, pred, cell[0], cell[1], probs)


def show(images, idx, probs, name, *, labels, key: str, what: str = "test digits") -> None:
    """The examples ``idx`` (at most SHOWN): images (n, 784) or (n, 28, 28) in [0, 1]; under each, its name
    (``name(i)``, e.g. "#12") and its top three probabilities (probs (n, 10)); labels (n,) the true digits,
    for the images' text alternatives. In a container ``key``."""
    shown = idx[:SHOWN]
    with st.container(key=key):
        st.caption(f"{len(idx):,} {what} in this cell" + (f", the most confident first; showing {SHOWN}."
                                                         if len(idx) > SHOWN else ", the most confident first.")
                   + " Under each: its number, then the network's top three probabilities.")
        if not len(shown):
            st.success("No mistakes at all here.")
            return

        def top3(i):
            if np.isnan(probs[i]).any():
                return "no probabilities stored"
            order = np.argsort(-probs[i])[:3]
            return ", ".join(f"{k}: {100 * probs[i, k]:.0f} %" for k in order)

        def alt(i):
            read = "" if np.isnan(probs[i]).any() else f", read as {int(np.argmax(probs[i]))}"
            return f"{name(i)}: a {int(labels[i])}{read}"

        st.image([plots.upscale(np.asarray(images[i]).reshape(28, 28), 4) for i in shown],
                 caption=[f"{name(i)} · {top3(i)}" for i in shown], width=int(112 * ui.scale()),
                 alt=[alt(i) for i in shown])
