"""Screenshots of every page at phone, laptop and projector sizes, to look at before and after a UI change.

    streamlit run streamlit_app.py --server.port 8650 --server.headless true &
    python scripts/screens.py --url http://127.0.0.1:8650 --out test-artifacts/screens/after
    python scripts/screens.py --url http://127.0.0.1:8650 --out test-artifacts/screens/present --present

Each size gets a fresh browser context (a fresh session): phone = 390x844 mobile with touch, laptop =
1366x768, projector = 1920x1080. Files: <out>/<size>-<page>.png (the viewport, what a person sees first)
and <size>-<page>-full.png (the whole page). Uses the same Chromium as the browser tests.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.browser.appdriver import PAGES  # noqa: E402
from tests.browser.conftest import CHROMIUM_FLAGS, find_chromium  # noqa: E402

SIZES = {
    "phone": dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=1),
    "laptop": dict(viewport={"width": 1366, "height": 768}),
    "projector": dict(viewport={"width": 1920, "height": 1080}),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", required=True, help="a running app, e.g. http://127.0.0.1:8650")
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--present", action="store_true", help="open every page with ?present=1")
    ap.add_argument("--sizes", default=",".join(SIZES))
    ap.add_argument("--pages", default=",".join(PAGES))
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        exe, why = find_chromium(pw)
        if exe is None:
            sys.exit(why)
        browser = pw.chromium.launch(executable_path=exe, args=CHROMIUM_FLAGS, headless=True)
        try:
            for size in args.sizes.split(","):
                ctx = browser.new_context(**SIZES[size])
                page = ctx.new_page()
                for title in args.pages.split(","):
                    path = PAGES[title]
                    url = f"{args.url.rstrip('/')}/{'' if path == 'home' else path}"
                    page.goto(url + ("?present=1" if args.present else ""))
                    page.locator('[data-testid="stMain"] h1').first.wait_for(timeout=60_000)
                    page.wait_for_function(
                        "() => document.querySelector('[data-testid=\"stApp\"]')"
                        ".getAttribute('data-test-script-state') === 'notRunning'", timeout=60_000)
                    page.wait_for_timeout(1500)  # charts and images finish drawing
                    page.screenshot(path=str(args.out / f"{size}-{path}.png"))
                    page.screenshot(path=str(args.out / f"{size}-{path}-full.png"), full_page=True)
                    print(f"{size} {title}: ok", flush=True)
                ctx.close()
        finally:
            browser.close()


if __name__ == "__main__":
    main()
