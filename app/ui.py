"""What every page shares on screen: error display, the sidebar, the model picker, styles, formats."""

from __future__ import annotations

import contextlib
import logging
import platform

import numpy as np
import streamlit as st

from nnscratch import worker
from nnscratch.errors import DataUnavailableError, NNScratchError
from nnscratch.tools import versions

from . import board, runs
from .resources import shipped_model
from .session import active_model, data_label, model_summary, state

log = logging.getLogger("nnscratch.app")


@contextlib.contextmanager
def show_errors(what: str = ""):
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
                 f"{' '.join(str(e).split())[:300]}. Try again; if it persists, reload the page.",
                 icon=":material/warning:")


def fmt_pct(x, digits=1) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{100 * x:.{digits}f} %"


def format_duration(seconds) -> str:
    """12.3 -> '12 s', 75 -> '1 min 15 s', None -> '–'."""
    if seconds is None or not np.isfinite(seconds):
        return "–"
    s = int(round(seconds))
    if s < 60:
        return f"{s} s"
    m, s = divmod(s, 60)
    if m < 60:
        return f"{m} min {s:02d} s"
    h, m = divmod(m, 60)
    return f"{h} h {m:02d} min"


def flash(message: str, icon: str = ":material/check_circle:") -> None:
    """A message that survives one st.rerun (shown by show_flash)."""
    st.session_state["_flash"] = (message, icon)


def show_flash() -> None:
    msg = st.session_state.pop("_flash", None)
    if msg:
        st.toast(msg[0], icon=msg[1])


def model_picker(key: str = "model_choice_widget", label: str = "Model") -> None:
    """A choice between the session's own model and the shipped one (shared by the pages)."""
    s = state()
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
    s = state()
    with st.sidebar:
        _version_warning()
        board.nickname_field()
        with show_errors("loading the model"):
            net, kind, _ = active_model()
            m = model_summary(net)
            st.markdown("#### Current model")
            st.markdown(f"**{m['name']}**  \n`{m['architecture']}` · {m['activation']}  \n"
                        f"test accuracy **{fmt_pct(m['accuracy'])}**")
            st.caption(("Yours · " if kind == "yours" else "") + m["origin"])
        st.markdown("#### Data")
        st.caption(data_label(s["data_source"]))
        _run_status()
        _about()


def _about():
    """The versions this app runs, each next to the one the tests passed with (the lock's)."""
    from nnscratch import __version__

    tested, installed = versions.tested_versions(), versions.installed_versions()
    lines = []
    for name in versions.WATCHED:
        have, want = installed[name] or "not installed", tested[name]
        note = ("the tested version" if have == want else "no lock file to compare" if want is None
                else f"tested with {want} :material/warning:")
        lines.append(f"- `{name}` **{have}** ({note})")
    with st.expander("About", icon=":material/info:"):
        st.markdown(f"**nnscratch {__version__}**: a neural network written from scratch in NumPy. "
                    f"Python {platform.python_version()}.")
        st.markdown("\n".join(lines))
        st.caption("`python -m nnscratch --version` prints the same.")


def _version_warning():
    """Streamlit or the canvas component not at the tested version (the lock's): a warning atop the
    sidebar on every page, and a toast once per session. Nothing is blocked; the canvas is what
    breaks first on an untested pair, so the person knows why and what to install."""
    found = versions.mismatches(names=versions.UI_PACKAGES)
    if not found:
        return
    text = versions.warning_text(found)
    st.warning(text, icon=":material/warning:")
    if not st.session_state.get("_versions_warned"):
        st.session_state["_versions_warned"] = True
        st.toast(text, icon=":material/warning:", duration="long")


def _run_status():
    w = state()["worker"]
    if w is None:
        return
    live = not w.done

    save = state().get("board_save")
    save = save if save is not None and save.run_id == w.id else None

    @st.fragment(run_every=1.0 if live else (3.0 if save is not None and save.waiting else None))
    def status_line():
        runs.reclaim()  # ticks while a run is live, also after the browser reconnected
        snap = w.snapshot()
        if snap["status"] == worker.QUEUED:
            st.caption(f"Training: waiting for a free slot (number {snap['queue_position'] or '?'} in the queue)")
        elif not w.done:
            st.caption(f"Training {snap['status']}: step {snap['step']} / {snap['total_steps']}")
            st.progress(snap["progress"])
        elif live:  # it finished while this fragment was ticking: refresh the whole page once
            st.rerun()
        else:
            st.caption(f"Last run: {snap['status']}, step {snap['step']} / {snap['total_steps']}")
            saved = save.status() if save is not None else None
            if saved:
                {"ok": st.caption, "wait": st.warning, "error": st.error}[saved[0]](saved[1])

    st.markdown("#### Training")
    status_line()


_CSS = """
<style>
/* Projector-friendly: less empty space on top, a big prediction on the Draw page. */
[data-testid="stMainBlockContainer"] { padding-top: 2.5rem; }
.st-key-draw-result [data-testid="stMetricValue"] { font-size: 2.6rem; }
.st-key-draw-result .st-key-draw-prediction [data-testid="stMetricValue"] { font-size: 5rem; line-height: 1.05; }
.st-key-train-progress [data-testid="stMetricValue"] { font-size: 2.2rem; }
/* 28x28 digits are sent as they are and enlarged by the browser, pixel for pixel */
.st-key-draw-seen img, .st-key-digits img { image-rendering: pixelated; }
.st-key-draw-canvas { padding-top: 2.2rem; } /* room for the canvas toolbar that floats above it */
</style>
"""


def style() -> None:
    st.html(_CSS)
