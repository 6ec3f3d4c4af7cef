"""Draw page in a real browser: mouse strokes on the canvas are read as digits; Undo and Clear; real pen
digits; taps anywhere on the canvas of a phone draw and erase nothing.

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
    """At 1366x768 with a mouse: the whole canvas is on screen, and with the pointer on it nothing covers
    any corner (the component's toolbar, which rose over the top edge on hover, is hidden)."""
    app.page.set_viewport_size({"width": 1366, "height": 768})
    app.open("Draw")
    box = app.canvas().bounding_box()
    app.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    misses = []
    for fx, fy in SPOTS:
        x, y = box["x"] + fx * box["width"], box["y"] + fy * box["height"]
        app.page.mouse.move(x, y)
        hit = _reaches_canvas(app, x, y)
        if hit:
            misses.append((fx, fy, hit))
    assert not misses, f"parts of the canvas a person cannot draw on at 1366x768: {misses}"


# Spots over the whole canvas, as fractions of its side: a 5x5 grid from corner to corner (the component's
# toolbar, now hidden, covered the top strip; its reset button sat in the top-right corner).
GRID = [(fx, fy) for fy in (0.03, 0.25, 0.5, 0.75, 0.97) for fx in (0.03, 0.25, 0.5, 0.75, 0.97)]
PHONE = {"width": 390, "height": 844}


def _tap(app, x, y) -> None:
    """One finger down and up at a page point, as a phone sends it (CDP Input.dispatchTouchEvent)."""
    cdp = getattr(app, "_cdp", None) or app.page.context.new_cdp_session(app.page)
    app._cdp = cdp
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y, "id": 1}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def _wait_ink(app, pred, timeout_s=5.0) -> int:
    deadline = time.monotonic() + timeout_s
    while True:
        n = app.ink()
        if pred(n) or time.monotonic() >= deadline:
            return n
        app.page.wait_for_timeout(100)  # polling interval: the canvas renders a tap on touch-up


def test_taps_on_every_part_of_the_canvas_on_a_phone_draw_and_erase_nothing(browser, app_url):
    """On a phone (390x844, touch, no hovering pointer) every part of the canvas takes the finger: a tap
    anywhere adds a dot to the drawing and never erases it (the component's toolbar is hidden)."""
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True, device_scale_factor=2)
    context.set_default_timeout(60_000)
    try:
        app = AppDriver(context.new_page(), app_url, touch=True)
        app.open("Draw")
        app.draw(vertical_one(), CANVAS_SIZE)
        box = app.canvas().bounding_box()
        covered = []
        for fx, fy in GRID:
            x, y = box["x"] + fx * box["width"], box["y"] + fy * box["height"]
            hit = _reaches_canvas(app, x, y)
            if hit:
                covered.append((fx, fy, hit))
        assert not covered, f"parts of the canvas a finger cannot reach on a phone: {covered}"
        for fx, fy in [(fx, fy) for fx, fy in GRID if not (fx == 0.5 and 0.1 < fy < 0.9)]:  # off the 1's ink
            before = app.ink()
            _tap(app, box["x"] + fx * box["width"], box["y"] + fy * box["height"])
            after = _wait_ink(app, lambda n: n > before)
            assert after > before, f"a tap at {fx:.0%}, {fy:.0%} of the canvas left {after} inked pixels of {before}"
        app.wait_idle()
        assert app.metric_value("Prediction") is not None, "the drawing's answer is gone after the taps"
        assert not app.exceptions()
    finally:
        context.close()


def test_undo_takes_back_the_last_stroke_and_clear_empties_the_canvas(app):
    app.open("Draw")
    undo = app.button("Undo")
    assert undo.is_disabled(), "Undo is offered on an empty canvas"
    assert app.draw(vertical_one(), CANVAS_SIZE) == "1"
    one = app.ink()
    app.draw(closed_zero(), CANVAS_SIZE)
    both = app.ink()
    assert both > one
    before = app.seen_image_src()
    undo.click()
    after = _wait_ink(app, lambda n: n < both, timeout_s=30)
    # the same stroke drawn again from its saved path: the same pixels, give or take antialiasing
    assert abs(after - one) <= 0.02 * one, f"after Undo the canvas shows {after} inked pixels, the one alone had {one}"
    app.page.wait_for_function(  # the app reads the drawing again: its answer is the one's again
        "old => { const i = document.querySelector('[data-testid=\"stMain\"] [data-testid=\"stImage\"] img');"
        " return i && i.getAttribute('src') !== old; }", arg=before, timeout=60_000)
    app.wait_idle()
    assert app.metric_value("Prediction") == "1"
    undo.click()  # the last stroke gone: an empty canvas, no answer
    assert _wait_ink(app, lambda n: n == 0, timeout_s=30) == 0
    app.metric("Prediction").first.wait_for(state="detached", timeout=60_000)
    app.wait_idle()
    assert undo.is_disabled()
    assert app.draw(closed_zero(), CANVAS_SIZE) == "0"
    app.clear()  # presses Clear, waits for a fresh canvas, asserts it shows no ink
    assert app.metric_value("Prediction") is None
    assert not app.exceptions()
