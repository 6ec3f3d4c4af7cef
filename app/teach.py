"""Teach it my handwriting: label a drawing ("Right" / "Wrong? It's a …"), keep it in the class store,
and fine-tune the current model on labelled drawings in the background worker.

A drawing is stored only when its author labels it. One drawing is stored once however often it is
tapped (its id comes from the session, the canvas and the pixels; the store keeps one row per id),
an empty canvas shows no buttons, and a session labels at most LABEL_RATE drawings a second.
"""

from __future__ import annotations

import hashlib
import io
import threading
import time

import numpy as np
import streamlit as st

from nnscratch import worker
from nnscratch.data import kinds
from nnscratch.data.splits import TrainingArrays
from nnscratch.drawing.preprocess import _to_gray
from nnscratch.errors import ConfigError, StoreError
from nnscratch.finetune import DEFAULTS, fine_tune_in_place, holdout_split
from nnscratch.recipe import Recipe
from nnscratch.store import DrawingRecord

from . import board, resources, runs

__all__ = ["DEFAULTS", "LabelRate", "label_buttons", "start_teaching", "teach_result", "as_xy"]
from .session import state

LABEL_RATE = 2.0   # labels per second a session may store, on average ...
LABEL_BURST = 3    # ... with up to this many in a quick row (a correction right after a "Right")
CANVAS_PNG_SIDE = 140  # the canvas kept at half size: small, and enough to preprocess it again later
CSS = """<style>
.st-key-draw-label button { min-height: 3rem; min-width: 3rem; font-size: 1.25rem; }
.st-key-draw-label .st-key-label-right button { min-width: 7rem; }
</style>"""


class LabelRate:
    """A token bucket: ``allow()`` is True at most ``burst`` times at once and ``rate`` times a second
    on average. Thread-safe (a session's reruns may overlap)."""

    def __init__(self, rate: float = LABEL_RATE, burst: int = LABEL_BURST, clock=time.monotonic):
        self.rate, self.burst, self.clock = rate, burst, clock
        self.tokens, self.last = float(burst), clock()
        self.lock = threading.Lock()

    def allow(self) -> bool:
        with self.lock:
            now = self.clock()
            self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
            self.last = now
            if self.tokens >= 1:
                self.tokens -= 1
                return True
            return False


def drawing_uid(img28: np.ndarray, canvas_key: int) -> str:
    """The store id of this drawing in this session: the same drawing tapped twice is one row."""
    h = hashlib.sha256(board.me().token.encode())
    h.update(str(canvas_key).encode())
    h.update(np.ascontiguousarray(img28, np.float32).tobytes())
    return h.hexdigest()[:32]


def canvas_png(rgba) -> bytes | None:
    """The canvas's RGBA image -> a small 8-bit grayscale PNG (ink bright on black, as drawn)."""
    if rgba is None:
        return None
    from PIL import Image
    gray = np.clip(np.round(_to_gray(np.asarray(rgba)) * 255), 0, 255).astype(np.uint8)
    img = Image.fromarray(gray, mode="L").resize((CANVAS_PNG_SIDE, CANVAS_PNG_SIDE), Image.Resampling.BOX)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


# ------------------------------------------------------------------------------------------- labelling
def label_buttons(img28, rgba, probs, net) -> None:
    """Under the answer: "Right", and "Wrong? It's a …" 0-9, in the container ``draw-label``."""
    s = state()
    if img28 is None:
        return  # an empty canvas cannot be labelled: no buttons at all
    uid = drawing_uid(img28, s["canvas_key"])
    read = int(np.argmax(probs))
    box = st.container(key="draw-label")
    box.html(CSS)
    done = s.get("label_saved")
    if done and done["uid"] == uid:
        verdict = "right" if done["label"] == read else f"a {done['label']} (it read {read})"
        box.success(f"Saved to your drawings as {verdict}. Draw another, or teach it on **My drawings**.",
                    icon=":material/check_circle:")
        box.button("Undo", key="label-undo", on_click=_undo, args=(done["id"],))
        return
    note = s.pop("label_note", None)
    if note:
        box.warning(note, icon=":material/speed:")
    args = (img28, rgba, probs, net, uid)
    box.button(f"Right, it's a {read}", key="label-right", type="primary", icon=":material/check:",
               on_click=_save, args=(read, *args))
    box.caption("Wrong? It's a …")
    digits = box.container(horizontal=True, gap="small", key="label-digits")
    for d in range(10):
        digits.button(str(d), key=f"label-{d}", on_click=_save, args=(d, *args), disabled=d == read)


