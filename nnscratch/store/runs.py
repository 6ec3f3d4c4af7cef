"""Runs on the board: save, leaderboard and other lists, curves, model files, delete, reset, export."""

from __future__ import annotations

import csv
import io
import json
import time
from dataclasses import dataclass, field

import sqlalchemy as sa

from ..errors import StoreError
from .people import check_owner, owner_hash
from .records import RunRecord
from .schema import run_curves, run_models, runs

# The columns a list shows (never the curves or model bytes).
_LIST_COLS = [runs.c[k] for k in ("id", "uid", "created_at", "nickname", "owner_hash", "server", "name", "data_kind",
                                  "data_label", "recipe", "status", "train_acc", "val_acc", "test_acc", "duration_s",
                                  "samples_per_s", "model_size", "has_model", "note")]
ORDERS = ("best", "latest")
MAX_LIMIT = 1000
CSV_COLUMNS = ["id", "created_at_utc", "nickname", "name", "data_kind", "data_label", "status", "train_acc",
               "val_acc", "test_acc", "duration_s", "samples_per_s", "has_model", "model_size", "server", "recipe"]


@dataclass
class Run:
    """A run as listed. ``mine`` is True only when the list was asked for by its owner's token."""
    id: int
    uid: str
    created_at: float
    nickname: str
    server: str
    name: str
    data_kind: str
    data_label: str
    recipe: dict
    status: str
    train_acc: float | None
    val_acc: float | None
    test_acc: float | None
    duration_s: float | None
    samples_per_s: float | None
    model_size: int | None
    has_model: bool
    note: str
    mine: bool = False
    history: dict | None = field(default=None, repr=False)  # filled by get_run / with_curves

    @classmethod
    def from_row(cls, row, me: str | None) -> "Run":
        d = dict(row._mapping)
        owner = d.pop("owner_hash")
        try:
            d["recipe"] = json.loads(d["recipe"])
        except ValueError:
            d["recipe"] = {}
        return cls(**d, mine=bool(me) and owner == me)


