"""Which skips are allowed where (a pytest plugin, registered by the repository's root conftest.py).

A user's clone may lack what some tests use (the ../shared development data, a Chromium): those tests
skip with their reason and ``python -m pytest`` passes. CI has all of it, so there a skip is a test that
did not run, and it fails the run:

- ``NNSCRATCH_REQUIRE_ALL=1`` (set by ``.ci/run``): every skip is a failure, except one whose reason
  starts with ``CI_CANNOT`` ("CI cannot provide ...": something no CI machine has, e.g. a GPU). No test
  skips for such a reason today. ``../shared`` data skips fail too: CI has the data.
- ``NNSCRATCH_REQUIRE_BROWSER=1`` (narrower, for a developer with a browser but no ../shared): a skipped
  browser test is a failure unless its reason starts with ``NEEDS_SHARED``.

Either one also turns a missing or broken Chromium into a failure (``tests/browser/conftest.py``).
An expected failure (xfail) is not a skip and is left alone.
"""

from __future__ import annotations

import os

import pytest

# Reason prefixes: every skip of the suite's own starts with one of these (see tests/datafiles.py).
NEEDS_SHARED = "needs ../shared"   # development data absent: fine in a user's clone, a failure in CI
CI_CANNOT = "CI cannot provide"    # the only skips CI keeps; none today


def _flag(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0")


def require_all() -> bool:
    return _flag("NNSCRATCH_REQUIRE_ALL")


def browser_required() -> bool:
    """A browser test must run (missing Chromium = failure) under either variable."""
    return require_all() or _flag("NNSCRATCH_REQUIRE_BROWSER")


def skip_reason(rep) -> str:
    """The reason of a skipped report, without pytest's "Skipped: " in front."""
    raw = rep.longrepr[2] if isinstance(rep.longrepr, tuple) else str(rep.longrepr)
    return raw.removeprefix("Skipped: ")


def refusal(rep, browser: bool) -> str | None:
    """Why this skipped report must fail under the current variables, or None if it may stay a skip."""
    if not rep.skipped or hasattr(rep, "wasxfail"):
        return None
    reason = skip_reason(rep)
    if require_all():
        if reason.startswith(CI_CANNOT):
            return None
        return f"skipped under NNSCRATCH_REQUIRE_ALL=1 (CI runs everything it can): {reason}"
    if browser and browser_required() and not reason.startswith(NEEDS_SHARED):
        return f"browser test skipped under NNSCRATCH_REQUIRE_BROWSER=1: {reason}"
    return None


def _enforce(rep, browser: bool):
    why = refusal(rep, browser)
    if why is not None:
        rep.outcome = "failed"
        rep.longrepr = why
    return rep


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    return _enforce((yield), browser="browser" in item.keywords)


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    return _enforce((yield), browser=False)  # a whole module skipped at import
