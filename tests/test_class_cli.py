"""``python -m nnscratch class export | reset | delete | info``: the instructor's CLI, one-line errors."""

import csv
import io
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from nnscratch.store import Store
from nnscratch.tools.cli import main

from storedata import make_run

ROOT = Path(__file__).resolve().parents[1]


def _seeded(tmp_path, n=3):
    url = f"sqlite:///{tmp_path / 'class.db'}"
    store = Store.open(url)
    ids = [store.save_run(make_run(nickname=["=cmd|' /C calc'!A0", "ada", "bo"][i % 3], test_acc=0.5 + i / 10))
           for i in range(n)]
    store.close()
    return url, ids


def test_export_delete_reset(tmp_path, capsys):
    url, ids = _seeded(tmp_path)
    assert main(["class", "--db", url, "export"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [int(r["id"]) for r in rows] == ids
    assert rows[0]["nickname"].startswith("'=")  # a spreadsheet will not run it as a formula
    assert main(["class", "--db", url, "export", "--out", str(tmp_path / "board.csv")]) == 0
    assert (tmp_path / "board.csv").read_text().count("\n") == 4
    assert "exported 3 runs" in capsys.readouterr().err

    assert main(["class", "--db", url, "delete", str(ids[0])]) == 0
    assert main(["class", "--db", url, "delete", str(ids[0]), str(ids[1])]) == 1  # one gone already
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [f"nnscratch: no run {ids[0]} on the board (see `python -m nnscratch class export`)"]

    assert main(["class", "--db", url, "reset"]) == 1  # pytest's stdin is no terminal: refused
    assert "add --yes" in capsys.readouterr().err
    assert Store.open(url).counts()["runs"] == 1
    assert main(["class", "--db", url, "reset", "--yes"]) == 0
    assert Store.open(url).counts()["runs"] == 0


def test_reset_needs_confirmation_without_a_terminal(tmp_path):
    url, _ = _seeded(tmp_path)
    r = subprocess.run([sys.executable, "-m", "nnscratch", "class", "--db", url, "reset"], cwd=ROOT,
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and r.stderr.count("\n") == 1 and "--yes" in r.stderr and "Traceback" not in r.stderr
    assert Store.open(url).counts()["runs"] == 3


def test_newer_database_and_bad_url_are_one_line(tmp_path, capsys):
    url, _ = _seeded(tmp_path)
    engine = sa.create_engine(url)
    with engine.begin() as c:
        c.execute(sa.text("INSERT INTO schema_version VALUES (42, 0, 'future')"))
    engine.dispose()
    for argv in (["class", "--db", url, "info"], ["class", "--db", "oracle://x/y", "export"]):
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("nnscratch: ")
        assert "newer than this nnscratch" in err or "unsupported database" in err
