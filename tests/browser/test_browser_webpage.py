"""The exported web page (nnscratch.webpage) in a real browser, opened from file:// with the network off.

The reference is the app's own Python, on the very pixels the page drew: for each of 20 digits drawn
with real mouse strokes, the page's canvas is read back (getImageData) and given to
``preprocess.to_mnist`` and the float32 ``Network.predict_proba`` the app uses; the page's 28x28 image,
its answer and its ten probabilities must match them. The strokes are made here (``digit_strokes``):
two of every digit, each a slanted, scaled, rotated and wobbled copy of a hand-written-like path.
"""

from __future__ import annotations

import base64
import html
import json
import math

import numpy as np
import pytest

from nnscratch import Network
from nnscratch.checkpoint import SHIPPED_MODEL_PATH
from nnscratch.drawing.preprocess import CANVAS_SIZE, to_mnist
from nnscratch.network import ACTIVATIONS
from nnscratch.webpage import ENCODINGS, quantised, to_html

from .appdriver import ARTIFACTS, AppDriver, record

PROB_TOL = 1e-2     # issue #25: every probability within 1e-2 of the app's
IMAGE_TOL = 1e-5    # the 28x28 image: the same float32 arithmetic as NumPy (measured: <= 6e-8)
WAIT_MS = 30_000

# Paths in a unit square (x right, y down), one list of points per stroke.
SHAPES = {
    1: [[(0.38, 0.25), (0.55, 0.1), (0.55, 0.9)]],
    2: [[(0.25, 0.3), (0.35, 0.15), (0.55, 0.1), (0.7, 0.2), (0.7, 0.38), (0.25, 0.88), (0.78, 0.88)]],
    3: [[(0.25, 0.15), (0.6, 0.1), (0.72, 0.25), (0.5, 0.45), (0.72, 0.6), (0.7, 0.82), (0.5, 0.92), (0.25, 0.85)]],
    4: [[(0.3, 0.1), (0.2, 0.6), (0.8, 0.6)], [(0.62, 0.3), (0.62, 0.92)]],
    5: [[(0.72, 0.1), (0.32, 0.1), (0.28, 0.45), (0.55, 0.4), (0.72, 0.55), (0.7, 0.8), (0.5, 0.92), (0.25, 0.85)]],
    6: [[(0.65, 0.1), (0.4, 0.3), (0.28, 0.6), (0.35, 0.88), (0.6, 0.9), (0.7, 0.7), (0.55, 0.52), (0.3, 0.6)]],
    7: [[(0.2, 0.12), (0.78, 0.12), (0.42, 0.9)]],
}
SHAPES[0] = [[(0.5 + 0.25 * math.sin(t), 0.5 - 0.4 * math.cos(t)) for t in np.linspace(0, 2 * math.pi, 40)]]
SHAPES[8] = [[(0.5 + 0.25 * math.sin(2 * t), 0.5 - 0.4 * math.cos(t)) for t in np.linspace(0, 2 * math.pi, 60)]]
SHAPES[9] = [[(0.5 + 0.2 * math.cos(t), 0.3 - 0.2 * math.sin(t)) for t in np.linspace(0, 2 * math.pi, 30)]
             + [(0.66, 0.92)]]


def digit_strokes(digit: int, rng) -> list[list[tuple[float, float]]]:
    """One digit as canvas strokes: its shape slanted, rotated, scaled, moved and wobbled a little."""
    slant, turn = rng.uniform(-0.2, 0.2), rng.uniform(-0.15, 0.15)
    scale, (dx, dy) = rng.uniform(0.55, 0.8), rng.uniform(-0.06, 0.06, 2)
    c, s = math.cos(turn), math.sin(turn)
    out = []
    for stroke in SHAPES[digit]:
        p = np.asarray(stroke, float) - 0.5
        p = p + rng.normal(0, 0.008, p.shape)
        p[:, 0] += slant * p[:, 1]
        p = p @ np.array([[c, s], [-s, c]]) * scale + 0.5 + np.array([dx, dy])
        out.append([tuple(q) for q in np.clip(p, 0.03, 0.97) * CANVAS_SIZE])
    return out


PHONE = dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
LAPTOP = dict(viewport={"width": 1366, "height": 768})


@pytest.fixture
def offline_page(browser, request):
    """A page whose context is offline and aborts (and records) any request that is not a file:// one.
    At laptop size, or a phone's with ``@pytest.mark.parametrize("offline_page", [PHONE], indirect=True)``."""
    context = browser.new_context(offline=True, **getattr(request, "param", LAPTOP))
    attempted = []

    def guard(route):
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            attempted.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.on("request", lambda r: None if r.url.startswith(("file:", "data:")) else attempted.append(r.url))
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page, attempted, errors
    context.close()


def open_page(page, path, html: str) -> None:
    path.write_text(html, encoding="utf-8")
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready='1']", timeout=WAIT_MS)


