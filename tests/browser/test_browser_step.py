"""Step inside page in a real browser: the numbers it shows are the engine's, recomputed here.

A fresh session steps a fresh network of the quick recipe (784-128-10, seed 0) with SGD, lr 0.1, batch 16, on the
built-in sample; nnscratch.stepper with the same settings and seed takes the same batches, so every number
the page shows can be recomputed in this process and compared.
"""

from __future__ import annotations

import re
import time

import numpy as np
import pytest

import nnscratch
from nnscratch.checkpoint import SHIPPED_MODEL_PATH
from nnscratch.data.splits import prepare_arrays
from nnscratch.drawing import preprocess
from nnscratch.inside import lit, pixel_evidence, unit_evidence
from nnscratch.recipe import PRESETS
from nnscratch.stepper import Stepper

from .appdriver import ANSWER_TIMEOUT, record

MAIN = '[data-testid="stMain"]'
NUM = r"(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)"


@pytest.fixture(scope="module")
def sample():
    return prepare_arrays(nnscratch.load_mnist("sample"))


def _stepper(sample):
    return Stepper(PRESETS["quick"].recipe.network(), sample.X_train, sample.y_train, optimizer="sgd", lr=0.1,
                   batch_size=16, seed=0)


def open_step(app):
    app.page.goto(f"{app.base}/step")
    app.page.locator('[data-testid="stApp"][data-test-connection-state="CONNECTED"]').wait_for(timeout=ANSWER_TIMEOUT)
    app.page.locator(f"{MAIN} h1", has_text="Step inside").wait_for(timeout=ANSWER_TIMEOUT)
    app.wait_idle()


def press(app, name: str, wait_text: str) -> str:
    """Press a button and wait until the page shows ``wait_text`` (a regex that only the new state matches);
    returns the main area's text."""
    app.button(name).click()
    app.page.locator(MAIN).get_by_text(re.compile(wait_text)).first.wait_for(timeout=ANSWER_TIMEOUT)
    app.wait_idle()
    return app.page.locator(MAIN).inner_text()


def step_on_my_seven(app, stepper: Stepper, img):
    """Say the drawing is a 7 and press Step on my drawing; the probabilities for 7 shown before and after are
    the engine's own step's (``stepper``: the page's settings). Returns (that step, the page's text, the match
    of its sentence: before %, after %, read before, read after)."""
    app.choose("It is a", "7")
    app.page.locator(".st-key-lit_step button:not([disabled])").wait_for(timeout=ANSWER_TIMEOUT)
    app.wait_idle()
    text = press(app, "Step on my drawing", r"Your drawing, labelled 7")
    r = stepper.step(drawing=(img, 7))
    m = re.search(r"Your drawing, labelled 7: the network gave it ([\d.]+) % for 7 before this step and gives "
                  r"([\d.]+) % after \(it reads it as (\d) → (\d)\)", text)
    assert m, text
    assert float(m[1]) == pytest.approx(100 * r.probs_before[0, 7], abs=0.051)
    assert float(m[2]) == pytest.approx(100 * r.probs_after[0, 7], abs=0.051)
    return r, text, m


def shown_losses(text: str) -> tuple[float, float]:
    m = re.search(rf"Exact: loss before {NUM}, after {NUM}", text)
    assert m, "no exact loss caption on the page"
    return float(m[1]), float(m[2])


