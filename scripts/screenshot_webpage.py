"""A screenshot of the exported web page with a digit drawn, for docs/take-home.md.

    python scripts/screenshot_webpage.py                       # docs/img/webpage.png (laptop size)
    python scripts/screenshot_webpage.py --phone --out test-artifacts/webpage-phone.png

Exports the shipped model (``nnscratch.webpage.to_html``) to a temporary file, opens it from file://
in headless Chromium with the network off, draws a 7 with the mouse (a finger with --phone) and waits
for the answer. Chromium: $CHROMIUM_PATH or /usr/bin/chromium, as in scripts/screenshots.py.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from screenshots import FLAGS, SIZES, find_chromium  # noqa: E402

from nnscratch import Network  # noqa: E402
from nnscratch.checkpoint import SHIPPED_MODEL_PATH  # noqa: E402
from nnscratch.webpage import to_html  # noqa: E402

SEVEN = [[(62, 58), (212, 54), (118, 236)], [(100, 146), (190, 140)]]  # canvas pixels (280 px canvas)


def stroke(page, pts, cdp) -> None:
    dense = [pts[0]]
    for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
        n = max(1, math.ceil(math.hypot(x1 - x0, y1 - y0) / 4))
        dense += [(x0 + (x1 - x0) * k / n, y0 + (y1 - y0) * k / n) for k in range(1, n + 1)]
    if cdp is None:
        page.mouse.move(*dense[0])
        page.mouse.down()
        for p in dense[1:]:
            page.mouse.move(*p)
        page.mouse.up()
        return
    for kind, (x, y) in [("touchStart", dense[0])] + [("touchMove", p) for p in dense[1:]] + [("touchEnd", dense[-1])]:
        cdp.send("Input.dispatchTouchEvent",
                 {"type": kind, "touchPoints": [] if kind == "touchEnd" else [{"x": x, "y": y, "id": 1}]})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--phone", action="store_true", help="390x844 with touch instead of 1366x768")
    ap.add_argument("--out", default=str(ROOT / "docs" / "img" / "webpage.png"))
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        path = Path(tmp) / "digit.html"
        path.write_text(to_html(Network.load(SHIPPED_MODEL_PATH)), encoding="utf-8")
        browser = pw.chromium.launch(executable_path=find_chromium(), args=FLAGS)
        context = browser.new_context(offline=True, **SIZES["phone" if args.phone else "laptop"])
        page = context.new_page()
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-ready='1']")
        cdp = context.new_cdp_session(page) if args.phone else None
        box = page.locator("#pad").bounding_box()
        k = box["width"] / 280
        for i, s in enumerate(SEVEN, start=1):
            stroke(page, [(box["x"] + x * k, box["y"] + y * k) for x, y in s], cdp)
            page.wait_for_selector(f"body[data-strokes='{i}']")
        page.screenshot(path=args.out, full_page=args.phone)
        print(f"{args.out}: the page reads {page.locator('#digit').inner_text()}")
        browser.close()


if __name__ == "__main__":
    main()
