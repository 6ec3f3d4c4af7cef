"""``python -m nnscratch class export | reset | delete RUN | info``: the instructor's board actions
from a shell (the only way when no NNSCRATCH_INSTRUCTOR_KEY is set for the app).

The database is ``--db URL``, else ``$NNSCRATCH_DB``, else the default SQLite file. ``reset`` asks
for confirmation (``--yes`` skips it; without a terminal and without --yes it refuses).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from ..errors import ConfigError, StoreError


def add_parser(sub) -> None:
    c = sub.add_parser("class", help="the class board: export it, wipe it, delete a run, show where it is")
    c.add_argument("--db", help="database URL (default: $NNSCRATCH_DB, else class.db in the data folder)")
    actions = c.add_subparsers(dest="action", required=True, parser_class=sub._parser_class)
    e = actions.add_parser("export", help="the board as CSV (stdout, or --out FILE)")
    e.add_argument("--out", metavar="FILE", help="write the CSV here instead of stdout")
    r = actions.add_parser("reset", help="delete every run on the board (asks first)")
    r.add_argument("--yes", action="store_true", help="do not ask")
    r.add_argument("--drawings", action="store_true", help="also delete the labelled drawings")
    d = actions.add_parser("delete", help="delete runs by id")
    d.add_argument("runs", nargs="+", type=int, metavar="RUN")
    actions.add_parser("info", help="where the board is and what it holds")


def run(args) -> None:
    from ..store import Store

    store = Store.open(args.db)
    try:
        {"export": _export, "reset": _reset, "delete": _delete, "info": _info}[args.action](store, args)
    finally:
        store.close()


def _export(store, args):
    text = store.export_csv()
    if not args.out:
        sys.stdout.write(text)
        return
    out = Path(args.out)
    if not out.resolve().parent.is_dir():
        raise ConfigError(f"--out {args.out}: folder {out.resolve().parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.resolve().parent)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    print(f"exported {text.count(chr(10)) - 1} runs to {out}", file=sys.stderr)


def _reset(store, args):
    n = store.counts()["runs"]
    if not args.yes:
        if not sys.stdin.isatty():
            raise ConfigError("class reset deletes the whole board: run it in a terminal to confirm, or add --yes")
        what = f"all {n} runs" + (" and every labelled drawing" if args.drawings else "")
        answer = input(f"Delete {what} from {store.url}? Type 'yes' to confirm: ")
        if answer.strip().lower() != "yes":
            raise ConfigError("reset cancelled: nothing was deleted")
    deleted = store.reset(drawings=args.drawings)
    print(f"deleted {deleted} runs" + (" and the labelled drawings" if args.drawings else "") + f" from {store.url}")


def _delete(store, args):
    missing = []
    for rid in args.runs:
        try:
            store.delete_run_admin(rid)
            print(f"deleted run {rid}")
        except StoreError as e:
            if "no run" not in str(e):
                raise
            missing.append(str(rid))
    if missing:
        raise StoreError(f"no run {', '.join(missing)} on the board (see `python -m nnscratch class export`)")


def _info(store, args):
    c = store.counts()
    print(f"class board: {store.url}")
    print(f"{c['runs']} runs by {c['people']} people, {c['drawings']} labelled drawings")
