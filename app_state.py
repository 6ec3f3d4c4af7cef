"""Shared plumbing for the app's pages: resources, per-session state, the sidebar and error display.

What lives where (so thirty people on one server share what can be shared):
- Process-wide, read-only, created once (``st.cache_resource``): datasets as frozen float arrays,
  the shipped model, its evaluation on each shared test set.
- Per session (``st.session_state``): the session's own model, its training worker and history,
  uploaded data, the canvas. A session-scoped resource (``_SessionRuns``) has an ``on_release`` hook
  that Streamlit calls when the browser disconnects (tab closed, page reloaded, Wi-Fi lost): the
  session's runs then stop, freeing their training slots, unless the browser is back within
  server.disconnectedSessionTTL (Streamlit keeps the session that long), in which case they go on.

Only layout-free helpers live here; the numeric work is in ``nnscratch`` (worker, viz, preprocess).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
from pathlib import Path

import numpy as np
import streamlit as st

import nnscratch
from nnscratch import viz
from nnscratch import worker as W
from nnscratch.errors import DataFormatError, DataUnavailableError, ModelFileError, NNScratchError

log = logging.getLogger("nnscratch.app")

ROOT = Path(__file__).resolve().parent
SHIPPED_MODEL_PATH = ROOT / "models" / "mnist_mlp.npz"
MAX_UPLOAD_MB = 200  # our own check; .streamlit/config.toml sets server.maxUploadSize to the same

DATA_CHOICES = {
    "sample": "Built-in sample (5,000 digits, works offline)",
    "mnist": "Full MNIST (70,000 digits)",
    "upload": "A file you upload",
}


# ================================================================================== shared resources
class _DataStore:
    """One TrainingArrays per data source for the whole process; loading one source never blocks
    another (a lock per source), and two sessions asking for the same one wait for a single load."""

    def __init__(self):
        self._lock = threading.Lock()
        self._locks: dict = {}
        self._arrays: dict = {}

    def get(self, source: str, progress=None) -> W.TrainingArrays:
        with self._lock:
            if source in self._arrays:
                return self._arrays[source]
            lock = self._locks.setdefault(source, threading.Lock())
        with lock:
            if source not in self._arrays:
                ds = _load_dataset(source, progress)
                self._arrays[source] = W.prepare_arrays(ds)
            return self._arrays[source]

    def loaded(self, source: str) -> bool:
        return source in self._arrays


def _load_dataset(source, progress=None):
    return nnscratch.load_mnist(source, progress=progress)


@st.cache_resource(show_spinner=False)
def data_store() -> _DataStore:
    return _DataStore()


def get_arrays(source: str, progress=None) -> W.TrainingArrays:
    """The shared, read-only arrays for "sample" or "mnist"; or this session's upload."""
    if source == "upload":
        arrays = st.session_state.get("upload_arrays")
        if arrays is None:
            raise DataUnavailableError("no uploaded data yet: upload a file on the Train page, or choose "
                                       "the built-in sample")
        return arrays
    return data_store().get(source, progress)


def get_arrays_with_progress(source: str) -> W.TrainingArrays:
    """get_arrays, showing a progress bar while full MNIST downloads the first time."""
    if source == "upload" or data_store().loaded(source):
        return get_arrays(source)
    bar = st.progress(0.0, text="Loading the data…")

    def progress(done, total, name=""):
        if total:
            bar.progress(min(1.0, done / total), text=f"Downloading {name}: {done / 2**20:.1f} of "
                                                      f"{total / 2**20:.1f} MB")

    try:
        return get_arrays(source, progress)
    finally:
        bar.empty()


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
    arrays = data_store().get("sample")
    cfg = W.TrainConfig(hidden=(64,), optimizer="adam", lr=2e-3, batch_size=64, epochs=3, seed=0)
    net = nnscratch.Network(cfg.sizes, seed=0)
    nnscratch.fit(net, arrays.X_train, arrays.y_train, **cfg.fit_kwargs())
    net.meta.update(name="starter model", origin="trained at start-up on the built-in sample "
                    "(the pretrained file models/mnist_mlp.npz is missing)",
                    test_accuracy=net.accuracy(arrays.X_test, arrays.y_test), data_source=arrays.source)
    return net


