"""A throwaway PostgreSQL cluster for tests and benchmarks: Debian's real ``postgres``, no mock.

    with PgServer() as pg:                 # initdb + start on a free 127.0.0.1 port, in a temp dir
        url = pg.create_database("t1")     # postgresql://nnscratch:...@127.0.0.1:PORT/t1
        pg.stop(); pg.start()              # the same cluster down and up again (data kept)
        pg.kill()                          # SIGKILL every process of the cluster (crash), then start()
    # on exit: stopped and its directory removed; also at interpreter exit if a test forgot

Binaries: ``$PATH``, then ``/usr/lib/postgresql/*/bin`` (newest). ``initdb`` refuses to run as
root, so as root every server program runs as the ``postgres`` user (``runuser -u postgres --``)
in a directory that user owns; as any other user, as that user. Connections: a password role
``nnscratch`` over TCP (scram), the superuser over the cluster's own socket directory.
Reused by the multi-server tests (issue #14): ``PgServer(port=..., data_dir=...)`` keeps a cluster
where asked.
"""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "deploy"))
from _postgres import PgError, find_bindir  # noqa: E402  (deploy/cluster's own PostgreSQL helpers)
from _procs import free_port, with_children  # noqa: E402  (re-exported: tests import free_port here)

USER, PASSWORD = "nnscratch", "test-secret"
START_TIMEOUT = 60  # s; a 2-core machine under load can take a while


class PgUnavailable(RuntimeError):
    """PostgreSQL cannot be run here (the message says what to install)."""


class PgServer:
    def __init__(self, port: int | None = None, data_dir: str | None = None):
        try:
            self.bindir = find_bindir()
        except PgError as err:
            raise PgUnavailable(str(err)) from None
        self.as_root = os.geteuid() == 0
        if self.as_root:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                raise PgUnavailable("running as root but there is no 'postgres' user to run the server as") from None
        self.port = port or free_port()
        self._own_dir = data_dir is None
        self.root = Path(data_dir or tempfile.mkdtemp(prefix="nnscratch-pg-"))
        self.data = self.root / "data"
        self.sock = self.root / "sock"
        self.log = self.root / "server.log"
        self.running = False
        atexit.register(self.close)

    # ---- process control --------------------------------------------------------------------------
    def _run(self, *args, check=True, timeout=START_TIMEOUT):
        cmd = [os.path.join(self.bindir, args[0]), *args[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if check and r.returncode:
            tail = self.log.read_text()[-800:] if self.log.exists() else ""
            raise PgUnavailable(f"{args[0]} failed ({r.returncode}): {r.stderr.strip()[-800:]} {tail}")
        return r

    def init(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.sock.mkdir(exist_ok=True)
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
            shutil.chown(self.sock, "postgres", "postgres")
        pwfile = self.root / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if self.as_root:
            shutil.chown(pwfile, "postgres", "postgres")
        # The superuser is named like the role we use, with a password for TCP and trust on the socket.
        self._run("initdb", "-D", str(self.data), "-U", USER, f"--pwfile={pwfile}", "-E", "UTF8",
                  "--auth-local=trust", "--auth-host=scram-sha-256", "--no-instructions")
        pwfile.unlink()

    def start(self) -> None:
        if not (self.data / "PG_VERSION").exists():
            self.init()
        opts = (f"-p {self.port} -k {self.sock} -c listen_addresses=127.0.0.1 -c max_connections=200 "
                "-c shared_buffers=32MB")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", str(START_TIMEOUT),
                  "-o", opts, "start")
        self.running = True

    def stop(self) -> None:
        if self.running:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)
            self.running = False

    def pids(self) -> list[int]:
        """The postmaster and every process it started (for a crash by SIGKILL)."""
        try:
            master = int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return []
        return with_children(master)

    def kill(self) -> None:
        """SIGKILL the whole cluster: a crash. ``start()`` then runs PostgreSQL's crash recovery."""
        pids = self.pids()
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.time() + 10
        while time.time() < deadline and any(_alive(p) for p in pids):
            time.sleep(0.05)
        # A killed postmaster is a zombie until PID 1 reaps it, and PostgreSQL refuses to start while
        # the PID in its lock file exists. All of them are dead: the stale lock file can go.
        deadline = time.time() + 3
        while time.time() < deadline and any(os.path.exists(f"/proc/{p}") for p in pids):
            time.sleep(0.05)
        if pids and not any(_alive(p) for p in pids):
            (self.data / "postmaster.pid").unlink(missing_ok=True)
        self.running = False

    def close(self) -> None:
        """Stop, and remove the directory if we made it. Safe to call twice."""
        try:
            self.stop()
            if self.pids() and any(_alive(p) for p in self.pids()):
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
    def url(self, dbname: str = "postgres", password: bool = True) -> str:
        auth = f"{USER}:{PASSWORD}" if password else USER
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{dbname}"

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
                      "--heapallindexed", dbname, check=False, timeout=120)
        if r.returncode:
            raise AssertionError(f"pg_amcheck found problems in {dbname}: {r.stdout}{r.stderr}")
        return r.stdout + r.stderr


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
