"""Processes for deploy/cluster: start detached, recognise our own by PID + start time, stop a group.

A PID alone can be reused by another program after ours exits; with the process's start time (from
/proc) it identifies ours, so ``down`` never signals a stranger. Stdlib only.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEALTH_PATH = "/_stcore/health"
STOP_GRACE = 20.0  # s a replica gets after SIGTERM before SIGKILL


def start_time(pid: int) -> str | None:
    """The process's start time (clock ticks since boot), or None if gone/zombie: with the PID it
    identifies a process, so a recycled PID is never mistaken for ours."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return None if fields[0] in ("Z", "X") else fields[19]


def with_children(pid: int) -> list[int]:
    """``pid`` and its direct children, from /proc (PostgreSQL's backends are children of the postmaster)."""
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return [pid, *kids]


def alive(rec: dict | None) -> bool:
    return bool(rec) and rec.get("pid") is not None and start_time(rec["pid"]) == rec.get("start")


def spawn(cmd: list[str], log: Path, env: dict | None = None) -> dict:
    """Start a detached process (own session, survives this command); its record."""
    with open(log, "ab") as f:
        p = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=f, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, start_new_session=True)
    return {"pid": p.pid, "start": start_time(p.pid), "log": str(log)}


def stop(rec: dict | None, grace: float = STOP_GRACE) -> None:
    """SIGTERM the recorded process's group, SIGKILL after ``grace`` s; only if it is still ours."""
    if not alive(rec):
        return
    pid = rec["pid"]
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pid, sig)  # its own session: children (e.g. a training subprocess) go too
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not alive(rec):
                return
            time.sleep(0.1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_free(bind: str, port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((bind, port))
        except OSError:
            return False
    return True


def healthy(port: int, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{HEALTH_PATH}", timeout=timeout) as r:
            return r.status == 200
    except OSError:
        return False


def safe_url(url: str) -> str:
    """The DB URL with its password replaced by ***."""
    p = urllib.parse.urlsplit(url)
    if p.password is None:
        return url
    netloc = f"{p.username}:***@{p.hostname}" + (f":{p.port}" if p.port else "")
    return urllib.parse.urlunsplit(p._replace(netloc=netloc))
