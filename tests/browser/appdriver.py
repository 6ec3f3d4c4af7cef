"""A thin driver for the app in a real browser: what a person does (click, draw) and sees (text, images).

Synchronisation is always on what the page shows (an answer appears or changes, a status text moves,
the script run ends), never on fixed sleeps. Waits are long (tens of seconds): the machine that runs
these tests may be shared and busy.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"  # screenshots and logs of failed browser tests (gitignored)

# Sidebar title -> URL path (st.Page url_path in streamlit_app.py).
PAGES = {"Home": "home", "Train": "train", "Weights": "weights", "Draw": "draw", "Evaluate": "evaluate",
         "How it works": "how-it-works", "Class": "class", "My drawings": "my-drawings",
         "Step inside": "step"}
ANSWER_TIMEOUT = 60_000  # ms: a stroke's answer, a page switch, a rerun
# The Train form's Pace radio (app/pages/train.py PACES): tests run with the pace off unless it is what they test.
PACES = {"fast": "As fast as it goes", "watch": re.compile(r"^Watch it learn")}
PROGRESS_RE = re.compile(r"·\s*(?P<status>[a-z]+)\s*·\s*step\s*(?P<step>[\d,]+)\s*/\s*(?P<total>[\d,]+)")

_APP = '[data-testid="stApp"]'
_MAIN = '[data-testid="stMain"]'


class AppDriver:
    def __init__(self, page, base_url: str, touch: bool = False):
        self.page = page
        self.touch = touch  # strokes as touch events (a phone) instead of the mouse
        self.base = base_url.rstrip("/")
        self.console: list[str] = []
        self.started_run = False
        page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))

    # ------------------------------------------------------------------------------------ pages
    def open(self, title: str = "Home") -> None:
        """Load the app at a page (a new Streamlit session) and wait until it has rendered."""
        path = PAGES[title]
        self.page.goto(f"{self.base}/" if path == "home" else f"{self.base}/{path}")  # Home is the default page
        self.page.locator(f'{_APP}[data-test-connection-state="CONNECTED"]').wait_for(timeout=ANSWER_TIMEOUT)
        self.title_locator().wait_for(timeout=ANSWER_TIMEOUT)
        self.wait_idle()

    def title_locator(self):
        return self.page.locator(f"{_MAIN} h1").first

    def goto(self, title: str, timeout: float = ANSWER_TIMEOUT) -> None:
        """Switch page through the sidebar navigation (same session) and wait for the new page."""
        path = PAGES[title]
        if self.current_path() == path:
            return
        old = self.title_locator().inner_text(timeout=timeout) if self.title_locator().count() else ""
        href = f"{self.base}/" if path == "home" else f"{self.base}/{path}"
        # the sidebar's navigation, or the bar on top in presenter mode
        self.page.locator(f'a[data-testid="stSidebarNavLink"][href="{href}"], '
                          f'a[data-testid="stTopNavLink"][href="{href}"]').first.click(timeout=timeout)
        self.page.wait_for_url(lambda u: self._path_of(u) == path, timeout=timeout)
        self.page.wait_for_function(
            "old => { const h = document.querySelector('[data-testid=\"stMain\"] h1');"
            " return h && h.innerText.trim() && h.innerText !== old; }", arg=old, timeout=timeout)
        self.wait_idle(timeout)

    def _path_of(self, url: str) -> str:
        rest = url[len(self.base):].split("?")[0].strip("/") if url.startswith(self.base) else url
        return rest or "home"

    def current_path(self) -> str:
        return self._path_of(self.page.url)

    def wait_idle(self, timeout: float = ANSWER_TIMEOUT) -> None:
        """Until the app's script run (or fragment run) has finished."""
        self.page.wait_for_function(
            "() => { const a = document.querySelector('[data-testid=\"stApp\"]');"
            " return a && a.getAttribute('data-test-script-state') === 'notRunning'; }", timeout=timeout)

    def wait_laid_out(self, timeout: float = ANSWER_TIMEOUT) -> None:
        """Until the script run has finished and every chart on the page is drawn with a height (Vega
        renders after the run ends, so measuring sizes right after it can find an empty chart box)."""
        self.wait_idle(timeout)
        self.page.wait_for_function(
            "() => [...document.querySelectorAll('[data-testid=\"stMain\"] [data-testid=\"stVegaLiteChart\"]')]"
            ".every(c => [...c.querySelectorAll('canvas, svg')].some(e => e.getBoundingClientRect().height > 0))",
            timeout=timeout)

    def exceptions(self) -> list[str]:
        return self.page.locator('[data-testid="stException"]').all_inner_texts()

    def error_boxes(self) -> list[str]:
        return self.page.locator('[data-testid="stAlertContentError"]').all_inner_texts()

    def sidebar_text(self) -> str:
        return self.page.locator('[data-testid="stSidebarUserContent"]').inner_text()

    # ------------------------------------------------------------------------------------ metrics
    def metric(self, label: str):
        lab = self.page.locator('[data-testid="stMetricLabel"]', has_text=re.compile(rf"^\s*{re.escape(label)}\s*$"))
        return self.page.locator(f'{_MAIN} [data-testid="stMetric"]').filter(has=lab)

    def metric_value(self, label: str) -> str | None:
        m = self.metric(label)
        if m.count() == 0:
            return None
        return m.first.locator('[data-testid="stMetricValue"]').inner_text().strip()

    # ------------------------------------------------------------------------------------ draw
    def canvas(self):
        """The drawing surface (Fabric's upper canvas of streamlit-drawable-canvas, in the main area)."""
        return self.page.locator(f"{_MAIN} canvas.upper-canvas").first

    def seen_image_src(self) -> str | None:
        """The src of the 'what the network sees' image (the first image of the Draw page's main area);
        it changes whenever the 28x28 input changes, so it marks the answer to a stroke."""
        img = self.page.locator(f'{_MAIN} [data-testid="stImage"] img').first
        return img.get_attribute("src") if img.count() else None

    def stroke(self, points, canvas_size: float) -> None:
        """One pen-down..pen-up stroke through ``points`` (canvas pixels, 0..canvas_size), with mouse
        moves every few pixels so the canvas's free-drawing brush follows straight segments."""
        box = self.canvas().bounding_box()
        assert box is not None, "the drawing canvas is not visible"
        sx, sy = box["width"] / canvas_size, box["height"] / canvas_size
        pts = [(box["x"] + x * sx, box["y"] + y * sy) for x, y in points]
        if self.touch:
            return self._touch_stroke(pts)
        mouse = self.page.mouse
        mouse.move(*pts[0])
        mouse.down()
        if len(pts) == 1:
            mouse.move(pts[0][0] + 1, pts[0][1] + 1)
        for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
            mouse.move(x1, y1, steps=max(1, math.ceil(math.hypot(x1 - x0, y1 - y0) / 4)))
        mouse.up()

    def _touch_stroke(self, pts) -> None:
        """One finger down..up through page points, as a phone sends it (CDP Input.dispatchTouchEvent)."""
        cdp = getattr(self, "_cdp", None) or self.page.context.new_cdp_session(self.page)
        self._cdp = cdp
        touch = lambda kind, x, y: cdp.send("Input.dispatchTouchEvent", {  # noqa: E731
            "type": kind, "touchPoints": [] if kind == "touchEnd" else [{"x": x, "y": y, "id": 1}]})
        touch("touchStart", *pts[0])
        if len(pts) == 1:
            pts = pts + [(pts[0][0] + 1, pts[0][1] + 1)]
        for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
            n = max(1, math.ceil(math.hypot(x1 - x0, y1 - y0) / 4))
            for k in range(1, n + 1):
                touch("touchMove", x0 + (x1 - x0) * k / n, y0 + (y1 - y0) * k / n)
        touch("touchEnd", *pts[-1])

    def ink(self) -> int:
        """How many inked pixels the canvas shows now (read from the drawing layer itself)."""
        layer = self.page.locator(f"{_MAIN} canvas.dc-canvas.lower-canvas").first
        return layer.evaluate(
            "c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;"
            " for (let i = 0; i < d.length; i += 4) if (d[i] > 127) n++; return n; }")

    def canvas_key(self) -> str:
        m = re.search(r"st-key-(canvas\S*)", self.page.locator(f'{_MAIN} [class*="st-key-canvas"]').first
                      .get_attribute("class") or "")
        return m[1] if m else ""

    def draw(self, strokes, canvas_size: float, timeout: float = ANSWER_TIMEOUT) -> str | None:
        """Draw strokes one by one, waiting after each for the app's answer (the seen image changes,
        then the run ends); returns the Prediction shown at the end (None if there is none).

        A stroke that left no ink (the canvas was still being mounted, e.g. just after Clear on a busy
        machine) is drawn again, as a person would."""
        for pts in strokes:
            before = self.seen_image_src()
            for attempt in range(3):
                ink0 = self.ink()
                self.stroke(pts, canvas_size)
                if self._wait_ink_above(ink0):
                    break
            else:
                raise AssertionError("three strokes left no ink on the canvas")
            self.page.wait_for_function(
                "old => { const i = document.querySelector('[data-testid=\"stMain\"] [data-testid=\"stImage\"] img');"
                " return i && i.getAttribute('src') !== old; }", arg=before, timeout=timeout)
            self.wait_idle(timeout)
        self.metric("Prediction").first.wait_for(timeout=timeout)
        return self.metric_value("Prediction")

    def _wait_ink_above(self, n: int, timeout: float = 5.0) -> bool:
        """The canvas renders a stroke on mouse-up; poll briefly for the new ink."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ink() > n:
                return True
            self.page.wait_for_timeout(100)  # polling interval
        return False

    def clear(self, timeout: float = ANSWER_TIMEOUT) -> None:
        """Press Clear and wait until the old answer has gone and a fresh, empty canvas is in place."""
        key = self.canvas_key()
        self.page.get_by_role("button", name=re.compile(r"Clear")).click()
        self.metric("Prediction").first.wait_for(state="detached", timeout=timeout)
        self.wait_idle(timeout)
        if key:
            self.page.wait_for_function(
                "old => { const e = document.querySelector('[data-testid=\"stMain\"] [class*=\"st-key-canvas\"]');"
                " return e && !e.className.includes('st-key-' + old + ' ') && !e.className.endsWith('st-key-' + old); }",
                arg=key, timeout=timeout)
        self.canvas().wait_for(timeout=timeout)
        assert self.ink() == 0, "the canvas still shows ink after Clear"

    # ------------------------------------------------------------------------------------ train
    def progress(self) -> dict | None:
        """{'status', 'step', 'total'} from the Train page's run header, or None when there is none."""
        box = self.page.locator(".st-key-train-progress")
        if box.count() == 0:
            return None
        m = PROGRESS_RE.search(box.first.inner_text())
        if not m:
            return None
        return dict(status=m["status"], step=int(m["step"].replace(",", "")),
                    total=int(m["total"].replace(",", "")))

    def wait_progress(self, pred, timeout: float = 120.0, what: str = "the run") -> dict:
        """Poll the run header (every ~0.1 s) until ``pred(progress)``; returns that progress."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                last = self.progress()
            except Exception:  # noqa: BLE001 - the fragment replaced the element mid-read
                last = None
            if last is not None and pred(last):
                return last
            self.page.wait_for_timeout(100)  # polling interval, not a synchronisation point
        raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}; last seen: {last}")

    def set_number(self, label_re: str, value) -> None:
        box = self.page.get_by_label(re.compile(label_re))
        box.fill(str(value))
        box.press("Tab")

    def start_training(self, epochs: int | None = None, preset: str = "quick", pace: str | None = "fast") -> dict:
        """On the Train page: choose the preset (and epochs), the pace (by default none: "As fast as it
        goes", so a test does not wait out the watch-it-learn display), press Start, wait for the run header."""
        self.goto("Train")
        recipe = self.page.get_by_role("combobox", name=re.compile("Recipe"))
        if recipe.input_value() != preset:
            recipe.click()
            self.page.get_by_role("option", name=preset, exact=True).click()
            self.page.wait_for_function(
                "p => [...document.querySelectorAll('[role=combobox]')].some(e => e.value === p)", arg=preset)
            self.wait_idle()
        if epochs is not None:
            self.set_number(r"^Epochs", epochs)
        self.press_start(pace)
        return self.wait_progress(lambda p: p["status"] in ("queued", "running", "completed"),
                                  timeout=60, what="the run to start")

    def choose(self, label_re: str, option: str) -> None:
        """Pick ``option`` of a selectbox by typing it (the list filters to it) and Enter, once the list shows
        it: an Enter before that picks nothing, and the typed text alone looks like the value below."""
        box = self.page.get_by_role("combobox", name=re.compile(label_re))
        box.click()
        self.page.keyboard.type(option)
        self.page.get_by_role("option", name=option, exact=True).first.wait_for(timeout=ANSWER_TIMEOUT)
        self.page.keyboard.press("Enter")
        self.page.get_by_role("listbox").wait_for(state="hidden", timeout=ANSWER_TIMEOUT)
        self.page.wait_for_function("o => [...document.querySelectorAll('[role=combobox]')].some(e => e.value === o)",
                                    arg=option, timeout=ANSWER_TIMEOUT)

    def cell_captions(self, label_re: str, key: str, option: str, count_text: str, n_shown: int) -> list[str]:
        """A confusion-cell picker (app/cells.py): choose ``option``, wait for the box ``key`` to say
        ``count_text`` and show ``n_shown`` examples; their captions ("#id · 7: 93 %, ...")."""
        self.choose(label_re, option)
        box = self.page.locator(f".st-key-{key}")
        box.get_by_text(re.compile(rf"^{re.escape(count_text)}")).wait_for(timeout=ANSWER_TIMEOUT)
        self.wait_idle()
        self.page.wait_for_function(
            "([k, n]) => document.querySelectorAll(`.st-key-${k} [data-testid=\"stImageCaption\"]`).length === n",
            arg=[key, n_shown], timeout=ANSWER_TIMEOUT)
        return box.locator('[data-testid="stImageCaption"]').all_inner_texts()

    def choose_pace(self, pace: str = "fast") -> None:
        """The Train form's Pace: "fast" (As fast as it goes: tests do not wait out the display) or "watch"."""
        label = PACES[pace]
        self.page.locator('[data-testid="stMain"] [data-testid="stRadio"] label', has_text=label).first.click()
        radio = self.page.get_by_role("radio", name=label)
        self.page.wait_for_function("e => e.checked", arg=radio.element_handle(), timeout=ANSWER_TIMEOUT)

    def press_start(self, pace: str | None = "fast") -> None:
        """On the Train page: choose the pace (None: leave the form's), press Start training."""
        if pace is not None:
            self.choose_pace(pace)
        self.page.get_by_role("button", name=re.compile("Start training")).click()
        self.started_run = True

    def button(self, name: str):
        return self.page.get_by_role("button", name=re.compile(rf"^\W*{name}\s*$"))

    def stop_training(self) -> None:
        """Best effort after a test: stop a run this session left going (frees the machine)."""
        if not self.started_run:
            return
        try:
            self.goto("Train", timeout=20_000)
            stop = self.button("Stop")
            if stop.count():
                stop.click(timeout=10_000)
                self.wait_progress(lambda p: p["status"] not in ("running", "paused", "queued"), timeout=20)
        except Exception:  # noqa: BLE001 - teardown must not mask the test's own result
            pass


def record(name: str, value) -> None:
    """Keep a measured figure in test-artifacts/browser-figures.json (for the report and for CI logs)."""
    import json

    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "browser-figures.json"
    try:
        figures = json.loads(path.read_text())
    except (OSError, ValueError):
        figures = {}
    figures[name] = value
    path.write_text(json.dumps(figures, indent=1, sort_keys=True) + "\n")


def png_hash(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()
