"""No one left out on the Draw page, in a real browser: a 1 and a 7 drawn with the keyboard alone (no mouse:
focus reached by Tab, keys pressed on the pad), and the answer announced to screen readers in a live region
after a canvas stroke and after a keyboard drawing. The pad fits a phone, a laptop and a projector.

The expected answers are the engine's own: ``Network.predict_proba`` on ``to_mnist(keypen.render(strokes))``
for the strokes the key presses draw (app/keypen: the pad's points drawn with the canvas's brush).
"""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image

from .appdriver import ANSWER_TIMEOUT, ARTIFACTS, AppDriver
from .test_browser_draw import closed_zero, vertical_one
from .test_browser_screens import SCREENS, overflowing
from app import keypen
from app.resources import SHIPPED_MODEL_PATH
from nnscratch import Network
from nnscratch.drawing.preprocess import CANVAS_SIZE, to_mnist

# Strokes of (column, row) points on the pad's grid, each point one key from the last.
ONE = [[(5, r) for r in range(1, 10)]]
SEVEN = [[(c, 1) for c in range(2, 9)] + [(8 - k, 1 + k) for k in range(1, 5)] + [(4, r) for r in range(6, 10)]]
KEYS = {(-1, 0): "ArrowLeft", (1, 0): "ArrowRight", (0, -1): "ArrowUp", (0, 1): "ArrowDown",
        (-1, -1): "Home", (1, -1): "PageUp", (-1, 1): "End", (1, 1): "PageDown"}

LIVE = '[data-testid="stMain"] .nns-live[role="status"][aria-live="polite"]'
# The focused element, looking into shadow roots (the pad lives in one).
DEEP_FOCUS = """() => { let e = document.activeElement;
  while (e && e.shadowRoot && e.shadowRoot.activeElement) e = e.shadowRoot.activeElement;
  if (!e) return {};
  const label = e.getAttribute('aria-label') || (e.labels && e.labels[0] && e.labels[0].innerText) || '';
  return {cls: String(e.className), role: e.getAttribute('role') || e.type || e.tagName.toLowerCase(),
          name: (label || e.innerText || '').trim().replace(/\\s+/g, ' ').slice(0, 60)}; }"""


def keys_for(strokes, pen):
    """The key presses that draw ``strokes`` with the pen starting at ``pen`` (lifted) -> (keys, last pen)."""
    keys = []

    def go(to):
        nonlocal pen
        while pen != to:
            d = (int(np.sign(to[0] - pen[0])), int(np.sign(to[1] - pen[1])))
            keys.append(KEYS[d])
            pen = (pen[0] + d[0], pen[1] + d[1])

    for s in strokes:
        go(s[0])
        keys.append("Space")  # pen down: ink
        for p in s[1:]:
            assert max(abs(p[0] - pen[0]), abs(p[1] - pen[1])) == 1, "one key per point"
            go(p)
        keys.append("Space")  # pen up
    return keys, pen


def focus(page) -> dict:
    return page.evaluate(DEEP_FOCUS)


def tab_to(page, pred, what: str, limit: int = 80, key: str = "Tab") -> dict:
    """Press Tab (or ``key``) until ``pred(focused)``; fails naming where focus went."""
    seen = []
    for _ in range(limit):
        page.keyboard.press(key)
        f = focus(page)
        if pred(f):
            return f
        seen.append(f.get("name") or f.get("cls"))
    pytest.fail(f"{limit} Tabs never reached {what}; focus went through {seen[:40]}")


def expected(strokes):
    """(digit, probabilities, 28x28 image) the engine gives for the pad's strokes."""
    img28 = to_mnist(keypen.render(strokes))
    probs = Network.load(SHIPPED_MODEL_PATH).predict_proba(img28.reshape(1, 784))[0]
    return int(np.argmax(probs)), probs, img28


def answer_after(app: AppDriver, press) -> None:
    """Do ``press`` (which asks for an answer), then wait until the answer shown is a new one."""
    before = app.seen_image_src()
    press()
    app.page.wait_for_function(
        "old => { const i = document.querySelector('[data-testid=\"stMain\"] [data-testid=\"stImage\"] img');"
        " return i && i.getAttribute('src') !== old; }", arg=before, timeout=ANSWER_TIMEOUT)
    app.wait_idle()
    app.metric("Prediction").first.wait_for(timeout=ANSWER_TIMEOUT)


