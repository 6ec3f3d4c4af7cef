"""The Draw page's canvas: streamlit-drawable-canvas without its own toolbar, and the page's Undo and Clear.

The component's toolbar (undo, redo, reset) floats invisibly (opacity 0) over the top strip of the canvas
until a pointer hovers the canvas. A touch screen has no hover: a tap in the canvas's top-right corner
pressed "Reset canvas & history" and erased the drawing. The toolbar lives in the component's shadow root
(``isolate_styles``), out of reach of the app's CSS, and ``st_canvas`` has no option to hide it (only
``disabled=True``, which also stops drawing). So the app registers the component's definition again under
its own name, with the same JavaScript (the package's file) and the package's CSS plus one rule that hides
the toolbar; Undo and Clear are the page's own buttons instead (``undo`` and ``clear`` below).

State, in the session: ``canvas_key`` (a new key is a new, empty canvas: Clear), ``canvas_init`` (the
drawing the canvas starts from: Undo loads the drawing minus its last stroke into the same canvas) and
``canvas_objects`` (the strokes on the canvas now, as the component last sent them).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path


COMPONENT = "streamlit-drawable-canvas.streamlit_drawable_canvas"  # the package's own name (its asset_dir)
HIDE_TOOLBAR = ".dc-toolbar{display:none !important}"


def _package_css() -> str:
    spec = importlib.util.find_spec("streamlit_drawable_canvas")
    build = Path(spec.origin).parent / "frontend" / "build"
    return "\n".join(p.read_text() for p in sorted(build.glob("index-*.css")))


_CSS = None


def _ensure_no_toolbar() -> None:
    """The component's definition on this runtime carries the rule that hides its toolbar (registered again
    whenever it does not: the package registers its own at import, and each runtime has its registry)."""
    global _CSS
    from streamlit.components.v2 import component
    from streamlit.components.v2.get_bidi_component_manager import get_bidi_component_manager

    if _CSS is None:
        _CSS = _package_css() + "\n" + HIDE_TOOLBAR
    current = get_bidi_component_manager().get(COMPONENT)
    if current is None or (current.css_content or "") != _CSS:
        component(COMPONENT, js="index-*.js", css=_CSS, html='<div class="canvas-root"></div>',
                  isolate_styles=True)


def draw_canvas(s, **kwargs):
    """``st_canvas`` without its toolbar, at the session's canvas key and initial drawing; remembers the
    strokes it holds (for Undo). Returns the component's result."""
    from streamlit_drawable_canvas import st_canvas

    _ensure_no_toolbar()
    result = st_canvas(initial_drawing=s.get("canvas_init"), key=f"canvas-{s['canvas_key']}", **kwargs)
    raw = getattr(result, "json_data", None) if result is not None else None
    s["canvas_objects"] = list((raw or {}).get("objects") or [])
    return result


def clear(s) -> None:
    """A fresh, empty canvas (a new widget key) and no initial drawing."""
    s["canvas_key"] += 1
    s["canvas_init"] = None
    s["canvas_objects"] = []
    s["last_drawing"] = None


def undo(s) -> None:
    """The same canvas, loaded again with its strokes but the last. ``rev`` makes each Undo a new initial
    drawing even when it equals an earlier one (the component reloads only when the drawing it is given
    changes)."""
    objects = list(s.get("canvas_objects") or [])
    if not objects:
        return
    rev = ((s.get("canvas_init") or {}).get("nnscratchRev") or 0) + 1
    s["canvas_init"] = {"objects": objects[:-1], "nnscratchRev": rev}
    s["canvas_objects"] = objects[:-1]
