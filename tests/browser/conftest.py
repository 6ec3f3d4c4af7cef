"""Fixtures for the real-browser tests: Chromium through Playwright, and the app under `streamlit run`.

- ``browser`` (package): Chromium found via env ``CHROMIUM_PATH``, then ``/usr/bin/chromium``, then
  Playwright's own download. None found: every browser test skips with one reason, except under
  ``NNSCRATCH_REQUIRE_ALL=1`` (CI) or ``NNSCRATCH_REQUIRE_BROWSER=1``, where it is a failure (which
  other skips fail there: tests/skip_policy.py).
  Package scope, not session: Playwright's sync API keeps an asyncio loop running in the main thread
  while it is started, which would break later tests that call asyncio.run(); it stops after this folder.
- ``app_url`` (package): ``streamlit run streamlit_app.py`` on a free port, headless, cwd = repo root,
  in its own process group; ready when ``/_stcore/health`` answers; the whole group is killed after.
- ``app`` (function): a fresh browser context (= a fresh Streamlit session) wrapped in ``AppDriver``.
  When the test fails, screenshots of where it stood and of every page of the app, the browser
  console and the server log go to ``test-artifacts/`` (gitignored).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

try:
    from .appdriver import ARTIFACTS, PAGES, ROOT, AppDriver
except ImportError:  # imported as a plain module (bench/streamlit_client.py reuses the server/Chromium helpers)
    from appdriver import ARTIFACTS, PAGES, ROOT, AppDriver

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1600, "height": 1000}
SERVER_START_TIMEOUT = 180  # s; the first start may train the starter model on a busy machine


# ------------------------------------------------------------------------------------------ browser
def find_chromium(playwright) -> tuple[str | None, str]:
    """(executable, "") or (None, why not): CHROMIUM_PATH, /usr/bin/chromium, Playwright's own."""
    env = os.environ.get("CHROMIUM_PATH")
    if env:
        if os.path.isfile(env) and os.access(env, os.X_OK):
            return env, ""
        return None, f"CHROMIUM_PATH={env} is not an executable file; point it at a Chromium binary"
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium", ""
    try:
        own = playwright.chromium.executable_path
    except Exception:  # noqa: BLE001 - no Playwright browser registry at all
        own = ""
    if own and os.access(own, os.X_OK):
        return own, ""
    return None, ("no Chromium found (env CHROMIUM_PATH, /usr/bin/chromium, Playwright's own): install one "
                  "with `sudo apt-get install chromium` (Debian/Ubuntu) or `python -m playwright install "
                  "chromium`")


def _no_browser(reason: str):
    from skip_policy import browser_required  # here, not at the top: bench/streamlit_client.py imports this file alone

    if browser_required():
        pytest.fail(f"NNSCRATCH_REQUIRE_ALL or NNSCRATCH_REQUIRE_BROWSER is set but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="package")
def _playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _no_browser("the playwright package is not installed (python -m pip install -r requirements.txt)")
    pw = sync_playwright().start()
    yield pw
    pw.stop()


@pytest.fixture(scope="package")
def browser(_playwright):
    exe, why = find_chromium(_playwright)
    if exe is None:
        _no_browser(why)
    try:
        b = _playwright.chromium.launch(executable_path=exe, args=CHROMIUM_FLAGS, headless=True)
    except Exception as e:  # noqa: BLE001 - a broken install: say which binary and why
        _no_browser(f"Chromium at {exe} does not start: {' '.join(str(e).split())[:300]}")
    yield b
    b.close()


# ------------------------------------------------------------------------------------------ server
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
            return r.status == 200 and r.read().strip() == b"ok"
    except OSError:
        return False


def _stop_group(proc: subprocess.Popen) -> None:
    """SIGTERM the server's whole process group, SIGKILL what is left after 15 s."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
    except ProcessLookupError:
        pass


def _die_with_parent() -> None:
    """Linux: the server gets SIGTERM if pytest itself is killed (no fixture teardown then)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _start_server(log_path: Path, address: str = "127.0.0.1", env: dict | None = None) -> tuple[subprocess.Popen, str]:
    """``streamlit run`` listening on ``address`` (reached at 127.0.0.1), with ``env`` added to the environment."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.headless", "true",
           "--server.port", str(port), "--server.address", address, "--browser.gatherUsageStats", "false"]
    log = open(log_path, "w")  # noqa: SIM115 - closed in the fixture's teardown
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            env=None if env is None else {**os.environ, **env},
                            start_new_session=True,  # its own process group: killed as a whole
                            preexec_fn=_die_with_parent)
    proc._nnscratch_log = log
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        if _healthy(url):
            return proc, url
        time.sleep(0.25)  # polling interval while the server starts
    _stop_group(proc)
    log.close()
    tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-15:])
    raise RuntimeError(f"`streamlit run streamlit_app.py` did not become healthy (exit {proc.poll()}):\n{tail}")


@pytest.fixture(scope="package")
def app_url(browser):
    """Base URL of the app, served for all the browser tests (starts only when a browser exists)."""
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "browser-figures.json").unlink(missing_ok=True)  # figures of this run only
    log_path = ARTIFACTS / "streamlit-server.log"
    try:
        proc, url = _start_server(log_path)
    except RuntimeError as e:
        if "is not available" not in str(e):  # lost the race for the free port: one retry
            raise
        proc, url = _start_server(log_path)
    try:
        _warm_up(browser, url)
    except Exception:
        _stop_group(proc)
        proc._nnscratch_log.close()
        raise
    yield url
    _stop_group(proc)
    proc._nnscratch_log.close()


def _warm_up(browser, url: str) -> None:
    """Open the app once so that process-wide resources (data, the model: on a fresh checkout without the
    shipped model file a starter model is trained) exist before the first test starts its clock."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.goto(url)
        page.locator('[data-testid="stSidebarUserContent"]', has_text="784-").wait_for(
            timeout=SERVER_START_TIMEOUT * 1000)
    finally:
        context.close()


# ------------------------------------------------------------------------------------------ pages
@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    rep = yield  # kept on the item: the ``app`` fixture saves artifacts when the call failed
    setattr(item, f"rep_{rep.when}", rep)
    return rep


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


def save_artifacts(driver: AppDriver, name: str) -> None:
    """Where the test stood, then every page of the app in the same session, plus logs."""
    ARTIFACTS.mkdir(exist_ok=True)
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:120]
    page = driver.page
    try:
        page.screenshot(path=str(ARTIFACTS / f"{safe}--at-failure.png"), full_page=True, timeout=20_000)
    except Exception:  # noqa: BLE001 - best effort: the browser may be gone
        pass
    (ARTIFACTS / f"{safe}--console.txt").write_text("\n".join(driver.console) + "\n")
    for title in PAGES:
        try:
            driver.goto(title, timeout=30_000)
            page.screenshot(path=str(ARTIFACTS / f"{safe}--{PAGES[title]}.png"), full_page=True, timeout=20_000)
        except Exception:  # noqa: BLE001
            continue


@pytest.fixture
def app(request, browser, app_url):
    """A fresh session of the app in its own browser context; artifacts on failure."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(60_000)
    driver = AppDriver(context.new_page(), app_url)
    yield driver
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        save_artifacts(driver, request.node.name)
        log = ARTIFACTS / "streamlit-server.log"
        if log.exists():
            shutil.copy(log, ARTIFACTS / f"{request.node.name[:120]}--server.log")
    driver.stop_training()
    context.close()