def test_a_step_shows_the_engines_batch_loss_gradient_and_update(app, sample):
    open_step(app)
    assert "784-128-10" in app.page.locator(MAIN).inner_text()
    text = press(app, "Step", r"Step 1 · sgd")
    ref = _stepper(sample)
    r = ref.step()

    before, after = shown_losses(text)
    assert before == pytest.approx(r.loss_before, abs=1e-6)
    assert after == pytest.approx(r.loss_after, abs=1e-6)
    assert after < before
    app.page.wait_for_function(  # the images and their captions arrive after the text
        "n => document.querySelectorAll('.st-key-step-batch [data-testid=\"stImageCaption\"]').length === n",
        arg=len(r.index), timeout=ANSWER_TIMEOUT)
    batch = app.page.locator(".st-key-step-batch").inner_text()
    assert [int(i) for i in re.findall(r"#(\d+)", batch)] == r.index.tolist()

    # the weight that moved most: W after = W before - lr * grad, as shown and as recomputed
    worked = app.page.locator(".st-key-step-worked").inner_text()
    m = re.search(rf"pixel \((\d+), (\d+)\) of unit (\d+)\. W before {NUM}, gradient {NUM}, learning rate {NUM}, "
                  rf"W after = {NUM} − {NUM} × {NUM} = {NUM}", worked)
    assert m, worked
    row, col, unit = int(m[1]), int(m[2]), int(m[3])
    w_before, grad, lr, w_after = float(m[4]), float(m[5]), float(m[6]), float(m[10])
    p, j = np.unravel_index(int(np.argmax(np.abs(r.update["W1"]))), r.update["W1"].shape)
    assert (row, col, unit) == (p // 28, p % 28, j)
    assert lr == 0.1
    assert grad == pytest.approx(float(r.grads["W1"][p, j]), rel=1e-5)
    assert w_after == pytest.approx(float(ref.net.params["W1"][p, j]), rel=1e-5)
    assert w_after == pytest.approx(w_before - lr * grad, rel=1e-5)
    assert not app.exceptions() and not app.error_boxes()


def test_x10_then_step_back_then_step_again_takes_the_same_step(app, sample):
    open_step(app)
    press(app, "Step", r"Step 1 · sgd")
    t0 = time.monotonic()
    text = press(app, "Step x10", r"Step 11 · sgd")
    record("step_x10_click_to_shown_s", round(time.monotonic() - t0, 2))  # 784-128-10, batch 16, page redrawn
    ref = _stepper(sample)
    ref.step()
    ten = ref.step_many(10)
    assert app.metric_value("Step") == "11"
    assert shown_losses(text) == pytest.approx((ten[-1].loss_before, ten[-1].loss_after), abs=1e-6)

    press(app, "Step back", r"Stepped back to step 1")
    assert app.metric_value("Step") is None  # the step's details are gone with it
    text = press(app, "Step", r"Step 2 · sgd")
    assert app.metric_value("Step") == "2"
    assert shown_losses(text) == pytest.approx((ten[0].loss_before, ten[0].loss_after), abs=1e-6)

    # Keep these weights: the stepped network becomes the session's model, the one every page uses
    app.button("Keep these weights").click()
    app.page.locator('[data-testid="stSidebarUserContent"]', has_text="stepped 2 times").wait_for(
        timeout=ANSWER_TIMEOUT)
    assert "784-128-10" in app.sidebar_text()
    assert not app.exceptions() and not app.error_boxes()


def _canvas_image(app) -> np.ndarray:
    """The drawing as the canvas holds it (RGBA, 280x280): what the app gets as image_data."""
    layer = app.page.locator(f"{MAIN} canvas.dc-canvas.lower-canvas").first
    data = layer.evaluate("c => Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data)")
    n = int(round((len(data) / 4) ** 0.5))
    return np.asarray(data, np.uint8).reshape(n, n, 4)


def test_every_unit_lit_for_a_drawing_and_stepping_on_it(app, sample):
    open_step(app)
    app.canvas().scroll_into_view_if_needed()
    app.stroke([(150, 40), (148, 140), (146, 240)], preprocess.CANVAS_SIZE)  # a "1"
    app.page.locator(MAIN).get_by_text(re.compile("Pre-activation of unit")).wait_for(timeout=ANSWER_TIMEOUT)
    app.wait_idle()
    img = preprocess.to_mnist(_canvas_image(app))
    net = PRESETS["quick"].recipe.network()
    v = lit(net, img)
    out = app.page.locator(".st-key-lit-out").inner_text()
    assert re.search(rf"reads {v['digit']}, then {v['runner_up']}", out), out

    unit_text = app.page.locator(".st-key-lit-unit").inner_text()
    m = re.search(rf"Pre-activation of unit (\d+) = sum of the evidence map \+ bias = {NUM} \+ \({NUM}\) = {NUM}; "
                  rf"after relu: {NUM}", unit_text)
    assert m, unit_text
    unit = int(m[1])
    assert unit == int(np.argmax(v["A1"]))  # the most active unit is chosen first
    ev = unit_evidence(net, img, unit)
    assert float(m[4]) == pytest.approx(ev["pre_activation"], abs=2e-4)
    assert float(m[4]) == pytest.approx(float(v["Z1"][unit]), abs=2e-4)
    assert float(m[2]) + float(m[3]) == pytest.approx(float(m[4]), abs=2e-4)
    assert float(m[5]) == pytest.approx(float(v["A1"][unit]), abs=2e-4)

    # Step on my drawing, labelled 7: its probability for 7 moves as the engine says
    stepper = _stepper(sample)
    r, text, m = step_on_my_seven(app, stepper, img)
    assert float(m[2]) > float(m[1])
    assert shown_losses(text) == pytest.approx((r.loss_before, r.loss_after), abs=1e-6)
    app.page.locator(".st-key-step-batch").get_by_text("drawing · 7:").wait_for(timeout=ANSWER_TIMEOUT)

    # Head to head: the stepped network (A) and the pretrained one (B) on the same drawing
    shipped = nnscratch.Network.load(SHIPPED_MODEL_PATH)
    answers = []
    for name, net in (("A", stepper.net), ("B", shipped)):
        probs = net.predict_proba(img.reshape(1, 784))[0]
        d = int(np.argmax(probs))
        answers.append(d)
        box = app.page.locator(f".st-key-h2h-{name}")
        box.wait_for(timeout=ANSWER_TIMEOUT)
        assert app.metric_value(f"Model {name} reads") == str(d)
        assert f"{100 * probs[d]:.1f} % sure" in box.inner_text()
    maps = app.page.locator(".st-key-h2h-maps-0")
    for name, net in (("A", stepper.net), ("B", shipped)):
        total = pixel_evidence(net, img, answers[0]).sum()
        maps.get_by_text(f"{name}: evidence for {answers[0]} (sum {total:+.2f})").wait_for(timeout=ANSWER_TIMEOUT)
    assert not app.exceptions() and not app.error_boxes()


def test_a_confusion_cell_shows_exactly_its_examples_with_their_probabilities(app, sample):
    from nnscratch import metrics
    from nnscratch.metrics import confusion_cell

    net = nnscratch.Network.load(SHIPPED_MODEL_PATH)  # the pretrained model a fresh session uses
    probs = net.predict_proba(sample.X_test)
    pred = probs.argmax(axis=1)
    y = sample.y_test
    cm = metrics.confusion_matrix(y, pred)
    off = cm - np.diag(np.diag(cm))
    t, p = np.unravel_index(int(np.argmax(off)), off.shape)
    app.open("Evaluate")
    for t, p in ((int(t), int(p)), (1, 1)):
        n = int(cm[t, p])
        option = f"true {t} → said {p}: {n:,} digit{'s' if n != 1 else ''}{' (right)' if t == p else ''}"
        want = confusion_cell(y, pred, t, p, probs)[:40]
        captions = app.cell_captions("True digit → what the network said", "ev-cell", option,
                                     f"{n:,} test digits in this cell", len(want))
        assert [int(re.match(r"#(\d+)", c)[1]) for c in captions] == want.tolist()
        for c, i in zip(captions, want):
            first = re.search(r"· (\d): (\d+) %", c)
            assert int(first[1]) == p and int(first[2]) == round(100 * probs[i, p])
    assert not app.exceptions() and not app.error_boxes()


def test_a_paused_runs_network_is_stepped_as_a_copy(app):
    app.open("Train")
    watch = app.page.get_by_role("radio", name=re.compile("Watch it learn"))  # paced to ~20 s: time to pause it
    watch.check(force=True)
    app.page.wait_for_function("() => [...document.querySelectorAll('input[type=radio]')].some("
                               "e => e.checked && e.closest('label').innerText.includes('Watch it learn'))")
    app.wait_idle()
    app.start_training(epochs=30, pace="watch")
    app.wait_progress(lambda p: p["status"] == "running", timeout=60, what="the run to start")
    # The live panel redraws its buttons every half second: click the one there now, in the page itself.
    app.page.wait_for_function("() => { const b = [...document.querySelectorAll('[data-testid=\"stMain\"] button')]"
                               ".find(e => /Pause\\s*$/.test(e.innerText)); if (b) b.click(); return !!b; }")
    paused = app.wait_progress(lambda p: p["status"] == "paused", timeout=60, what="the run to pause")
    app.page.locator(f'a[data-testid="stSidebarNavLink"][href="{app.base}/step"]').click()  # same session
    app.page.locator(f"{MAIN} h1", has_text="Step inside").wait_for(timeout=ANSWER_TIMEOUT)
    app.wait_idle()
    source = app.page.get_by_role("combobox", name=re.compile("Network to step"))
    m = re.match(r"Your paused run \(784-128-10, step (\d+)\)", source.input_value())
    assert m, source.input_value()
    at = int(m[1])
    assert at == paused["step"], "the run showed 'paused' before it held (TrainingWorker.wait_paused)"
    text = press(app, "Step x10", r"Step 10 · sgd")
    before, after = shown_losses(text)
    assert np.isfinite(before) and np.isfinite(after)
    app.goto("Train")  # the run itself did not move: stepping works on a copy
    assert app.progress() == dict(paused, step=at)
    assert not app.exceptions() and not app.error_boxes()


def draw_seven(app) -> None:
    """A 7 on the canvas; drawn again if the stroke left no ink (the page was still moving under it)."""
    for _ in range(3):
        app.canvas().scroll_into_view_if_needed()
        app.wait_laid_out()
        ink = app.ink()
        app.stroke([(120, 50), (200, 50), (130, 240)], preprocess.CANVAS_SIZE)
        if app._wait_ink_above(ink):  # polls the drawing layer for a few seconds
            return
    raise AssertionError("three strokes left no ink on the canvas")


OVERFLOW_JS = """() => { const W = document.documentElement.clientWidth, out = [];
  for (const e of document.querySelectorAll('[data-testid="stMain"] *')) {
    const r = e.getBoundingClientRect();
    if (r.width > 0 && r.height > 0 && r.right > W + 1)
      out.push(`${e.tagName}.${String(e.className).slice(0, 50)} right=${Math.round(r.right)} > ${W}`); }
  return out.slice(0, 8); }"""


@pytest.mark.parametrize("size", ["390x844", "1366x768", "1920x1080-present"])
def test_nothing_is_cut_off_on_a_phone_a_laptop_or_a_projector(browser, app_url, size):
    from .appdriver import AppDriver

    w, h = (int(v) for v in size.split("-")[0].split("x"))
    phone = w < 640
    context = browser.new_context(viewport={"width": w, "height": h}, is_mobile=phone, has_touch=phone)
    context.set_default_timeout(60_000)
    try:
        app = AppDriver(context.new_page(), app_url, touch=phone)
        app.page.goto(f"{app.base}/step" + ("?present=1" if size.endswith("present") else ""))
        app.page.locator(f"{MAIN} h1", has_text="Step inside").wait_for(timeout=ANSWER_TIMEOUT)
        app.wait_idle()
        press(app, "Step x10", r"Step 10 · sgd")
        draw_seven(app)
        app.page.locator(".st-key-h2h-maps-0").wait_for(timeout=ANSWER_TIMEOUT)
        app.wait_laid_out()
        assert app.page.evaluate(OVERFLOW_JS) == []
        assert not app.exceptions() and not app.error_boxes()
    finally:
        context.close()


def test_workshop_a_seven_read_as_one_stepped_on_with_the_pretrained_model(app, sample):
    """docs/pages.md's "Try this in a workshop": with the pretrained model, a 7 with a short flag reads as 1;
    labelled 7 and stepped on once, its probability for 7 moves exactly as the engine's own step says."""
    open_step(app)
    shipped = nnscratch.Network.load(SHIPPED_MODEL_PATH)
    app.choose("Network to step", f"The pretrained model ({shipped.architecture})")
    app.page.locator(MAIN).get_by_text(re.compile(rf"The pretrained model \({shipped.architecture}\)\. Step 0 ·")) \
        .wait_for(timeout=ANSWER_TIMEOUT)
    app.wait_idle()
    app.canvas().scroll_into_view_if_needed()
    app.stroke([(140, 70), (165, 45), (140, 240)], preprocess.CANVAS_SIZE)  # a 7 with a short flag
    app.page.locator(MAIN).get_by_text(re.compile("Pre-activation of unit")).wait_for(timeout=ANSWER_TIMEOUT)
    app.wait_idle()
    img = preprocess.to_mnist(_canvas_image(app))
    v = lit(shipped, img)
    assert v["digit"] == 1, f"the pretrained model reads this 7 as {v['digit']}, not as 1"
    out = app.page.locator(".st-key-lit-out").inner_text()
    assert re.search(rf"reads {v['digit']}, then {v['runner_up']}", out), out

    ref = Stepper(shipped, sample.X_train, sample.y_train, optimizer="sgd", lr=0.1, batch_size=16, seed=0)
    r, text, m = step_on_my_seven(app, ref, img)
    assert float(m[1]) == pytest.approx(100 * v["A2"][7], abs=0.051)  # before: what the lit section showed
    assert int(m[3]) == 1 and int(m[4]) == int(r.pred_after[0])
    assert float(m[2]) > float(m[1])
    # the caption beside the button says the same
    teach = app.page.locator(".st-key-lit-teach").inner_text()
    assert f"{float(m[1]):.1f} % → {float(m[2]):.1f} % for 7" in teach, teach
    assert not app.exceptions() and not app.error_boxes()
