"""The class store's tables and their versioned migrations.

A small migrations table (``schema_version``: one row per applied migration) rather than Alembic:
the schema is a handful of tables created by code that must run on start in every app server, with
no migration scripts directory, CLI step or extra dependency for a workshop host to know about.

Rules for changing the schema: never edit a released migration's effect. A change is a new entry
at the end of ``MIGRATIONS`` (e.g. an ``ALTER TABLE``) plus the matching edit of the current table
below; if a table builder used by an older migration changes, freeze the old shape into that
migration first. ``tests/test_store.py`` checks that a freshly migrated database has exactly the
columns of the tables below.
"""

from __future__ import annotations

import time

import sqlalchemy as sa

from .. import __version__
from .records import STATUSES
from ..errors import StoreError

METADATA = sa.MetaData()
LOCK_KEY = 0x6E6E7363  # PostgreSQL advisory lock id ("nnsc"): two servers starting at once migrate one at a time

schema_version = sa.Table(
    "schema_version", METADATA,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("applied_at", sa.Float, nullable=False),  # unix seconds
    sa.Column("code", sa.String(40), nullable=False),  # nnscratch version that applied it
)

runs = sa.Table(
    "runs", METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("uid", sa.String(32), nullable=False, unique=True),  # made by the writer: a retried write is not a duplicate
    sa.Column("created_at", sa.Float, nullable=False),  # unix seconds (UTC)
    sa.Column("nickname", sa.String(100), nullable=False),
    sa.Column("owner_hash", sa.String(64)),  # SHA-256 of the session token; None = nobody's (CLI)
    sa.Column("server", sa.String(100), nullable=False, server_default=""),
    sa.Column("name", sa.String(100), nullable=False, server_default=""),
    sa.Column("data_kind", sa.String(16), nullable=False),  # sample | mnist | upload
    sa.Column("data_label", sa.String(200), nullable=False, server_default=""),
    sa.Column("recipe", sa.Text, nullable=False),  # JSON of Recipe.to_dict()
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("train_acc", sa.Float), sa.Column("val_acc", sa.Float), sa.Column("test_acc", sa.Float),
    sa.Column("duration_s", sa.Float), sa.Column("samples_per_s", sa.Float),
    sa.Column("model_size", sa.Integer),  # bytes of the model file, stored or not
    sa.Column("has_model", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("note", sa.String(200), nullable=False, server_default=""),  # e.g. why the model is not stored
    # the text of release 1's constraint, from the one table (a new status needs a migration too)
    sa.CheckConstraint(f"status IN ({', '.join(repr(s) for s in STATUSES)})", name="runs_status"),
    sa.Index("runs_board", "data_kind", "data_label", "test_acc"),
    sa.Index("runs_owner", "owner_hash", "created_at"),
    sa.Index("runs_created", "created_at"),
)

# Curves and model files live beside the runs, so a leaderboard scan never reads them.
run_curves = sa.Table(
    "run_curves", METADATA,
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True,
              autoincrement=False),
    sa.Column("history", sa.Text, nullable=False),  # JSON, columns of <= 500 points
)
run_models = sa.Table(
    "run_models", METADATA,
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True,
              autoincrement=False),
    sa.Column("data", sa.LargeBinary, nullable=False),  # the .npz that Network.load reads
)

# Who is online and who is training, across every app server sharing this store.
presence = sa.Table(
    "presence", METADATA,
    sa.Column("owner_hash", sa.String(64), primary_key=True),
    sa.Column("nickname", sa.String(100), nullable=False),
    sa.Column("server", sa.String(100), nullable=False, server_default=""),
    sa.Column("last_seen", sa.Float, nullable=False),
    sa.Column("training", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Index("presence_seen", "last_seen"),
)

# Labelled drawings (issue #12): only stored when their author labels them.
drawings = sa.Table(
    "drawings", METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("uid", sa.String(32), nullable=False, unique=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("nickname", sa.String(100), nullable=False),
    sa.Column("owner_hash", sa.String(64)),
    sa.Column("server", sa.String(100), nullable=False, server_default=""),
    sa.Column("label", sa.SmallInteger, nullable=False),
    sa.Column("predicted", sa.SmallInteger),
    sa.Column("probabilities", sa.Text, nullable=False, server_default="[]"),  # JSON, 10 floats
    sa.Column("model_name", sa.String(200), nullable=False, server_default=""),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="SET NULL")),  # the board run that answered
    sa.Column("image28", sa.LargeBinary, nullable=False),  # 784 uint8, row-major, 0 = background
    sa.Column("canvas_png", sa.LargeBinary),  # small grayscale PNG of the canvas
    sa.CheckConstraint("label BETWEEN 0 AND 9", name="drawings_label"),
    sa.Index("drawings_owner", "owner_hash", "created_at"),
    sa.Index("drawings_created", "created_at"),
)


def _create(*tables):
    return lambda conn: METADATA.create_all(conn, tables=list(tables))


# (version, what it does, how): applied in order, all pending ones in one transaction.
MIGRATIONS = [
    (1, "runs with their curves and model files; presence", _create(runs, run_curves, run_models, presence)),
    (2, "labelled drawings", _create(drawings)),
]
LATEST = MIGRATIONS[-1][0]


def current_version(conn) -> int:
    if not sa.inspect(conn).has_table("schema_version"):
        return 0
    return conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() or 0


def _too_new(version: int, where: str) -> StoreError:
    return StoreError(f"the class database {where} has schema version {version}, newer than this nnscratch "
                      f"{__version__} knows ({LATEST}): upgrade nnscratch, or set NNSCRATCH_DB to another database")


def migrate(engine, where: str) -> int:
    """Bring the database to LATEST; return the version found before. A database newer than this code
    raises StoreError. Concurrent starts are serialised (PostgreSQL advisory lock, SQLite write lock)."""
    with engine.connect() as conn:
        with conn.begin():
            found = current_version(conn)
        if found == LATEST:
            return found
        if found > LATEST:
            raise _too_new(found, where)
        conn = conn.execution_options(write=True)
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
            found = current_version(conn)  # again, under the lock: another server may have just done it
            if found > LATEST:
                raise _too_new(found, where)
            schema_version.create(conn, checkfirst=True)
            for version, _what, apply in MIGRATIONS[found:]:
                apply(conn)
                conn.execute(schema_version.insert().values(version=version, applied_at=time.time(),
                                                            code=__version__))
    return found
