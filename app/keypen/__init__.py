"""Draw without a pointer: a pen on a grid, moved by the keyboard, for the Draw page.

Arrow keys (and Home, Page Up, End, Page Down for the diagonals) move the pen from point to point of a
GRID x GRID grid laid over the canvas's CANVAS_SIZE square; Space puts the pen down (ink) or lifts it;
Enter sends the strokes; Backspace undoes a key, Delete clears. The pad is an ``st.components.v2``
component (``pad.html``, ``pad.css``, ``pad.js`` next to this file, inline: no build step, nothing
fetched): it keeps the drawing in the page while keys are pressed and sends it only on Enter, so a key
costs the server nothing.

What it sends is grid points, not pixels: ``render`` draws them here with the canvas's own brush
(``pendigits.paint``: BRUSH_WIDTH wide, round caps and joins, anti-aliased), so a keyboard drawing takes
the path a canvas drawing takes from its ``image_data`` on: ``preprocess.to_mnist``, then the network.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import streamlit as st

from nnscratch.drawing.pendigits import paint
from nnscratch.drawing.preprocess import BRUSH_WIDTH, CANVAS_SIZE
from nnscratch.errors import DataFormatError

from ..session import state

GRID = 11   # pen positions per side: a digit is 6-10 steps tall, so a 1 takes about 10 key presses ...
STEP = 24   # ... px apart on the canvas: a digit drawn over most of the grid is ~150-240 px tall, the size
            # the brush was chosen for (preprocess.BRUSH_WIDTH)
MARGIN = (CANVAS_SIZE - STEP * (GRID - 1)) // 2  # 20 px from the edge: the brush's half-width and a bit
START = (GRID // 2, GRID // 2)  # the pen starts in the middle (column, row)
MAX_POINTS = 1000  # pen positions a drawing may hold (a digit needs 10-60); more is refused, not drawn

_HERE = Path(__file__).parent
_pad = st.components.v2.component(
    "nnscratch.keypen",
    html=(_HERE / "pad.html").read_text(),
    css=(_HERE / "pad.css").read_text(),
    js=(_HERE / "pad.js").read_text(),
    isolate_styles=True,
)

# Page CSS: on a phone the Draw page's parts are reordered into one column (app/ui.py); the pen switch goes
# after the drawing's hint, so the canvas, the answer and Clear stay on the first screen.
CSS = "<style>@media (max-width: 640px) { .st-key-draw-pen { order: 8; padding-top: 0.5rem; } }</style>"


def switch(box, on_change) -> bool:
    """The "Draw with the keyboard" switch, in ``box``; True when the keyboard pen is on. The choice is kept in
    the session (``keyboard_pen``), so it outlives a visit to another page; ``on_change()`` runs on a switch."""
    s = state()

    def changed():
        s["keyboard_pen"] = s["keyboard_pen_widget"]
        on_change()

    box.html(CSS)
    s["keyboard_pen_widget"] = s["keyboard_pen"]
    box.toggle("Draw with the keyboard", key="keyboard_pen_widget", on_change=changed)
    return s["keyboard_pen"]


def pad(board: int):
    """The keyboard drawing pad, a fresh one for each ``board`` (the page's canvas key: Clear starts a new
    one). Returns what it last sent on Enter ({"strokes": ..., "sent": n}) or None before the first Enter."""
    data = dict(board=int(board), grid=GRID, step=STEP, margin=MARGIN, size=CANVAS_SIZE, brush=BRUSH_WIDTH,
                start=list(START), max_points=MAX_POINTS)
    result = _pad(key=f"keypen-{board}", data=data, default={"drawing": None}, on_drawing_change=lambda: None)
    return getattr(result, "drawing", None)


def strokes_of(value) -> list[list[tuple[int, int]]]:
    """What the pad sent -> strokes of (column, row) grid points; [] for nothing drawn.

    It comes from the browser, so it is checked: a list of strokes, each a non-empty list of [column, row]
    whole numbers on the grid, MAX_POINTS in all at most. Raises DataFormatError (one line) otherwise.
    """
    if value is None:
        return []
    raw = value.get("strokes") if isinstance(value, dict) else None
    if not isinstance(raw, list):
        raise DataFormatError("the keyboard drawing arrived garbled; press Delete on the pad and draw again")
    strokes, n = [], 0
    for s in raw:
        if not isinstance(s, list) or not s:
            raise DataFormatError("the keyboard drawing holds an empty or garbled stroke; press Delete and draw again")
        n += len(s)
        if n > MAX_POINTS:
            raise DataFormatError(f"the keyboard drawing has more than {MAX_POINTS} pen positions; "
                                  "press Delete on the pad and draw again")
        stroke = []
        for p in s:
            if not (isinstance(p, list) and len(p) == 2 and all(type(v) is int and 0 <= v < GRID for v in p)):
                raise DataFormatError(f"the keyboard drawing has a point off the {GRID}x{GRID} grid; "
                                      "press Delete on the pad and draw again")
            stroke.append((p[0], p[1]))
        strokes.append(stroke)
    return strokes


def to_pixels(strokes) -> list[np.ndarray]:
    """Strokes of (column, row) grid points -> strokes of (x, y) canvas pixels, each (k, 2) float."""
    return [MARGIN + STEP * np.asarray(s, np.float64).reshape(-1, 2) for s in strokes]


def render(strokes) -> np.ndarray | None:
    """Strokes of grid points -> (CANVAS_SIZE, CANVAS_SIZE, 4) uint8 RGBA, white ink on black, drawn as the
    canvas draws (what ``preprocess.to_mnist`` takes); None when there are no strokes."""
    if not strokes:
        return None
    return paint(to_pixels(strokes), size=CANVAS_SIZE, brush=BRUSH_WIDTH)

