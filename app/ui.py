"""What every page shares on screen: error display, the sidebar, the model picker, styles, formats."""

from __future__ import annotations

import contextlib
import logging
import platform

import numpy as np
import streamlit as st

from nnscratch.errors import DataUnavailableError, NNScratchError
from nnscratch.tools import versions

from . import board, replica, run_view, runs
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
    """0.14 -> '0.1 s', 12.3 -> '12 s', 75 -> '1 min 15 s', None -> '–' (tenths under 10 s: a run that
    computed for a fraction of a second does not read '0 s')."""
    if seconds is None or not np.isfinite(seconds):
        return "–"
    if seconds < 9.95:
        return f"{max(seconds, 0.0):.1f} s"
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


def before_page(began: float) -> None:
    """The session's bookkeeping on every run of the app, before the page (the router's one call).

    ``began`` is when this run of the script began (``timing.run_began()``): a run that began after the
    browser went away takes the session's training run back. Then the style, a finished run's model
    adopted (with a toast), a flash left by the last run, and a word when this tab landed on another
    replica. It lives here, not in session.py, because it calls runs and replica, which import session.
    """
    state()
    runs.reclaim(began)
    style()
    if runs.adopt_finished():
        st.toast("Training finished: your model is now the current model.", icon=":material/check_circle:")
    show_flash()
    replica.check_moved()  # behind deploy/cluster: say so when a tab lands on another replica


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


def sidebar(page=None) -> None:
    """Current model and data source, on every page; a live line while a run trains, and how its save to
    the class board went (not on the Train page, whose own live view shows the run and the save: one
    ticking view per person is what a room can afford, and Start there reruns only that view)."""
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
        if getattr(page, "url_path", None) != "train":
            run_view.sidebar_line()
        presenter_toggle()
        _about()


@st.cache_resource(show_spinner=False)
def _versions(lock: str):
    """The lock's versions, the installed ones, and the UI packages that differ: read once per server, not
    on every page run (a package upgraded under a running server needs a restart anyway)."""
    return (versions.tested_versions(lock), versions.installed_versions(),
            versions.mismatches(lock, names=versions.UI_PACKAGES))


def _about():
    """The versions this app runs, each next to the one the tests passed with (the lock's)."""
    from nnscratch import __version__

    tested, installed, _ = _versions(str(versions.LOCK))
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
    found = _versions(str(versions.LOCK))[2]
    if not found:
        return
    text = versions.warning_text(found)
    st.warning(text, icon=":material/warning:")
    if not st.session_state.get("_versions_warned"):
        st.session_state["_versions_warned"] = True
        st.toast(text, icon=":material/warning:", duration="long")


