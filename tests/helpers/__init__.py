"""The suite's shared helpers, defined once (tests/ is on sys.path: ``from helpers import wait_for``).

- ``wait_for``: poll a condition until it holds or a deadline passes (threads, workers, servers).
- ``app_test`` / ``start_button`` / ``start_training``: the headless app (streamlit.testing.v1.AppTest)
  at a page, its "Start training" button, and a press on it with the pace off.
- ``examples``: a hypothesis example count scaled by the active profile (few in the fast tier, all in CI).
"""

from __future__ import annotations

import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "streamlit_app.py")


def wait_for(pred, timeout: float = 10.0, what: str = "condition", interval: float = 0.01) -> None:
    """Until ``pred()`` is true; AssertionError naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)  # polling interval


def app_test(page: str | None = None, query: dict | None = None, run: bool = True, check: bool = True):
    """The whole app in AppTest (a fresh session), run once, then switched to ``page`` (e.g.
    "app/pages/train.py") and run again; ``check``: no exception on the way."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=120)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    if not run:
        return at
    at.run()
    if page is not None:
        at.switch_page(page)
        at.run()
    if check:
        assert not at.exception, [e.value for e in at.exception]
    return at


def start_button(at):
    """The Train form's "Start training" button of an AppTest (exactly one)."""
    found = [b for b in at.button if "Start training" in str(b.label)]
    assert len(found) == 1, f"expected one Start training button, found {[str(b.label) for b in at.button]}"
    return found[0]


NO_PACE = "fast"  # the Train form's Pace choice "As fast as it goes" (app/pages/train.py PACES)


def start_training(at, pace: str | None = NO_PACE):
    """Press the Train form's Start (after choosing ``pace``: by default no pace, so a test does not wait
    out the watch-it-learn display; None leaves the form's choice), as the browser does. A browser's press
    reruns only the run's fragment (tests/test_sessions.py); an AppTest's, the whole page."""
    if pace is not None:
        at.radio(key="f_pace").set_value(pace)
    start_button(at).click()
    return at.run()


def examples(n: int) -> int:
    """``n`` hypothesis examples under the CI profile, a tenth (at least 5) under the fast one: the active
    profile (conftest.py, NNSCRATCH_HYPOTHESIS) sets the scale through its max_examples (CI: 100)."""
    from hypothesis import settings

    scale = settings.default.max_examples / 100
    return max(min(n, 5), round(n * scale))

