"""Screenshots of the real app for the documentation, or of every page for reviewing a UI change.

    python scripts/screenshots.py                 # refresh docs/img/ (the README's and docs/pages.md's pictures)
    python scripts/screenshots.py --only step     # only Step inside's three (docs/pages.md)
    python scripts/screenshots.py --all --out test-artifacts/screens    # every page at every size
    python scripts/screenshots.py --all --present --out test-artifacts/screens/present
    python scripts/screenshots.py --all --act --only train --out test-artifacts/screens   # after a run

It starts the app itself (`streamlit run streamlit_app.py`, headless, on a free port, with a fresh
empty data folder so no local class board shows up), drives headless Chromium with Playwright and
stops the app again. Sizes: phone 390x844 (touch), laptop 1366x768, projector 1920x1080 opened with
?present=1. The docs set is: Home at laptop size, Draw at phone size with a digit drawn, Train at
projector size after a quick run, Step inside at all three sizes after "Step on my drawing" with a 7
the pretrained model reads as 1, and Home at projector size as join-projector.png (the Join panel; the app
is started with NNSCRATCH_JOIN_URL set to EXAMPLE_JOIN_URL, an example LAN address, since the address of
the machine taking the picture means nothing to a reader). Every wait is on what the page shows (a heading, the end of a
script run, a chart drawn, a status text), never a fixed sleep.

Chromium: $CHROMIUM_PATH, /usr/bin/chromium (Debian: `apt-get install chromium`) or Playwright's own
(`python -m playwright install chromium`).
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS_IMG = ROOT / "docs" / "img"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
SIZES = {
    "phone": dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=1),
    "laptop": dict(viewport={"width": 1366, "height": 768}),
    "projector": dict(viewport={"width": 1920, "height": 1080}),
}
PAGES = ["home", "train", "weights", "draw", "my-drawings", "evaluate", "step", "how-it-works", "class"]
# The README's pictures: (page, size). The projector always opens pages with ?present=1.
DOCS_SET = [("home", "laptop"), ("draw", "phone"), ("train", "projector"),
            ("step", "phone"), ("step", "laptop"), ("step", "projector"),  # these three: docs/pages.md
            ("home", "projector")]
NAMES = {("home", "projector"): "join-projector"}  # a docs picture named for what it shows, not its page
EXAMPLE_JOIN_URL = "http://192.168.1.20:8501"
MAX_BYTES = 300 * 1024  # a docs picture at most (tests/test_docs.py IMAGE_MAX_BYTES)
TIMEOUT = 90_000  # ms; a shared, busy machine can be slow to run a page
# A "7" in canvas pixels (the canvas is 280 px): the top bar, then the stem.
SEVEN = [[(70, 60), (210, 60)], [(210, 60), (120, 230)]]
# A 7 with a short flag, in one stroke: the pretrained model reads it as 1 (Step inside's workshop).
SEVEN_AS_ONE = [[(140, 70), (165, 45), (140, 240)]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_chromium() -> str | None:
    env = os.environ.get("CHROMIUM_PATH")
    if env:
        return env
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    return None  # Playwright's own browser, if installed


class App:
    """`streamlit run streamlit_app.py` on a free port, until stop()."""

    def __init__(self, data_dir: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, NNSCRATCH_DATA=str(data_dir), OPENBLAS_NUM_THREADS="1",
                   NNSCRATCH_JOIN_URL=EXAMPLE_JOIN_URL)
        self.log = open(data_dir / "server.log", "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(self.port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_healthy(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"the app exited ({self.proc.returncode}); see {self.log.name}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)  # polling interval for the health check, not a synchronisation point
        sys.exit(f"the app did not answer /_stcore/health within {timeout:.0f} s; see {self.log.name}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def wait_idle(page) -> None:
    page.wait_for_function(
        "() => { const a = document.querySelector('[data-testid=\"stApp\"]');"
        " return a && a.getAttribute('data-test-script-state') === 'notRunning'; }", timeout=TIMEOUT)


def wait_drawn(page) -> None:
    """The script run has ended and every chart and image in the main area has been drawn."""
    wait_idle(page)
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=\"stMain\"] [data-testid=\"stVegaLiteChart\"]')]"
        ".every(c => [...c.querySelectorAll('canvas, svg')].some(e => e.getBoundingClientRect().height > 0))"
        " && [...document.querySelectorAll('[data-testid=\"stMain\"] img')].every(i => i.complete)",
        timeout=TIMEOUT)


def open_page(page, base: str, path: str, present: bool) -> None:
    url = f"{base}/" if path == "home" else f"{base}/{path}"
    page.goto(url + ("?present=1" if present else ""))
    page.locator('[data-testid="stApp"][data-test-connection-state="CONNECTED"]').wait_for(timeout=TIMEOUT)
    page.locator('[data-testid="stMain"] h1').first.wait_for(timeout=TIMEOUT)
    wait_drawn(page)


def _strokes(page, strokes, touch: bool, changed: str) -> None:
    """Draw ``strokes`` (canvas pixels) on the main area's canvas, with touch events on a phone; after each
    stroke wait until the first element matching ``changed`` shows something new (its src or text)."""
    canvas = page.locator('[data-testid="stMain"] canvas.upper-canvas').first
    canvas.wait_for(timeout=TIMEOUT)
    canvas.scroll_into_view_if_needed()
    cdp = page.context.new_cdp_session(page) if touch else None
    read = "e => e ? (e.getAttribute('src') || e.innerText) : null"
    for stroke in strokes:
        box = canvas.bounding_box()
        pts = [(box["x"] + x * box["width"] / 280, box["y"] + y * box["height"] / 280) for x, y in stroke]
        old = page.evaluate(f"s => ({read})(document.querySelector(s))", changed)
        line = []
        for (x0, y0), (x1, y1) in itertools.pairwise(pts):
            n = max(1, math.ceil(math.hypot(x1 - x0, y1 - y0) / 4))
            line += [(x0 + (x1 - x0) * k / n, y0 + (y1 - y0) * k / n) for k in range(n + 1)]
        if cdp:
            def touch_at(kind, x, y):
                cdp.send("Input.dispatchTouchEvent", {
                    "type": kind, "touchPoints": [] if kind == "touchEnd" else [{"x": x, "y": y, "id": 1}]})
            touch_at("touchStart", *line[0])
            for x, y in line[1:]:
                touch_at("touchMove", x, y)
            touch_at("touchEnd", *line[-1])
        else:
            page.mouse.move(*line[0])
            page.mouse.down()
            for x, y in line[1:]:
                page.mouse.move(x, y)
            page.mouse.up()
        page.wait_for_function(f"([s, old]) => {{ const v = ({read})(document.querySelector(s));"
                               " return v !== null && v !== old; }", arg=[changed, old], timeout=TIMEOUT)
        wait_idle(page)


def draw_seven(page, touch: bool) -> None:
    """Draw a 7 on the Draw page (touch events on a phone) and wait for the answer."""
    _strokes(page, SEVEN, touch, '[data-testid="stMain"] [data-testid="stImage"] img')
    page.locator('[data-testid="stMetric"]', has_text="Prediction").first.wait_for(timeout=TIMEOUT)
    wait_drawn(page)


def pick(page, label: str, option: str) -> None:
    """Choose ``option`` of the select labelled ``label`` (typed: the list filters to it, then Enter)."""
    page.get_by_role("combobox", name=label).click()
    page.keyboard.type(option)
    page.keyboard.press("Enter")
    page.wait_for_function("o => [...document.querySelectorAll('[role=combobox]')].some(e => e.value === o)",
                           arg=option, timeout=TIMEOUT)
    wait_idle(page)


def step_on_a_seven(page, touch: bool, size: str) -> None:
    """docs/pages.md's workshop on Step inside: the pretrained model, a 7 it reads as 1, labelled 7, Step on my
    drawing; then scrolled to what the size's picture shows (phone: the drawing's read and its probability
    move; laptop: the step's numbers and batch; projector: the gradient as pictures)."""
    page.get_by_role("combobox", name="Network to step").wait_for(timeout=TIMEOUT)
    option = page.evaluate("() => [...document.querySelectorAll('[data-testid=\"stSidebar\"] code')]"
                           ".map(e => e.innerText).find(t => /^784-/.test(t)) || ''")
    pick(page, "Network to step", f"The pretrained model ({option.replace(chr(8209), '-')})")
    _strokes(page, SEVEN_AS_ONE, touch, ".st-key-lit-out")
    page.locator(".st-key-lit-out").wait_for(timeout=TIMEOUT)
    pick(page, "It is a …", "7")
    page.locator(".st-key-lit_step button:not([disabled])").wait_for(timeout=TIMEOUT)
    page.get_by_role("button", name="Step on my drawing").click()
    page.get_by_text("Your drawing, labelled 7").first.wait_for(timeout=TIMEOUT)
    wait_drawn(page)
    target = {"phone": ".st-key-lit-read", "laptop": ".st-key-step-exact",
              "projector": "[data-testid='stMain'] h3:has-text('The gradient, layer by layer')"}[size]
    page.locator(target).first.evaluate("e => e.scrollIntoView({block: 'start'})")
    if size == "laptop":
        page.locator('[data-testid="stMain"] [data-testid="stMetric"]').first.evaluate(
            "e => e.scrollIntoView({block: 'start'})")
    page.mouse.move(5, 5)
    wait_drawn(page)