class RunQueries:
    # ---- writing ----------------------------------------------------------------------------------
    def save_run(self, record: RunRecord) -> int:
        """Write one run with its curves and model file in one transaction; return its id. Saving the
        same record again (same ``uid``, e.g. a retry after a lost reply) returns the first id."""
        row, history, model = record.row()
        row["owner_hash"] = owner_hash(record.owner)
        with self._write("the run was not saved") as conn:
            found = conn.execute(sa.select(runs.c.id).where(runs.c.uid == row["uid"])).scalar()
            if found is not None:
                return int(found)
            run_id = int(conn.execute(runs.insert().values(**row)).inserted_primary_key[0])
            conn.execute(run_curves.insert().values(run_id=run_id, history=history))
            if model is not None:
                conn.execute(run_models.insert().values(run_id=run_id, data=model))
        return run_id

    def delete_run(self, run_id: int, owner: str) -> None:
        """Delete a run if ``owner`` (a session token) made it; anybody else gets a StoreError."""
        with self._write("the run was not deleted") as conn:
            check_owner(conn, runs, run_id, owner, f"there is no run {run_id} on the board (already deleted?)",
                        f"run {run_id} is not yours: you can delete only runs made in this session")
            self._delete(conn, [int(run_id)])

    def delete_run_admin(self, run_id: int) -> None:
        """Delete any run (instructor key or CLI)."""
        with self._write("the run was not deleted") as conn:
            if not self._delete(conn, [int(run_id)]):
                raise StoreError(f"there is no run {run_id} on the board")

    def reset(self, drawings: bool = False) -> int:
        """Wipe the board (and the labelled drawings if asked) in one transaction; return runs deleted."""
        from .schema import drawings as drawings_table
        with self._write("the board was not reset") as conn:
            n = conn.execute(sa.select(sa.func.count()).select_from(runs)).scalar()
            if drawings:
                conn.execute(drawings_table.delete())
            else:
                conn.execute(drawings_table.update().values(run_id=None))
            conn.execute(run_models.delete())
            conn.execute(run_curves.delete())
            conn.execute(runs.delete())
        return int(n)

    @staticmethod
    def _delete(conn, ids) -> int:
        # Children first and explicitly: SQLite enforces ON DELETE only with its pragma on.
        from .schema import drawings as drawings_table
        conn.execute(drawings_table.update().where(drawings_table.c.run_id.in_(ids)).values(run_id=None))
        conn.execute(run_models.delete().where(run_models.c.run_id.in_(ids)))
        conn.execute(run_curves.delete().where(run_curves.c.run_id.in_(ids)))
        return conn.execute(runs.delete().where(runs.c.id.in_(ids))).rowcount

    # ---- reading ----------------------------------------------------------------------------------
    def list_runs(self, data_kind: str | None = None, data_label: str | None = None, *, owner: str | None = None,
                  mine_only: bool = False, nickname: str | None = None, order: str = "best",
                  limit: int = 50, offset: int = 0) -> list[Run]:
        """Runs, without curves. ``order="best"``: the leaderboard (test accuracy, best first; runs
        without one last; ties to the earlier run). ``"latest"``: newest first. ``owner`` marks
        the caller's runs ``mine``; ``mine_only`` keeps only those."""
        with self._read("cannot read the board") as conn:
            return self._list(conn, data_kind, data_label, owner=owner, mine_only=mine_only, nickname=nickname,
                              order=order, limit=limit, offset=offset)

    @staticmethod
    def _list(conn, data_kind=None, data_label=None, *, owner=None, mine_only=False, nickname=None, order="best",
              limit=50, offset=0) -> list[Run]:
        if order not in ORDERS:
            raise StoreError(f"order must be one of {', '.join(ORDERS)}, not {order!r}")
        me = owner_hash(owner)
        q = sa.select(*_LIST_COLS)
        if data_kind:
            q = q.where(runs.c.data_kind == data_kind)
        if data_label is not None:
            q = q.where(runs.c.data_label == data_label)
        if nickname is not None:
            q = q.where(runs.c.nickname == nickname)
        if mine_only:
            q = q.where(runs.c.owner_hash == me) if me else q.where(sa.false())
        if order == "best":
            q = q.order_by(runs.c.test_acc.desc().nulls_last(), runs.c.created_at, runs.c.id)
        else:
            q = q.order_by(runs.c.created_at.desc(), runs.c.id.desc())
        q = q.limit(max(1, min(int(limit), MAX_LIMIT))).offset(max(0, int(offset)))
        return [Run.from_row(r, me) for r in conn.execute(q)]

    def get_run(self, run_id: int, owner: str | None = None) -> Run:
        """One run with its curves (``run.history``); StoreError if there is no such run."""
        with self._read("cannot read the board") as conn:
            row = conn.execute(sa.select(*_LIST_COLS).where(runs.c.id == int(run_id))).first()
            if row is None:
                raise StoreError(f"there is no run {run_id} on the board (deleted?)")
            run = Run.from_row(row, owner_hash(owner))
            run.history = self._curves(conn, [run.id]).get(run.id, {})
        return run

    def curves(self, run_ids) -> dict[int, dict]:
        """{run id: downsampled history} for the given ids (missing ids are left out)."""
        with self._read("cannot read the curves") as conn:
            return self._curves(conn, [int(i) for i in run_ids])

    @staticmethod
    def _curves(conn, ids) -> dict[int, dict]:
        if not ids:
            return {}
        q = sa.select(run_curves.c.run_id, run_curves.c.history).where(run_curves.c.run_id.in_(ids))
        return {int(i): json.loads(h) for i, h in conn.execute(q)}

    def load_model_bytes(self, run_id: int) -> bytes:
        """The run's model file (what ``Network.load`` reads); StoreError if it has none."""
        with self._read("cannot load the model") as conn:
            got = conn.execute(sa.select(run_models.c.data).where(run_models.c.run_id == int(run_id))).scalar()
            if got is None:
                note = conn.execute(sa.select(runs.c.note).where(runs.c.id == int(run_id))).scalar()
                if note is None:
                    raise StoreError(f"there is no run {run_id} on the board (deleted?)")
                raise StoreError(f"run {run_id} has no stored model" + (f" ({note})" if note else ""))
        return bytes(got)

    def counts(self) -> dict:
        """Board totals: runs, people (distinct nicknames), runs per data kind, labelled drawings."""
        with self._read("cannot read the board") as conn:
            return self._counts(conn)

    @staticmethod
    def _counts(conn) -> dict:
        from .schema import drawings
        kinds = dict(conn.execute(sa.select(runs.c.data_kind, sa.func.count()).group_by(runs.c.data_kind)).all())
        people = conn.execute(sa.select(sa.func.count(sa.distinct(runs.c.nickname)))).scalar()
        n_draw = conn.execute(sa.select(sa.func.count()).select_from(drawings)).scalar()
        return {"runs": int(sum(kinds.values())), "people": int(people or 0), "by_kind": kinds, "drawings": int(n_draw)}

    def data_sources(self) -> list[tuple[str, str, int]]:
        """(kind, label, number of runs) of every data source on the board, most runs first."""
        with self._read("cannot read the board") as conn:
            return self._sources(conn)

    @staticmethod
    def _sources(conn) -> list[tuple[str, str, int]]:
        q = (sa.select(runs.c.data_kind, runs.c.data_label, sa.func.count().label("n"))
             .group_by(runs.c.data_kind, runs.c.data_label).order_by(sa.desc("n"), runs.c.data_kind, runs.c.data_label))
        return [(k, lab, int(n)) for k, lab, n in conn.execute(q)]

    def export_csv(self) -> str:
        """The whole board as CSV text (no owner tokens, no model bytes). A cell a spreadsheet would
        run as a formula (starting with = + - @) is prefixed with ' so a nickname cannot be one."""
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(CSV_COLUMNS)
        q = sa.select(*_LIST_COLS).order_by(runs.c.id)
        with self._read("cannot export the board") as conn:
            for row in conn.execute(q):
                d = dict(row._mapping)
                d["created_at_utc"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(d["created_at"]))
                w.writerow([_cell(d[c]) for c in CSV_COLUMNS])
        return buf.getvalue()


def _cell(v):
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v
    return v
