"""Draw page in a real browser: mouse strokes on the canvas are read as digits; Clear; real pen digits.

The canvas (streamlit-drawable-canvas 0.13, a components-v2 element in the page, not an iframe) is
found by its bounding box; strokes are page.mouse down/move/up. The app answers a stroke
asynchronously (the component sends its image after mouse-up, then the script reruns), so every read
waits for the answer to appear or change.
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

import numpy as np
import pytest

from .appdriver import ALLOWED_SKIP_PREFIX, ARTIFACTS, ROOT, record
from nnscratch.drawing import pendigits
from nnscratch.drawing.preprocess import BRUSH_WIDTH, CANVAS_SIZE

SHARED = Path(os.environ.get("NNSCRATCH_SHARED") or ROOT.parent / "shared" / "data")
PEN_FILE = SHARED / "pendigits" / "pendigits-train"

PER_CLASS = 3  # 30 real pen digits from the held-out writers
SHIPPED_MODEL = ROOT / "models" / "mnist_mlp.npz"
# Floors measured with this browser test on these 30 digits (test-artifacts/pendigits-replay.json), set a
# bit below the measurement so that one unlucky digit does not fail it while a real regression (canvas size
# or brush changed, preprocessing broken, wrong model) does:
# - starter model (no models/mnist_mlp.npz: a 784-64-10 trained at start-up on the sample): 26/30 = 86.7 %
# - the shipped model (models/mnist_mlp.npz, 784-800-10): 30/30 = 100 % (offline on all 1,499 held-out: 99.8 %)
STARTER_FLOOR = 0.75
SHIPPED_FLOOR = 0.90
# With the shipped model the test also renders the same digits offline (pendigits.render + to_mnist) and
# requires the browser to give the same answer on nearly all: measured 30/30 (with both models).
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


def test_real_pen_digits_replayed_as_mouse_strokes(app):
    if not PEN_FILE.exists():
        pytest.skip(f"{ALLOWED_SKIP_PREFIX}: {PEN_FILE} is absent (a fresh clone has no ../shared)")
    samples = pen_samples()
    app.open("Draw")
    results = []
    for s in samples:
        got = app.draw(canvas_strokes(s.strokes), CANVAS_SIZE)
        results.append(dict(label=s.label, writer=s.writer, strokes=len(s.strokes), predicted=got))
        app.clear()
    acc = float(np.mean([r["predicted"] == str(r["label"]) for r in results]))
    sidebar = app.sidebar_text()
    starter = "starter model" in sidebar
    floor = STARTER_FLOOR if starter else SHIPPED_FLOOR
    agreement = None
    if not starter and SHIPPED_MODEL.exists():
        from nnscratch import Network

        X, _ = pendigits.to_dataset(samples)
        offline = Network.load(SHIPPED_MODEL).predict(X)
        agreement = float(np.mean([r["predicted"] == str(p) for r, p in zip(results, offline)]))
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "pendigits-replay.json").write_text(json.dumps(
        dict(accuracy=acc, n=len(results), floor=floor, agreement_with_offline=agreement,
             model=sidebar.split("\n")[:6], results=results), indent=1))
    record("pendigits_browser_accuracy", dict(accuracy=round(acc, 3), n=len(results), starter_model=starter,
                                              agreement_with_offline=agreement))
    wrong = [(r["label"], r["predicted"]) for r in results if r["predicted"] != str(r["label"])]
    assert acc >= floor, f"pen digits read in the browser: {acc:.0%} < {floor:.0%}; (label, read) wrong: {wrong}"
    if agreement is not None:
        assert agreement >= MIN_AGREEMENT, f"the browser and the offline renderer agree on only {agreement:.0%}"
    assert not app.exceptions()


@pytest.mark.xfail(reason="the Draw canvas is clipped below ~1500 px wide (requests.md, 05:30); XPASS when fixed",
                   strict=False)
def test_whole_canvas_is_drawable_on_a_laptop_screen(app):
    app.page.set_viewport_size({"width": 1366, "height": 768})
    app.open("Draw")
    box = app.canvas().bounding_box()
    misses = []
    for fx, fy in [(0.03, 0.03), (0.97, 0.03), (0.03, 0.97), (0.97, 0.97), (0.5, 0.5)]:
        x, y = box["x"] + fx * box["width"], box["y"] + fy * box["height"]
        on_top = app.page.evaluate(
            "([x, y]) => { let e = document.elementFromPoint(x, y);"
            " while (e && e.shadowRoot) { const i = e.shadowRoot.elementFromPoint(x, y); if (!i || i === e) break; e = i; }"
            " return e ? e.tagName + '.' + e.className : ''; }", [x, y])
        if "upper-canvas" not in on_top:
            misses.append((fx, fy, on_top[:60]))
    assert not misses, f"parts of the canvas a person cannot draw on at 1366x768: {misses}"
