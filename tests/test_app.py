"""The Streamlit app, headless (streamlit.testing.v1.AppTest): pages render, the form validates, a run trains."""

import time
from pathlib import Path

import numpy as np
import pytest
import streamlit as st

from app import charts
from helpers import app_test, start_training, wait_for

PAGES = ["app/pages/home.py", "app/pages/train.py", "app/pages/weights.py", "app/pages/draw.py",
         "app/pages/evaluate.py", "app/pages/how_it_works.py", "app/pages/step.py"]


def new_app():
    return app_test()


def errors(at):
    return [e.value for e in at.error]


@pytest.fixture(scope="module")
def app():
    return new_app()


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_without_exceptions(app, page):
    app.switch_page(page)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert not errors(app), errors(app)
    assert app.title, "each page has a title"
    text = " ".join(str(getattr(c, "value", "")) for c in app.sidebar.children.values())
    assert "Current model" in text and "784-" in text and "Data" in text and "sample" in text


def test_draw_page_with_empty_canvas_asks_for_a_drawing_and_predicts_nothing(app):
    app.switch_page("app/pages/draw.py")
    app.run()
    assert any("Draw a digit" in i.value for i in app.info)
    assert not [m for m in app.metric if m.label == "Prediction"]


def _train_page():
    return app_test("app/pages/train.py")


def test_train_form_refuses_bad_values_with_a_reason():
    at = _train_page()
    at.text_input(key="f_hidden").set_value("128 abc")
    at.number_input(key="f_lr").set_value(0.0)
    start_training(at)
    msg = " ".join(errors(at))
    assert "'abc'" in msg and "learning rate" in msg, msg
    assert at.session_state["worker"] is None


def test_a_short_training_run_completes_and_becomes_the_session_model():
    at = _train_page()
    at.text_input(key="f_hidden").set_value("16")
    at.number_input(key="f_epochs").set_value(2)
    at.number_input(key="f_batch").set_value(32)
    at.checkbox(key="f_augment").uncheck()
    at.checkbox(key="f_full_batch").uncheck()
    start_training(at)
    assert not errors(at), errors(at)
    w = at.session_state["worker"]
    assert w is not None
    assert w.join(60), "training did not finish"
    assert w.status == "completed", w.error
    at.run()  # the next script run adopts the finished run's model
    assert not at.exception
    net = at.session_state["model"]
    assert net is w.net and net.architecture == "784-16-10"
    assert net.meta["test_accuracy"] > 0.6
    assert any("step" in m.value and "/" in m.value for m in at.markdown)
    # the number under the curves is their thick line's last point
    loss = next(m for m in at.metric if m.label == "Loss (smoothed)")
    assert loss.value == f"{charts.history_table(w.rows())['loss_smooth'].iloc[-1]:.3f}"
    # the other pages now use the session's model
    at.switch_page("app/pages/weights.py")
    at.run()
    assert not at.exception and not errors(at)
    at.switch_page("app/pages/evaluate.py")
    at.run()
    assert not at.exception and not errors(at)


def test_divergence_is_a_message_with_a_fix_and_keeps_the_old_model():
    at = _train_page()
    at.text_input(key="f_hidden").set_value("32")
    at.selectbox(key="f_optimizer").set_value("sgd")
    at.number_input(key="f_lr").set_value(10.0)
    at.number_input(key="f_epochs").set_value(2)
    start_training(at)
    w = at.session_state["worker"]
    assert w.join(60) and w.status == "diverged", w.status
    at.run()
    assert not at.exception
    msg = " ".join(errors(at))
    assert "diverged at step" in msg and "smaller learning rate" in msg, msg
    assert at.session_state["model"] is None  # a diverged run is offered, not adopted
    assert any("Use this run" in str(b.label) for b in at.button)


def test_model_uploads_good_bad_and_foreign():
    import nnscratch

    at = _train_page()
    up = at.file_uploader(key="model_upload")
    up.set_value(("junk.npz", b"PK\x03\x04 this is not a model", "application/octet-stream"))
    at.run()
    assert not at.exception
    assert any("junk.npz" in e for e in errors(at)), errors(at)
    assert at.session_state["model"] is None

    other = nnscratch.Network([784, 5, 3], seed=0)  # a valid file for a network of another shape
    at.file_uploader(key="model_upload").set_value(("three.npz", other.to_bytes(), "application/octet-stream"))
    at.run()
    assert not at.exception and any("three.npz" in e and "784-5-3" in e for e in errors(at)), errors(at)
    assert at.session_state["model"] is None

    good = nnscratch.Network([784, 12, 10], seed=1)
    at.file_uploader(key="model_upload").set_value(("mine.npz", good.to_bytes(), "application/octet-stream"))
    at.run()
    assert not at.exception and not errors(at), errors(at)
    net = at.session_state["model"]
    assert net.architecture == "784-12-10"
    assert np.array_equal(net.params["W1"], good.params["W1"])


