"""deploy/cluster for real: 2 Streamlit replicas behind HAProxy with an own PostgreSQL, on loopback.

Real programs only (Debian's haproxy and postgresql, ``streamlit run``); the sessions are protocol
clients (bench/cluster_client.py, built on bench/streamlit_client.py's websocket client) that carry a cookie jar
like a browser, plus one Chromium page. Locally, the module skips with the reason when haproxy or
PostgreSQL is missing; under ``NNSCRATCH_REQUIRE_SERVICES=1`` (CI) that is a failure. A missing Chromium
skips the drawing test through the browser policy (a failure under NNSCRATCH_REQUIRE_ALL or
NNSCRATCH_REQUIRE_BROWSER). One cluster for the module, in a temporary run dir, healthy at the start of
each test that uses it; what a test needs from another (the runs on the board) is a module fixture it
asks for (``board_runs``), so the tests pass in any order; ``down`` gets a cluster of its own. Each is
bounded in time.
"""

from __future__ import annotations

import asyncio
import collections
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import no_service

ROOT = Path(__file__).resolve().parents[1]
CLUSTER = ROOT / "deploy" / "cluster"
sys.path[:0] = [str(ROOT / "bench")]
from deploy import _postgres  # noqa: E402
from deploy._procs import free_port  # noqa: E402
import cluster_client as cc  # noqa: E402

MOVED = "unsaved session state is gone"  # app/replica.py's message
ARTIFACTS = ROOT / "test-artifacts"
UP_TIMEOUT = 300  # s, two replicas starting on a busy 2-core machine


def _missing() -> str:
    if shutil.which("haproxy") is None:
        return "haproxy is not installed (apt-get install haproxy)"
    try:
        _postgres.find_bindir()
    except _postgres.PgError as e:
        return str(e)
    return ""


def cluster_cmd(run_dir, *args, timeout=UP_TIMEOUT, env=None):
    return subprocess.run([sys.executable, str(CLUSTER), *args, "--run-dir", str(run_dir)], capture_output=True,
                          text=True, timeout=timeout, env=env)


def status(run_dir) -> dict:
    r = cluster_cmd(run_dir, "status", "--json", timeout=60)
    return json.loads(r.stdout)


def wait_status(run_dir, pred, timeout=60, what=""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        st = status(run_dir)
        if pred(st):
            return st
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}: {json.dumps(st)}")


def haproxy_state(st) -> dict:
    return {r["name"]: r["haproxy"] for r in st["replicas"]}


