"""Every page opens without an exception box, before, during and after a training run, and the run goes on
while the person is on other pages (navigation through the sidebar keeps the same session)."""

from __future__ import annotations

import re

from .appdriver import PAGES

SIDEBAR_STEP = re.compile(r"Training\s+(?:running|paused)\D*?step\s*([\d,]+)\s*/\s*([\d,]+)")


def visit_every_page(app, when: str) -> None:
    for title in PAGES:
        app.goto(title)
        assert not app.exceptions(), f"{title} ({when}): {app.exceptions()}"
        assert not app.error_boxes(), f"{title} ({when}) shows an error: {app.error_boxes()}"


def sidebar_step(app) -> int | None:
    m = SIDEBAR_STEP.search(app.sidebar_text())
    return int(m[1].replace(",", "")) if m else None


def test_every_page_before_during_and_after_a_run(app):
    app.open("Home")
    visit_every_page(app, "before any run")

    app.start_training(epochs=200, pace="watch")  # about 20 s: it must outlast a tour of the pages on a busy machine
    left_at = app.wait_progress(lambda p: p["status"] == "running" and p["step"] > 0, timeout=120,
                                what="training steps")["step"]
    visit_every_page(app, "during a run")
    assert app.current_path() != "train"
    # the run went on while we were away: the sidebar's live line counts on, on another page
    app.page.wait_for_function(
        "n => { const m = document.querySelector('[data-testid=\"stSidebarUserContent\"]').innerText"
        ".match(/Training\\s+running\\D*?step\\s*([\\d,]+)/); return m && +m[1].replace(/,/g, '') > n; }",
        arg=left_at, timeout=60_000)
    app.goto("Train")
    back = app.wait_progress(lambda p: True, timeout=30)
    assert back["status"] == "running" and back["step"] > left_at, (left_at, back)

    app.button("Stop").click()
    app.wait_progress(lambda p: p["status"] == "stopped", timeout=60, what="the run to stop")
    visit_every_page(app, "after a run")
    assert "784-128-10" in app.sidebar_text(), "the stopped run's model should be the session's model"