@st.cache_resource(show_spinner=False, max_entries=4)
def _shipped_eval(source: str):
    """The shipped model's predictions on a shared test set: computed once per process."""
    a = data_store().get(source)
    probs = shipped_model().predict_proba(a.X_test)
    return probs, probs.argmax(axis=1)


# ================================================================================== per session
class _SessionRuns:
    """The training workers a session started, told when the session's browser goes away."""

    def __init__(self):
        self.workers: list = []

    def add(self, worker) -> None:
        worker.cancel_stop()
        self.workers = [w for w in self.workers if not w.done and w is not worker] + [worker]

    def release(self) -> None:
        # Streamlit calls this when the browser disconnects, and keeps the session (and its
        # session_state) for server.disconnectedSessionTTL in case it comes back: a Wi-Fi blip or
        # a reload of the same tab. The runs keep going that long, then stop and free their slots.
        grace = _reconnect_grace()
        for w in self.workers:
            w.stop_after(grace)
        self.workers = []


def _reconnect_grace() -> float:
    try:
        return max(0.0, float(st.get_option("server.disconnectedSessionTTL")))
    except Exception:  # noqa: BLE001 - an unreadable option must not keep a run alive forever
        return 0.0


@st.cache_resource(scope="session", on_release=lambda runs: runs.release(), show_spinner=False)
def session_runs() -> _SessionRuns:
    return _SessionRuns()


def reclaim_runs() -> None:
    """After a reconnect: the session's run is registered again, and its scheduled stop cancelled."""
    w = st.session_state.get("worker")
    if w is not None and not w.done and w not in session_runs().workers:
        session_runs().add(w)


def ss():
    """st.session_state with this app's defaults filled in."""
    s = st.session_state
    s.setdefault("model", None)  # this session's own Network (trained or uploaded)
    s.setdefault("model_token", 0)  # changes whenever "model" changes (for caches)
    s.setdefault("model_choice", "yours")  # "yours" or "shipped": which model the pages use
    s.setdefault("data_source", "sample")
    s.setdefault("worker", None)
    s.setdefault("adopted_run", None)
    s.setdefault("canvas_key", 0)
    s.setdefault("last_drawing", None)
    return s


def set_session_model(net, origin: str) -> None:
    s = ss()
    net.meta["origin"] = origin
    s["model"] = net
    s["model_token"] += 1
    s["model_choice"] = "yours"
    s.pop("eval_cache", None)


def active_model():
    """(net, kind, token): the model pages use now: the session's own if chosen and present."""
    s = ss()
    if s["model"] is not None and s["model_choice"] == "yours":
        return s["model"], "yours", f"yours-{s['model_token']}"
    return shipped_model(), "shipped", "shipped"


def model_summary(net) -> dict:
    m = net.meta
    acc = m.get("test_accuracy")
    return dict(name=m.get("name") or m.get("preset") or "model", architecture=net.architecture,
                accuracy=None if acc is None else float(acc), origin=m.get("origin", ""),
                data=m.get("data_source", ""), activation=net.activation)


def running_worker():
    """The session's worker if it has one that is not finished."""
    w = ss()["worker"]
    return w if w is not None and not w.done else None


def start_worker(cfg: W.TrainConfig, arrays: W.TrainingArrays, source_label: str):
    """Create the network, start the session's worker and remember it (raises NNScratchError)."""
    s = ss()
    if running_worker() is not None:
        raise W.ConfigError("a training run is already going in this session: stop it first")
    net = nnscratch.Network(cfg.sizes, activation=cfg.activation, init=cfg.init, seed=cfg.seed)
    name = f"{cfg.preset or 'custom'} {cfg.architecture}"
    net.meta.update(name=name, preset=cfg.preset)
    w = W.TrainingWorker(net, arrays, cfg, owner=_session_id(), name=name)
    w.model_token_at_start = s["model_token"]
    w.data_label = source_label
    session_runs().add(w)
    s["worker"] = w
    w.start()
    return w