def draw(page, strokes, done: int, touch: bool = False) -> None:
    """Real mouse (or finger) strokes on the page's canvas; waits for the answer to the last one."""
    box = page.locator("#pad").bounding_box()
    k = box["width"] / CANVAS_SIZE
    for i, stroke in enumerate(strokes):
        pts = [(box["x"] + x * k, box["y"] + y * k) for x, y in stroke]
        if touch:
            AppDriver(page, "")._touch_stroke(pts)
            page.wait_for_selector(f"body[data-strokes='{done + i + 1}']", timeout=WAIT_MS)
            continue
        page.mouse.move(*pts[0])
        page.mouse.down()
        for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
            page.mouse.move(x1, y1, steps=max(1, math.ceil(math.hypot(x1 - x0, y1 - y0) / 4)))
        page.mouse.up()
        page.wait_for_selector(f"body[data-strokes='{done + i + 1}']", timeout=WAIT_MS)


READ = """() => {
  const pad = document.getElementById('pad');
  const px = pad.getContext('2d').getImageData(0, 0, pad.width, pad.height).data;
  let bin = ''; for (let i = 0; i < px.length; i++) bin += String.fromCharCode(px[i]);
  const r = window.nnscratch.state.result;
  return {rgba: btoa(bin), h: pad.height, w: pad.width, digit: document.getElementById('digit').textContent,
          said: document.getElementById('said').textContent,
          probs: Array.from(document.querySelectorAll('#bars .bar'), b => Number(b.dataset.p)),
          img: r && r.img ? Array.from(r.img) : null};
}"""


def test_exported_page_reads_20_drawn_digits_like_the_app_offline(offline_page, tmp_path):
    page, attempted, errors = offline_page
    net = Network.load(SHIPPED_MODEL_PATH)  # the app's model on the Draw page
    open_page(page, tmp_path / "digit.html", to_html(net))
    rng = np.random.default_rng(25)
    results = []
    for n, digit in enumerate([d for d in range(10) for _ in range(2)]):
        strokes = digit_strokes(digit, rng)
        draw(page, strokes, 0)
        got = page.evaluate(READ)
        if n == 13:  # how it looked, for people (test-artifacts/)
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "webpage-offline.png"))
        rgba = np.frombuffer(base64.b64decode(got["rgba"]), np.uint8).reshape(got["h"], got["w"], 4)
        img = to_mnist(rgba)
        assert img is not None and got["img"] is not None, f"digit {n}: no ink seen"
        probs = net.predict_proba(img.reshape(1, -1))[0]
        assert np.abs(np.array(got["img"]).reshape(28, 28) - img).max() <= IMAGE_TOL, f"digit {n}: 28x28 differs"
        assert got["digit"] == str(int(probs.argmax())), f"digit {n}: page read {got['digit']}, app {probs.argmax()}"
        diff = float(np.abs(np.array(got["probs"]) - probs).max())
        assert diff <= PROB_TOL, f"digit {n}: probabilities differ by {diff:.3g}"
        assert got["said"].startswith(f"reads {got['digit']}, ")  # what a screen reader hears
        results.append(dict(drawn=digit, read=int(probs.argmax()), max_prob_diff=diff))
        page.click("#clear")
        page.wait_for_selector("body[data-strokes='0']", timeout=WAIT_MS)
        assert page.locator("#digit").inner_text() == "?"
    assert not attempted, f"the page asked the network for {attempted}"
    assert not errors, errors
    record("webpage_offline_20_digits", dict(
        n=len(results), max_prob_diff=max(r["max_prob_diff"] for r in results),
        read_as_drawn=sum(r["drawn"] == r["read"] for r in results)))


def test_page_preprocessing_and_every_activation_match_the_engine(offline_page, tmp_path):
    """to_mnist's port on images the canvas cannot make (light paper, half-transparent ink, narrow or tiny
    crops), and the forward pass for every activation in the engine's table."""
    from PIL import Image, ImageDraw

    page, attempted, errors = offline_page
    rng = np.random.default_rng(7)
    for i, name in enumerate(ACTIVATIONS):
        for encoding in ENCODINGS:  # the page's decoding and forward pass against the engine on the same weights
            net = Network([784, 16, 12, 10], activation=name, seed=i)
            open_page(page, tmp_path / f"{name}-{encoding}.html", to_html(net, encoding))
            X = rng.random((5, 784)).astype(np.float32)
            js = np.array(page.evaluate("xs => xs.map(x => window.nnscratch.forward(x))", X.tolist()))
            assert np.abs(js - quantised(net, encoding).predict_proba(X)).max() < 1e-5, (name, encoding)
    worst = 0.0
    for t in range(40):
        h, w = int(rng.integers(12, 300)), int(rng.integers(5, 300))
        im = Image.new("RGBA", (w, h), (0, 0, 0, 255))
        d = ImageDraw.Draw(im)
        for _ in range(int(rng.integers(1, 4))):
            pts = [tuple(rng.uniform(0, [w, h])) for _ in range(int(rng.integers(1, 5)))]
            d.line(pts, fill=(255, 255, 255, int(rng.integers(60, 256))), width=int(rng.integers(1, 25)))
        a = np.asarray(im)
        if t % 4 == 0:  # dark ink on light paper
            a = np.dstack([255 - a[:, :, :3], np.full((h, w), 255, np.uint8)])
        want = to_mnist(a)
        got = page.evaluate("""([b, h, w]) => { const s = atob(b), u = new Uint8ClampedArray(s.length);
            for (let i = 0; i < s.length; i++) u[i] = s.charCodeAt(i);
            const r = window.nnscratch.toMnist(u, h, w); return r && Array.from(r); }""",
                            [base64.b64encode(a.tobytes()).decode(), h, w])
        assert (got is None) == (want is None), f"image {t}: ink seen by one side only"
        if want is not None:
            worst = max(worst, float(np.abs(np.array(got).reshape(28, 28) - want).max()))
    assert worst <= IMAGE_TOL, f"the page's to_mnist differs from Python's by {worst:.3g}"
    assert not attempted and not errors, (attempted, errors)