def _cluster_up():
    """Generator: `cluster up` with 2 replicas in a fresh run dir, yields its description, then down."""
    why = _missing()
    if why:
        no_service(why)  # a skip locally, a failure under NNSCRATCH_REQUIRE_SERVICES=1 (CI)
    port = free_port()
    run_dir = Path(tempfile.mkdtemp(prefix="nnscratch-cluster-"))  # directly in /tmp: the postgres user can reach it
    os.chmod(run_dir, 0o755)
    r = cluster_cmd(run_dir, "up", "--replicas", "2", "--port", str(port), "--bind", "127.0.0.1")
    try:
        assert r.returncode == 0, f"up failed: {r.stderr.strip()} (logs in {run_dir})"
        yield dict(run_dir=run_dir, url=f"http://127.0.0.1:{port}", port=port, up_stdout=r.stdout)
    finally:
        cluster_cmd(run_dir, "down", timeout=120)
        shutil.rmtree(run_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def _module_cluster():
    yield from _cluster_up()


@pytest.fixture
def cluster(_module_cluster):
    """The module's cluster, healthy (all replicas UP) before the test starts, whatever ran before."""
    wait_status(_module_cluster["run_dir"], lambda st: st["ok"], 120, "a healthy cluster before the test")
    return _module_cluster


@pytest.fixture
def own_cluster():
    """A cluster for this test alone (it takes it down)."""
    yield from _cluster_up()


@pytest.fixture(scope="module")
def board_runs(_module_cluster):
    """One finished run trained on each replica (ada-r1 on r1, ada-r2 on r2), and the presenter Class page
    as served by the other replica right after: {nickname: page text}."""
    url = _module_cluster["url"]

    async def go():
        seen = {}
        for trained_on, shown_on in (("r1", "r2"), ("r2", "r1")):
            who = f"ada-{trained_on}"
            t = await train_on(url, trained_on, who)
            await t.close_quietly()
            seen[who] = await board_text(url, shown_on)
        return seen

    return run(go(), 420)


def run(coro, timeout):
    """asyncio.run with an overall bound."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def open_sessions(url, n, prefix, jar_from=None):
    out = []
    for i in range(0, n, 5):  # small groups: a first visit runs the whole page
        group = [cc.ProxySession(url, "draw", f"{prefix}{j}") for j in range(i, min(n, i + 5))]
        await asyncio.gather(*(s.open() for s in group))
        out += group
    return out


async def close_all(sessions):
    for s in sessions:
        await s.close_quietly()


def store_of(cluster):
    """The cluster's class store, read directly (the test's own connection)."""
    from nnscratch.store import Store
    url = json.loads((cluster["run_dir"] / "state.json").read_text())["db"]["url_secret"]
    return Store.open(url)


async def train_on(url, replica, nickname, epochs=None, wait=True):
    """A tab pinned to ``replica`` (its affinity cookie set) with ?name=, pressing Start on Train (the
    form's defaults: the quick preset on the sample); with ``wait``, until the run is finished and
    saved to the class board. Returns the tab."""
    t = cc.ProxySession(url, "train", f"train-{nickname}", jar={cc.AFFINITY: replica})
    t.query = f"name={nickname}"
    await t.open(require_canvas=False)
    assert t.replica == replica
    widgets = [(t.widgets["Start training"][1], "trigger_value", True)]
    if epochs:
        widgets.insert(0, (next(v[1] for k, v in t.widgets.items() if k.startswith("Epochs")), "int_value", epochs))
    await t.rerun(widgets)
    deadline = time.perf_counter() + 180
    while wait:
        text = " ".join(t.texts)
        if "Finished" in text and "Saved to the class board" in text:
            break
        assert time.perf_counter() < deadline, f"run not finished and saved: {t.texts}"
        await asyncio.sleep(0.5)
        await t.rerun()
    return t


async def board_text(url, replica, jar=None) -> str:
    """The presenter view of the Class page as served by ``replica``: its texts and HTML."""
    c = cc.ProxySession(url, "class", f"class-{replica}", jar=jar if jar is not None else {cc.AFFINITY: replica})
    c.query = "present=1"
    await c.open(require_canvas=False)
    served_by = c.replica
    await c.close_quietly()
    assert served_by == replica, (served_by, replica)
    return " ".join(c.texts)


# ------------------------------------------------------------------------------------ tests
def test_up_status_and_one_line_errors(cluster):
    st = status(cluster["run_dir"])
    assert st["ok"] and st["proxy"]["alive"] and st["proxy"]["port"] == cluster["port"]
    assert [r["name"] for r in st["replicas"]] == ["r1", "r2"]
    assert all(r["health"] == "ok" and r["haproxy"] == "UP" and r["pid"] for r in st["replicas"])
    assert len({r["port"] for r in st["replicas"]}) == 2
    secrets = json.loads((cluster["run_dir"] / "secrets.json").read_text())
    assert st["db"]["owned"] and st["db"]["alive"] and st["db"]["url"].startswith("postgresql://nnscratch:***@127.0.0.1:")
    assert secrets["pg_password"] not in json.dumps(st) + cluster["up_stdout"]
    text = cluster_cmd(cluster["run_dir"], "status", timeout=60)
    assert text.returncode == 0 and "r2" in text.stdout and "***" in text.stdout
    # mistakes: one line each, exit 2, nothing started or stopped
    for args, words in ((["up", "--replicas", "2", "--port", "1"], "already up"),
                        (["restart-replica", "7"], "no replica 7")):
        r = cluster_cmd(cluster["run_dir"], *args, timeout=60)
        assert r.returncode == 2 and words in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert "Traceback" not in r.stderr + r.stdout
    assert status(cluster["run_dir"])["ok"]


def test_missing_program_says_what_to_install(tmp_path):
    env = dict(os.environ, PATH=str(Path(sys.executable).parent))  # no /usr/sbin: no haproxy
    r = cluster_cmd(tmp_path, "up", "--port", str(free_port()), env=env, timeout=60)
    assert r.returncode == 2 and "apt-get install haproxy" in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and not (tmp_path / "state.json").exists()
    r = cluster_cmd(tmp_path, "up", "--db", "postgresql://u:secretpw@127.0.0.1:1/x", timeout=60)
    first = "cannot reach the database" if shutil.which("haproxy") else "apt-get install haproxy"
    assert r.returncode == 2 and first in r.stderr and "secretpw" not in r.stderr


@pytest.mark.browser  # the skip policy for a missing Chromium (tests/skip_policy.py)
def test_sessions_draw_through_the_proxy_on_both_replicas(cluster):
    """30 sessions (29 protocol + 1 Chromium page) draw for 20 s: every stroke answered, no error,
    sessions on both replicas by their affinity cookie."""
    _require_chromium()
    digits = cc.streamlit_client.load_digits(60)

    async def go():
        sessions = await open_sessions(cluster["url"], 29, "p")
        browser = await _browser_session(cluster["url"])
        try:
            counts = collections.Counter(s.replica for s in sessions)
            out: list = []
            until = time.perf_counter() + 20
            jobs = [cc.draw_for(s, digits, until, random.Random(i), out) for i, s in enumerate(sessions)]
            if browser:
                jobs.append(_browser_draw(browser[2], digits, until, out))
            await asyncio.gather(*jobs)
            return counts, out, [e for s in sessions for e in s.errors], browser
        finally:
            await close_all(sessions)
            await _close_browser(browser)

    counts, out, errors, browser = run(go(), 240)
    assert set(counts) == {"r1", "r2"} and min(counts.values()) >= 10, counts  # leastconn spreads them
    lost = [r for r in out if not r["ok"]]
    assert not lost and not errors, (lost[:3], errors[:3])
    assert len(out) >= 29 * 5, len(out)  # each session drew several strokes
    assert browser is not None, "Chromium was found but the page did not open"
    answered = [r for r in out if r["session"] == "chromium"]
    assert len(answered) >= 5, out  # the real browser drew and got answers through the proxy
    assert browser[3] in ("r1", "r2")  # the real browser got the affinity cookie too


def test_one_board_across_replicas(cluster, board_runs):
    """A run finished on r1 shows on the Class page served by r2, and the other way round."""
    assert set(board_runs) == {"ada-r1", "ada-r2"}
    for who, text in board_runs.items():
        assert who in text, (who, text[:500])
    runs = {r.nickname: r for r in store_of(cluster).list_runs()}
    assert runs["ada-r1"].server == "r1" and runs["ada-r2"].server == "r2"  # written by each replica


def test_join_panel_shows_the_proxys_address_not_the_replicas(cluster, board_runs):
    """deploy/cluster gives each replica HAProxy's address (NNSCRATCH_PROXY_ADDRESS): the presenter's Join
    panel, served by either replica, holds the proxy's port. Bound to 127.0.0.1 here, so: localhost."""
    for text in board_runs.values():
        assert f'href="http://localhost:{cluster["port"]}/draw"' in text, text[:500]


def test_killed_replica(cluster, board_runs):
    """kill -9 r1: its tabs reconnect to r2 and draw on, a reload is told its session state is gone,
    new sessions avoid r1; `restart-replica 1` brings it back and new sessions reach it again.
    (``board_runs``: ada-r1's run, trained on r1, must still be on the board after the kill.)"""
    rd, url = cluster["run_dir"], cluster["url"]
    digits = cc.streamlit_client.load_digits(30)
    saved_before = {r.id for r in store_of(cluster).list_runs()}

    async def go():
        sessions = await open_sessions(url, 8, "k")
        on_r1 = [s for s in sessions if s.replica == "r1"]
        assert on_r1, collections.Counter(s.replica for s in sessions)
        r1 = next(r for r in status(rd)["replicas"] if r["name"] == "r1")
        os.kill(r1["pid"], signal.SIGKILL)
        out: list = []
        await asyncio.gather(*(cc.draw_for(s, digits, time.perf_counter() + 8, random.Random(i), out)
                               for i, s in enumerate(sessions)))
        moved = [s for s in on_r1 if s.replica == "r2"]
        told = [s for s in on_r1 if any(MOVED in t for _, texts in s.opens[1:] for t in texts)]
        reloaded = on_r1[0]
        await reloaded.reload()  # a reload lands on r2 (already there) and is a fresh session
        await asyncio.to_thread(wait_status, rd, lambda st: haproxy_state(st)["r1"].startswith("DOWN"), 30, "r1 DOWN")
        fresh = await open_sessions(url, 4, "new")
        await close_all(sessions + fresh)
        # the tab that trained on r1 reloads the Class page: it lands on r2, is told, and sees its run
        board = await board_text(url, "r2", jar={cc.AFFINITY: "r1"})
        return out, moved, told, on_r1, [s.replica for s in fresh], board

    out, moved, told, on_r1, fresh, board = run(go(), 180)
    assert "ada-r1" in board and MOVED in board
    assert saved_before <= {r.id for r in store_of(cluster).list_runs()}  # saved runs survive the kill
    assert not [r for r in out if not r["ok"]], [r for r in out if not r["ok"]][:3]
    assert len(moved) == len(on_r1) and len(told) == len(on_r1)  # every r1 tab moved and was told
    assert set(fresh) == {"r2"}, fresh  # new sessions avoid the dead replica
    st = status(rd)
    assert not st["ok"] and next(r for r in st["replicas"] if r["name"] == "r1")["health"] == "down"

    r = cluster_cmd(rd, "restart-replica", "1", "--drain-seconds", "0")
    assert r.returncode == 0, r.stderr
    st = status(rd)
    assert st["ok"], st

    async def rejoin():
        fresh = await open_sessions(url, 4, "back")
        await close_all(fresh)
        return [s.replica for s in fresh]
    assert "r1" in run(rejoin(), 120)  # leastconn: the empty replica takes new tabs again


def test_rolling_restart_loses_no_drawing(cluster):
    """Sessions draw all through `rolling-restart`: strokes may pause, none is lost; every replica
    gets a new process; the database is the same one throughout."""
    rd, url = cluster["run_dir"], cluster["url"]
    digits = cc.streamlit_client.load_digits(30)
    before = status(rd)
    runs_before = {r.id: (r.nickname, r.test_acc) for r in store_of(cluster).list_runs()}

    async def go():
        # a long run going on r1 when it restarts: it must end on the board as "stopped"
        trainer = await train_on(url, "r1", "bob-long", epochs=300, wait=False)
        sessions = await open_sessions(url, 10, "roll")
        out: list = []
        stop = asyncio.Event()

        async def keep_drawing(s, seed):
            rng = random.Random(seed)
            while not stop.is_set():
                await cc.draw_for(s, digits, time.perf_counter() + 3, rng, out, digit_gap=(0.2, 0.5))

        drawers = [asyncio.create_task(keep_drawing(s, i)) for i, s in enumerate(sessions)]
        await asyncio.sleep(3)
        r = await asyncio.to_thread(cluster_cmd, rd, "rolling-restart", "--drain-seconds", "2")
        await asyncio.sleep(3)
        stop.set()
        await asyncio.gather(*drawers)
        await close_all(sessions + [trainer])
        return r, out

    r, out = run(go(), 420)
    assert r.returncode == 0, r.stderr
    after = status(rd)
    assert after["ok"]
    old_pids = {x["name"]: x["pid"] for x in before["replicas"]}
    assert all(x["pid"] != old_pids[x["name"]] for x in after["replicas"])
    assert after["db"]["pid"] == before["db"]["pid"]  # PostgreSQL untouched
    lost = [x for x in out if not x["ok"]]
    assert not lost, lost[:3]
    assert sum(x["retries"] for x in out) >= 1  # the restarts did cut connections (and were recovered)
    assert len(out) >= 10 * 10
    runs_after = {r.id: r for r in store_of(cluster).list_runs()}
    assert all(runs_after[i].nickname == n and runs_after[i].test_acc == a for i, (n, a) in runs_before.items())
    long = [r for r in runs_after.values() if r.nickname == "bob-long"]
    assert len(long) == 1 and long[0].status == "stopped" and long[0].server == "r1", long


def test_down_stops_only_what_up_started(own_cluster):
    rd = own_cluster["run_dir"]
    st = status(rd)
    pids = [st["proxy"]["pid"], st["db"]["pid"], *(r["pid"] for r in st["replicas"])]
    bystander = subprocess.Popen(["sleep", "60"])  # ours, not the cluster's: must survive
    try:
        r = cluster_cmd(rd, "down", timeout=120)
        assert r.returncode == 0 and "haproxy" in r.stdout and "data kept" in r.stdout, r.stderr
        assert all(not Path(f"/proc/{p}").exists() or _zombie(p) for p in pids)
        assert bystander.poll() is None
        assert (rd / "postgres" / "data" / "PG_VERSION").exists()  # class data is never deleted by down
        r = cluster_cmd(rd, "status", timeout=30)
        assert r.returncode == 2 and "no cluster is up" in r.stderr
    finally:
        bystander.kill()
        bystander.wait()


def _zombie(pid) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


# ------------------------------------------------------------------------------------ one Chromium tab
def _require_chromium() -> None:
    """Skip (locally) or fail (NNSCRATCH_REQUIRE_ALL / _BROWSER) without playwright or a Chromium: the
    browser tests' own policy (tests/browser/conftest.py), never a silent drop of the browser part."""
    fixtures = cc.streamlit_client.browser_fixtures
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        fixtures._no_browser("the playwright package is not installed (python -m pip install -r requirements.txt)")

    async def find():
        pw = await async_playwright().start()
        try:
            return fixtures.find_chromium(pw)
        finally:
            await pw.stop()

    exe, why = asyncio.run(find())
    if exe is None:
        fixtures._no_browser(why)


async def _browser_session(url):
    """(playwright, browser, BrowserSession, replica); _require_chromium() has found the browser."""
    from playwright.async_api import async_playwright

    pw = await async_playwright().start()
    exe, why = cc.streamlit_client.browser_fixtures.find_chromium(pw)
    assert exe is not None, why
    browser = await pw.chromium.launch(executable_path=exe, args=cc.streamlit_client.browser_fixtures.CHROMIUM_FLAGS)
    s = cc.streamlit_client.BrowserSession(browser, url, "draw", "chromium")
    await s.open()
    cookies = {c["name"]: c["value"] for c in await s.ctx.cookies()}
    return pw, browser, s, cookies.get(cc.AFFINITY, "")


async def _stable_canvas(s):
    """Wait until the canvas stops moving (a rerun may shift the layout under the mouse)."""
    loc = s.page.locator('[data-testid="stMain"] canvas.upper-canvas').first
    prev = None
    for _ in range(50):
        box = await loc.bounding_box()
        if box is not None and box == prev:
            return
        prev = box
        await asyncio.sleep(0.1)


async def _browser_draw(s, digits, until, out):
    """The Chromium tab draws like the protocol sessions; every stroke must be answered. A stroke the
    canvas never sent (nothing reached the server) is drawn once more, as a person would; a stroke
    missed twice, or sent and never answered, is lost (ok=False)."""
    rng = random.Random(99)
    while time.perf_counter() < until:
        label, strokes, _ = digits[rng.randrange(len(digits))]
        for stroke in strokes:
            for attempt in range(2):
                await _stable_canvas(s)
                try:
                    r = await s.stroke(stroke)
                    out.append(dict(ok=r["e2e"] is not None and not s.errors, session="chromium", value=r["value"],
                                    retries=attempt, error=""))
                    break
                except Exception as e:  # noqa: BLE001 - a lost answer is a failed assertion, not a crash
                    nn = await s.page.evaluate("() => window.__nn")
                    ARTIFACTS.mkdir(exist_ok=True)
                    await s.page.screenshot(path=ARTIFACTS / "cluster-chromium-stroke.png", full_page=True)
                    missed = nn.get("sent") is None  # the canvas sent nothing
                    if missed and attempt == 0:
                        await s.page.evaluate("() => { window.__nn.awaiting = false; }")
                        continue
                    out.append(dict(ok=False, session="chromium", retries=attempt, error=(
                        "the canvas sent nothing for a stroke drawn twice" if missed
                        else f"{type(e).__name__}: {e}"[:200])))
                    return
        await s.clear()


async def _close_browser(b):
    if b:
        pw, browser, s, _ = b
        await s.close()
        await browser.close()
        await pw.stop()