_CSS = """
<style>
/* Projector-friendly: less empty space on top, a big prediction on the Draw page. */
[data-testid="stMainBlockContainer"] { padding-top: 2.5rem; }
.st-key-draw-result [data-testid="stMetricValue"] { font-size: 2.6rem; }
.st-key-draw-result .st-key-draw-prediction [data-testid="stMetricValue"] { font-size: 5rem; line-height: 1.05; }
.st-key-train-progress [data-testid="stMetricValue"] { font-size: 2.2rem; }
/* 28x28 digits are sent as they are and enlarged by the browser, pixel for pixel */
.st-key-draw-seen img, .st-key-digits img { image-rendering: pixelated; }
/* Long labels wrap instead of ending in "..." or running past their column (a checkbox label's paragraph is nowrap) */
[data-testid="stWidgetLabel"] [data-testid="stMarkdownContainer"], [data-testid="stWidgetLabel"] [data-testid="stMarkdownContainer"] p {
  overflow: visible; white-space: normal; text-overflow: clip; }
/* KaTeX's display box is a pixel or two narrower than some subscripts: room instead of a scrollbar */
.katex-display { padding: 0 0.15em; }
/* Captions: Streamlit fades them to 60 % of the text colour, 3.9:1 on white (code in them 3.0:1); at 80 %
   they read 7.2:1 (code 4.9:1), above WCAG AA's 4.5:1 (tests/browser/test_browser_a11y.py) */
div[data-testid="stCaptionContainer"] { opacity: 0.8; }
/* Code: Streamlit's syntax colours read 2.3-3.8:1 on the code background; the same hues, darkened to 4.8:1 */
[data-testid="stCode"] pre .token.keyword, [data-testid="stCode"] pre .token.function { color: #1871c3; }
[data-testid="stCode"] pre .token.punctuation, [data-testid="stCode"] pre .token.comment { color: #6c707e; }
[data-testid="stCode"] pre .token.operator { color: #b4540e; }
[data-testid="stCode"] pre .token.boolean { color: #158037; }
[data-testid="stCode"] pre .token.string { color: #06812c; }
[data-testid="stCode"] pre .token.number { color: #1d7c6f; }
/* Keyboard users see where they are */
a:focus-visible, button:focus-visible, [role="radio"]:focus-visible, [role="switch"]:focus-visible, input:focus-visible {
  outline: 3px solid #1c7ed6 !important; outline-offset: 2px; }

/* Phones: the canvas, the answer, then Clear (in thumb reach), then the rest; all the Draw page's parts
   become one column (display: contents lifts them, and the layout wrapper Streamlit puts around each box,
   out of their desktop boxes so they can be ordered). */
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"] { padding-top: 3.5rem; padding-bottom: 2rem; }
  [data-testid="stMain"] h1 { font-size: 1.6rem; padding: 0.25rem 0; }
  .katex-display > .katex { font-size: 1em; }
  .st-key-draw-row { flex-direction: column; flex-wrap: nowrap; gap: 0.6rem; }
  .st-key-draw-row > div, .st-key-draw-canvas, .st-key-draw-result, .st-key-draw-top,
  .st-key-draw-canvas > div, .st-key-draw-result > div, .st-key-draw-top > div { display: contents; }
  .st-key-draw-canvasbox { order: 1; padding-top: 0; }
  .st-key-draw-answer { order: 2; flex-direction: row; align-items: baseline; gap: 1.5rem; min-height: 4.2rem; }
  .st-key-draw-actions { order: 3; }
  .st-key-draw-label { order: 4; }  /* Right / Wrong? It's a …: under Clear, in thumb reach */
  .st-key-draw-bars { order: 5; }
  .st-key-draw-seen { order: 6; }
  .st-key-draw-hint { order: 7; }
  div:has(> .st-key-draw-model) { order: 10; }
  .st-key-draw-result .st-key-draw-prediction [data-testid="stMetricValue"] { font-size: 3rem; }
  .st-key-draw-result [data-testid="stMetricValue"] { font-size: 2rem; }
  .st-key-draw-answer [data-testid="stAlert"] { padding: 0.4rem 0.6rem; }
  .st-key-draw-actions button { min-height: 3rem; min-width: 6rem; }
}
/* Short phones (360x640 and the like): the canvas is shown smaller; its 280 px bitmap and brush stay the
   same (CSS zoom), so the network gets the same drawing (bench/bench_canvas_size.py). */
@media (max-width: 640px) and (max-height: 760px) { .st-key-draw-canvasbox { zoom: 0.8572; } }
@media (max-width: 330px) { .st-key-draw-canvasbox { zoom: 0.8572; } }
/* Tables that fit any screen (charts.table_html): rows become cards on a phone, long words wrap */
.nns-table { width: 100%; border-collapse: collapse; }
.nns-table th, .nns-table td { text-align: left; padding: 0.3rem 0.6rem; border-bottom: 1px solid #e0e0e0;
  overflow-wrap: anywhere; vertical-align: top; }
.nns-table th { font-weight: 600; border-bottom: 2px solid #ccc; }
@media (max-width: 640px) {
  .nns-table thead { display: none; }
  .nns-table tr { display: block; border-bottom: 2px solid #ccc; padding: 0.4rem 0; }
  .nns-table td { display: block; border: none; padding: 0.05rem 0.3rem; }
  .nns-table td::before { content: attr(data-label) ": "; font-weight: 600; }
}
</style>
"""

