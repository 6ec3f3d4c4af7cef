"""Shared fixtures: a real PostgreSQL for the store tests (and the multi-server tests).

``pg_server`` (session): one throwaway cluster (tests/pgserver.py), started on first use, stopped and
removed at the end. Without PostgreSQL installed the tests that use it skip, with the reason;
under ``NNSCRATCH_REQUIRE_SERVICES=1`` (CI) that is a failure instead.
``pg_url``: a fresh empty database on it, for one test.
"""

import os
import re

import pytest

REQUIRE_SERVICES = os.environ.get("NNSCRATCH_REQUIRE_SERVICES", "") not in ("", "0")


def no_service(reason: str):
    """Skip locally; fail where the services are required (CI)."""
    if REQUIRE_SERVICES:
        pytest.fail(f"NNSCRATCH_REQUIRE_SERVICES is set but {reason}", pytrace=False)
    pytest.skip(reason)


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
    if not pg_server.running:  # a test that stopped it failed before starting it again
        pg_server.start()
    return pg_server.create_database(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """The class store's URL on each backend: an SQLite file, then a fresh database on real PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'class.db'}"
    return request.getfixturevalue("pg_url")
