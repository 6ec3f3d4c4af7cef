"""Draw page in a real browser: mouse strokes on the canvas are read as digits; Clear; real pen digits.

The canvas (streamlit-drawable-canvas 0.13, a components-v2 element in the page, not an iframe) is
found by its bounding box; strokes are page.mouse down/move/up. The app answers a stroke
asynchronously (the component sends its image after mouse-up, then the script reruns), so every read
waits for the answer to appear or change.
"""

from __future__ import annotations

import json
import math
import re
import time

import numpy as np
import pytest

from .appdriver import ARTIFACTS, AppDriver, record
from app.resources import SHIPPED_MODEL_PATH
from datafiles import PEN_FILE, needs_shared
from nnscratch.drawing import pendigits
from nnscratch.drawing.preprocess import BRUSH_WIDTH, CANVAS_SIZE

PER_CLASS = 3  # 30 real pen digits from the held-out writers
# Floor measured with this browser test on these 30 digits with the shipped model (models/mnist_mlp.npz,
# 784-800-10): 30/30 = 100 % (offline on all 1,499 held-out: 99.8 %), set a bit below so that one unlucky
# digit does not fail it while a real regression (canvas size or brush changed, preprocessing broken,
# wrong model) does. The suite runs with the shipped model: an app that fell back to its starter model
# fails here rather than being held to a lower floor.
SHIPPED_FLOOR = 0.90
# The test also renders the same digits offline (pendigits.render + to_mnist) and requires the browser
# to give the same answer on nearly all: measured 30/30.
MIN_AGREEMENT = 0.9


def vertical_one():
    x = CANVAS_SIZE * 0.5
    return [[(x, CANVAS_SIZE * 0.15), (x, CANVAS_SIZE * 0.85)]]


def closed_zero(n: int = 48):
    c, rx, ry = CANVAS_SIZE / 2, CANVAS_SIZE * 0.22, CANVAS_SIZE * 0.33
    return [[(c + rx * math.sin(2 * math.pi * k / n), c - ry * math.cos(2 * math.pi * k / n))
             for k in range(n + 1)]]


def test_drawn_one_and_zero_are_read_and_clear_empties_it(app):
    app.open("Draw")
    assert app.canvas().bounding_box() is not None, "no drawing canvas on the Draw page"
    # empty canvas: a prompt, no prediction
    assert app.metric_value("Prediction") is None
    prompt = app.page.locator('[data-testid="stMain"] [data-testid="stAlertContentInfo"]')
    assert re.search(r"[Dd]raw", prompt.first.inner_text()), "the empty canvas should ask for a drawing"

    assert app.draw(vertical_one(), CANVAS_SIZE) == "1"
    app.clear()
    assert app.metric_value("Prediction") is None
    assert re.search(r"[Dd]raw", prompt.first.inner_text())

    assert app.draw(closed_zero(), CANVAS_SIZE) == "0"
    app.clear()
    assert app.metric_value("Prediction") is None
    assert not app.exceptions()


def canvas_strokes(strokes, size=CANVAS_SIZE, brush=BRUSH_WIDTH):
    """Pen strokes -> canvas pixel coordinates, scaled and centred exactly as pendigits.render does."""
    pts = np.concatenate([np.asarray(s, np.float64).reshape(-1, 2) for s in strokes])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    span = np.maximum(hi - lo, 1e-6)
    room = size * (1 - 2 * pendigits.MARGIN) - brush
    scale = min(size * pendigits.DIGIT_HEIGHT / span[1], room / span[0], room / span[1])
    offset = size / 2 - (lo + hi) / 2 * scale
    return [[tuple(p) for p in np.asarray(s, np.float64).reshape(-1, 2) * scale + offset] for s in strokes]


def pen_samples(per_class=PER_CLASS):
    """A fixed few per class from the project's held-out writers (never seen by a pen-tuned model)."""
    _, heldout = pendigits.heldout_split(pendigits.load(PEN_FILE))
    rng = np.random.default_rng(1)
    chosen = []
    for digit in range(10):
        mine = [s for s in heldout if s.label == digit]
        chosen += [mine[i] for i in sorted(rng.choice(len(mine), per_class, replace=False))]
    return chosen


