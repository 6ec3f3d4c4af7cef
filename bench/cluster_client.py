"""Protocol clients through HAProxy: streamlit_client's websocket sessions plus a browser's cookie jar.

Used by tests/test_cluster.py and bench/bench_cluster.py. A :class:`ProxySession` behaves like a tab:

- ``open()`` loads the page first (``GET /``, which gets HAProxy's ``NNSCRATCH_SERVER`` affinity
  cookie), then opens ``/_stcore/stream`` with the jar's cookies, and keeps any cookie the
  handshake's response sets (as a browser does);
- ``reload()`` is a new session with the same jar (a browser reload keeps cookies);
- ``draw(...)`` sends a stroke until it is answered: when the connection drops (its replica died or
  restarts), it reconnects through the proxy as Streamlit's frontend does (resuming its session id;
  on another replica that is a fresh session) and sends the same canvas again. The pause is recorded;
  a stroke counts as lost only if no answer comes within ``RECOVER_TIMEOUT``.
"""

from __future__ import annotations

import asyncio
import http.cookies
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import streamlit_client  # noqa: E402  (ProtocolSession, load_digits, cpu_seconds: one copy of the protocol)

AFFINITY = "NNSCRATCH_SERVER"
RECOVER_TIMEOUT = 90.0  # s a stroke may wait for its replica to be replaced (health checks, restart)


def _absorb(jar: dict, set_cookie_values) -> None:
    for v in set_cookie_values:
        c = http.cookies.SimpleCookie()
        c.load(v)
        for name, morsel in c.items():
            jar[name] = morsel.value


def http_get(url: str, jar: dict, timeout: float = 30.0) -> int:
    """GET with the jar's cookies; stores the cookies the response sets; returns the status."""
    req = urllib.request.Request(url, headers={"Cookie": cookie_header(jar)} if jar else {})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        _absorb(jar, r.headers.get_all("Set-Cookie") or [])
        r.read()
        return r.status


def cookie_header(jar: dict) -> str:
    return "; ".join(f"{k}={v}" for k, v in jar.items())


class ProxySession(streamlit_client.ProtocolSession):
    """A protocol session (Draw page by default) that carries cookies like a browser tab."""

    def __init__(self, base_url: str, page_name: str = "draw", name: str = "", jar: dict | None = None):
        super().__init__(base_url, page_name, name)
        self.jar = {} if jar is None else jar
        self.opens: list[tuple[str, list[str]]] = []

    query = ""  # the page URL's query string (e.g. "name=ada" for the nickname), as the browser sends it

    def _context(self):
        m = super()._context()
        if self.query:
            m.rerun_script.query_string = self.query
            m.rerun_script.context_info.url += "?" + self.query
        return m

    @property
    def replica(self) -> str:
        """The replica HAProxy's cookie says this tab is on."""
        return self.jar.get(AFFINITY, "")

    async def open(self, require_canvas: bool = True, resume: str = "", load_page: bool = True):
        if load_page:  # a browser loads index.html before it opens the websocket
            q = f"?{self.query}" if self.query else ""
            await asyncio.to_thread(http_get, f"{self.base_url}/{self.page_name}{q}", self.jar)
        self.headers = {"Cookie": cookie_header(self.jar)} if self.jar else {}
        self.canvas_id = None
        try:
            await super().open(require_canvas=require_canvas, resume=resume)
        finally:
            if self.ws is not None:
                _absorb(self.jar, self.ws.response.headers.get_all("Set-Cookie"))
        self.opens.append((self.replica, list(self.texts)))  # where each (re)open landed, what it said

    async def reload(self, require_canvas: bool = True):
        """Close and open the page again: a fresh session, the same cookies."""
        await self.close_quietly()
        self.session_id = ""
        await self.open(require_canvas=require_canvas)

    async def close_quietly(self):
        try:
            await self.close()
        except Exception:  # noqa: BLE001 - already dead
            pass

    async def reconnect(self, deadline: float):
        """Streamlit's frontend after a dropped websocket: reconnect (no page load) with its old
        session id, retrying with back-off until ``deadline`` (perf_counter)."""
        await self.close_quietly()
        delay = 0.25
        while True:
            try:
                await self.open(resume=self.session_id, load_page=False)
                return
            except Exception:  # noqa: BLE001 - the proxy may still route to the dead replica for a moment
                if time.perf_counter() + delay > deadline:
                    raise
                await self.close_quietly()
                await asyncio.sleep(delay)
                delay = min(2.0, delay * 2)

    async def draw(self, strokes, data_url: str) -> dict:
        """Send one stroke until answered: {ok, value, seconds (incl. pauses), retries, replica, error}."""
        t0 = time.perf_counter()
        deadline = t0 + RECOVER_TIMEOUT
        retries, last_err = 0, ""
        while time.perf_counter() < deadline:
            try:
                t_pred, _, value = await self.stroke(strokes, data_url)
                if t_pred is not None:
                    return dict(ok=True, value=value, seconds=time.perf_counter() - t0, retries=retries,
                                replica=self.replica, error="")
                last_err = "run ended without a prediction"
            except Exception as e:  # noqa: BLE001 - a dropped connection: reconnect and send again
                last_err = f"{type(e).__name__}: {e}"[:200]
            retries += 1
            try:
                await self.reconnect(deadline)
            except Exception as e:  # noqa: BLE001
                last_err = f"reconnect: {type(e).__name__}: {e}"[:200]
                break
        return dict(ok=False, value=None, seconds=time.perf_counter() - t0, retries=retries,
                    replica=self.replica, error=last_err)


async def draw_for(session: ProxySession, digits, until: float, rng, out: list,
                   stroke_gap=(0.4, 1.0), digit_gap=(2.0, 4.0)) -> None:
    """Draw digits stroke by stroke until ``until`` (perf_counter), one record per stroke in ``out``."""
    while time.perf_counter() < until:
        label, strokes, urls = digits[rng.randrange(len(digits))]
        for k in range(len(strokes)):
            if time.perf_counter() >= until:
                return
            r = await session.draw(strokes[:k + 1], urls[k])
            out.append(dict(r, session=session.name, label=label, last=k == len(strokes) - 1))
            await asyncio.sleep(rng.uniform(*stroke_gap))
        await asyncio.sleep(rng.uniform(*digit_gap))
