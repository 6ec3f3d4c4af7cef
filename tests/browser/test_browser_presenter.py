"""Presenter mode at 1366x768 (a projector): ?present=1 gives body text of at least 24 px, bigger headings,
metrics and charts, the sidebar closed (pages switched from a bar on top, the mode kept in the URL),
participant-only controls folded, nothing cut off; every page still works (draw, start a run); the
sidebar toggle turns it off again."""

from __future__ import annotations

import re

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from .appdriver import PAGES, record
from .test_browser_draw import closed_zero, vertical_one
from .test_browser_screens import OVERFLOW_JS, open_page
from nnscratch.drawing.preprocess import CANVAS_SIZE

SIZES_JS = """
() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const px = e => parseFloat(getComputedStyle(e).fontSize);
  const visible = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const text = [...main.querySelectorAll('p, li, label, td, th')].filter(visible)
      .filter(e => !e.closest('pre, code, [data-testid="stCode"], .katex, [data-testid="stExpander"] summary'))
      .filter(e => e.innerText.trim());
  const h1 = main.querySelector('h1');
  // the element that holds a metric's text (its own font size is what one sees)
  const metrics = [...main.querySelectorAll('[data-testid="stMetricValue"]')].filter(visible)
      .map(e => [...e.querySelectorAll('*')].filter(c => c.innerText && c.innerText.trim()).pop() || e);
  const charts = [...main.querySelectorAll('[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg')]
      .filter(visible);
  return {min_text_px: text.length ? Math.min(...text.map(px)) : null,
          smallest: text.sort((a, b) => px(a) - px(b)).slice(0, 3).map(e => px(e) + 'px ' + e.innerText.slice(0, 40)),
          h1_px: h1 ? px(h1) : null, metric_px: metrics.length ? Math.min(...metrics.map(px)) : null,
          chart_h: charts.length ? Math.max(...charts.map(e => e.getBoundingClientRect().height)) : null};
}
"""


def sizes(app) -> dict:
    return app.page.evaluate(SIZES_JS)


def styled(app, h1_px: float) -> None:
    """Until the page's presenter styles are in effect (its heading bigger than ``h1_px``); the styles
    come in an st.html element whose code the browser may still be loading. Gives up after 30 s and
    lets the size checks report what is on the page."""
    try:
        app.page.wait_for_function(f"() => ({SIZES_JS})().h1_px > {h1_px}", timeout=30_000)
    except PlaywrightTimeout:  # the assertions that follow say what is wrong
        pass


def evaluate_shown(app) -> None:
    """Until the Evaluate page shows what is measured on it: its metrics and its drawn chart."""
    main = app.page.locator('[data-testid="stMain"]')
    # the browser loads some element kinds' code on their first use, after the script run has ended
    main.locator('[data-testid="stMetricValue"]').first.wait_for()
    main.locator('[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg').first.wait_for()
    app.wait_laid_out()
    assert not app.error_boxes() and not app.exceptions(), app.error_boxes() + app.exceptions()


def test_presenter_mode_is_big_folded_and_kept_while_navigating(app):
    page = app.page
    page.set_viewport_size({"width": 1366, "height": 768})
    normal = {}
    for title in ("Evaluate", "Train"):
        open_page(app, title)
        if title == "Evaluate":
            evaluate_shown(app)
        normal[title] = sizes(app)

    # a fresh session opened with ?present=1, then moved around with the bar on top
    open_page(app, "Home", "?present=1")
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert sidebar.get_attribute("data-collapsed") == "true", "presenter mode should start with the sidebar closed"
    figures = {}
    for title in PAGES:
        app.goto(title)  # through the top navigation bar
        assert "present=1" in page.url, f"presenter mode was lost on the way to {title}: {page.url}"
        app.wait_laid_out()
        if title == "Evaluate":
            evaluate_shown(app)
        styled(app, 1.2 * normal["Train"]["h1_px"])
        got = sizes(app)
        figures[title] = got
        assert got["min_text_px"] is None or got["min_text_px"] >= 24, f"{title}: text below 24 px: {got}"
        assert got["h1_px"] > 1.2 * normal["Train"]["h1_px"], f"{title}: heading not larger: {got}"
        over = page.evaluate(OVERFLOW_JS)
        assert not over, f"{title} in presenter mode cuts off: {over}"
        assert not app.exceptions(), f"{title}: {app.exceptions()}"
        if title == "Evaluate":
            assert got["metric_px"] > 1.2 * normal["Evaluate"]["metric_px"], (got, normal["Evaluate"])
            assert got["chart_h"] > 1.3 * normal["Evaluate"]["chart_h"], (got, normal["Evaluate"])
    record("presenter_sizes_1366x768", dict(normal=normal, present=figures))

    # participant-only controls are folded on the Train page; Start stays in view and works
    app.goto("Train")
    assert not page.get_by_label(re.compile("^Hidden layers")).is_visible(), "form fields should be folded"
    assert not page.get_by_text("Upload a model saved by nnscratch").is_visible(), "model files should be folded"
    app.press_start("watch")  # paced: still going when Stop is pressed (as fast as it goes, it is over in a blink)
    app.wait_progress(lambda p: p["status"] == "running" and p["step"] > 0, timeout=60,
                      what="a run started in presenter mode")
    app.button("Stop").click()
    app.wait_progress(lambda p: p["status"] == "stopped", timeout=60, what="the run to stop")

    # the bigger canvas (CSS zoom) still reads what is drawn on it
    app.goto("Draw")
    box = app.canvas().bounding_box()
    assert box["width"] > 1.2 * CANVAS_SIZE, f"the canvas should be shown bigger for the room: {box}"
    assert app.draw(vertical_one(), CANVAS_SIZE) == "1"
    assert sizes(app)["metric_px"] >= 40, "the prediction should be big in presenter mode"
    app.clear()
    assert app.draw(closed_zero(), CANVAS_SIZE) == "0"

    # the sidebar toggle turns presenter mode off, and the URL follows
    page.locator('[data-testid="stExpandSidebarButton"]').click()
    page.get_by_text("Presenter mode").click()
    page.wait_for_url(lambda u: "present=" not in u, timeout=30_000)
    app.wait_laid_out()
    # the styles go when the rerun replaces them: wait for that, and fail if it never happens
    page.wait_for_function(f"() => {{ const m = ({SIZES_JS})().min_text_px; return m !== null && m < 24; }}",
                           timeout=30_000)
    assert not app.exceptions()
