"""The store's connection handling: lazy engine, migrate once, one transaction per call.

A ``Store`` can be made while its database is down (the app starts anyway); every call then raises
a one-line :class:`StoreError` within the connect timeout, and the first call that reaches the
database migrates it.
"""

from __future__ import annotations

import contextlib
import threading

from ..errors import StoreError
from .connect import db_errors, make_engine, resolve_url, safe_url, sqlite_path
from .schema import migrate


class StoreBase:
    def __init__(self, url: str | None = None):
        self._url = resolve_url(url)
        self.url = safe_url(self._url)  # password hidden: fit for messages and the app's "about"
        self.path = sqlite_path(self._url)  # the SQLite file, or None
        self._engine = None
        self._ready = False
        self._lock = threading.Lock()

    @property
    def backend(self) -> str:
        return "sqlite" if self._url.startswith("sqlite") else "postgresql"

    def __repr__(self):
        return f"Store({self.url})"

    def ensure_ready(self) -> None:
        """Connect and migrate the first time; afterwards free. Raises StoreError."""
        if self._ready:
            return
        with self._lock:
            if self._ready:
                return
            if self._engine is None:
                self._engine = make_engine(self._url)
            with db_errors(self._url, "cannot open the class database"):
                migrate(self._engine, self.url)
            self._ready = True

    def close(self) -> None:
        """Release pooled connections (the store can be used again; it reconnects)."""
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()

    @contextlib.contextmanager
    def _read(self, what: str):
        """A connection in one read transaction (a consistent snapshot for several queries)."""
        self.ensure_ready()
        with db_errors(self._url, what), self._engine.connect() as conn, conn.begin():
            yield conn

    @contextlib.contextmanager
    def _write(self, what: str):
        """A connection in one write transaction: all of it commits or none of it does."""
        self.ensure_ready()
        with db_errors(self._url, what), self._engine.connect() as conn:
            conn = conn.execution_options(write=True)
            with conn.begin():
                yield conn

    def health(self) -> tuple[bool, str]:
        """(True, "") if the database answers now, else (False, the one-line reason)."""
        import sqlalchemy as sa
        try:
            with self._read("the class database does not answer") as conn:
                conn.execute(sa.text("SELECT 1"))
        except StoreError as e:
            return False, str(e)
        return True, ""

    def verify(self) -> list[str]:
        """Problems found in the stored data (empty = intact): SQLite's integrity and foreign-key checks,
        and on any backend every run has its curves, every JSON parses, every model size matches."""
        import json

        import sqlalchemy as sa

        from .schema import run_curves, run_models, runs
        problems = []
        with self._read("cannot check the class database") as conn:
            if self.backend == "sqlite":
                problems += [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check") if r[0] != "ok"]
                problems += [f"foreign key: {tuple(r)}" for r in conn.exec_driver_sql("PRAGMA foreign_key_check")]
            q = (sa.select(runs.c.id, runs.c.recipe, runs.c.has_model, runs.c.model_size, run_curves.c.history,
                           sa.func.length(run_models.c.data))
                 .outerjoin(run_curves, run_curves.c.run_id == runs.c.id)
                 .outerjoin(run_models, run_models.c.run_id == runs.c.id))
            for rid, recipe, has_model, size, history, stored in conn.execute(q):
                try:
                    json.loads(recipe)
                    json.loads(history)
                except (TypeError, ValueError):
                    problems.append(f"run {rid}: recipe or curves unreadable")
                if has_model and stored != size:
                    problems.append(f"run {rid}: model file {stored} bytes, expected {size}")
        return problems