# Presenter mode: everything bigger for the back row, participant-only controls folded (see folded()).
_PRESENT_CSS = """
<style>
@media (min-width: 641px) {  /* a phone that opens a ?present=1 link keeps its phone layout */
[data-testid="stMain"] { font-size: 24px; }
[data-testid="stMain"] p, [data-testid="stMain"] li, [data-testid="stMain"] label,
[data-testid="stMain"] td, [data-testid="stMain"] th, [data-testid="stMain"] [data-testid="stMarkdownContainer"],
[data-testid="stMain"] input, [data-testid="stMain"] [data-baseweb="select"] { font-size: 24px !important; }
[data-testid="stMain"] h1 { font-size: 3.6rem; }
[data-testid="stMain"] h2 { font-size: 2.6rem; }
[data-testid="stMain"] h3 { font-size: 2.1rem; }
[data-testid="stMain"] [data-testid="stMetricValue"] { font-size: 3.2rem; }
[data-testid="stMain"] [data-testid="stMetricValue"] * { font-size: inherit !important; } /* not the 24 px above */
.st-key-draw-result .st-key-draw-prediction [data-testid="stMetricValue"] { font-size: 6rem; }
[data-testid="stMain"] [data-testid="stMetricLabel"] p { font-size: 24px !important; }
[data-testid="stMain"] .katex { font-size: 1.3em; }
[data-testid="stMain"] pre, [data-testid="stMain"] code { font-size: 20px !important; }
[data-testid="stMainBlockContainer"] { padding-top: 1.5rem; padding-left: 2.5rem; padding-right: 2.5rem; }
}
</style>
"""

PRESENT_SCALE = 1.5  # charts, images and their fonts in presenter mode
PRESENT_CANVAS_ZOOM = 1.25  # the Draw canvas, shown bigger (its bitmap and brush stay the same)
_TRUE = ("1", "true", "yes", "on")


def init_presenter() -> bool:
    """Presenter mode, from ``?present=1`` on a session's first run, then from the sidebar toggle. The URL is
    rewritten on every run (st.navigation drops query parameters on a page switch) so a reload or a shared
    link keeps the mode."""
    s = st.session_state
    if "present" not in s:
        s["present"] = str(st.query_params.get("present", "")).lower() in _TRUE
    if s["present"]:
        st.query_params["present"] = "1"
    elif "present" in st.query_params:
        del st.query_params["present"]
    return s["present"]


def presenting() -> bool:
    return bool(st.session_state.get("present", False))


def scale() -> float:
    """How much bigger charts and images are drawn now: PRESENT_SCALE in presenter mode, else 1."""
    return PRESENT_SCALE if presenting() else 1.0


def canvas_zoom() -> float:
    return PRESENT_CANVAS_ZOOM if presenting() else 1.0


def folded(label: str, icon: str | None = None):
    """A box for controls only a participant needs: open normally, a closed expander in presenter mode."""
    if presenting():
        return st.expander(label, expanded=False, icon=icon)
    return st.container()


def presenter_toggle() -> None:
    """The sidebar switch for presenter mode (``?present=1`` does the same)."""
    s = state()

    def _changed():
        s["present"] = s["present_widget"]

    s["present_widget"] = presenting()
    st.toggle("Presenter mode", key="present_widget", on_change=_changed,
              help="Big text and charts for a projector, sidebar closed, participant-only controls folded. "
                   "Same as adding ?present=1 to the address.")


def style() -> None:
    present = _PRESENT_CSS + (f"<style>@media (min-width: 900px) {{ .st-key-draw-canvasbox "
                              f"{{ zoom: {PRESENT_CANVAS_ZOOM}; }} }}</style>")
    st.html(_CSS + (present if presenting() else ""))