def shown(app: AppDriver) -> dict:
    """The answer as the page shows it: prediction, confidence, the ten bars' percentages, the live region."""
    bars = app.page.locator('[data-testid="stMain"] .st-key-draw-bars [role="img"]').first.inner_text()
    return dict(prediction=app.metric_value("Prediction"), confidence=app.metric_value("Confidence"),
                bars=re.findall(r"(\d+)%", bars), said=app.page.locator(LIVE).first.text_content())


def seen_pixels(app: AppDriver) -> np.ndarray:
    """The 'What the network sees' image as the browser got it (28x28 uint8)."""
    src = app.seen_image_src()
    data = app.page.request.get(src if src.startswith("http") else app.base + src).body()
    return np.asarray(Image.open(io.BytesIO(data)).convert("L"), np.int16)


def check_answer(app: AppDriver, strokes) -> str:
    """The page's answer equals the engine's on the same image: digit, confidence, each bar, the seen image,
    and the live region says it."""
    digit, probs, img28 = expected(strokes)
    got = shown(app)
    confidence = f"{100 * probs[digit]:.1f} %"
    assert got["prediction"] == str(digit), got
    assert got["confidence"] == confidence, (got, probs.round(4))
    assert got["bars"] == [f"{100 * p:.0f}" for p in probs], (got, probs.round(4))
    assert got["said"] == f"It reads {digit}, {confidence}", got
    diff = np.abs(seen_pixels(app) - np.round(img28 * 255).astype(np.int16))
    assert diff.max() <= 8, f"the image shown differs from to_mnist's by up to {diff.max()} levels"  # JPEG, q=100
    return got["prediction"]


def test_a_1_and_a_7_drawn_with_the_keyboard_only(app):
    page = app.page
    page.set_viewport_size({"width": 1366, "height": 768})
    app.open("Draw")
    page.locator("body").focus()
    # Tab to the switch, Space turns the keyboard pen on; Tab goes on to the pad (no mouse anywhere)
    tab_to(page, lambda f: f.get("role") == "switch" and "keyboard" in f.get("name", ""), "the keyboard switch")
    page.keyboard.press("Space")
    page.locator(".kp-pad").wait_for(timeout=ANSWER_TIMEOUT)
    app.wait_idle()
    pad = tab_to(page, lambda f: "kp-pad" in f.get("cls", ""), "the drawing pad", limit=5)
    assert pad["role"] == "application" and pad["name"] == f"Keyboard drawing pad, {keypen.GRID} by {keypen.GRID} points"
    ring = page.locator(".kp-pad").evaluate("e => { const s = getComputedStyle(e); return [s.outlineStyle, s.outlineWidth]; }")
    assert ring[0] == "solid" and float(ring[1].rstrip("px")) >= 2, f"no visible focus ring on the pad: {ring}"
    help_text = page.locator(".kp-pad").evaluate(
        "e => e.getAttribute('aria-describedby').split(' ').map(i => e.getRootNode().getElementById(i).textContent).join(' ')")
    for key in ("Space", "Enter", "Backspace", "Delete"):
        assert key in help_text, f"the pad's description (for screen readers) does not mention {key}: {help_text}"
    assert app.metric_value("Prediction") is None and page.locator(LIVE).first.text_content() == ""

    keys, _ = keys_for(ONE, keypen.START)
    for k in keys:
        page.keyboard.press(k)
    answer_after(app, lambda: page.keyboard.press("Enter"))
    assert check_answer(app, ONE) == "1"

    # the page's Clear, next in the Tab order, gives a fresh pad and silences the live region
    assert "kp-pad" in focus(page).get("cls", ""), f"the answer took the focus off the pad: {focus(page)}"
    tab_to(page, lambda f: f.get("name", "").endswith("Clear"), "Clear", limit=3)
    page.keyboard.press("Enter")
    app.metric("Prediction").first.wait_for(state="detached", timeout=ANSWER_TIMEOUT)
    app.wait_idle()
    assert page.locator(LIVE).first.text_content() == ""
    tab_to(page, lambda f: "kp-pad" in f.get("cls", ""), "the new pad", limit=3, key="Shift+Tab")
    assert page.locator(".kp-ink > *").count() == 0, "the pad still shows ink after Clear"
    # a stray stroke, cleared with Delete; a stray key in the 7 taken back with Backspace
    for k in ("Space", "ArrowRight", "Space"):
        page.keyboard.press(k)
    assert page.locator(".kp-ink > *").count() == 1, "Space, a move and Space should leave one stroke of ink"
    page.keyboard.press("Delete")
    assert page.locator(".kp-ink > *").count() == 0, "Delete left ink on the pad"
    keys, pen = keys_for(SEVEN, (keypen.START[0] + 1, keypen.START[1]))
    bar_end = keys.index("Space") + 1 + 6  # after the top bar's six steps to the right
    keys[bar_end:bar_end] = ["ArrowUp", "Backspace"]
    for k in keys:
        page.keyboard.press(k)
    answer_after(app, lambda: page.keyboard.press("Enter"))
    assert check_answer(app, SEVEN) == "7"

    # and it is labelled like a canvas drawing: Tab on to "Right, it's a 7", Enter saves it
    tab_to(page, lambda f: f.get("name", "").endswith("Right, it's a 7"), "the Right button", limit=10)
    page.keyboard.press("Enter")
    page.get_by_text(re.compile("Saved to your drawings as right")).wait_for(timeout=ANSWER_TIMEOUT)
    assert not app.exceptions() and not app.error_boxes()


