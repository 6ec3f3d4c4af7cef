"""No one left out: axe-core (4.12.1, bundled by axe-playwright-python) finds no serious or critical
accessibility violation on any page, at laptop (1366x768) and phone (390x844, touch) sizes and in
presenter mode (1920x1080, ?present=1): labels, colour contrast, names for icon buttons, alt text for the
digit images, ARIA, keyboard access to scrolling boxes.

Pages are checked twice: as a new visitor opens them, and full of content after a session drew a digit,
labelled it, and trained a quick run (answers, digit images, curves, the class board's entries): an
empty page hides most problems. A failure prints each violation's rule id, impact, where (CSS target)
and what axe says to do.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from .appdriver import ANSWER_TIMEOUT, PAGES, AppDriver
from .test_browser_draw import vertical_one
from nnscratch.drawing.preprocess import CANVAS_SIZE

SCREENS = {
    "laptop-1366x768": (dict(viewport={"width": 1366, "height": 768}), ""),
    "phone-390x844": (dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True), ""),
    "presenter-1920x1080": (dict(viewport={"width": 1920, "height": 1080}), "?present=1"),
}
BLOCKING = ("serious", "critical")
# Findings inside Streamlit's own markup that the app cannot change, each as (rule id, the element's own
# data-testid): only that rule on that element is let through, never a rule or an element wholesale.
STREAMLIT_INTERNAL = {
    # st.toast (a finished run, a flash message) is a role="alertdialog" with no aria-label or
    # aria-labelledby; its text is announced, but the dialog has no name. Streamlit 1.67's Toast sets no
    # label and takes none from the app.
    ("aria-dialog-name", "stToast"),
}
SETTLED_MS = 600  # the page's DOM unchanged this long = rendered (Streamlit adds elements after the run ends)

_AXE = Axe()


def wait_settled(app: AppDriver, timeout: float = ANSWER_TIMEOUT) -> None:
    """Until the script run has ended and nothing on the page has changed for SETTLED_MS: Streamlit keeps
    adding elements for up to a second after its run state says it is done (measured on the Train page)."""
    app.wait_laid_out(timeout)
    app.page.evaluate("""() => { window.__nnsChanged = performance.now();
        if (!window.__nnsObserver) { window.__nnsObserver = new MutationObserver(() => { window.__nnsChanged = performance.now(); });
          window.__nnsObserver.observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true}); } }""")
    app.page.wait_for_function(f"() => performance.now() - window.__nnsChanged > {SETTLED_MS}", timeout=timeout,
                               polling=100)
    app.wait_idle(timeout)


def _internal(rule: str, node: dict) -> bool:
    return any(rule == r and f'data-testid="{testid}"' in node["html"].split(">", 1)[0]
               for r, testid in STREAMLIT_INTERNAL)


def _blocking(response: dict) -> list[dict]:
    found = []
    for v in response["violations"]:
        nodes = [n for n in v["nodes"] if not _internal(v["id"], n)]
        if v["impact"] in BLOCKING and nodes:
            found.append(dict(v, nodes=nodes))
    return found


def violations(app: AppDriver) -> list[dict]:
    """axe's serious and critical violations on the page as it is now (STREAMLIT_INTERNAL left out).

    Every rule runs at the screen's own size. Colour contrast runs once more with the window as tall as
    the page: axe checks it only for text inside the visible part of the scrolling main area (measured: 19
    of 83 failing code tokens on How it works at 1366x768), and the width, so the layout, stays the same."""
    page = app.page
    found = _blocking(_AXE.run(page).response)
    size = page.viewport_size
    tall = page.evaluate("() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
                         " return Math.max(m ? m.scrollHeight : 0, document.documentElement.scrollHeight); }")
    if tall > size["height"]:
        page.set_viewport_size({"width": size["width"], "height": tall})
        try:
            wait_settled(app)
            contrast = _AXE.run(page, options={"runOnly": ["color-contrast"]}).response
        finally:
            page.set_viewport_size(size)
        seen = {n["target"][-1] for v in found for n in v["nodes"] if v["id"] == "color-contrast"}
        for v in _blocking(contrast):
            v["nodes"] = [n for n in v["nodes"] if n["target"][-1] not in seen]
            if v["nodes"]:
                found.append(v)
    return found


def describe(where: str, found: list[dict]) -> list[str]:
    """One line per element: rule id (impact) at its CSS target: what to do (and what axe measured)."""
    return [f"{where}: {v['id']} ({v['impact']}) at {' '.join(map(str, n['target']))}: {v['help']}"
            f" [{' '.join(n.get('failureSummary', '').split())[:300]}]" for v in found for n in v["nodes"]]


@pytest.fixture(params=list(SCREENS))
def screen(request, browser, app_url):
    options, query = SCREENS[request.param]
    context = browser.new_context(**options)
    context.set_default_timeout(60_000)
    driver = AppDriver(context.new_page(), app_url, touch=options.get("has_touch", False))
    driver.screen, driver.query = request.param, query
    yield driver
    driver.stop_training()
    context.close()


def open_page(app: AppDriver, title: str) -> None:
    """Load a page by URL, as a new visitor (a phone's sidebar is closed: no clicking through it)."""
    path = PAGES[title]
    app.page.goto(f"{app.base}/{'' if path == 'home' else path}{app.query}")
    app.title_locator().wait_for()
    wait_settled(app)


def navigate(app: AppDriver, title: str) -> None:
    """Switch page in the same session, as a person does: the sidebar (opened first on a phone) or,
    in presenter mode, the bar on top."""
    expand = app.page.locator('[data-testid="stExpandSidebarButton"]')
    phone = not app.query and expand.count() and expand.first.is_visible()
    if phone:
        expand.first.click()
    app.goto(title)
    if phone:  # a phone's open sidebar covers the page: close it, as a person would
        app.page.locator('[data-testid="stSidebarCollapseButton"] button').first.click()
        app.page.wait_for_function("() => document.querySelector('[data-testid=\"stSidebar\"]')"
                                   ".getAttribute('data-collapsed') === 'true'")
    wait_settled(app)


def test_every_page_as_a_new_visitor_sees_it(screen):
    found = []
    for title in PAGES:
        open_page(screen, title)
        assert not screen.exceptions(), f"{title}: {screen.exceptions()}"
        found += describe(f"{screen.screen} {title}", violations(screen))
    assert not found, "axe: serious or critical violations\n" + "\n".join(found)


def test_every_page_full_of_content(screen):
    """One session draws a 1, says it is right, trains the quick recipe to the end, then every page is
    checked with its answers, images, curves and the class board's entries on it."""
    app, found = screen, []
    open_page(app, "Draw")
    assert app.draw(vertical_one(), CANVAS_SIZE) is not None
    wait_settled(app)
    found += describe(f"{app.screen} Draw, answered", violations(app))
    app.page.locator('[data-testid="stMain"] .st-key-label-right button').click()
    app.page.locator('[data-testid="stMain"] .st-key-draw-label', has_text="Saved to your drawings").wait_for(
        timeout=ANSWER_TIMEOUT)
    wait_settled(app)
    found += describe(f"{app.screen} Draw, labelled", violations(app))

    navigate(app, "Train")
    app.start_training()
    app.wait_progress(lambda p: p["status"] == "completed", timeout=300, what="the quick run to complete")
    app.page.locator('[data-testid="stMain"] [data-testid="stAlertContentSuccess"]', has_text="accuracy").first.wait_for(
        timeout=ANSWER_TIMEOUT)
    wait_settled(app)
    found += describe(f"{app.screen} Train, after a run", violations(app))

    for title in PAGES:
        if title in ("Draw", "Train"):
            continue
        navigate(app, title)
        assert not app.exceptions(), f"{title}: {app.exceptions()}"
        found += describe(f"{app.screen} {title}, after drawing and training", violations(app))
    assert not found, "axe: serious or critical violations\n" + "\n".join(found)
