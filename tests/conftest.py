"""Shared fixtures: a real PostgreSQL for the store tests (and the multi-server tests).

``pg_server`` (session): one throwaway cluster (tests/pgserver.py), started on first use, stopped and
removed at the end. Without PostgreSQL installed the tests that use it skip, with the reason;
under ``NNSCRATCH_REQUIRE_SERVICES=1`` (CI) that is a failure instead.
``pg_url``: a fresh empty database on it, for one test.
``store_url``: an SQLite file, then a fresh PostgreSQL database (tests run on both).
Every test session gets its own class board (``NNSCRATCH_DB``, also inherited by the app servers the
browser tests start), so no test ever writes to a person's real board.

Tiers (pytest.ini): a test is ``services`` when it uses the PostgreSQL fixtures (or the HAProxy cluster),
``live`` when it uses a fixture that starts ``streamlit run``, ``browser`` in tests/browser; each of these
is also ``slow``, so ``-m "not slow"`` is the fast tier. Hypothesis profile: ``NNSCRATCH_HYPOTHESIS=ci``
(set by .ci/run; the default when ``CI`` is set) runs every example; otherwise ``dev``, a tenth of them
(tests/helpers.examples scales the suite's per-test counts by the profile).
"""

import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

REQUIRE_SERVICES = os.environ.get("NNSCRATCH_REQUIRE_SERVICES", "") not in ("", "0")

# ------------------------------------------------------------------------------------------ hypothesis
try:
    from hypothesis import HealthCheck, settings
except ImportError:  # hypothesis is in requirements-test.txt; without it the property tests fail at import
    settings = None
if settings is not None:
    settings.register_profile("ci", max_examples=100, deadline=None, print_blob=True)
    settings.register_profile("dev", max_examples=10, deadline=None,
                              suppress_health_check=[HealthCheck.too_slow])
    _ci = os.environ.get("CI", "") not in ("", "0", "false")
    HYPOTHESIS_PROFILE = os.environ.get("NNSCRATCH_HYPOTHESIS") or ("ci" if _ci else "dev")
    settings.load_profile(HYPOTHESIS_PROFILE)

# ------------------------------------------------------------------------------------------ tiers
SERVICE_FIXTURES = {"pg_server", "_module_cluster", "own_cluster"}  # a PostgreSQL of its own; the HAProxy cluster
LIVE_FIXTURES = {"server", "live", "_module_cluster", "own_cluster", "app_url"}  # fixtures that start `streamlit run`


BROWSER_DIR = Path(__file__).resolve().parent / "browser"


@pytest.hookimpl(tryfirst=True)  # before pytest's own -m selection
def pytest_collection_modifyitems(items):
    for item in items:
        if BROWSER_DIR in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
        names = set(getattr(item, "fixturenames", ()))
        params = getattr(getattr(item, "callspec", None), "params", {})
        if names & SERVICE_FIXTURES or params.get("store_url") == "postgresql":
            item.add_marker(pytest.mark.services)
        if names & LIVE_FIXTURES:
            item.add_marker(pytest.mark.live)
        if any(m in item.keywords for m in ("browser", "services", "live")):
            item.add_marker(pytest.mark.slow)


def no_service(reason: str):
    """Skip locally; fail where the services are required (CI)."""
    if REQUIRE_SERVICES:
        pytest.fail(f"NNSCRATCH_REQUIRE_SERVICES is set but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session", autouse=True)
def _own_class_board():
    folder = tempfile.mkdtemp(prefix="nnscratch-test-board-")
    old = os.environ.get("NNSCRATCH_DB")
    os.environ["NNSCRATCH_DB"] = f"sqlite:///{folder}/class.db"
    yield os.environ["NNSCRATCH_DB"]
    if old is None:
        os.environ.pop("NNSCRATCH_DB", None)
    else:
        os.environ["NNSCRATCH_DB"] = old
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server():
    from pgserver import PgServer, PgUnavailable
    try:
        server = PgServer()
        server.start()
    except PgUnavailable as e:
        no_service(str(e))
    yield server
    server.close()


@pytest.fixture
def pg_url(pg_server, request):
    name = "t_" + re.sub(r"\W", "_", request.node.name.lower())[:50]
    if not pg_server.running():  # a test that stopped it failed before starting it again
        pg_server.start()
    return pg_server.create_database(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """The class store's URL on each backend: an SQLite file, then a fresh database on real PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'class.db'}"
    return request.getfixturevalue("pg_url")
