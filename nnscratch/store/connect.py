"""Database URLs and engines: SQLite by default, any PostgreSQL through ``NNSCRATCH_DB``.

- Default: ``sqlite:///<data dir>/class.db``, the data dir being the MNIST cache's
  (``$NNSCRATCH_DATA`` or the user cache dir). WAL mode (readers never block the writer),
  ``synchronous=FULL`` (a committed run survives a power cut, not only a ``kill -9``), a 10 s busy
  timeout, foreign keys on.
- ``NNSCRATCH_DB``: ``sqlite:///path/class.db``, a plain file path, or
  ``postgresql://user:pass@host:port/db`` (mapped to the psycopg 3 driver), with a 3 s connect
  timeout and a 10 s statement timeout so an unreachable server fails fast instead of hanging a page.

Every DB-API failure leaves this module as one :class:`StoreError` line naming the database with
its password hidden.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from ..errors import StoreError

DB_ENV = "NNSCRATCH_DB"
DB_FILE = "class.db"
CONNECT_TIMEOUT = 3  # s, PostgreSQL: an unreachable server is reported after this
STATEMENT_TIMEOUT_MS = 10_000  # PostgreSQL: no query of ours takes a tenth of this
SQLITE_BUSY_TIMEOUT = 10  # s, SQLite: how long a writer waits for another writer's lock
POOL_TIMEOUT = 10  # s, waiting for a free pooled connection when many threads write at once
URL_HELP = "use sqlite:///path/to/class.db or postgresql://user:password@host:port/database"


def default_url() -> str:
    from ..data.mnist_cache import cache_dir
    return f"sqlite:///{cache_dir() / DB_FILE}"


def resolve_url(url: str | None = None) -> str:
    """``url``, else ``$NNSCRATCH_DB``, else the default SQLite file, as an SQLAlchemy URL string."""
    url = (url or os.environ.get(DB_ENV, "") or default_url()).strip()
    if "://" not in url:  # a bare path means an SQLite file
        url = f"sqlite:///{Path(url).expanduser().resolve()}"
    scheme = url.split("://", 1)[0].lower()
    if scheme in ("postgresql", "postgres", "postgresql+psycopg", "postgresql+psycopg2"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    elif scheme not in ("sqlite", "sqlite+pysqlite"):
        raise StoreError(f"{DB_ENV}: unsupported database {scheme!r}; {URL_HELP}")
    from sqlalchemy.engine import make_url
    try:
        make_url(url)
    except Exception:  # noqa: BLE001 - ArgumentError, ValueError (a bad port...): say what a good URL looks like
        raise StoreError(f"{DB_ENV}: {safe_url(url)} is not a database URL; {URL_HELP}") from None
    return url


def safe_url(url) -> str:
    """The URL with its password replaced by ***, for messages and the app's 'about'."""
    from sqlalchemy.engine import make_url
    try:
        return make_url(str(url)).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a URL we cannot even parse: show only its scheme
        return str(url).split("://", 1)[0] + "://..."


def sqlite_path(url) -> Path | None:
    from sqlalchemy.engine import make_url
    u = make_url(str(url))
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def make_engine(url: str):
    """An SQLAlchemy engine for a resolved URL, configured as the module docstring says."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    u = make_url(resolve_url(url))
    if u.get_backend_name() == "sqlite":
        path = sqlite_path(u)
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise StoreError(f"cannot create the folder for the class database {path}: {e.strerror}; "
                                 f"set {DB_ENV} or NNSCRATCH_DATA to a writable place") from None
        engine = sa.create_engine(u, connect_args={"timeout": SQLITE_BUSY_TIMEOUT}, pool_timeout=POOL_TIMEOUT)
        _sqlite_events(engine)
        return engine
    if not u.database:
        raise StoreError(f"{DB_ENV}: {safe_url(url)} names no database; {URL_HELP}")
    return sa.create_engine(
        u, pool_pre_ping=True, pool_size=5, max_overflow=10, pool_timeout=POOL_TIMEOUT, pool_recycle=1800,
        connect_args={"connect_timeout": CONNECT_TIMEOUT, "application_name": "nnscratch",
                      "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS}"})


def _sqlite_events(engine):
    """pysqlite's own transaction handling defers BEGIN and never takes the write lock up front, so a
    read-then-write transaction can fail with 'database is locked' without waiting. We issue BEGIN
    ourselves: ``BEGIN IMMEDIATE`` for writes (``conn.execution_options(write=True)``), which waits
    out other writers for the busy timeout, and a plain BEGIN for reads (which WAL never blocks)."""
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we send BEGIN below
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT * 1000}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")


@contextlib.contextmanager
def db_errors(url, what: str):
    """Turn any driver/SQLAlchemy failure inside into one StoreError line: '<what>: <reason> (<db>)'."""
    from sqlalchemy import exc
    try:
        yield
    except StoreError:
        raise
    except (exc.SQLAlchemyError, OSError) as e:
        err = StoreError(f"{what}: {_reason(e)} ({safe_url(url)})")
        err.transient = unreachable(e)  # the outbox retries these later
        raise err from None


def _reason(e) -> str:
    from sqlalchemy import exc
    orig = getattr(e, "orig", None) or e
    text = " ".join(str(orig).split()) or type(orig).__name__
    if isinstance(e, exc.TimeoutError):
        text = "all database connections are busy; try again in a moment"
    elif isinstance(e, (exc.OperationalError, exc.InterfaceError)) and unreachable(e):
        text = "the class database is unreachable, " + text
    return text[:300]


def unreachable(err) -> bool:
    """True for errors that mean 'try again later' (server down, network, pool/lock timeouts), as
    opposed to a bad request. The outbox retries only these."""
    from sqlalchemy import exc
    if isinstance(err, StoreError):
        return bool(getattr(err, "transient", False))
    if isinstance(err, exc.TimeoutError):
        return True
    if isinstance(err, exc.DBAPIError) and err.connection_invalidated:
        return True
    if isinstance(err, (exc.OperationalError, exc.InterfaceError)):
        return True  # connection refused/lost, server shutting down, 'database is locked'
    return isinstance(err, OSError)
