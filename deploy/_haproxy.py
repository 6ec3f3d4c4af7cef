"""HAProxy for deploy/cluster: the config from ``haproxy.cfg.tmpl``, and its admin socket.

The admin socket is HAProxy's own runtime API (one text command per connection, answered then
closed); this speaks it from Python so no ``socat`` is needed. Stdlib only.
"""

from __future__ import annotations

import csv
import io
import socket
import string
from pathlib import Path

TEMPLATE = Path(__file__).with_name("haproxy.cfg.tmpl")
BACKEND = "replicas"  # the backend's name in the template
SESSIONS_PER_PERSON = 4  # a tab: 1 websocket + a few short requests while a page loads
SOCKET_TIMEOUT = 5.0  # s


def render(port: int, bind: str, replicas: list[tuple[str, str]], admin_socket: str, people: int) -> str:
    """The config text: ``replicas`` = [(name, "host:port")]; ``people`` sizes maxconn (see the template)."""
    servers = "\n".join(f"    server {name} {addr} check cookie {name}" for name, addr in replicas)
    maxconn = max(256, people * SESSIONS_PER_PERSON)
    return string.Template(TEMPLATE.read_text()).substitute(
        port=port, bind=bind, servers=servers, admin_socket=admin_socket, maxconn=maxconn)


def command(sock_path: str, cmd: str) -> str:
    """Send one runtime-API command (e.g. ``set server replicas/r1 state drain``); its answer."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(SOCKET_TIMEOUT)
        s.connect(sock_path)
        s.sendall(cmd.encode() + b"\n")
        chunks = []
        while True:
            b = s.recv(65536)
            if not b:
                break
            chunks.append(b)
    out = b"".join(chunks).decode(errors="replace")
    if out.strip() and not cmd.startswith("show"):
        # set-commands answer nothing when they worked, a sentence when they did not
        raise RuntimeError(f"haproxy refused `{cmd}`: {out.strip().splitlines()[0]}")
    return out


def set_state(sock_path: str, server: str, state: str) -> None:
    """``state``: ready (in rotation), drain (no new sessions), maint (no traffic at all)."""
    command(sock_path, f"set server {BACKEND}/{server} state {state}")


def servers(sock_path: str) -> dict[str, dict]:
    """{replica name: {"status": UP|DOWN|DRAIN|MAINT|..., "sessions": current connections}}."""
    text = command(sock_path, "show stat").lstrip("# ")
    out = {}
    for row in csv.DictReader(io.StringIO(text)):
        if row.get("pxname") == BACKEND and row.get("svname") not in ("BACKEND", "FRONTEND"):
            out[row["svname"]] = {"status": row.get("status", "?"), "sessions": int(row.get("scur") or 0)}
    return out
