"""Streamlit's websocket protocol, spoken as a browser speaks it: the benches' and tests' one client library.

- ``start_server`` / ``stop_server``: ``streamlit run <script>`` on a free 127.0.0.1 port, in its own process
  group, and its end; ``cpu_seconds`` / ``rss_mb`` read a process's CPU time and memory from /proc.
- ``ProtocolSession``: one browser-less session (``BackMsg``/``ForwardMsg`` from ``streamlit.proto`` over
  ``/_stcore/stream``): open a page, rerun it with widget values, rerun a ticking ``st.fragment`` as the
  browser's timer does, draw on the Draw page's canvas stroke by stroke.
- ``BrowserSession``: the same on a real headless Chromium page, timing mouse-up to the answer on screen.
- ``load_digits``: real pen digits from ``../shared/data/pendigits`` rendered stroke by stroke as the canvas
  sends them (synthetic ones and zeros where that data is absent).
Used by bench/bench_load.py, bench_room.py, bench_bombs.py, bench_memory.py, cluster_client.py and
tests/test_sessions.py.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import statistics
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

# The browser tests' server/Chromium helpers, under the name pytest gives them: a bare "conftest" is the
# repository root's conftest.py once pytest has loaded it.
from browser import conftest as browser_fixtures  # noqa: E402
from nnscratch.drawing import pendigits, preprocess  # noqa: E402

ANSWER_TIMEOUT = 60.0
SHARED = Path(os.environ.get("NNSCRATCH_SHARED") or ROOT.parent / "shared" / "data")

# ==================================================================================== servers
def start_server(script: str, timings: Path, log: Path, extra_args=(), cwd: Path = ROOT):
    """`streamlit run <script>` in ``cwd`` (a checkout) on a free 127.0.0.1 port (own process group); returns
    (proc, url)."""
    import subprocess

    port = browser_fixtures._free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, NNSCRATCH_TIMINGS=str(timings))
    cmd = [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
           # a commit landing mid-run must not make Streamlit re-import modules under 30 live sessions
           "--server.fileWatcherType", "none", *extra_args]
    f = open(log, "w")  # noqa: SIM115 - closed in stop_server
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    proc._log = f
    deadline = time.monotonic() + browser_fixtures.SERVER_START_TIMEOUT
    while time.monotonic() < deadline and proc.poll() is None:
        if browser_fixtures._healthy(url):
            return proc, url
        time.sleep(0.25)
    stop_server(proc)
    raise RuntimeError(f"{script} did not start; see {log}")


def stop_server(proc) -> None:
    browser_fixtures._stop_group(proc)
    proc._log.close()


def _tree(pid: int) -> dict:
    """pid -> its /proc stat fields, for ``pid`` and every process under it."""
    stats, children = {}, {}
    for path in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = path.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats[int(path.parent.name)] = fields
        children.setdefault(int(fields[1]), []).append(int(path.parent.name))
    out, todo = {}, [pid]
    while todo:
        p = todo.pop()
        if p in stats:
            out[p] = stats[p]
            todo += children.get(p, [])
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU time used so far by the process and every process under it, including those that
    have ended and been waited for (the app's training runs compute in child processes)."""
    ticks = sum(sum(int(x) for x in f[11:15]) for f in _tree(pid).values())  # utime, stime, waited-for children's
    return ticks / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process itself, without any process under it."""
    f = _tree(pid).get(pid)
    return sum(int(x) for x in f[11:13]) / os.sysconf("SC_CLK_TCK") if f else float("nan")


def memory_mb(pid: int) -> float:
    """The memory of the process and every process under it: their PSS summed (pages shared between them,
    such as the training data's map, counted once in all)."""
    total = 0
    for p in _tree(pid):
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


# ==================================================================================== digits
def load_digits(n: int = 300, seed: int = 0):
    """[(label, [stroke points...], [png data URL after stroke 1, 2, ...])]: real pen digits if present."""
    rng = random.Random(seed)
    path = SHARED / "pendigits" / "pendigits-train"
    if path.is_file():
        samples = pendigits.load(path)
        rng.shuffle(samples)
        picked = [(s.label, s.strokes) for s in samples[:n]]
    else:
        one = [[(140, 45), (140, 235)]]
        zero = [[(140 + 60 * np.sin(a), 140 - 90 * np.cos(a)) for a in np.linspace(0, 2 * np.pi, 40)]]
        picked = [(1, one), (0, zero)] * (n // 2)
    out = []
    for label, strokes in picked:
        canvas_strokes = _to_canvas(strokes)
        urls = [_png_url(pendigits.render(strokes[:k + 1], size=preprocess.CANVAS_SIZE, brush=preprocess.BRUSH_WIDTH))
                for k in range(len(strokes))]
        out.append((int(label), canvas_strokes, urls))
    return out


def _to_canvas(strokes):
    """Pen strokes -> canvas pixel strokes, placed exactly as pendigits.render places them (browsers)."""
    size, brush = preprocess.CANVAS_SIZE, preprocess.BRUSH_WIDTH
    pts = np.concatenate([np.asarray(s, float).reshape(-1, 2) for s in strokes])
    lo, hi = pts.min(0), pts.max(0)
    span = np.maximum(hi - lo, 1e-6)
    room = size * (1 - 2 * pendigits.MARGIN) - brush
    scale = min(size * pendigits.DIGIT_HEIGHT / span[1], room / span[0], room / span[1])
    offset = size / 2 - (lo + hi) / 2 * scale
    return [[(float(x), float(y)) for x, y in np.asarray(s, float).reshape(-1, 2) * scale + offset] for s in strokes]


def _png_url(rgba) -> str:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.asarray(rgba, np.uint8), "RGBA").save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _fabric_raw(strokes) -> dict:
    """A Fabric.js JSON like the canvas sends (one Path per stroke); the apps do not read it."""
    objs = []
    for s in strokes:
        path = [["M", *s[0]]] + [["Q", *a, *b] for a, b in zip(s, s[1:])]
        objs.append({"type": "Path", "version": "7.4.0", "originX": "center", "originY": "center",
                     "stroke": "#FFFFFF", "strokeWidth": preprocess.BRUSH_WIDTH, "strokeLineCap": "round",
                     "strokeLineJoin": "round", "fill": None, "path": path})
    return {"version": "7.4.0", "objects": objs, "background": "#000000"}


# ==================================================================================== protocol client
class ProtocolSession:
    """One browser-less Streamlit session on the Draw page, speaking the websocket protocol."""

    def __init__(self, base_url: str, page_name: str, name: str):
        self.ws_url = base_url.replace("http://", "ws://") + "/_stcore/stream"
        self.base_url = base_url
        self.page_name = page_name
        self.name = name
        self.ws = None
        self.page_hash = ""
        self.canvas_id = None
        self.canvas_fragment = ""  # the fragment the canvas lives in, if any: a stroke reruns only that
        self.session_id = ""
        self.pages: dict = {}
        self.errors: list = []
        self.headers: dict = {}  # extra handshake headers (bench/cluster_client.py sends its cookies)
        self.auto_reruns: dict = {}  # fragment id -> seconds: the st.fragment(run_every=...) a browser would rerun
        self.received = 0
        self.options: dict = {}  # a radio's label -> its options as the browser shows them (and sends back)

    def _context(self):
        m = BackMsg()
        ci = m.rerun_script.context_info
        ci.timezone, ci.timezone_offset, ci.locale = "UTC", 0, "en-US"
        ci.url = f"{self.base_url}/{self.page_name}"
        ci.is_embedded, ci.color_scheme = False, "light"
        return m

    async def open(self, require_canvas: bool = True, resume: str = ""):
        """Connect and run the page; ``resume``: the id of a session to reconnect to, as the browser
        does after a dropped connection (the second entry, an auth token, is unused here)."""
        import websockets

        protocols = ["streamlit", "none", resume] if resume else ["streamlit"]
        self.ws = await websockets.connect(self.ws_url, max_size=None, compression=None, open_timeout=60,
                                           subprotocols=protocols, ping_interval=None,
                                           additional_headers=self.headers or None)
        m = self._context()
        m.rerun_script.page_name = self.page_name
        m.rerun_script.widget_states.SetInParent()
        await self.ws.send(m.SerializeToString())
        await self._until_finished()
        if self.canvas_id is None and require_canvas:
            raise RuntimeError(f"{self.name}: no canvas on the page")

    async def close(self):
        if self.ws is not None:
            await self.ws.close()

    async def _until_finished(self, want_prediction=False):
        """Read ForwardMsgs until the script run finishes; returns (time prediction seen, value)."""
        t_pred, value = None, None
        self.texts, self.widgets = [], {}
        self.answer = []  # what each message of this answer was, in order ("new_session", "element:button", ...)
        self.fragments = getattr(self, "fragments", {})  # widget id -> the st.fragment it lives in ("" if none)
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), ANSWER_TIMEOUT)
            self.received += 1  # messages the server sent this session (bench_room.py prints them)
            msg = ForwardMsg.FromString(raw)
            kind = msg.WhichOneof("type")
            self.answer.append(f"element:{msg.delta.new_element.WhichOneof('type')}"
                               if kind == "delta" and msg.delta.WhichOneof("type") == "new_element" else kind)
            if kind == "new_session":
                self.page_hash = msg.new_session.page_script_hash
                if not msg.metadata.run.fragment_ids:
                    self.auto_reruns.clear()  # a whole-page run: the browser drops its fragments' timers
                self.session_id = msg.new_session.initialize.session_id or self.session_id
            elif kind == "navigation":
                if msg.navigation.page_script_hash:
                    self.page_hash = msg.navigation.page_script_hash  # the page actually shown (st.navigation)
                self.pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                el = msg.delta.new_element
                et = el.WhichOneof("type")
                if et == "bidi_component" and "canvas" in el.bidi_component.id:
                    self.canvas_id = el.bidi_component.id
                    self.canvas_fragment = msg.delta.fragment_id
                if et == "metric" and el.metric.label == "Prediction" and t_pred is None:
                    t_pred, value = time.perf_counter(), el.metric.body
                if et in ("markdown", "alert", "metric", "heading", "text", "html"):
                    part = getattr(el, et)
                    self.texts.append(" ".join(str(getattr(part, f, "")) for f in ("label", "body")).strip())
                if et and getattr(getattr(el, et), "id", ""):
                    part = getattr(el, et)
                    self.widgets[getattr(part, "label", "") or part.id] = (et, part.id)
                    self.fragments[part.id] = msg.delta.fragment_id
                    if et == "radio":
                        self.options[part.label] = list(part.options)
                if et == "exception":
                    self.errors.append(f"exception: {el.exception.type}: {el.exception.message[:200]}")
                if et == "alert" and el.alert.format == 1:  # Alert.ERROR
                    self.errors.append(f"error box: {el.alert.body[:200]}")
            elif kind == "auto_rerun":
                self.auto_reruns[msg.auto_rerun.fragment_id] = msg.auto_rerun.interval
            elif kind == "stop_auto_rerun":
                for fid in msg.stop_auto_rerun.fragment_ids:
                    self.auto_reruns.pop(fid, None)
            elif kind == "script_finished":
                # 0 finished ok, 1 with compile error, 2 rerun requested (interrupted), 3 fragment
                status = msg.script_finished
                if status != 2:
                    return t_pred, value, time.perf_counter()

    async def rerun(self, widgets=(), fragment: str = ""):
        """A rerun of the current page with widget states [(id, field, value)] (e.g. a button's
        ("...", "trigger_value", True)), or of the st.fragment the pressed button (else the first widget)
        lives in; waits for the run to end. self.texts then holds its texts.
        ``fragment``: rerun only that st.fragment, as the browser does when its ``run_every`` ticks."""
        m = self._context()
        m.rerun_script.page_script_hash = self.page_hash
        if fragment:
            m.rerun_script.fragment_id = fragment
            m.rerun_script.is_auto_rerun = True
        elif widgets:
            # a widget inside an st.fragment reruns only that fragment, as the browser sends it: the pressed
            # button's, if one is (the other values only ride along), else the first widget's
            used = next((w for w in widgets if w[1] == "trigger_value"), widgets[0])[0]
            if self.fragments.get(used):
                m.rerun_script.fragment_id = self.fragments[used]
        m.rerun_script.widget_states.SetInParent()
        for wid, field, value in widgets:
            w = m.rerun_script.widget_states.widgets.add()
            w.id = wid
            setattr(w, field, value)
        await self.ws.send(m.SerializeToString())
        await self._until_finished()

    async def goto(self, url_path: str):
        """Switch page in this session (as the sidebar navigation does); waits for the run to end."""
        m = self._context()
        m.rerun_script.page_script_hash = self.pages[url_path]
        m.rerun_script.widget_states.SetInParent()
        await self.ws.send(m.SerializeToString())
        await self._until_finished()

    def _stroke_msg(self, strokes, data_url: str) -> bytes:
        """The BackMsg the browser sends after a stroke: the canvas's new value, in its fragment if any."""
        m = self._context()
        m.rerun_script.page_script_hash = self.page_hash
        w = m.rerun_script.widget_states.widgets.add()
        w.id = self.canvas_id
        w.json_value = json.dumps({"drawing": {"raw": _fabric_raw(strokes), "data": data_url}})
        if self.canvas_fragment:  # as the browser does for a widget inside an st.fragment
            m.rerun_script.fragment_id = self.canvas_fragment
        return m.SerializeToString()

    async def stroke(self, strokes, data_url: str):
        """Send the canvas after a stroke; returns (seconds to Prediction, seconds to run end, value)."""
        msg = self._stroke_msg(strokes, data_url)
        t0 = time.perf_counter()
        await self.ws.send(msg)
        t_pred, value, t_end = await self._until_finished(True)
        return (None if t_pred is None else t_pred - t0), t_end - t0, value

    async def burst(self, digits, n=10):
        """n strokes back to back without waiting; the last one's prediction must still come."""
        t0 = time.perf_counter()
        sent = []
        for i in range(n):
            label, strokes, urls = digits[i % len(digits)]
            await self.ws.send(self._stroke_msg(strokes, urls[-1]))
            sent.append(label)
        t_pred, value, t_end = await self._until_finished(True)
        # Streamlit may coalesce queued reruns; what counts is that the final one answered.
        return dict(strokes=n, answered=t_pred is not None, seconds=t_end - t0, errors=list(self.errors))


