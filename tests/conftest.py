"""Shared fixtures: a real PostgreSQL for the store tests (and the multi-server tests).

``pg_server`` (session): one throwaway cluster (tests/pgserver.py), started on first use, stopped and
removed at the end. Without PostgreSQL installed the tests that use it skip, with the reason;
under ``NNSCRATCH_REQUIRE_SERVICES=1`` (CI) that is a failure instead.
``pg_url``: a fresh empty database on it, for one test.
``store_url``: an SQLite file, then a fresh PostgreSQL database (tests run on both).
Every test session gets its own class board (``NNSCRATCH_DB``, also inherited by the app servers the
browser tests start), so no test ever writes to a person's real board.
"""

import os
import re
import shutil
import tempfile

import pytest

REQUIRE_SERVICES = os.environ.get("NNSCRATCH_REQUIRE_SERVICES", "") not in ("", "0")


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
