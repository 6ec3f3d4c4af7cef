"""Labelled drawings (issue #12) and who is online: the store's smaller tables."""

from __future__ import annotations

import json
import time

import numpy as np
import sqlalchemy as sa

from .people import check_owner, clean_nickname, clean_text, owner_hash, server_name
from .records import DrawingRecord
from .schema import drawings, presence

ONLINE_WINDOW = 60.0  # s: a session seen within this is online
PRESENCE_KEEP = 3600.0  # s: older presence rows are pruned on the next heartbeat


class DrawingQueries:
    def save_drawing(self, record: DrawingRecord) -> int:
        """Store one labelled drawing; return its id (the same id again for the same ``uid``)."""
        row = record.row()
        row["owner_hash"] = owner_hash(record.owner)
        with self._write("the drawing was not saved") as conn:
            found = conn.execute(sa.select(drawings.c.id).where(drawings.c.uid == row["uid"])).scalar()
            if found is not None:
                return int(found)
            return int(conn.execute(drawings.insert().values(**row)).inserted_primary_key[0])

    def list_drawings(self, owner: str | None = None, *, mine_only: bool = False, limit: int | None = 100,
                      with_images: bool = True) -> list[dict]:
        """Newest first. Each: id, created_at, nickname, label, predicted, probabilities (list),
        model_name, run_id, mine, and with images ``image28`` ((28, 28) uint8) and ``canvas_png``."""
        me = owner_hash(owner)
        cols = [drawings.c[k] for k in ("id", "created_at", "nickname", "owner_hash", "label", "predicted",
                                        "probabilities", "model_name", "run_id")]
        if with_images:
            cols += [drawings.c.image28, drawings.c.canvas_png]
        q = sa.select(*cols).order_by(drawings.c.created_at.desc(), drawings.c.id.desc())
        if mine_only:
            q = q.where(drawings.c.owner_hash == me) if me else q.where(sa.false())
        if limit is not None:
            q = q.limit(max(1, int(limit)))
        out = []
        with self._read("cannot read the drawings") as conn:
            for row in conn.execute(q):
                d = dict(row._mapping)
                d["mine"] = bool(me) and d.pop("owner_hash") == me
                d["probabilities"] = json.loads(d["probabilities"] or "[]")
                if with_images:
                    d["image28"] = np.frombuffer(bytes(d["image28"]), dtype=np.uint8).reshape(28, 28)
                    d["canvas_png"] = bytes(d["canvas_png"]) if d["canvas_png"] is not None else None
                out.append(d)
        return out

    def delete_drawing(self, drawing_id: int, owner: str) -> None:
        with self._write("the drawing was not deleted") as conn:
            check_owner(conn, drawings, drawing_id, owner, f"there is no drawing {drawing_id} (already deleted?)",
                        f"drawing {drawing_id} is not yours: you can delete only your own drawings")
            conn.execute(drawings.delete().where(drawings.c.id == int(drawing_id)))

    # ---- presence -------------------------------------------------------------------------------
    def heartbeat(self, owner: str, nickname: str = "", training: bool = False, server: str | None = None) -> None:
        """Mark one session online (and whether it trains now); see :meth:`heartbeats`."""
        self.heartbeats([(owner, nickname, training)], server=server)

    def heartbeats(self, sessions, server: str | None = None, gone=()) -> None:
        """Mark sessions ``(token, nickname, training)`` online and the tokens in ``gone`` offline, for
        every server sharing this store: one transaction of small upserts (an app server sends its
        connected sessions every few seconds from one thread); rows not seen for an hour are pruned."""
        now = time.time()
        where = clean_text(server if server is not None else server_name(), 100)
        rows = [dict(owner_hash=owner_hash(t), nickname=clean_nickname(n), last_seen=now, training=bool(tr),
                     server=where) for t, n, tr in sessions if t]
        gone = [h for h in (owner_hash(t) for t in gone) if h]
        with self._write("cannot record who is online") as conn:
            if conn.dialect.name == "postgresql":
                from sqlalchemy.dialects.postgresql import insert
            else:
                from sqlalchemy.dialects.sqlite import insert
            for values in rows:
                stmt = insert(presence).values(**values)
                conn.execute(stmt.on_conflict_do_update(
                    index_elements=[presence.c.owner_hash],
                    set_={k: stmt.excluded[k] for k in values if k != "owner_hash"}))
            if gone:
                conn.execute(presence.delete().where(presence.c.owner_hash.in_(gone)))
            conn.execute(presence.delete().where(presence.c.last_seen < now - PRESENCE_KEEP))

    def leave(self, owner: str) -> None:
        """A session has ended: it is no longer online."""
        me = owner_hash(owner)
        if me is not None:
            with self._write("cannot record who is online") as conn:
                conn.execute(presence.delete().where(presence.c.owner_hash == me))

    def online(self, window: float = ONLINE_WINDOW) -> dict:
        """{"online": sessions seen within ``window`` s, "training": those of them training now}."""
        with self._read("cannot read who is online") as conn:
            return self._online(conn, window)

    @staticmethod
    def _online(conn, window: float = ONLINE_WINDOW) -> dict:
        q = (sa.select(sa.func.count(), sa.func.count().filter(presence.c.training))
             .where(presence.c.last_seen >= time.time() - window))
        n, training = conn.execute(q).one()
        return {"online": int(n), "training": int(training or 0)}
