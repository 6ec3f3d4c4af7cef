"""The class store on SQLite and on a real PostgreSQL: runs round-trip with their model, the
leaderboard orders and filters, only owners delete, migrations, 30 simultaneous writers, hostile text.

Failure modes (database down, kill -9 during writes) are in test_store_failures.py.
"""

from __future__ import annotations

import csv
import io
import threading

import numpy as np
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import examples  # hypothesis counts scaled by the profile (tests/conftest.py)

from nnscratch import Network
from nnscratch.errors import StoreError
from nnscratch.store import (MAX_MODEL_BYTES, SCHEMA_VERSION, DrawingRecord, Store, check_instructor_key,
                             clean_nickname, downsample_history)
from nnscratch.store.schema import METADATA, MIGRATIONS

from storedata import MNIST, RECIPE, SAMPLE, history_rows, make_run, model_bytes


@pytest.fixture
def store(store_url):
    s = Store.open(store_url)
    yield s
    s.close()


def test_run_round_trip_with_model(store):
    net = Network([784, 16, 10], seed=3)
    rows = history_rows(2000, epochs=20)
    blob = net.to_bytes()
    rid = store.save_run(make_run(nickname="  ada \n", model=blob, history=rows, name="quick 784-16-10"))
    run = store.get_run(rid, owner="token-a")
    assert (run.nickname, run.recipe, run.data_kind, run.data_label) == ("ada", RECIPE, "sample", SAMPLE["label"])
    assert (run.status, run.test_acc, run.val_acc, run.train_acc) == ("completed", 0.9, 0.91, 0.95)
    assert run.mine and run.has_model and run.model_size == len(blob)
    assert run.name == "quick 784-16-10" and run.duration_s == 12.5 and run.samples_per_s == 25_000
    hist = run.history
    assert 0 < len(hist["step"]) <= 500 and hist["step"][-1] == 2000
    assert sum(v is not None for v in hist["val_acc"]) == 20  # every validation point kept
    assert store.load_model_bytes(rid) == blob
    back = Network.load(store.load_model_bytes(rid))
    X = np.random.default_rng(0).random((50, 784), dtype=np.float32)
    assert np.array_equal(back.predict_proba(X), net.predict_proba(X))
    assert store.list_runs(owner="someone else")[0].mine is False
    assert store.verify() == []


def test_big_model_is_kept_without_its_file(store):
    rid = store.save_run(make_run(model=b"x" * (MAX_MODEL_BYTES + 1)))
    run = store.get_run(rid)
    assert not run.has_model and "over the board's 8 MB limit" in run.note
    with pytest.raises(StoreError, match=f"run {rid} has no stored model"):
        store.load_model_bytes(rid)


def test_leaderboard_order_and_filters(store):
    accs = [0.91, 0.97, None, 0.93, 0.97]
    ids = [store.save_run(make_run(nickname=f"p{i}", owner=f"tok{i % 2}", test_acc=a, created_at=1000.0 + i,
                                   status="diverged" if a is None else "completed"))
           for i, a in enumerate(accs)]
    mnist = store.save_run(make_run(nickname="m", test_acc=0.99, data=MNIST))
    board = store.list_runs("sample")
    # best first, ties to the earlier run, no test accuracy last; the MNIST run is another board
    assert [r.id for r in board] == [ids[1], ids[4], ids[3], ids[0], ids[2]]
    assert [r.id for r in store.list_runs("mnist")] == [mnist]
    assert [r.id for r in store.list_runs("sample", limit=2)] == [ids[1], ids[4]]
    mine = store.list_runs("sample", owner="tok1", mine_only=True)
    assert {r.id for r in mine} == {ids[1], ids[3]} and all(r.mine for r in mine)
    assert store.list_runs(mine_only=True) == []  # no token: nothing is "mine"
    assert [r.id for r in store.list_runs(nickname="p3")] == [ids[3]]
    assert store.list_runs(order="latest", limit=1)[0].id == mnist
    assert store.counts() == {"runs": 6, "people": 6, "by_kind": {"sample": 5, "mnist": 1}, "drawings": 0}
    assert ("sample", SAMPLE["label"], 5) in store.data_sources()
    assert set(store.curves([ids[0], ids[1], 10**6])) == {ids[0], ids[1]}