# ==================================================================================== browser client
INIT_JS = r"""
(() => {
  const needle = new TextEncoder().encode("Prediction");
  const has = (buf) => { const a = new Uint8Array(buf);
    outer: for (let i = 0; i <= a.length - needle.length; i++) {
      for (let j = 0; j < needle.length; j++) if (a[i + j] !== needle[j]) continue outer;
      return true; } return false; };
  const nn = window.__nn = {awaiting: false, up: null, sent: null, msg: null, dom: null, value: null};
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...a) { super(...a);
      this.addEventListener("message", (ev) => {
        if (nn.awaiting && nn.msg === null && ev.data instanceof ArrayBuffer && has(ev.data)) nn.msg = performance.now();
      }); }
    send(d) { if (nn.awaiting && nn.sent === null) nn.sent = performance.now(); return super.send(d); }
  };
  const predBox = () => {
    for (const m of document.querySelectorAll('[data-testid="stMain"] [data-testid="stMetric"]')) {
      const l = m.querySelector('[data-testid="stMetricLabel"]');
      if (l && l.innerText.trim() === "Prediction") return m; }
    return null; };
  document.addEventListener("mouseup", () => {
    Object.assign(nn, {awaiting: true, up: performance.now(), sent: null, msg: null, dom: null, value: null}); }, true);
  setInterval(() => {
    if (!nn.awaiting || nn.msg === null) return;
    const m = predBox(); if (!m) return;
    const box = m.closest('[data-testid="stElementContainer"]');
    if (box && box.getAttribute("data-stale") === "true") return;
    nn.dom = performance.now(); nn.awaiting = false;
    const v = m.querySelector('[data-testid="stMetricValue"]'); nn.value = v ? v.innerText.trim() : null;
  }, 4);
})();
"""