def test_the_answer_to_a_canvas_drawing_is_announced_in_a_live_region(app):
    page = app.page
    app.open("Draw")
    region = page.locator(LIVE)
    region.first.wait_for(state="attached")  # mounted with the page (the component's HTML comes just after the run)
    assert region.count() == 1, "one polite live region on the Draw page"
    assert region.first.text_content() == "", "the live region should start empty, before the first answer"
    region.first.evaluate("e => { e.dataset.probe = 'first'; }")  # the same element must carry every answer
    for strokes in (vertical_one(), closed_zero()):
        answer_after(app, lambda: app.draw(strokes, CANVAS_SIZE))
        got = shown(app)
        assert got["said"] == f"It reads {got['prediction']}, {got['confidence']}", got
        assert region.first.get_attribute("data-probe") == "first", "the live region was replaced, not updated"
        app.clear()
        assert region.first.text_content() == "" and region.first.get_attribute("data-probe") == "first"
    assert not app.exceptions()


PAD_FITS = """root => {
  const vw = innerWidth, out = [];
  for (const e of [root, ...root.querySelectorAll('*')]) {
    const r = e.getBoundingClientRect();
    if (r.width === 0) continue;
    if (r.left < -0.5 || r.right > vw + 0.5) out.push(e.tagName + '.' + e.className + ' off screen ' + r.left + '..' + r.right);
    if (e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible')
      out.push(e.tagName + '.' + e.className + ' cut off');
  }
  const pad = root.querySelector('.kp-pad').getBoundingClientRect();
  for (const e of root.querySelectorAll('.kp-status, .kp-help div')) {
    const r = e.getBoundingClientRect();
    if (r.right > pad.right + 1) out.push(e.className + ' wider than the pad: ' + r.right + ' > ' + pad.right);
  }
  return out;
}"""


@pytest.mark.parametrize("screen", list(SCREENS))
def test_the_pad_and_its_keys_fit_a_phone_a_laptop_and_a_projector(browser, app_url, screen):
    context = browser.new_context(**SCREENS[screen])
    context.set_default_timeout(60_000)
    try:
        app = AppDriver(context.new_page(), app_url)
        app.page.goto(f"{app.base}/draw" + ("?present=1" if screen.startswith("projector") else ""))
        app.title_locator().wait_for()
        app.wait_idle()
        app.page.locator(".st-key-draw-pen label").click()  # where a finger or a pointer switches it on
        pad = app.page.locator(".kp-pad")
        pad.wait_for()
        app.wait_laid_out()
        box = pad.bounding_box()
        assert box["width"] >= 0.8 * CANVAS_SIZE and abs(box["width"] - box["height"]) < 1, box
        problems = pad.evaluate(f"e => ({PAD_FITS})(e.closest('.kp'))")
        problems += [str(o) for o in overflowing(app)]
        if problems:
            ARTIFACTS.mkdir(exist_ok=True)
            app.page.screenshot(path=str(ARTIFACTS / f"keys-{screen}.png"))
        assert not problems, f"cut off at {screen}: {problems}"
        assert not app.exceptions()
    finally:
        context.close()
