"""Join in one glance: in presenter mode at 1920x1080 the QR code (on Home, and behind the Join button on
every other page) decodes, with zxing-cpp from a screenshot of the element, to the URL printed beside it,
which is the one the way the server was started calls for; a phone that opens that URL lands on the Draw
page with the canvas on screen and sets its nickname in one tap from there.

Two servers of this module's own, since the URL depends on how a server is started:
- "setting": listening on 127.0.0.1 with ``NNSCRATCH_JOIN_URL`` set (a tunnel's name): that name + /draw;
- "lan": listening on all interfaces (Streamlit's default) with no setting: this machine's LAN address
  (``http://localhost:...`` plus a note when it is on no network), which the phone test then opens.
"""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from nnscratch import join

from .appdriver import ANSWER_TIMEOUT, ARTIFACTS, AppDriver
from .conftest import _start_server, _stop_group, _warm_up
from .test_browser_phone import on_screen

zxingcpp = pytest.importorskip("zxingcpp", reason="the QR decoder is missing: python -m pip install -r requirements-test.txt")

TUNNEL = "https://nn-workshop.example.org"
SERVERS = {"setting": ("127.0.0.1", {join.JOIN_ENV: TUNNEL, join.PROXY_ENV: ""}),
           "lan": ("0.0.0.0", {join.JOIN_ENV: "", join.PROXY_ENV: ""})}
PROJECTOR = {"width": 1920, "height": 1080}


@pytest.fixture(scope="module")
def servers(browser):
    """servers(how) -> (base URL to reach it, the join URL that way of starting calls for); each server is
    started on first use and stopped at the end of the module."""
    started = {}

    def get(how: str):
        if how not in started:
            address, env = SERVERS[how]
            ARTIFACTS.mkdir(exist_ok=True)
            proc, base = _start_server(ARTIFACTS / f"streamlit-join-{how}.log", address, env)
            started[how] = proc, base
            _warm_up(browser, base)
        base = started[how][1]
        port = base.rsplit(":", 1)[1]
        return base, {"setting": f"{TUNNEL}/draw", "lan": f"http://{join.lan_ip() or 'localhost'}:{port}/draw"}[how]

    yield get
    for proc, _ in started.values():
        _stop_group(proc)
        proc._nnscratch_log.close()


def decode(locator) -> str:
    """The text of the one QR code in a screenshot of ``locator`` (zxing-cpp)."""
    found = [b for b in zxingcpp.read_barcodes(Image.open(io.BytesIO(locator.screenshot())))
             if b.valid]
    assert len(found) == 1, f"expected one readable QR code, found {len(found)}"
    return found[0].text


def fully_in_view(page, locator) -> None:
    box, vp = locator.bounding_box(), page.viewport_size
    assert box and box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= vp["width"] \
        and box["y"] + box["height"] <= vp["height"], f"not wholly on the {vp} screen: {box}"


@pytest.mark.parametrize("how", list(SERVERS))
def test_presenter_qr_code_reads_the_printed_url(browser, servers, how):
    base, expected = servers(how)
    context = browser.new_context(viewport=PROJECTOR)
    context.set_default_timeout(ANSWER_TIMEOUT)
    app = AppDriver(context.new_page(), base)
    try:
        page = app.page
        page.goto(f"{base}/?present=1")
        app.title_locator().wait_for()
        app.wait_idle()
        # Home: the panel a projector shows while the room walks in
        panel = page.locator(".st-key-nns-join-home")
        qr, printed = panel.locator("img.nns-qr"), panel.locator(".nns-join-url")
        qr.wait_for()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
        fully_in_view(page, qr)
        fully_in_view(page, printed)
        assert qr.bounding_box()["width"] >= 500, "the QR code is too small for the back of a room"
        assert decode(qr) == printed.inner_text().strip() == expected
        if expected.startswith("http://localhost"):  # a machine on no network: the panel says so
            assert "no network" in panel.inner_text()
        else:
            assert not panel.locator('[data-testid="stAlert"]').count(), panel.inner_text()

        # any other page: one click on Join, the same code
        app.goto("Train")
        page.get_by_role("button", name=re.compile("Join")).click()
        pop = page.locator(".st-key-nns-join-popover")
        qr = pop.locator("img.nns-qr")
        qr.wait_for()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
        fully_in_view(page, qr)
        fully_in_view(page, pop.locator(".nns-join-url"))
        assert decode(qr) == pop.locator(".nns-join-url").inner_text().strip() == expected
        assert not app.exceptions() and not app.error_boxes()
    finally:
        context.close()


def test_a_phone_opening_the_join_url_draws_and_names_itself_in_one_tap(browser, servers):
    base, expected = servers("lan")
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  device_scale_factor=2)
    context.set_default_timeout(ANSWER_TIMEOUT)
    app = AppDriver(context.new_page(), base, touch=True)
    try:
        page = app.page
        page.goto(expected)  # what the phone's camera opens
        app.title_locator().wait_for()
        app.wait_idle()
        assert app.title_locator().inner_text().strip() == "Draw a digit"
        app.canvas().wait_for()
        canvas = on_screen(page, app.canvas())
        assert canvas["inside"], f"the canvas is not on screen without scrolling: {canvas}"

        button = page.get_by_role("button", name=re.compile("Your name"))
        fully_in_view(page, button)
        button.tap()  # the one tap
        field = page.get_by_test_id("stPopoverBody").get_by_role("textbox", name="Nickname")
        field.fill("Ada *L.*")  # Markdown in a name: shown as typed
        field.press("Enter")
        page.get_by_role("button", name=re.compile(re.escape("Ada *L.*"))).wait_for()  # the button shows the name
        app.wait_idle()
        assert page.locator('[data-testid="stSidebar"] input[aria-label="Nickname"]').input_value() == "Ada *L.*"
        page.wait_for_url(re.compile(r"[?&]name=Ada"))  # kept in the URL: a reload keeps it
        assert not app.exceptions() and not app.error_boxes()
    finally:
        context.close()
