"""The Join panel and the "Your name" button in the app, headless (AppTest): the presenter's Home prints
the URL nnscratch/join.py gives for this server; the name button's field and the sidebar's are one nickname.
(The QR code itself is read back from a real browser's screenshot: tests/browser/test_browser_join.py.)"""

import pytest

pytest.importorskip("streamlit")

from helpers import app_test

from nnscratch import join


def html_of(at) -> str:
    return " ".join(str(e.proto.body) for e in at.get("html"))


def test_presenter_home_prints_the_join_url_with_its_qr_code(monkeypatch):
    monkeypatch.setenv(join.JOIN_ENV, "https://nn.example.org")
    at = app_test(query={"present": "1"})
    body = html_of(at)
    assert 'href="https://nn.example.org/draw"' in body and 'alt="QR code of https://nn.example.org/draw"' in body
    assert "data:image/svg+xml" in body
    assert not at.warning, [w.value for w in at.warning]  # a setting needs no excuse


def test_a_server_on_loopback_shows_localhost_and_says_why(monkeypatch):
    from streamlit import config

    for name in (join.JOIN_ENV, join.PROXY_ENV):
        monkeypatch.delenv(name, raising=False)
    old = config.get_option("server.address")
    config.set_option("server.address", "127.0.0.1")  # Streamlit's own option, read by app/join.py
    try:
        at = app_test(query={"present": "1"})
    finally:
        config.set_option("server.address", old)
    port = config.get_option("server.port")
    assert f'href="http://localhost:{port}/draw"' in html_of(at)
    assert any("only on this computer" in w.value for w in at.warning), [w.value for w in at.warning]


def popover_labels(at) -> list[str]:
    """The labels of every popover button on the page (AppTest has no accessor for them)."""
    found = []

    def walk(node):
        for child in getattr(node, "children", {}).values():
            proto = getattr(child, "proto", None)
            if type(proto).__name__ == "Block" and proto.WhichOneof("type") == "popover":
                found.append(proto.popover.label)
            walk(child)

    walk(at._tree)
    return found


def test_the_name_button_and_the_sidebar_field_are_one_nickname():
    at = app_test("app/pages/draw.py")
    at.text_input(key="nickname_top").set_value("Ada").run()
    assert at.session_state["board_me"].nickname == "Ada"
    assert at.text_input(key="nickname_widget").value == "Ada"
    assert at.query_params["name"] in ("Ada", ["Ada"])
    assert "Ada" in popover_labels(at)  # the button shows the name
    at.text_input(key="nickname_widget").set_value("  Bo\x07 ").run()  # the sidebar's field, cleaned
    assert at.text_input(key="nickname_top").value == "Bo" and at.session_state["board_me"].nickname == "Bo"
