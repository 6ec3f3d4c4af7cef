"""A PostgreSQL of the cluster's own, in a data directory it keeps (deploy/cluster without --db).

Debian's server programs (``/usr/lib/postgresql/*/bin``, or ``$PATH``). ``initdb`` refuses to run as
root, so as root every server program runs as the ``postgres`` user (``runuser -u postgres --``) in a
directory that user owns. Listens on 127.0.0.1 only; the app's role ``nnscratch`` logs in with a
password (scram) kept in a mode-600 file beside the data, so ``down`` then ``up`` finds the same
data: stopping never deletes it. Stdlib only.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
from pathlib import Path

USER = DBNAME = "nnscratch"
START_TIMEOUT = 120  # s
INSTALL = "PostgreSQL server programs (initdb, pg_ctl) not found: install them with `apt-get install postgresql`"


class PgError(RuntimeError):
    """One line saying what went wrong and what to do."""


def find_bindir() -> str:
    found = shutil.which("pg_ctl")
    if found:
        return os.path.dirname(os.path.realpath(found))
    cands = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if not cands or not os.path.exists(os.path.join(os.path.dirname(cands[-1]), "initdb")):
        raise PgError(INSTALL)
    return os.path.dirname(cands[-1])


class Postgres:
    def __init__(self, root: Path, port: int, password: str):
        self.bindir = find_bindir()
        self.as_root = os.geteuid() == 0
        self.root, self.port, self.password = Path(root), port, password
        self.data, self.sock, self.log = self.root / "data", self.root / "sock", self.root / "server.log"

    def _run(self, *args, check=True):
        cmd = [os.path.join(self.bindir, args[0]), *args[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=START_TIMEOUT + 30)
        if check and r.returncode:
            msg = (r.stderr.strip() or r.stdout.strip()).splitlines()
            raise PgError(f"{args[0]} failed: {msg[-1] if msg else r.returncode} (log: {self.log})")
        return r

    def _own(self, path: Path) -> None:
        if self.as_root:
            shutil.chown(path, "postgres", "postgres")

    def init(self) -> None:
        """A new cluster with the app's role and database (only if there is none yet)."""
        if self.as_root:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                raise PgError("running as root but there is no 'postgres' user to run PostgreSQL as: "
                              "install the postgresql package, or pass --db URL") from None
        for d in (self.root, self.sock):
            d.mkdir(parents=True, exist_ok=True)
            self._own(d)
        if self.as_root and subprocess.run(["runuser", "-u", "postgres", "--", "test", "-w", str(self.root)]).returncode:
            raise PgError(f"the postgres user cannot write {self.root}: use a --run-dir it can reach")
        if (self.data / "PG_VERSION").exists():
            return
        pwfile = self.root / "pw"
        pwfile.write_text(self.password + "\n")
        os.chmod(pwfile, 0o600)
        self._own(pwfile)
        try:
            self._run("initdb", "-D", str(self.data), "-U", USER, f"--pwfile={pwfile}", "-E", "UTF8",
                      "--auth-local=trust", "--auth-host=scram-sha-256", "--no-instructions")
        finally:
            pwfile.unlink(missing_ok=True)
        self.start()
        self._run("createdb", "-h", str(self.sock), "-p", str(self.port), "-U", USER, DBNAME)

    def start(self) -> None:
        if self.running():
            return
        opts = (f"-p {self.port} -k {self.sock} -c listen_addresses=127.0.0.1 -c max_connections=300 "
                "-c shared_buffers=64MB")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", str(START_TIMEOUT),
                  "-o", opts, "start")

    def stop(self) -> None:
        if self.running():
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", str(START_TIMEOUT), "stop")

    def running(self) -> bool:
        return self._run("pg_ctl", "-D", str(self.data), "status", check=False).returncode == 0

    def pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def url(self, dbname: str = DBNAME) -> str:
        return f"postgresql://{USER}:{self.password}@127.0.0.1:{self.port}/{dbname}"