def _rate() -> LabelRate:
    s = state()
    if "label_rate" not in s:
        s["label_rate"] = LabelRate()
    return s["label_rate"]


def _save(label, img28, rgba, probs, net, uid) -> None:
    """Button callback: store the drawing with its label, once; explain anything that stops it."""
    s = state()
    if img28 is None or not np.any(img28 > 0):
        s["label_note"] = "There is nothing to label: draw a digit first."
        return
    if not _rate().allow():
        s["label_note"] = (f"Slow down: at most {LABEL_RATE:g} labels a second. This one was not saved; "
                           "tap again.")
        return
    me = board.me()
    rec = DrawingRecord(label=int(label), image28=np.round(np.asarray(img28) * 255).astype(np.uint8),
                        nickname=me.nickname, owner=me.token, predicted=int(np.argmax(probs)),
                        probabilities=[float(p) for p in probs], model_name=_model_name(net),
                        run_id=net.meta.get("board_run"), canvas_png=canvas_png(rgba), uid=uid)
    try:
        drawing_id = board.call(board.store().save_drawing, rec)
    except StoreError as e:
        s["label_note"] = f"Not saved: {e}"
        return
    s["label_saved"] = {"uid": uid, "id": drawing_id, "label": int(label)}


def _undo(drawing_id) -> None:
    s = state()
    try:
        board.call(board.store().delete_drawing, drawing_id, board.me().token)
    except StoreError as e:
        s["label_note"] = f"Not undone: {e}"
        return
    s.pop("label_saved", None)


def _model_name(net) -> str:
    name = net.meta.get("name") or net.architecture
    return name if net is not resources.shipped_model() else f"pretrained: {name}"


# ------------------------------------------------------------------------------------------- teaching
def as_xy(rows):
    """Store rows (with images) -> (X float32 (n, 784) in [0, 1], y int64 (n,))."""
    if not rows:
        return np.zeros((0, 784), np.float32), np.zeros(0, np.int64)
    X = np.stack([r["image28"].reshape(784) for r in rows]).astype(np.float32) / 255
    return X, np.array([r["label"] for r in rows], np.int64)


def check_source() -> str:
    """The MNIST test set before/after is measured on: full MNIST when this server has it loaded."""
    return kinds.MNIST if resources.data_store().loaded(kinds.MNIST) else kinds.SAMPLE