def sync_worker() -> bool:
    """Adopt a finished run's model as the session model (once). True when it just happened.

    A completed or stopped run becomes the session's model unless the person loaded another model
    while it ran; a diverged run is offered, never adopted silently.
    """
    s = ss()
    w = s["worker"]
    if w is None or not w.done or s["adopted_run"] == w.id:
        return False
    if w.status in (W.COMPLETED, W.STOPPED) and w.n_rows() > 0 and \
            s["model_token"] == getattr(w, "model_token_at_start", s["model_token"]):
        set_session_model(w.net, f"trained here on {getattr(w, 'data_label', w.arrays.source)}")
        s["adopted_run"] = w.id
        return True
    s["adopted_run"] = w.id  # nothing to adopt; do not look again
    return False


def _session_id() -> str:
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        return ctx.session_id if ctx else ""
    except Exception:  # noqa: BLE001 - only used as a label
        return ""


def check_upload_size(*files) -> None:
    """Our own size limit, on top of server.maxUploadSize (which a config change could lift)."""
    total = sum(f.size for f in files)
    if total > MAX_UPLOAD_MB * 1024 * 1024:
        raise DataFormatError(f"{files[0].name}: {total / 2**20:.0f} MB is more than the {MAX_UPLOAD_MB} MB "
                              f"this app accepts; upload a smaller file")


def load_upload(files) -> W.TrainingArrays:
    """Uploaded data file(s) -> this session's arrays, through the data layer's validating parsers.

    Several files are read together (e.g. the four IDX files). Raises DataFormatError.
    """
    files = [f for f in (files if isinstance(files, (list, tuple)) else [files]) if f is not None]
    if not files:
        raise DataFormatError("no file uploaded: choose a data file first")
    check_upload_size(*files)
    ds = nnscratch.parse_uploads([(f.getvalue(), f.name) for f in files])
    return W.prepare_arrays(ds)


def flash(message: str, icon: str = ":material/check_circle:") -> None:
    """A message that survives one st.rerun (shown by show_flash)."""
    st.session_state["_flash"] = (message, icon)


def show_flash() -> None:
    msg = st.session_state.pop("_flash", None)
    if msg:
        st.toast(msg[0], icon=msg[1])


# ================================================================================== evaluation
def evaluate(net, token: str, source: str):
    """(probs, pred, arrays) of ``net`` on the test split of ``source``; cached per session."""
    arrays = get_arrays(source)
    if token == "shipped" and source != "upload":
        probs, pred = _shipped_eval(source)
        return probs, pred, arrays
    s = ss()
    key = (token, source, id(arrays))
    cache = s.get("eval_cache")
    if cache is None or cache[0] != key:
        probs = net.predict_proba(arrays.X_test)
        cache = (key, probs, probs.argmax(axis=1))
        s["eval_cache"] = cache  # one entry: memory per session stays small
    return cache[1], cache[2], arrays


@st.cache_data(max_entries=64, show_spinner=False)
def confusion_png(cm: np.ndarray) -> bytes:
    """The confusion-matrix picture (Matplotlib, ~0.3 s) made once per distinct matrix."""
    return viz.to_png(viz.confusion_figure(cm), dpi=90)


# ================================================================================== UI helpers
@contextlib.contextmanager
def guard(what: str = ""):
    """Show the project's errors as one-line messages; anything else as a short apology, never a
    traceback (which goes to the server log instead). st.rerun/st.stop pass through."""
    try:
        yield
    except DataUnavailableError as e:
        st.error(str(e), icon=":material/cloud_off:")
        st.caption("In the app: choose **Built-in sample** under *1 · Data* on the Train page, or ask whoever "
                   "runs this server to copy MNIST into its cache (`python -m nnscratch download --from DIR`).")
    except NNScratchError as e:
        st.error(str(e), icon=":material/warning:")
    except Exception as e:  # noqa: BLE001
        log.exception("unexpected error %s", what)
        st.error(f"Something went wrong{(' ' + what) if what else ''}: {type(e).__name__}: "
                 f"{' '.join(str(e).split())[:300]}. Try again; if it persists, reload the page.", icon=":material/warning:")