def train_quick(page) -> None:
    """Start the default recipe as fast as it goes and wait until the run has completed."""
    page.get_by_text("As fast as it goes").first.click()
    wait_idle(page)
    page.get_by_role("button", name="Start training").click()
    page.locator(".st-key-train-progress", has_text="completed").first.wait_for(timeout=300_000)
    wait_drawn(page)
    # the run's curves on screen, not the form; and no "Training finished" toast over them
    page.locator('[data-testid="stMain"] h3', has_text="Training run").first.evaluate(
        "e => e.scrollIntoView({block: 'start'})")
    page.locator('[data-testid="stToast"]').first.wait_for(state="detached", timeout=TIMEOUT)
    page.mouse.move(5, 500)  # off the charts, so no chart toolbar shows on hover


def fit(path: Path) -> None:
    """Keep a picture within docs' limit (tests/test_docs.py): over it, saved again with a 256-colour palette."""
    if path.stat().st_size <= MAX_BYTES:
        return
    from PIL import Image

    with Image.open(path) as im:
        small = im.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(path, optimize=True)


def shoot(browser, base: str, shots: list[tuple[str, str]], out: Path, act: bool, full: bool,
          present: bool = False) -> list[Path]:
    written = []
    for size in dict.fromkeys(s for _, s in shots):
        ctx = browser.new_context(**SIZES[size])  # a fresh browser session per size
        page = ctx.new_page()
        for path in [p for p, s in shots if s == size]:
            open_page(page, base, path, present=present or size == "projector")
            if act and path == "draw":
                draw_seven(page, touch=size == "phone")
            if act and path == "train":
                train_quick(page)
            if act and path == "step":
                step_on_a_seven(page, touch=size == "phone", size=size)
            name = out / f"{NAMES.get((path, size), f'{path}-{size}')}.png"
            page.screenshot(path=str(name), full_page=full)
            fit(name)
            written.append(name)
            print(f"{name.relative_to(ROOT) if name.is_relative_to(ROOT) else name}: "
                  f"{name.stat().st_size // 1024} KB", flush=True)
        ctx.close()
    return written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=DOCS_IMG, help="folder for the PNGs (default: docs/img)")
    ap.add_argument("--all", action="store_true", help="every page at every size, not only the docs set")
    ap.add_argument("--full-page", action="store_true", help="the whole page, not only the first screen")
    ap.add_argument("--present", action="store_true", help="open pages with ?present=1 at every size")
    ap.add_argument("--url", help="use an app already running at this address instead of starting one")
    ap.add_argument("--only", metavar="PAGE", choices=PAGES, help="only this page's pictures (e.g. step)")
    ap.add_argument("--act", action="store_true", help="with --all: train, draw and step as the docs set does")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    shots = [(p, s) for s in SIZES for p in PAGES] if args.all else DOCS_SET
    shots = [(p, s) for p, s in shots if args.only in (None, p)]
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nnscratch-screens-") as tmp:
        app = None
        if args.url:
            base = args.url.rstrip("/")
        else:
            app = App(Path(tmp))
            base = app.url
        try:
            if app:
                app.wait_healthy()
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=find_chromium(), args=FLAGS, headless=True)
                try:
                    shoot(browser, base, shots, args.out, act=args.act or not args.all, full=args.full_page,
                          present=args.present)
                finally:
                    browser.close()
        finally:
            if app:
                app.stop()


if __name__ == "__main__":
    main()