class BrowserSession:
    def __init__(self, browser, base_url: str, page_name: str, name: str):
        self.browser, self.base_url, self.page_name, self.name = browser, base_url, page_name, name
        self.errors: list = []

    async def open(self):
        self.ctx = await self.browser.new_context(viewport={"width": 1600, "height": 1000})
        await self.ctx.add_init_script(INIT_JS)
        self.page = await self.ctx.new_page()
        self.page.set_default_timeout(ANSWER_TIMEOUT * 1000)
        await self.page.goto(f"{self.base_url}/{self.page_name}")
        await self.page.locator('[data-testid="stMain"] canvas.upper-canvas').first.wait_for()
        await self._idle()
        self.box = await self.page.locator('[data-testid="stMain"] canvas.upper-canvas').first.bounding_box()

    async def _idle(self):
        await self.page.wait_for_function(
            "() => { const a = document.querySelector('[data-testid=\"stApp\"]');"
            " return a && a.getAttribute('data-test-script-state') === 'notRunning'; }")

    async def close(self):
        await self.ctx.close()

    async def stroke(self, points):
        # read the canvas's place before every stroke: the page's layout may move it between answers
        self.box = await self.page.locator('[data-testid="stMain"] canvas.upper-canvas').first.bounding_box()
        b, s = self.box, preprocess.CANVAS_SIZE
        pts = [(b["x"] + x * b["width"] / s, b["y"] + y * b["height"] / s) for x, y in points]
        mouse = self.page.mouse
        await mouse.move(*pts[0])
        await mouse.down()
        if len(pts) == 1:
            pts.append((pts[0][0] + 1, pts[0][1] + 1))
        for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
            await mouse.move(x1, y1, steps=max(1, int(np.hypot(x1 - x0, y1 - y0) // 6)))
        await mouse.up()
        try:
            await self.page.wait_for_function("() => window.__nn.dom !== null", timeout=ANSWER_TIMEOUT * 1000)
        except Exception:
            nn = await self.page.evaluate("() => window.__nn")
            raise TimeoutError(f"no answer on screen: {nn}") from None
        nn = await self.page.evaluate("() => window.__nn")
        await self._idle()
        exc = await self.page.locator('[data-testid="stException"]').count()
        if exc:
            self.errors.append("exception box on the page")
        return dict(e2e=(nn["dom"] - nn["up"]) / 1000, send=(nn["sent"] - nn["up"]) / 1000 if nn["sent"] else None,
                    msg=(nn["msg"] - nn["up"]) / 1000, value=nn["value"])

    async def clear(self):
        await self.page.get_by_role("button", name="Clear").click()
        await self.page.locator('[data-testid="stMain"] [data-testid="stMetric"]').first.wait_for(state="detached")
        await self._idle()
        await self.page.locator('[data-testid="stMain"] canvas.upper-canvas').first.wait_for()
        await self.page.evaluate("() => { window.__nn.awaiting = false; }")
        self.box = await self.page.locator('[data-testid="stMain"] canvas.upper-canvas').first.bounding_box()


# ==================================================================================== phases
def pct(xs, q):
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return None
    return float(np.percentile(xs, q))


async def drive(session, kind: str, digits, until: float, rng: random.Random, args, out: list):
    """Draw digits stroke by stroke until ``until``; append one record per stroke to ``out``."""
    while time.perf_counter() < until:
        label, strokes, urls = digits[rng.randrange(len(digits))]
        for k in range(len(strokes)):
            if time.perf_counter() >= until:
                return
            sent_at = time.perf_counter()
            try:
                if kind == "browser":
                    r = await session.stroke(strokes[k])
                else:
                    t_pred, t_end, value = await session.stroke(strokes[:k + 1], urls[k])
                    r = dict(e2e=t_pred, end=t_end, value=value)
            except Exception as e:  # noqa: BLE001 - a lost answer is a result, not a crash
                out.append(dict(kind=kind, ok=False, error=f"{type(e).__name__}: {e}"[:200]))
                if kind != "browser":
                    return
                break  # a browser session clears its canvas and goes on with the next digit
            out.append(dict(kind=kind, ok=r["e2e"] is not None, last=k == len(strokes) - 1, label=label, at=sent_at, **r))
            await asyncio.sleep(rng.uniform(*args.stroke_gap))
        if kind == "browser":
            try:
                await session.clear()
            except Exception as e:  # noqa: BLE001
                out.append(dict(kind=kind, ok=False, error=f"clear: {type(e).__name__}: {e}"[:200]))
                return
        await asyncio.sleep(rng.uniform(*args.digit_gap))


def summarize(records, timings):
    ok = [r for r in records if r.get("ok")]
    out = {"strokes": len(records), "answered": len(ok), "lost": len(records) - len(ok),
           "lost_examples": [r.get("error") for r in records if not r.get("ok")][:3]}
    for kind in ("protocol", "browser"):
        e = [r["e2e"] for r in ok if r["kind"] == kind]
        if e:
            out[f"{kind}_e2e"] = dict(n=len(e), p50=pct(e, 50), p95=pct(e, 95), mean=statistics.fmean(e))
    b = [r for r in ok if r["kind"] == "browser"]
    if b:
        out["browser_mouseup_to_send_p50"] = pct([r["send"] for r in b], 50)
        out["browser_mouseup_to_message_p50"] = pct([r["msg"] for r in b], 50)
    last = [r for r in ok if r.get("last") and r.get("value") not in (None, "")]
    if last:
        out["final_stroke_accuracy"] = float(np.mean([str(r["label"]) == str(r["value"]) for r in last]))
    if timings:
        out["server"] = dict(n=len(timings), p50=pct(timings, 50), p95=pct(timings, 95), max=max(timings))
    return out
