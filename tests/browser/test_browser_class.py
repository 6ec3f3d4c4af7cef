"""The class board with two people in two browser contexts, on an app server of its own (with its
own SQLite board) that is restarted in the middle:

A sets a nickname (?name=), trains and finishes; B sees A's run on the Class page, loads A's model
and draws with it; B's presenter view lists A; after a server restart the board still shows A's run.
The leaderboard is a canvas grid, so rows are picked by clicking their checkbox and read back from
the text the page shows for the picked run. Server-side timings of the Class page and of the
presenter's refresh fragment go to test-artifacts/browser-figures.json.
"""

from __future__ import annotations

import json
import os
import re
import time

import pytest

from .appdriver import ARTIFACTS, AppDriver, record
from .conftest import VIEWPORT, _start_server, _stop_group, _warm_up
from .test_browser_draw import vertical_one
from nnscratch.drawing.preprocess import CANVAS_SIZE



class BoardServer:
    def __init__(self, browser, folder):
        self.browser, self.folder = browser, folder
        self.env = {"NNSCRATCH_DB": f"sqlite:///{folder / 'class.db'}",
                    "NNSCRATCH_TIMINGS": str(folder / "timings.jsonl")}
        self.proc = self.url = None

    def start(self):
        old = {k: os.environ.get(k) for k in self.env}
        os.environ.update(self.env)
        try:
            self.proc, self.url = _start_server(ARTIFACTS / "class-server.log")
        finally:
            for k, v in old.items():
                os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
        _warm_up(self.browser, self.url)

    def stop(self):
        if self.proc is not None:
            _stop_group(self.proc)
            self.proc._nnscratch_log.close()
            self.proc = None

    def timings(self, what):
        path = self.folder / "timings.jsonl"
        text = path.read_text() if path.exists() else ""
        rows = [json.loads(line) for line in text.split("\n")[:-1]]  # whole lines only: the server may be writing
        return sorted(r["seconds"] for r in rows if r["what"] == what)


@pytest.fixture(scope="module")
def board_server(browser, tmp_path_factory):
    ARTIFACTS.mkdir(exist_ok=True)
    server = BoardServer(browser, tmp_path_factory.mktemp("class-board"))
    server.start()
    yield server
    server.stop()


def person(browser, url, path):
    ctx = browser.new_context(viewport=VIEWPORT)
    ctx.set_default_timeout(60_000)
    d = AppDriver(ctx.new_page(), url)
    d.page.goto(f"{url}/{path}")
    d.page.locator('[data-testid="stApp"][data-test-connection-state="CONNECTED"]').wait_for()
    d.title_locator().wait_for()
    d.wait_idle()
    return ctx, d


def pick_first_run(d, run_id: int | None = None) -> str:
    """Pick the top leaderboard run in the run picker (or run ``run_id``: its option starts "#<id> "); return
    the text shown for the picked run."""
    picker = d.page.locator('[data-testid="stMultiSelect"]').first
    picker.wait_for()
    d.wait_idle()
    picker.click()
    option = d.page.get_by_role("option")
    if run_id is not None:
        d.page.keyboard.type(f"#{run_id} ")  # the list filters to it
        option = option.filter(has_text=re.compile(rf"^#{run_id} "))
    option.first.click()
    d.page.keyboard.press("Escape")
    number = r"\d+" if run_id is None else str(run_id)
    heading = d.page.locator('[data-testid="stMain"] h3', has_text=re.compile(rf"^Run {number}\b"))
    heading.wait_for()
    d.wait_idle()
    return d.page.locator('[data-testid="stMain"]').inner_text()


def _ms(sorted_seconds, q):
    return round(1e3 * sorted_seconds[min(len(sorted_seconds) - 1, int(q * len(sorted_seconds)))], 1)


def test_two_people_share_the_board_and_it_survives_a_restart(browser, board_server):
    ctx_a, a = person(browser, board_server.url, "train?name=Ada%20L.")
    ctx_b = ctx_c = None
    try:
        a.start_training(epochs=1)
        a.wait_progress(lambda p: p["status"] == "completed", timeout=180, what="A's run to finish")
        saved = a.page.get_by_text(re.compile(r"Saved to the class board \(run \d+\)")).first  # the run's result
        saved.wait_for()
        run_id = re.search(r"run (\d+)", saved.inner_text())[1]
        assert "name=Ada" in a.page.url  # the nickname stays in the URL

        ctx_b, b = person(browser, board_server.url, "class?name=Bob")
        shown = pick_first_run(b)
        assert f"Run {run_id}" in shown and f"#{run_id} Ada L.: hidden 128" in shown
        b.button("Load this model").click()
        b.page.locator('[data-testid="stSidebarUserContent"]',
                       has_text=f"from the class board: run {run_id} by Ada L.").wait_for()
        b.goto("Draw")
        assert (b.draw(vertical_one(), CANVAS_SIZE) or "").isdigit(), "no answer from A's model"
        assert f"run {run_id} by Ada L." in b.sidebar_text()

        b.goto("Class")
        b.page.get_by_text("Presenter view").click()
        table = b.page.locator(".st-key-presenter table")
        table.wait_for()
        assert "Ada L." in table.inner_text()
        # the presenter fragment refreshes itself: wait for two more refreshes (a busy machine may be slow)
        deadline = time.monotonic() + 90
        while len(refreshes := board_server.timings("class_presenter_refresh")) < 3 and time.monotonic() < deadline:
            b.page.wait_for_timeout(500)  # polling interval
        assert len(refreshes) >= 3, f"the presenter view refreshed {len(refreshes)} times in 90 s"
        builds = board_server.timings("class_page_run")  # the first one also opened the database
        for name, got in (("class_presenter_refresh", refreshes), ("class_page_run", builds),
                          ("class_presenter_cpu", board_server.timings("class_presenter_cpu")),
                          ("class_page_cpu", board_server.timings("class_page_cpu"))):
            record(f"{name}_ms", {"n": len(got), "median": _ms(got, 0.5), "max": _ms(got, 1)})
    finally:
        for ctx in (ctx_a, ctx_b):
            if ctx is not None:
                ctx.close()

    board_server.stop()
    board_server.start()
    try:
        ctx_c, c = person(browser, board_server.url, "class")
        assert f"#{run_id} Ada L.: hidden 128" in pick_first_run(c)
    finally:
        if ctx_c is not None:
            ctx_c.close()