@pytest.mark.parametrize("offline_page", [PHONE], indirect=True)
def test_on_a_phone_a_finger_draws_and_nothing_overflows(offline_page, tmp_path):
    page, attempted, errors = offline_page
    net = Network([784, 32, 10], seed=1)
    open_page(page, tmp_path / "phone.html", to_html(net))
    draw(page, digit_strokes(4, np.random.default_rng(4)), 0, touch=True)
    got = page.evaluate(READ)
    rgba = np.frombuffer(base64.b64decode(got["rgba"]), np.uint8).reshape(got["h"], got["w"], 4)
    probs = net.predict_proba(to_mnist(rgba).reshape(1, -1))[0]
    assert got["digit"] == str(int(probs.argmax()))
    assert np.abs(np.array(got["probs"]) - probs).max() <= PROB_TOL
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE["viewport"]["width"], f"the page is {width} px wide on a 390 px phone"
    assert page.locator("#pad").bounding_box()["width"] >= 270, "the canvas shrank on a phone"
    assert not attempted and not errors, (attempted, errors)


def test_my_drawings_downloads_the_current_model_as_a_page(app):
    """The app's button (app/takehome.py) gives a page holding the session's current model: the shipped one."""
    import re

    from nnscratch.webpage import decode

    app.open("My drawings")
    button = app.page.get_by_role("button", name="Download as a web page")
    button.wait_for()
    with app.page.expect_download() as got:
        button.click()
    download = got.value
    assert download.suggested_filename.endswith(".html")
    page = open(download.path(), encoding="utf-8").read()
    cfg = json.loads(re.search(r"const CFG = (\{.*?\});\n", page).group(1))
    net = Network.load(SHIPPED_MODEL_PATH)
    assert cfg["sizes"] == net.sizes
    W1 = decode(cfg["layers"][0]["W"]).astype(np.float64)
    assert np.all(np.abs(W1 - net.params["W1"]) <= np.maximum(np.abs(net.params["W1"]) * 2.0 ** -11, 2.0 ** -25))
    assert html.escape(net.meta["name"]) in page
    assert not app.exceptions()


def downloaded_config(d, button) -> dict:
    import re

    with d.page.expect_download() as got:
        button.click()
    assert got.value.suggested_filename.endswith(".html")
    page = open(got.value.path(), encoding="utf-8").read()
    return json.loads(re.search(r"const CFG = (\{.*?\});\n", page).group(1))


def test_train_and_the_class_board_download_the_runs_model(app):
    """After a run: Train's button and the board's button for that run give pages of the very model the
    board stored (the store's copy, decoded by nnscratch.webpage.decode like the page does)."""
    import re

    from nnscratch.store import get_store
    from nnscratch.webpage import decode

    from .test_browser_class import pick_first_run

    app.open("Train")
    app.start_training(epochs=1)
    app.wait_progress(lambda p: p["status"] == "completed", timeout=180, what="the run")
    saved = app.page.get_by_text(re.compile(r"Saved to the class board \(run \d+\)")).first  # the run's result
    saved.wait_for()
    run_id = int(re.search(r"run (\d+)", saved.inner_text())[1])
    stored = Network.load(get_store().load_model_bytes(run_id))
    from_train = downloaded_config(app, app.page.get_by_role("button", name="Download as a web page").first)
    app.goto("Class")
    assert f"Run {run_id}" in pick_first_run(app, run_id)  # the shared server's board holds other tests' runs
    from_board = downloaded_config(app, app.page.get_by_role("button", name="Download as a web page"))
    for cfg in (from_train, from_board):
        assert cfg["sizes"] == stored.sizes
        for l, layer in enumerate(cfg["layers"], start=1):
            want = stored.params[f"W{l}"].astype(np.float64)
            assert np.all(np.abs(decode(layer["W"]) - want) <= np.maximum(np.abs(want) * 2.0 ** -11, 2.0 ** -25))
    assert not app.exceptions()