def fmt_pct(x, digits=1) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{100 * x:.{digits}f} %"


def model_picker(key: str = "model_choice_widget", label: str = "Model") -> None:
    """A choice between the session's own model and the shipped one (shared by the pages)."""
    s = ss()
    if s["model"] is None:
        st.caption(f"{label}: the pretrained model (train one on the Train page to compare).")
        return
    yours = model_summary(s["model"])
    shipped = model_summary(shipped_model())
    options = {"yours": f"Yours: {yours['architecture']}, {fmt_pct(yours['accuracy'])}",
               "shipped": f"Pretrained: {shipped['architecture']}, {fmt_pct(shipped['accuracy'])}"}

    def _changed():
        s["model_choice"] = s[key]

    s[key] = s["model_choice"]
    st.radio(label, list(options), format_func=options.get, key=key, horizontal=True, on_change=_changed)


def sidebar() -> None:
    """Current model and data source, on every page; a live line while a run trains."""
    s = ss()
    with st.sidebar:
        with guard("loading the model"):
            net, kind, _ = active_model()
            m = model_summary(net)
            st.markdown("#### Current model")
            st.markdown(f"**{m['name']}**  \n`{m['architecture']}` · {m['activation']}  \n"
                        f"test accuracy **{fmt_pct(m['accuracy'])}**")
            st.caption(("Yours · " if kind == "yours" else "") + m["origin"])
        st.markdown("#### Data")
        src = s["data_source"]
        label = DATA_CHOICES.get(src, src)
        if src == "upload" and s.get("upload_name"):
            label = f"Uploaded: {s['upload_name']}"
        elif data_store().loaded(src):
            label = data_store().get(src).source or label
        st.caption(label)
        _sidebar_run_status()


def _sidebar_run_status():
    w = ss()["worker"]
    if w is None:
        return
    live = not w.done

    @st.fragment(run_every=1.0 if live else None)
    def status_line():
        reclaim_runs()  # ticks while a run is live, also after the browser reconnected
        snap = w.snapshot()
        if snap["status"] == W.QUEUED:
            st.caption(f"Training: waiting for a free slot (number {snap['queue_position'] or '?'} in the queue)")
        elif not w.done:
            st.caption(f"Training {snap['status']}: step {snap['step']} / {snap['total_steps']}")
            st.progress(snap["progress"])
        elif live:  # it finished while this fragment was ticking: refresh the whole page once
            st.rerun()
        else:
            st.caption(f"Last run: {snap['status']}, step {snap['step']} / {snap['total_steps']}")

    st.markdown("#### Training")
    status_line()


_CSS = """
<style>
/* Projector-friendly: less empty space on top, a big prediction on the Draw page. */
[data-testid="stMainBlockContainer"] { padding-top: 2.5rem; }
.st-key-draw-result [data-testid="stMetricValue"] { font-size: 2.6rem; }
.st-key-draw-result .st-key-draw-prediction [data-testid="stMetricValue"] { font-size: 5rem; line-height: 1.05; }
.st-key-train-progress [data-testid="stMetricValue"] { font-size: 2.2rem; }
.st-key-draw-seen img { image-rendering: pixelated; }
.st-key-draw-canvas { padding-top: 2.2rem; } /* room for the canvas toolbar that floats above it */
</style>
"""


def style() -> None:
    st.html(_CSS)


def record_timing(name: str, seconds: float) -> None:
    """For the load benchmark: append server-side timings to $NNSCRATCH_TIMINGS (JSON lines)."""
    path = os.environ.get("NNSCRATCH_TIMINGS")
    if not path:
        return
    try:
        with open(path, "a") as f:
            f.write(json.dumps({"what": name, "seconds": seconds, "t": time.time()}) + "\n")
    except OSError:
        pass


def run_started(fragment_start: float) -> float:
    """When this run began: the whole app's run (streamlit_app.py sets ``_run_t0``; taken once), or,
    for a rerun of a fragment alone, ``fragment_start``."""
    return st.session_state.pop("_run_t0", fragment_start)
