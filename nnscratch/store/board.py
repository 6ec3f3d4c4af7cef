"""Everything the Class page (and the presenter view) shows, read in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field

from .runs import Run


@dataclass
class Board:
    """One consistent snapshot of the board for a page build.

    ``leaderboard``: the chosen data source's runs, best test accuracy first; ``mine``: the
    caller's runs, newest first; ``latest``: the newest runs with their curves (``run.history``);
    ``sources``: (kind, label, runs) of every data source; ``counts`` as :meth:`Store.counts`;
    ``online``: {"online", "training"} sessions across all servers sharing the store.
    """
    data_kind: str | None
    data_label: str | None
    leaderboard: list[Run]
    mine: list[Run]
    latest: list[Run]
    sources: list[tuple[str, str, int]]
    counts: dict
    online: dict = field(default_factory=dict)


class BoardQueries:
    def board(self, data_kind: str | None = None, data_label: str | None = None, owner: str | None = None, *,
              top: int = 50, mine: int = 50, latest_curves: int = 5) -> Board:
        """The Class page's data. Without a data source, the one with most runs is shown."""
        with self._read("the class board is offline") as conn:
            sources = self._sources(conn)
            if data_kind is None and sources:
                data_kind, data_label = sources[0][:2]
            leaderboard = self._list(conn, data_kind, data_label, owner=owner, limit=top)
            my_runs = self._list(conn, owner=owner, mine_only=True, order="latest", limit=mine) if owner else []
            latest = self._list(conn, order="latest", limit=latest_curves, owner=owner) if latest_curves else []
            curves = self._curves(conn, [r.id for r in latest])
            for r in latest:
                r.history = curves.get(r.id, {})
            return Board(data_kind, data_label, leaderboard, my_runs, latest, sources, self._counts(conn),
                         self._online(conn))
