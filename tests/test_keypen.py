"""The Draw page's keyboard pen (app/keypen): what it sends is checked, drawn with the canvas's brush, and
read like a canvas drawing; the page shows the answer and says it in its live region.

The pad itself runs in the browser (tests/browser/test_browser_keys.py presses its keys); here the page
is run headless (AppTest) with the pad replaced by what it sends on Enter.
"""

from __future__ import annotations

import numpy as np
import pytest

from app import keypen
from helpers import app_test
from nnscratch import Network
from nnscratch.checkpoint import SHIPPED_MODEL_PATH
from nnscratch.drawing import pendigits
from nnscratch.drawing.preprocess import BRUSH_WIDTH, CANVAS_SIZE, to_mnist
from nnscratch.errors import DataFormatError

ONE = [[(5, r) for r in range(1, 10)]]
# a bar along the top, a diagonal down to the left, then straight down
SEVEN = [[(c, 1) for c in range(2, 9)] + [(8 - k, 1 + k) for k in range(1, 5)] + [(4, r) for r in range(6, 10)]]


def sent(strokes, n=1):
    """What the pad sends on Enter for these strokes (JSON: lists, not tuples)."""
    return {"strokes": [[list(p) for p in s] for s in strokes], "sent": n}


def test_the_grid_is_centred_on_the_canvas_and_leaves_room_for_the_brush():
    lo, hi = keypen.MARGIN, keypen.MARGIN + keypen.STEP * (keypen.GRID - 1)
    assert lo == CANVAS_SIZE - hi, "the grid is off centre"
    assert lo >= BRUSH_WIDTH / 2, "ink at the grid's edge would be cut off by the canvas's edge"
    assert keypen.to_pixels([[keypen.START]])[0].tolist() == [[CANVAS_SIZE / 2, CANVAS_SIZE / 2]]


def test_render_is_the_canvas_brush_at_the_grid_points():
    img = keypen.render(SEVEN)
    assert img.shape == (CANVAS_SIZE, CANVAS_SIZE, 4) and img.dtype == np.uint8
    same = pendigits.paint([np.array([[keypen.MARGIN + keypen.STEP * c, keypen.MARGIN + keypen.STEP * r]
                                      for c, r in s], float) for s in SEVEN])
    assert np.array_equal(img, same)
    ink = np.argwhere(img[:, :, 0] > 127)
    (y0, x0), (y1, x1) = ink.min(0), ink.max(0)
    r = BRUSH_WIDTH / 2  # the ink reaches half a brush beyond the outermost grid points
    assert abs(x0 - (keypen.MARGIN + 2 * keypen.STEP - r)) <= 1 and abs(y1 - (keypen.MARGIN + 9 * keypen.STEP + r)) <= 1
    assert keypen.render([]) is None


@pytest.mark.parametrize("strokes, digit", [(ONE, 1), (SEVEN, 7)])
def test_keyboard_digits_read_right_with_the_shipped_model(strokes, digit):
    net = Network.load(SHIPPED_MODEL_PATH)
    probs = net.predict_proba(to_mnist(keypen.render(strokes)).reshape(1, 784))[0]
    assert int(np.argmax(probs)) == digit and probs[digit] > 0.9, probs.round(3)


def test_a_single_key_press_of_ink_is_a_dot_the_size_of_the_brush():
    img = keypen.render([[keypen.START]])
    ink = img[:, :, 0] > 127
    assert abs(ink.sum() - np.pi * (BRUSH_WIDTH / 2) ** 2) < 0.1 * np.pi * (BRUSH_WIDTH / 2) ** 2


def test_what_the_pad_sends_is_read_back_as_grid_points():
    assert keypen.strokes_of(sent(SEVEN)) == SEVEN
    assert keypen.strokes_of(None) == []
    assert keypen.strokes_of(sent([])) == []


@pytest.mark.parametrize("bad", [
    "strokes", {"strokes": "1,2"}, {"strokes": [[]]}, {"strokes": [[[1, 2, 3]]]}, {"strokes": [[[1.5, 2]]]},
    {"strokes": [[[True, 2]]]}, {"strokes": [[[-1, 2]]]}, {"strokes": [[[keypen.GRID, 0]]]}, {"strokes": [[["1", 2]]]},
    {"strokes": [[[0, 0]] * (keypen.MAX_POINTS + 1)]}, {"strokes": [[[0, 0]]] * (keypen.MAX_POINTS + 1)},
    {"nothing": []},
])
def test_garbled_or_oversized_drawings_are_refused_in_one_line(bad):
    with pytest.raises(DataFormatError) as e:
        keypen.strokes_of(bad)
    msg = str(e.value)
    assert "\n" not in msg and "draw again" in msg


# ------------------------------------------------------------------------------------------- the page
@pytest.fixture
def keyboard_page(monkeypatch):
    """The Draw page in AppTest with the keyboard pen on; ``send(value)`` makes the pad's next answer
    ``value`` (what the browser's pad would send on Enter) and runs the page."""
    at = app_test("app/pages/draw.py")
    at.toggle(key="keyboard_pen_widget").set_value(True).run()
    box = {"value": None}
    monkeypatch.setattr(keypen, "pad", lambda board: box["value"])

    def send(value):
        box["value"] = value
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at
    at.send = send
    return at


def test_the_keyboard_pen_asks_for_keys_and_hides_undo(keyboard_page):
    at = keyboard_page.send(None)
    assert any("arrow keys" in i.value and "Enter" in i.value for i in at.info)
    assert not [b for b in at.button if "Undo" in str(b.label)], "Undo is the pad's Backspace"
    assert [b for b in at.button if "Clear" in str(b.label)]


def test_a_keyboard_drawing_takes_the_canvas_path_to_the_answer(keyboard_page):
    at = keyboard_page.send(sent(SEVEN))
    img28 = to_mnist(keypen.render(SEVEN))
    net = Network.load(SHIPPED_MODEL_PATH)
    probs = net.predict_proba(img28.reshape(1, 784))[0]
    shown = {m.label: m.value for m in at.metric}
    assert shown["Prediction"] == "7" and shown["Confidence"] == f"{100 * probs[7]:.1f} %"
    assert np.array_equal(at.session_state["last_drawing"], img28)  # what How it works and the labels use
    assert [b for b in at.button if str(b.label) == "Right, it's a 7"]


def test_a_garbled_keyboard_drawing_is_one_line_that_says_what_to_do(keyboard_page):
    at = keyboard_page.send({"strokes": [[[99, 0]]]})
    assert [e.value for e in at.error] == [
        f"the keyboard drawing has a point off the {keypen.GRID}x{keypen.GRID} grid; press Delete on the pad "
        "and draw again"]
    assert not [m for m in at.metric if m.label == "Prediction"]