def test_bad_data_upload_is_a_one_line_message():
    at = _train_page()
    at.radio(key="data_source_widget").set_value("upload")
    at.run()
    at.file_uploader(key="data_upload").set_value(("digits.csv", b"label,pixel0\n3,abc\n", "text/csv"))
    at.run()
    assert not at.exception
    msgs = errors(at)
    assert len(msgs) == 1 and "digits.csv" in msgs[0] and "\n" not in msgs[0], msgs
    assert at.session_state["upload_arrays"] is None


def test_session_end_stops_the_worker_after_the_reconnect_grace_and_leaves_no_thread():
    """Streamlit calls caching.clear_session_resource_cache(session_id) when a session's browser goes
    away (tab closed, reload, Wi-Fi lost): the run goes on for server.disconnectedSessionTTL (the browser
    may come back), then stops and ends its thread."""
    from streamlit.runtime import caching

    from nnscratch.worker import live_threads

    at = _train_page()
    at.number_input(key="f_epochs").set_value(500)  # far longer than this test
    start_training(at, pace=None)  # the form's watch-it-learn pace: the run must outlast the test
    w = at.session_state["worker"]
    wait_for(lambda: w.n_rows() > 0, 20, "the run's first progress row")
    assert w.alive and w.status == "running"
    old_ttl = st.get_option("server.disconnectedSessionTTL")
    st.config.set_option("server.disconnectedSessionTTL", 1)
    try:
        caching.clear_session_resource_cache("test session id")  # AppTest's session id
        time.sleep(0.3)
        assert w.status == "running", "the run stopped before the browser had a chance to come back"
        assert w.join(10), "the worker outlived its session"
    finally:
        st.config.set_option("server.disconnectedSessionTTL", old_ttl)
    assert w.status == "stopped" and w.n_rows() > 0  # history and last weights are kept
    assert not [t for t in live_threads() if t.name.endswith(f"-{w.id}")]


def test_evaluate_warns_when_the_pretrained_model_is_tested_on_its_own_training_digits():
    from app import resources

    at = new_app()
    at.switch_page("app/pages/evaluate.py")
    at.run()
    assert not at.exception and not errors(at)
    trained_on = resources.shipped_model().meta["data"]["kind"]
    warned = any("optimistic" in w.value for w in at.warning)
    assert warned == (trained_on == "mnist")


def test_model_uploaded_during_a_run_is_not_overwritten_when_the_run_ends():
    import nnscratch

    at = _train_page()
    at.number_input(key="f_epochs").set_value(500)
    start_training(at, pace=None)  # the form's watch-it-learn pace: the run must outlast the upload
    w = at.session_state["worker"]
    other = nnscratch.Network([784, 7, 10], seed=3)  # another architecture than the run's 784-128-10
    at.file_uploader(key="model_upload").set_value(("other.npz", other.to_bytes(), "application/octet-stream"))
    at.run()
    assert not at.exception and not errors(at), errors(at)
    assert at.session_state["model"].architecture == "784-7-10"
    assert not w.done  # the run goes on
    w.stop()
    assert w.join(5) and w.status == "stopped"
    at.run()
    assert not at.exception
    assert at.session_state["model"].architecture == "784-7-10"  # the upload is kept ...
    assert any("Use this run" in str(b.label) for b in at.button)  # ... and the run's model is offered


def _lines_with_products_a_training_step_runs():
    """Every source line with a matrix product (@) in the nnscratch functions that one real training step
    calls, found by tracing the step (so a product added anywhere in the step is found too)."""
    import inspect
    import sys

    import nnscratch

    called = set()

    def profile(frame, event, arg):
        if event == "call" and f"{Path('nnscratch')}" in frame.f_code.co_filename:
            called.add(frame.f_code)

    rng = np.random.default_rng(0)
    X, y = rng.random((2100, 784), dtype=np.float32), rng.integers(0, 10, 2100)  # > one 1,024-row chunk
    for batch in (None, 64):
        net = nnscratch.Network([784, 16, 8, 10])
        sys.setprofile(profile)
        try:
            nnscratch.fit(net, X, y, steps=1, batch_size=batch)
        finally:
            sys.setprofile(None)
    lines = set()
    for code in called:
        source, _ = inspect.getsourcelines(code)
        lines |= {ln.strip() for ln in source if " @ " in ln and not ln.strip().startswith(("#", '"'))}
    return lines


def test_how_it_works_shows_every_matrix_product_a_training_step_runs():
    products = _lines_with_products_a_training_step_runs()
    assert any("A @ self.params" in ln for ln in products) and any(".T @ dZ" in ln for ln in products)
    at = new_app()
    at.switch_page("app/pages/how_it_works.py")
    at.run()
    assert not at.exception and not errors(at)
    shown = {ln.strip() for c in at.code for ln in c.value.splitlines()}
    assert not products - shown, f"training runs these products but the page does not show them: {products - shown}"
    assert "dZ[y, rows] -= 1" in shown  # softmax - onehot, the output gradient
