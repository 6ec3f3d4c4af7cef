"""A throwaway PostgreSQL cluster for tests and benchmarks: Debian's real ``postgres``, no mock.

    with PgServer() as pg:                 # initdb + start on a free 127.0.0.1 port, in a temp dir
        url = pg.create_database("t1")     # postgresql://nnscratch:...@127.0.0.1:PORT/t1
        pg.stop(); pg.start()              # the same cluster down and up again (data kept)
        pg.kill()                          # SIGKILL every process of the cluster (crash), then start()
    # on exit: stopped and its directory removed; also at interpreter exit if a test forgot

It is deploy/cluster's own PostgreSQL (``deploy/_postgres.Postgres``: finding the binaries, initdb and
pg_ctl as the ``postgres`` user when run as root, the ``nnscratch`` role with a password over TCP and
trust over the cluster's socket), with what tests add: a temporary directory, a crash, databases made
and dropped as the superuser, ``pg_amcheck``. ``PgServer(port=..., data_dir=...)`` keeps a cluster
where asked.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import tempfile
import time
from pathlib import Path

from deploy._postgres import USER, PgError, Postgres  # deploy/cluster's own PostgreSQL
from deploy._procs import free_port, start_time, with_children  # free_port re-exported: tests import it here

PASSWORD = "test-secret"


class PgUnavailable(PgError):
    """PostgreSQL cannot be run here (the message says what to install)."""


class PgServer(Postgres):
    def __init__(self, port: int | None = None, data_dir: str | None = None):
        self._own_dir = data_dir is None
        root = Path(data_dir or tempfile.mkdtemp(prefix="nnscratch-pg-"))
        try:
            super().__init__(root, port or free_port(), PASSWORD)
        except PgError as err:
            raise PgUnavailable(str(err)) from None
        atexit.register(self.close)

    # ---- process control --------------------------------------------------------------------------
    def start(self) -> None:
        """Start the cluster, made first if there is none (a PgUnavailable says why it cannot be)."""
        try:
            self.init()
            super().start()
        except PgError as err:
            tail = self.log.read_text()[-800:] if self.log.exists() else ""
            raise PgUnavailable(f"{err} {tail}") from None

    def pids(self) -> list[int]:
        """The postmaster and every process it started (for a crash by SIGKILL)."""
        master = self.pid()
        return with_children(master) if master else []

    def kill(self) -> None:
        """SIGKILL the whole cluster: a crash. ``start()`` then runs PostgreSQL's crash recovery."""
        pids = self.pids()
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.time() + 10
        while time.time() < deadline and any(start_time(p) for p in pids):  # start_time: None once gone or a zombie
            time.sleep(0.05)
        # A killed postmaster is a zombie until PID 1 reaps it, and PostgreSQL refuses to start while
        # the PID in its lock file exists. All of them are dead: the stale lock file can go.
        deadline = time.time() + 3
        while time.time() < deadline and any(os.path.exists(f"/proc/{p}") for p in pids):
            time.sleep(0.05)
        if pids and not any(start_time(p) for p in pids):
            (self.data / "postmaster.pid").unlink(missing_ok=True)

    def close(self) -> None:
        """Stop, and remove the directory if we made it. Safe to call twice."""
        try:
            if (self.data / "PG_VERSION").exists():
                self.stop()
            if any(start_time(p) for p in self.pids()):
                self.kill()
        except PgError:
            self.kill()
        finally:
            if self._own_dir:
                shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()

    # ---- databases ---------------------------------------------------------------------------------
    def admin(self, sql: str, dbname: str = "postgres") -> None:
        """Run one statement as the superuser over the cluster's socket (autocommit)."""
        import psycopg
        with psycopg.connect(host=str(self.sock), port=self.port, user=USER, dbname=dbname, autocommit=True) as c:
            c.execute(sql)

    def create_database(self, name: str) -> str:
        """A new empty database (dropped first if it exists); returns its URL."""
        self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.admin(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def amcheck(self, dbname: str) -> str:
        """Run ``pg_amcheck`` (heap and B-tree structure) on a database; raises with its output if it
        finds corruption, returns its output otherwise."""
        r = self._run("pg_amcheck", "-h", str(self.sock), "-p", str(self.port), "-U", USER, "--install-missing",
                      "--heapallindexed", dbname, check=False)
        if r.returncode:
            raise AssertionError(f"pg_amcheck found problems in {dbname}: {r.stdout}{r.stderr}")
        return r.stdout + r.stderr