def start_teaching(rows, base_net, whose: str):
    """Fine-tune a copy of ``base_net`` on the labelled drawings ``rows`` in the session's background
    worker (it waits for a training slot like any run). A quarter of each digit's drawings beyond 3 is
    held out for the before/after measure. Raises ConfigError when it cannot start."""
    X, y = as_xy(rows)
    if len(y) == 0:
        raise ConfigError("there are no labelled drawings yet: label some on the Draw page first")
    learn, held = holdout_split(y)
    check = resources.data_store().get(check_source())
    empty = np.zeros((0, 784), np.float32)
    arrays = TrainingArrays(X[learn], y[learn], empty, np.zeros(0, np.int64), check.X_test, check.y_test,
                            source=f"{check.source} + labelled drawings", kind=check.kind)
    net = base_net.copy()
    net.meta.pop("board_run", None)  # it is a new model, not that run's any more
    base_name = base_net.meta.get("name") or base_net.architecture
    net.meta["name"] = f"{base_name} + {whose} handwriting"[:100]
    recipe = Recipe(hidden=tuple(net.sizes[1:-1]), activation=net.activation, init=net.init, optimizer="adam",
                    lr=DEFAULTS["lr"], schedule="constant", batch_size=DEFAULTS["batch_size"], epochs=1,
                    steps=DEFAULTS["steps"], augment=bool(DEFAULTS["augment"]), seed=0, preset=None)
    held_xy = (X[held], y[held])

    def fit_fn(net, X, y, *, callback=None, stop_event=None, pause_event=None, **recipe_kwargs):
        before = {"held": net.accuracy(*held_xy) if len(held) else None,
                  "check": net.accuracy(check.X_test, check.y_test)}
        history = fine_tune_in_place(net, X, y, steps=recipe_kwargs["steps"], lr=recipe_kwargs["lr"],
                                     batch_size=recipe_kwargs["batch_size"], augment=recipe_kwargs["augment"],
                                     seed=recipe_kwargs["seed"], callback=callback, stop_event=stop_event,
                                     pause_event=pause_event)
        net.meta["fine_tune"].update(
            whose=whose, n_heldout=int(len(held)), heldout_before=before["held"],
            heldout_after=net.accuracy(*held_xy) if len(held) else None,
            check=check.source, check_n=int(len(check.y_test)), check_before=before["check"])
        return history

    w = worker.TrainingWorker(net, arrays, recipe, fit_fn=fit_fn, owner=runs._session_id(),
                              name=net.meta["name"], data_label=f"{len(y)} drawings ({whose})")
    runs.start_worker(w)
    state()["teaching"] = {"run": w.id, "whose": whose}  # which of the session's runs teaches, and whose drawings
    return w


def finished_teaching(whose: str | None = None):
    """The session's run if it taught the model drawings (``whose``, if given) and has ended; else None."""
    s = state()
    w, t = s["worker"], s.get("teaching")
    if w is None or not w.done or t is None or t["run"] != w.id or (whose is not None and t["whose"] != whose):
        return None
    return w


def teach_result(w) -> None:
    """Before and after, once a teaching run has ended (on the page that started it)."""
    ft = w.net.meta.get("fine_tune") or {}
    if w.status not in (worker.COMPLETED, worker.STOPPED) or "check_before" not in ft:
        if w.error:
            st.error(f"Teaching did not finish: {w.error}", icon=":material/warning:")
        return
    from .ui import fmt_pct
    lines = ["| | before | after |", "|---|---:|---:|"]
    if ft.get("n_heldout"):
        lines.append(f"| {ft['n_heldout']} of the drawings it did **not** learn from | "
                     f"{fmt_pct(ft['heldout_before'])} | {fmt_pct(ft['heldout_after'])} |")
    lines.append(f"| {ft['check_n']:,} MNIST test digits ({board.md(ft['check'])}) | "
                 f"{fmt_pct(ft['check_before'], 2)} | {fmt_pct(w.test_accuracy, 2)} |")
    st.markdown("\n".join(lines))
    if ft["check_before"] - (w.test_accuracy or 0) > 0.01:
        st.warning("It now reads MNIST digits clearly worse. Do some drawings say something MNIST does not "
                   "(a plain stroke labelled 7, where MNIST calls it a 1)? Look through the drawings it "
                   "learnt from.", icon=":material/balance:")
    if not ft.get("n_heldout"):
        st.caption("Too few drawings to measure it on ones it did not learn from: with 4 or more of a digit, "
                   "a quarter of those beyond 3 is kept aside to test it. It learnt from all of them.")
    st.caption(f"Learnt from {ft['n_digits']} drawings in {ft['steps']} steps ({ft['seconds']:.1f} s), "
               f"mixed with MNIST digits so it keeps reading those. It is now your current model, and a run "
               f"on the Class page.")
