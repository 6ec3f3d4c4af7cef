"""The class store when things go wrong: the database unreachable (a closed port, PostgreSQL
stopped mid-workshop) fails fast and the outbox writes the runs when it is back; a writer killed
with SIGKILL mid-write, or PostgreSQL itself killed, leaves the store intact with every committed
run readable (SQLite's integrity_check, pg_amcheck, every model loaded back)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from nnscratch import Network
from nnscratch.errors import StoreError
from nnscratch.store import Store, outbox
from nnscratch.store.schema import runs

from pgserver import free_port
from storedata import make_run

ROOT = Path(__file__).resolve().parents[1]
FAST = 5.0  # s: "fails fast" (the connect timeout is 3 s; a refused port answers at once)


def test_closed_port_fails_fast_in_one_line():
    url = f"postgresql://ada:hunter2@127.0.0.1:{free_port()}/class"
    t = time.perf_counter()
    with pytest.raises(StoreError) as err:
        Store.open(url)
    assert time.perf_counter() - t < FAST
    msg = str(err.value)
    assert "unreachable" in msg and "127.0.0.1" in msg and "hunter2" not in msg and "\n" not in msg
    store = Store.open(url, connect=False)  # the app starts anyway, board offline
    ok, why = store.health()
    assert not ok and "unreachable" in why


def test_bad_urls_are_one_line_errors(tmp_path):
    for url, words in [("mysql://x@h/db", "unsupported database"), ("postgresql://h:notaport/db", "not a database URL"),
                       ("postgresql://u@127.0.0.1:5432/", "names no database")]:
        with pytest.raises(StoreError, match=words):
            Store.open(url)
    (tmp_path / "junk.db").write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="cannot open the class database: file is not a database"):
        Store.open(str(tmp_path / "junk.db"))


def test_postgres_down_mid_workshop_then_back(pg_server, pg_url, monkeypatch):
    store = Store.open(pg_url)
    store.save_run(make_run(nickname="before"))
    store.outbox.retry_seconds = 0.2
    pg_server.stop()
    try:
        t = time.perf_counter()
        with pytest.raises(StoreError, match="unreachable"):
            store.list_runs()
        waiting = [store.save_run_or_queue(make_run(nickname=f"offline{i}")) for i in range(3)]
        assert time.perf_counter() - t < 3 * FAST
        assert [p.state for p in waiting] == ["waiting"] * 3 and "unreachable" in waiting[0].message
        bad = store.save_run_or_queue(make_run(status="exploded"))  # can never be saved: told at once
        assert bad.state == "failed" and bad.message.startswith("not saved: run status")
        monkeypatch.setattr(outbox, "MAX_WAITING", 3)
        full = store.save_run_or_queue(make_run(nickname="one too many"))
        assert full.state == "failed" and "waiting list is full" in full.message
        assert not store.health()[0]
    finally:
        pg_server.start()
    deadline = time.time() + 30
    while time.time() < deadline and any(p.state == "waiting" for p in waiting):
        time.sleep(0.1)
    assert [p.state for p in waiting] == ["saved"] * 3  # written by the outbox's thread, in order
    assert [p.run_id for p in waiting] == sorted(p.run_id for p in waiting)
    assert sorted(r.nickname for r in store.list_runs()) == ["before", "offline0", "offline1", "offline2"]
    assert store.outbox.waiting() == 0 and store.health() == (True, "")
    store.close()


WRITER = r"""
import sys, time
sys.path.insert(0, "tests")
from nnscratch.store import Store
from storedata import make_run, model_bytes
store = Store.open(sys.argv[1])
blob = model_bytes(hidden=256)  # ~0.8 MB: a write takes long enough to be killed in the middle of one
i = 0
while True:
    rec = make_run(nickname=f"w{i}", owner="writer", test_acc=(i % 100) / 100, model=blob)
    try:
        store.save_run(rec)
    except Exception as e:
        print("ERR", str(e)[:80], flush=True)
        time.sleep(0.05)
        continue
    print(rec.uid, flush=True)  # only after the commit returned
    i += 1
"""


def _start_writer(url):
    return subprocess.Popen([sys.executable, "-c", WRITER, url], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


def _read_commits(proc, until: int, committed: list, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while len(committed) < until:
        line = proc.stdout.readline()
        assert line and time.time() < deadline, f"the writer stopped after {len(committed)} commits"
        if not line.startswith("ERR"):
            committed.append(line.strip())


def _kill(proc, committed):
    proc.send_signal(signal.SIGKILL)
    rest, _ = proc.communicate(timeout=30)
    committed += [u for u in rest.split() if len(u) == 32]  # printed just before the kill


def _check_intact(url, committed, pg_server=None):
    store = Store.open(url)
    try:
        assert store.verify() == []
        with store._read("test") as conn:
            found = dict(conn.execute(sa.select(runs.c.uid, runs.c.id).where(runs.c.uid.in_(committed))).all())
        assert len(found) == len(set(committed)), f"{len(set(committed)) - len(found)} committed runs lost"
        for rid in found.values():
            assert Network.load(store.load_model_bytes(rid)).sizes == [784, 256, 10]
            assert store.get_run(rid).history["step"]
    finally:
        store.close()
    if pg_server is not None:
        pg_server.amcheck(url.rsplit("/", 1)[1])


def test_kill_9_writer_mid_write_leaves_store_intact(store_url, request):
    Store.open(store_url).close()
    committed: list[str] = []
    proc = _start_writer(store_url)
    try:
        _read_commits(proc, 15, committed)
        time.sleep(random.uniform(0, 0.05))  # somewhere inside the next write
    finally:
        _kill(proc, committed)
    assert len(committed) >= 15
    _check_intact(store_url, committed, request.getfixturevalue("pg_server") if "postgresql" in store_url else None)


def test_kill_9_postgres_mid_write_recovers(pg_server, pg_url):
    Store.open(pg_url).close()
    committed: list[str] = []
    proc = _start_writer(pg_url)
    try:
        _read_commits(proc, 10, committed)
        pg_server.kill()  # the database server itself crashes mid-write
        time.sleep(0.5)
    finally:
        _kill(proc, committed)
        pg_server.start()  # crash recovery
    _check_intact(pg_url, committed, pg_server)