@needs_shared(PEN_FILE)
def test_real_pen_digits_replayed_as_mouse_strokes(app):
    from nnscratch import Network

    samples = pen_samples()
    app.open("Draw")
    sidebar = app.sidebar_text()
    assert "starter model" not in sidebar, f"the app runs its starter model, not {SHIPPED_MODEL_PATH}: {sidebar[:200]}"
    results = []
    for s in samples:
        got = app.draw(canvas_strokes(s.strokes), CANVAS_SIZE)
        results.append(dict(label=s.label, writer=s.writer, strokes=len(s.strokes), predicted=got))
        app.clear()
    acc = float(np.mean([r["predicted"] == str(r["label"]) for r in results]))
    X, _ = pendigits.to_dataset(samples)
    offline = Network.load(SHIPPED_MODEL_PATH).predict(X)
    agreement = float(np.mean([r["predicted"] == str(p) for r, p in zip(results, offline)]))
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "pendigits-replay.json").write_text(json.dumps(
        dict(accuracy=acc, n=len(results), floor=SHIPPED_FLOOR, agreement_with_offline=agreement,
             model=sidebar.split("\n")[:6], results=results), indent=1))
    record("pendigits_browser_accuracy", dict(accuracy=round(acc, 3), n=len(results),
                                              agreement_with_offline=agreement))
    wrong = [(r["label"], r["predicted"]) for r in results if r["predicted"] != str(r["label"])]
    assert acc >= SHIPPED_FLOOR, \
        f"pen digits read in the browser: {acc:.0%} < {SHIPPED_FLOOR:.0%}; (label, read) wrong: {wrong}"
    assert agreement >= MIN_AGREEMENT, f"the browser and the offline renderer agree on only {agreement:.0%}"
    assert not app.exceptions()


ON_TOP = ("([x, y]) => { let e = document.elementFromPoint(x, y);"
          " while (e && e.shadowRoot) { const i = e.shadowRoot.elementFromPoint(x, y); if (!i || i === e) break; e = i; }"
          " return e ? e.tagName + '.' + e.className : ''; }")  # the element a press at (x, y) reaches
SPOTS = [(0.03, 0.03), (0.97, 0.03), (0.03, 0.97), (0.97, 0.97), (0.5, 0.5)]  # corners and centre, as fractions
# The canvas component's toolbar (undo, redo, reset) floats invisibly over the canvas's top strip until a
# pointer hovers the canvas, then rises above it in 0.2 s (its CSS: 0.1 s delay + 0.1 s transition).
TOOLBAR_RISE_S = 1.0


def _reaches_canvas(app, x, y, within_s=0.0) -> str:
    """'' if a press at (x, y) reaches the drawing surface (waiting up to within_s), else what it reaches."""
    deadline = time.monotonic() + within_s
    while True:
        on_top = app.page.evaluate(ON_TOP, [x, y])
        if "upper-canvas" in on_top:
            return ""
        if time.monotonic() >= deadline:
            return on_top[:60] or "nothing (outside the window)"
        app.page.wait_for_timeout(50)  # polling interval


def test_whole_canvas_is_drawable_on_a_laptop_screen(app):
    """At 1366x768 with a mouse: the whole canvas is on screen, and once the pointer is on it (as it is
    before any press) nothing covers any corner."""
    app.page.set_viewport_size({"width": 1366, "height": 768})
    app.open("Draw")
    box = app.canvas().bounding_box()
    app.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    misses = []
    for fx, fy in SPOTS:
        x, y = box["x"] + fx * box["width"], box["y"] + fy * box["height"]
        app.page.mouse.move(x, y)
        hit = _reaches_canvas(app, x, y, within_s=TOOLBAR_RISE_S)
        if hit:
            misses.append((fx, fy, hit))
    assert not misses, f"parts of the canvas a person cannot draw on at 1366x768: {misses}"


@pytest.mark.xfail(strict=True, reason=(
    "measured: with no hovering pointer (a touch screen) the canvas component's invisible toolbar covers the top "
    "~12 % of the canvas, and a tap in its top-right corner presses 'Reset canvas & history' and erases the "
    "drawing. The toolbar lives in the component's shadow DOM (streamlit-drawable-canvas 0.13, isolate_styles), "
    "out of reach of the app's CSS; XPASS (a failure) once the component or the app fixes it"))
def test_a_tap_in_the_canvas_corner_on_a_touch_screen_draws_and_erases_nothing(browser, app_url):
    context = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True)
    try:
        app = AppDriver(context.new_page(), app_url)
        app.open("Draw")
        app.draw(vertical_one(), CANVAS_SIZE)
        before = app.ink()
        app.page.mouse.move(0, 0)  # no pointer over the canvas, as on a touch screen
        box = app.canvas().bounding_box()
        x, y = box["x"] + 0.97 * box["width"], box["y"] + 0.03 * box["height"]
        app.page.wait_for_timeout(TOOLBAR_RISE_S * 1000)  # the toolbar settles back over the canvas (CSS transition)
        app.page.touchscreen.tap(x, y)
        deadline = time.monotonic() + 5
        while app.ink() <= before and time.monotonic() < deadline:
            app.page.wait_for_timeout(100)  # polling interval: the tap's dot appears on touch-up
        assert app.ink() > before, f"a tap in the corner left {app.ink()} inked pixels of {before}"
    finally:
        context.close()
