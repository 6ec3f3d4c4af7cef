"""The app says which versions it runs: the sidebar's About, and a non-blocking warning when
Streamlit or the canvas component is not at the version the tests passed with (headless AppTest)."""

import pytest

pytest.importorskip("streamlit")
from helpers import app_test  # noqa: E402

from nnscratch import __version__  # noqa: E402
from nnscratch.tools import versions  # noqa: E402



def _run():
    return app_test()


def _about(at) -> str:
    boxes = [e for e in at.sidebar.expander if e.label == "About"]
    assert len(boxes) == 1
    return " ".join(m.value for m in boxes[0].markdown)


def test_about_lists_running_and_tested_versions_and_no_warning_when_they_match():
    if versions.mismatches(names=versions.UI_PACKAGES):
        pytest.skip("this environment is not the tested set (install requirements-test.txt)")
    at = _run()
    about = _about(at)
    tested, installed = versions.tested_versions(), versions.installed_versions()
    assert f"nnscratch {__version__}" in about
    for name in versions.WATCHED:
        assert installed[name] == tested[name]
        assert f"`{name}` **{installed[name]}** (the tested version)" in about
    assert not [w for w in at.warning if "Untested versions" in w.value]
    assert not [t for t in at.toast if "Untested versions" in t.value]


def test_an_untested_streamlit_gets_a_warning_and_the_app_keeps_working(tmp_path, monkeypatch):
    canvas = versions.installed_versions()["streamlit-drawable-canvas"]
    lock = tmp_path / "requirements.txt"
    lock.write_text(f"streamlit==0.0.1\nstreamlit-drawable-canvas=={canvas}\nnumpy==0.0.2\n", encoding="utf-8")
    monkeypatch.setattr(versions, "LOCK", lock)  # the check itself is the real one, on this lock

    at = _run()
    assert [t for t in at.toast if "Untested versions" in t.value]  # on start
    at.switch_page("app/pages/draw.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    warned = [w.value for w in at.sidebar.warning if "Untested versions" in w.value]
    assert len(warned) == 1 and "streamlit " in warned[0] and "(tested with 0.0.1)" in warned[0]
    assert "python -m pip install -r requirements.txt" in warned[0]
    assert "numpy" not in warned[0]  # only Streamlit and the canvas break the page; numpy is in About
    assert not [t for t in at.toast if "Untested versions" in t.value]  # the toast only once a session
    assert at.title and any("Draw a digit" in i.value for i in at.info)  # the page still works
    about = _about(at)
    assert f"`streamlit` **{versions.installed_versions()['streamlit']}** (tested with 0.0.1" in about
    assert "(tested with 0.0.2" in about and f"`streamlit-drawable-canvas` **{canvas}** (the tested" in about

    at.switch_page("app/pages/home.py")
    at.run()
    assert [w for w in at.sidebar.warning if "Untested versions" in w.value]  # on every page
