"""The class store: everyone's runs (and labelled drawings) in a real database. No Streamlit here.

    from nnscratch.store import Store, RunRecord
    store = Store.open()                      # $NNSCRATCH_DB, else <data dir>/class.db (SQLite, WAL)
    run_id = store.save_run(RunRecord(nickname="ada", recipe=recipe.to_dict(),
                                      data={"kind": "sample", "label": "sample"}, status="completed",
                                      history=rows, test_acc=0.93, model=net.to_bytes(), owner=token))
    store.list_runs("sample")                 # the leaderboard, best test accuracy first
    Network.load(store.load_model_bytes(run_id))

Modules: ``connect`` (URLs, engines, errors), ``schema`` (tables, migrations), ``records`` (what is
written, cleaned), ``runs`` / ``drawings`` / ``board`` (queries), ``outbox`` (runs waiting for the database),
``people`` (nicknames, owner tokens, instructor key). Every call is one transaction and fails with a
one-line :class:`~nnscratch.errors.StoreError`, within seconds when the database is unreachable.
"""

from __future__ import annotations

import threading

from ..errors import StoreError
from .base import StoreBase
from .board import Board, BoardQueries
from .connect import DB_ENV, default_url, resolve_url, safe_url
from .drawings import DrawingQueries
from .outbox import Outbox, Pending
from .people import (ANONYMOUS, NICKNAME_MAX, check_instructor_key, clean_nickname, instructor_key_set,
                     owner_hash, server_name)
from .records import MAX_MODEL_BYTES, MAX_POINTS, DrawingRecord, RunRecord, downsample_history
from .runs import Run, RunQueries
from .schema import LATEST as SCHEMA_VERSION

__all__ = ["Store", "StoreError", "Board", "RunRecord", "DrawingRecord", "Run", "Pending", "clean_nickname",
           "check_instructor_key", "instructor_key_set", "owner_hash", "server_name", "downsample_history",
           "default_url", "resolve_url", "safe_url", "get_store", "DB_ENV", "ANONYMOUS", "NICKNAME_MAX",
           "MAX_MODEL_BYTES", "MAX_POINTS", "SCHEMA_VERSION"]


class Store(StoreBase, RunQueries, DrawingQueries, BoardQueries):
    """One database. Thread-safe (a connection pool); make one per process (see :func:`get_store`)."""

    def __init__(self, url: str | None = None):
        super().__init__(url)
        self.outbox = Outbox(self)

    @classmethod
    def open(cls, url: str | None = None, connect: bool = True) -> "Store":
        """A store for ``url`` (else $NNSCRATCH_DB, else the default SQLite file), connected and migrated
        unless ``connect=False`` (then the first call does it; the app starts even with the DB down)."""
        store = cls(url)
        if connect:
            store.ensure_ready()
        return store

    def save_run_or_queue(self, record: RunRecord) -> Pending:
        """Save now, or keep the run waiting in this process's outbox while the database is down."""
        return self.outbox.submit(record)


_shared: dict[str, Store] = {}
_shared_lock = threading.Lock()


def get_store(url: str | None = None) -> Store:
    """The process's one Store for ``url`` (default as in :meth:`Store.open`), made without connecting,
    so its outbox is shared by every session of the app server."""
    key = resolve_url(url)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = Store(key)
        return _shared[key]
