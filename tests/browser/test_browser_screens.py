"""Every page at laptop (1366x768), projector (1920x1080) and phone (390x844) sizes: nothing it shows is cut
off or hidden behind a horizontal scrollbar (code blocks excepted), and every page can be used from the
keyboard (Tab reaches its controls)."""

from __future__ import annotations

import pytest

from .appdriver import ARTIFACTS, PAGES, AppDriver

SCREENS = {
    "laptop-1366x768": dict(viewport={"width": 1366, "height": 768}),
    "projector-1920x1080": dict(viewport={"width": 1920, "height": 1080}),
    "phone-390x844": dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True),
}

# Elements whose content is wider than their box while the box hides or scrolls it: equations (KaTeX),
# tables, dataframes, text with an ellipsis. Skipped: code blocks (scrolling them is expected), boxes a
# screen reader uses but no one sees (1-2 px), and the collapsed sidebar (off screen).
OVERFLOW_JS = """
() => {
  const out = [];
  for (const e of document.querySelectorAll('[data-testid="stMain"] *, [data-testid="stSidebar"] *')) {
    if (e.scrollWidth <= e.clientWidth + 1) continue;
    const ox = getComputedStyle(e).overflowX;
    if (!['hidden', 'auto', 'scroll', 'clip'].includes(ox)) continue;
    if (e.closest('pre, code, [data-testid="stCode"], [data-testid="stCodeBlock"]')) continue;
    if (e.closest('[data-testid="stSidebar"][data-collapsed="true"]')) continue;
    const r = e.getBoundingClientRect();
    if (r.width <= 2 || r.height <= 2 || r.right <= 0 || r.left >= innerWidth) continue;
    out.push({what: e.tagName.toLowerCase() + '.' + String(e.className).split(' ')[0] +
              (e.getAttribute('data-testid') ? '[' + e.getAttribute('data-testid') + ']' : ''),
              overflow: ox, content_px: e.scrollWidth, box_px: e.clientWidth,
              text: (e.innerText || '').replace(/\\s+/g, ' ').slice(0, 80)});
  }
  return out;
}
"""

# What Tab must reach on each page: (role, accessible name pattern) of one control a person needs there.
KEYBOARD_TARGETS = {
    "Home": ("link", "Start by drawing a digit"),
    "Train": ("button", "Start training"),
    "Weights": ("spinbutton", "Look closer at"),
    "Draw": ("button", "Clear"),
    "Evaluate": ("button", "Random digit"),
    "How it works": ("spinbutton", "Test index"),
    "Class": ("switch", "Presenter view"),
    "My drawings": ("link", "Draw a digit"),  # a new session has no drawings yet
    "Step inside": ("button", "Step x10"),
}


def open_page(app: AppDriver, title: str, query: str = "") -> None:
    """Load a page by its URL (a phone's sidebar is closed, so no clicking through it) and wait for it."""
    path = PAGES[title]
    app.page.goto(f"{app.base}/{'' if path == 'home' else path}{query}")
    app.title_locator().wait_for()
    app.wait_laid_out()


def overflowing(app: AppDriver) -> list:
    return app.page.evaluate(OVERFLOW_JS)


@pytest.fixture(params=list(SCREENS))
def screen(request, browser, app_url):
    context = browser.new_context(**SCREENS[request.param])
    context.set_default_timeout(60_000)
    driver = AppDriver(context.new_page(), app_url)
    driver.screen = request.param
    yield driver
    context.close()


def test_no_page_cuts_off_what_it_shows(screen):
    found = {}
    for title in PAGES:
        open_page(screen, title)
        assert not screen.exceptions(), f"{title}: {screen.exceptions()}"
        bad = overflowing(screen)
        if bad:
            found[title] = bad
            ARTIFACTS.mkdir(exist_ok=True)
            screen.page.screenshot(path=str(ARTIFACTS / f"overflow-{screen.screen}-{PAGES[title]}.png"))
    assert not found, f"cut off or scrolled sideways at {screen.screen}: {found}"


def focused(page) -> dict:
    return page.evaluate("""() => { const e = document.activeElement; if (!e) return {};
        const label = e.getAttribute('aria-label') || (e.labels && e.labels[0] && e.labels[0].innerText) || '';
        return {tag: e.tagName.toLowerCase(), role: e.getAttribute('role') || e.type || e.tagName.toLowerCase(),
                text: ((e.innerText || '') + ' ' + label).trim().replace(/\\s+/g, ' ').slice(0, 80)}; }""")


@pytest.mark.parametrize("title", list(PAGES))
def test_every_page_is_usable_from_the_keyboard(app, title):
    """From the top of the page, Tab alone reaches the page's main control, with a visible focus ring."""
    app.page.set_viewport_size({"width": 1366, "height": 768})
    open_page(app, title)
    role, name = KEYBOARD_TARGETS[title]
    target = app.page.get_by_role(role, name=name).first
    target.wait_for()
    app.page.locator("body").focus()
    seen = []
    for _ in range(60):
        app.page.keyboard.press("Tab")
        if target.evaluate("e => e === document.activeElement"):
            ring = target.evaluate("e => { const s = getComputedStyle(e); return s.outlineStyle !== 'none' &&"
                                   " parseFloat(s.outlineWidth) >= 2 || s.boxShadow !== 'none'; }")
            assert ring, f"{title}: {name} has focus but no visible focus ring"
            return
        seen.append(focused(app.page))
    pytest.fail(f"{title}: 60 Tabs never reached {role} '{name}'; focus went through {seen[:25]}")
