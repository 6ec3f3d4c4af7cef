"""The Streamlit app, headless (streamlit.testing.v1.AppTest): pages render, the form validates, a run trains."""

import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "streamlit_app.py")
PAGES = ["app_pages/home.py", "app_pages/train.py", "app_pages/weights.py", "app_pages/draw.py",
         "app_pages/evaluate.py", "app_pages/how_it_works.py"]


def new_app():
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


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
    app.switch_page("app_pages/draw.py")
    app.run()
    assert any("Draw a digit" in i.value for i in app.info)
    assert not [m for m in app.metric if m.label == "Prediction"]


def test_train_form_refuses_bad_values_with_a_reason():
    at = new_app()
    at.switch_page("app_pages/train.py")
    at.run()
    at.text_input(key="f_hidden").set_value("128 abc")
    at.number_input(key="f_lr").set_value(0.0)
    submit = [b for b in at.button if "Start training" in str(b.label)]
    assert submit, "the form has a Start button"
    submit[0].click()
    at.run()
    msg = " ".join(errors(at))
    assert "'abc'" in msg and "learning rate" in msg, msg
    assert at.session_state["worker"] is None


def test_a_short_training_run_completes_and_becomes_the_session_model():
    at = new_app()
    at.switch_page("app_pages/train.py")
    at.run()
    at.text_input(key="f_hidden").set_value("16")
    at.number_input(key="f_epochs").set_value(2)
    at.number_input(key="f_batch").set_value(32)
    at.checkbox(key="f_augment").uncheck()
    at.checkbox(key="f_full_batch").uncheck()
    [b for b in at.button if "Start training" in str(b.label)][0].click()
    at.run()
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
    # the other pages now use the session's model
    at.switch_page("app_pages/weights.py")
    at.run()
    assert not at.exception and not errors(at)
    at.switch_page("app_pages/evaluate.py")
    at.run()
    assert not at.exception and not errors(at)


def test_a_bad_model_upload_is_a_message_not_a_traceback():
    import app_state  # noqa: F401 - importable from the repo root like the pages do
    import nnscratch

    with pytest.raises(nnscratch.ModelFileError):
        nnscratch.Network.load(b"not a model")
