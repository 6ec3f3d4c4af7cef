"""The address a room opens to join this server: ``http://<address>:<port>/draw``, for the Join panel's QR code.

Which address, first match wins:

1. ``$NNSCRATCH_JOIN_URL``: set by whoever runs the server (a tunnel, a public name, a short link).
   A bare address (``https://nn.example.org``) gets ``/draw`` added; one with a path is used as it is.
2. ``$NNSCRATCH_PROXY_ADDRESS`` (``bind:port``): set by ``deploy/cluster`` on its replicas, which listen on
   127.0.0.1 behind HAProxy: the room must open the proxy's address and port, not the replica's.
3. The address the server listens on (Streamlit's ``server.address``): all interfaces (the default) gives
   this machine's LAN address; a specific address is used as it is; loopback, or a machine with no
   network, gives ``localhost`` with a note saying why the room cannot open it.

Pure Python: the app passes in Streamlit's options (``app/join.py``).
"""

from __future__ import annotations

import ipaddress
import os
import socket
import urllib.parse
from dataclasses import dataclass

JOIN_ENV = "NNSCRATCH_JOIN_URL"
PROXY_ENV = "NNSCRATCH_PROXY_ADDRESS"
PAGE = "draw"  # where a phone lands: the Draw page (its url_path in streamlit_app.py)
ALL_INTERFACES = ("", "0.0.0.0", "::")
# Where a UDP socket is "connected" to learn which local address the OS would send from. Connecting a UDP
# socket sends no packet: the kernel only looks up the route. A public address first (the default route),
# then the private ranges, for a room's network with no way out.
PROBES = ("8.8.8.8", "10.255.255.255", "172.31.255.255", "192.168.255.255")


@dataclass(frozen=True)
class Join:
    """``url``: what the QR code holds; ``source``: "setting", "proxy", "lan", "address" or "local";
    ``note``: one line for the presenter when the room may not reach ``url`` (else "")."""

    url: str
    source: str
    note: str = ""


def lan_ip(probes=PROBES) -> str | None:
    """This machine's address on its network (the source address of its route out), or None when it has no
    network. No packet is sent."""
    for target in probes:
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.connect((target, 9))
                ip = s.getsockname()[0]
        except OSError:
            continue
        if ip and not ipaddress.ip_address(ip).is_loopback and ip != "0.0.0.0":
            return ip
    return None


def _host(address: str) -> str:
    """An address as a URL's host: IPv6 in brackets."""
    try:
        return f"[{address}]" if ipaddress.ip_address(address).version == 6 else address
    except ValueError:
        return address  # a name


def _loopback(address: str) -> bool:
    if address.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _draw_url(host: str, port: int, base_path: str = "") -> str:
    base = "/".join(p for p in base_path.split("/") if p)
    return f"http://{_host(host)}:{port}/{base + '/' if base else ''}{PAGE}"


def from_setting(value: str) -> str:
    """``$NNSCRATCH_JOIN_URL`` as the URL to show; ValueError (one line) if it is not a web address."""
    value = value.strip()
    parts = urllib.parse.urlsplit(value if "://" in value else f"http://{value}")
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in value):
        raise ValueError(f"{JOIN_ENV}={value!r} is not a web address like https://nn.example.org or "
                         f"http://192.168.1.20:8501")
    if parts.path.strip("/"):
        return urllib.parse.urlunsplit(parts)  # a short link, or a path already chosen
    return urllib.parse.urlunsplit(parts._replace(path=f"/{PAGE}"))


def listening(address: str, port: int, base_path: str = "", find_ip=lan_ip) -> Join:
    """The URL for a server listening on ``address``:``port`` (rule 3 above; the proxy's too)."""
    address = (address or "").strip()
    if address in ALL_INTERFACES:
        ip = find_ip()
        if ip is None:
            return Join(_draw_url("localhost", port, base_path), "local",
                        "This computer is on no network right now, so only it can open this address: join the "
                        "room's Wi-Fi and reload this page.")
        return Join(_draw_url(ip, port, base_path), "lan")
    if _loopback(address):
        return Join(_draw_url("localhost", port, base_path), "local",
                    f"This server listens only on this computer ({address}), so phones cannot open it: start it "
                    f"with --server.address 0.0.0.0, or set {JOIN_ENV}.")
    return Join(_draw_url(address, port, base_path), "address")


def _proxy(value: str) -> tuple[str, int]:
    """``bind:port`` or ``[v6]:port`` -> (bind, port); ValueError if malformed."""
    host, sep, port = value.strip().rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{PROXY_ENV}={value!r} is not an address and port like 0.0.0.0:8080")
    return host.strip("[]"), int(port)


def join_url(address: str | None, port: int, base_path: str = "", env=None, find_ip=lan_ip) -> Join:
    """The URL the room opens for a server listening on ``address``:``port`` (Streamlit's server.address,
    server.port and server.baseUrlPath), given the environment ``env`` (default ``os.environ``).
    A malformed setting is skipped, and the note says so."""
    env = os.environ if env is None else env
    skipped = ""
    if env.get(JOIN_ENV, "").strip():
        try:
            return Join(from_setting(env[JOIN_ENV]), "setting")
        except ValueError as e:
            skipped = f"{e}: it is ignored."
    if env.get(PROXY_ENV, "").strip():
        try:
            bind, proxy_port = _proxy(env[PROXY_ENV])
        except ValueError as e:
            skipped = (skipped + " " if skipped else "") + f"{e}: it is ignored."
        else:
            j = listening(bind, proxy_port, base_path, find_ip)
            return Join(j.url, "proxy" if j.source in ("lan", "address") else j.source,
                        " ".join(filter(None, [skipped, j.note])))
    j = listening(address or "", port, base_path, find_ip)
    return Join(j.url, j.source, " ".join(filter(None, [skipped, j.note])))
