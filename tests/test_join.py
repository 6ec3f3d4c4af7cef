"""nnscratch/join.py: which URL the Join panel's QR code holds, for each way the server can be started."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from nnscratch import join

LAN = "192.168.1.23"


def lan():
    return LAN


def offline():
    return None


def url(address, port=8501, base="", env=None, find_ip=lan):
    return join.join_url(address, port, base, env=env or {}, find_ip=find_ip)


@pytest.mark.parametrize("address", [None, "", "0.0.0.0", "::"])
def test_all_interfaces_give_the_lan_address(address):
    j = url(address)
    assert (j.url, j.source, j.note) == (f"http://{LAN}:8501/draw", "lan", "")


def test_a_specific_address_is_used_as_it_is():
    assert url("10.0.0.5", 8080).url == "http://10.0.0.5:8080/draw"
    assert url("fd00::2", 8080).url == "http://[fd00::2]:8080/draw"
    assert url("nn.local", 8080).source == "address"


@pytest.mark.parametrize("address", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_gives_localhost_and_says_why(address):
    j = url(address)
    assert j.url == "http://localhost:8501/draw" and j.source == "local"
    assert "only on this computer" in j.note and "--server.address 0.0.0.0" in j.note


def test_no_network_gives_localhost_and_says_why():
    j = url("0.0.0.0", find_ip=offline)
    assert j.url == "http://localhost:8501/draw" and j.source == "local" and "no network" in j.note


def test_base_url_path_is_kept():
    assert url("", 8501, "/nn/").url == f"http://{LAN}:8501/nn/draw"


@pytest.mark.parametrize("value, want", [
    ("https://nn.example.org", "https://nn.example.org/draw"),
    ("https://nn.example.org/", "https://nn.example.org/draw"),
    ("nn.example.org:8080", "http://nn.example.org:8080/draw"),
    ("https://abc.trycloudflare.com/draw", "https://abc.trycloudflare.com/draw"),
    ("https://tinyurl.com/nnday", "https://tinyurl.com/nnday"),  # a short link: as it is
    ("  http://10.1.2.3:8501  ", "http://10.1.2.3:8501/draw"),
])
def test_the_setting_comes_first(value, want):
    j = url("127.0.0.1", env={join.JOIN_ENV: value, join.PROXY_ENV: "0.0.0.0:8080"})
    assert (j.url, j.source, j.note) == (want, "setting", "")


@pytest.mark.parametrize("value", ["ftp://host/x", "http://", "two words", "https://exa mple.org"])
def test_a_bad_setting_is_ignored_and_named(value):
    j = url("0.0.0.0", env={join.JOIN_ENV: value})
    assert j.url == f"http://{LAN}:8501/draw"
    assert join.JOIN_ENV in j.note and "ignored" in j.note and "\n" not in j.note


def test_behind_the_proxy_the_proxys_address_and_port():
    # deploy/cluster: replicas listen on 127.0.0.1 at a random port; the room opens HAProxy's
    env = {join.PROXY_ENV: "0.0.0.0:8080"}
    assert url("127.0.0.1", 40123, env=env) == join.Join(f"http://{LAN}:8080/draw", "proxy")
    assert url("127.0.0.1", 40123, env={join.PROXY_ENV: "10.0.0.9:80"}).url == "http://10.0.0.9:80/draw"
    assert url("127.0.0.1", 40123, env={join.PROXY_ENV: "[::]:8080"}).url == f"http://{LAN}:8080/draw"
    local = url("127.0.0.1", 40123, env={join.PROXY_ENV: "127.0.0.1:8080"})
    assert local.url == "http://localhost:8080/draw" and local.note
    bad = url("0.0.0.0", 8501, env={join.PROXY_ENV: "8080"})
    assert bad.url == f"http://{LAN}:8501/draw" and join.PROXY_ENV in bad.note


def test_lan_ip_is_an_address_of_this_machine_and_not_loopback():
    ip = join.lan_ip()
    if ip is None:  # a machine on no network: then it has no route out either
        with pytest.raises(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect((join.PROBES[0], 9))
        return
    assert not ip.startswith("127.")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((ip, 0))  # only an address one of this machine's interfaces holds can be bound


def test_lan_ip_without_a_route_is_none():
    # an unroutable target for every probe: connect() fails, nothing is sent, the answer is None
    assert join.lan_ip(probes=("0.0.0.0", "255.255.255.255")) is None


def test_deploy_cluster_sets_the_proxy_setting():
    # one name for the setting: deploy/cluster (stdlib only, cannot import nnscratch) spells it out
    assert join.PROXY_ENV in (Path(__file__).parents[1] / "deploy" / "cluster").read_text()