def test_delete_own_runs_only(store):
    a = store.save_run(make_run(owner="alice"))
    b = store.save_run(make_run(owner="bob"))
    cli = store.save_run(make_run(owner=None))
    with pytest.raises(StoreError, match=f"run {a} is not yours"):
        store.delete_run(a, owner="bob")
    with pytest.raises(StoreError, match="not yours"):
        store.delete_run(cli, owner=None)  # a run without owner is nobody's to delete but the instructor's
    store.delete_run(a, owner="alice")
    with pytest.raises(StoreError, match=f"no run {a}"):
        store.get_run(a)
    with pytest.raises(StoreError, match=f"no run {a}"):
        store.load_model_bytes(a)
    with pytest.raises(StoreError, match=f"no run {a}"):
        store.delete_run(a, owner="alice")
    store.delete_run_admin(b)
    assert [r.id for r in store.list_runs()] == [cli]
    assert store.reset() == 1 and store.list_runs() == [] and store.verify() == []


def test_migrations_fresh_reopen_old_and_newer(store_url):
    Store.open(store_url).close()
    engine = sa.create_engine(store_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.begin() as c:
            assert [r[0] for r in c.execute(sa.text("SELECT version FROM schema_version ORDER BY 1"))] == \
                [v for v, *_ in MIGRATIONS]
            insp = sa.inspect(c)
            for table in METADATA.sorted_tables:  # the migrated database is exactly the current tables
                assert {col["name"] for col in insp.get_columns(table.name)} == set(table.columns.keys())
        Store.open(store_url).close()  # re-open: nothing applied twice
        with engine.begin() as c:
            assert c.execute(sa.text("SELECT count(*) FROM schema_version")).scalar() == SCHEMA_VERSION
            # an older database (only migration 1) is brought up to date, keeping its runs
            c.execute(sa.text("DROP TABLE drawings"))
            c.execute(sa.text("DELETE FROM schema_version WHERE version > 1"))
        s = Store.open(store_url)
        rid = s.save_run(make_run())
        s.save_drawing(DrawingRecord(label=7, image28=np.zeros(784, np.uint8), run_id=rid))
        s.close()
        with engine.begin() as c:
            c.execute(sa.text("INSERT INTO schema_version VALUES (99, 0, 'future')"))
    finally:
        engine.dispose()
    with pytest.raises(StoreError) as err:
        Store.open(store_url)
    msg = str(err.value)
    assert "schema version 99, newer than this nnscratch" in msg and "\n" not in msg
    assert "test-secret" not in msg  # the password never shows


def test_30_writers_at_the_same_moment_lose_nothing(store):
    barrier, ids, errors = threading.Barrier(30), [], []

    def finish(i):
        rec = make_run(nickname=f"n{i}", owner=f"t{i}", test_acc=i / 100, model=model_bytes(seed=i % 3))
        barrier.wait()
        try:
            ids.append(store.save_run(rec))
        except Exception as e:  # noqa: BLE001 - counted below
            errors.append(e)

    threads = [threading.Thread(target=finish, args=(i,)) for i in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and len(set(ids)) == 30
    assert store.counts()["runs"] == 30 and len(store.list_runs(limit=100)) == 30
    assert len(store.curves(ids)) == 30 and store.verify() == []


HOSTILE = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["<script>alert(1)</script>", "'; DROP TABLE runs; --", "Robert'); DELETE FROM runs;--",
                     "**bold** [x](javascript:alert(1))", "=HYPERLINK(\"http://x\")", "\x00\x1b[31mred\x07",
                     "👩‍👩‍👧‍👦🔥" * 10, "\u202eevil\u200b", "lone \ud800 surrogate", "a" * 10_000, "\t\n\r", ""]),
    st.text(min_size=1, max_size=40).map(lambda t: (t * (10_240 // len(t) + 1))[:10_240]),  # 10 kB strings
)


@settings(max_examples=examples(30), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(nick=HOSTILE, label=HOSTILE, recipe_text=HOSTILE)
def test_hostile_text_is_stored_and_read_back_harmlessly(store, nick, label, recipe_text):
    recipe = {**RECIPE, "note": recipe_text[:2000]}
    rid = store.save_run(make_run(nickname=nick, data={"kind": "upload", "label": label}, recipe=recipe,
                                  model=False, history=history_rows(5)))
    run = store.get_run(rid)
    assert run.nickname == clean_nickname(nick) and run.recipe == recipe  # JSON keeps the recipe exactly
    assert len(run.nickname) <= 24 and run.nickname.isprintable() and run.nickname == run.nickname.strip()
    assert len(run.data_label) <= 200 and run.data_label.isprintable()
    rows = list(csv.reader(io.StringIO(store.export_csv())))
    exported = {r[0]: r for r in rows[1:]}[str(rid)]
    assert exported[2] == run.nickname or exported[2] == "'" + run.nickname  # formula-looking cells neutralised
    assert exported[2][:1] not in "=+-@" or exported[2] == ""
    store.delete_run_admin(rid)


@given(st.text(max_size=200))
def test_clean_nickname_properties(text):
    nick = clean_nickname(text)
    assert 1 <= len(nick) <= 24 and nick.isprintable() and nick == nick.strip() and "  " not in nick
    assert clean_nickname(nick) == nick  # cleaning is idempotent


def test_clean_nickname_examples():
    assert clean_nickname("") == clean_nickname(" \n\t ") == clean_nickname(None) == "anonymous"
    assert clean_nickname("  Ada  Lovelace\n") == "Ada Lovelace"
    assert clean_nickname("x" * 100) == "x" * 24
    assert clean_nickname("a\x00b\x1bc\u200bd") == "abcd"


def test_instructor_key(monkeypatch):
    monkeypatch.delenv("NNSCRATCH_INSTRUCTOR_KEY", raising=False)
    assert not check_instructor_key("") and not check_instructor_key("anything")
    monkeypatch.setenv("NNSCRATCH_INSTRUCTOR_KEY", "s3cret-ключ")
    assert check_instructor_key("s3cret-ключ")
    assert not check_instructor_key("s3cret") and not check_instructor_key(None) and not check_instructor_key("")


def test_drawings_and_presence(store):
    img = (np.arange(784) % 256).astype(np.uint8)
    a = store.save_drawing(DrawingRecord(label=7, image28=img, nickname="ada", owner="alice", predicted=1,
                                         probabilities=[0.1] * 10, model_name="shipped", canvas_png=b"\x89PNG...."))
    b = store.save_drawing(DrawingRecord(label=3, image28=img / 255.0, owner="bob"))
    got = store.list_drawings(owner="alice")
    assert [d["id"] for d in got] == [b, a] and [d["mine"] for d in got] == [False, True]
    assert np.array_equal(got[1]["image28"].ravel(), img) and np.array_equal(got[0]["image28"].ravel(), img)
    assert got[1]["predicted"] == 1 and got[1]["probabilities"] == [0.1] * 10
    with pytest.raises(StoreError, match="not yours"):
        store.delete_drawing(a, owner="bob")
    store.delete_drawing(a, owner="alice")
    assert [d["id"] for d in store.list_drawings(mine_only=True, owner="bob", with_images=False)] == [b]
    with pytest.raises(StoreError, match="digit 0-9"):
        store.save_drawing(DrawingRecord(label=10, image28=img))
    store.heartbeat("alice", "ada", training=True)
    store.heartbeat("bob", "bo")
    store.heartbeat("bob", "bo", training=False)
    assert store.online() == {"online": 2, "training": 1}
    store.leave("alice")
    assert store.online() == {"online": 1, "training": 0}
    store.heartbeats([("carol", "c", True), ("dan", "d", False)], gone=["bob"])
    assert store.online() == {"online": 2, "training": 1}


def test_downsample_history():
    rows = history_rows(10_000, epochs=40)
    h = downsample_history(rows)
    assert len(h["step"]) <= 500 and h["step"][0] == 1 and h["step"][-1] == 10_000
    assert sum(v is not None for v in h["val_acc"]) == 40
    assert abs(np.mean([r["loss"] for r in rows]) - np.average(
        h["loss"], weights=np.diff([0] + h["step"]))) < 1e-3  # each point's loss is its span's mean
    assert downsample_history(h) == h and downsample_history([]) == {}
    nan = downsample_history([{"step": 1, "loss": float("nan"), "val_acc": None}])
    assert nan["loss"] == [None]


def test_board_snapshot_for_the_class_page(store):
    a = [store.save_run(make_run(owner="alice", test_acc=0.8 + i / 100, created_at=100.0 + i)) for i in range(3)]
    m = store.save_run(make_run(owner="bob", data=MNIST, test_acc=0.99, created_at=200.0))
    store.heartbeat("alice", "ada", training=True)
    b = store.board(owner="alice", latest_curves=2)
    assert (b.data_kind, b.data_label) == ("sample", SAMPLE["label"])  # the source with most runs
    assert [r.id for r in b.leaderboard] == a[::-1] and [r.id for r in b.mine] == a[::-1]
    assert [r.id for r in b.latest] == [m, a[2]] and all(r.history["step"] for r in b.latest)
    assert b.counts["runs"] == 4 and b.online == {"online": 1, "training": 1}
    assert [r.id for r in store.board("mnist", MNIST["label"]).leaderboard] == [m]
    assert store.board(owner=None).mine == []
