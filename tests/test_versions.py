"""nnscratch.tools.versions: tested versions from the shipped lock vs installed ones, and --version."""

import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from nnscratch import __version__
from nnscratch.tools import versions
from nnscratch.tools.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _lock(tmp_path, text):
    path = tmp_path / "requirements.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_lock_pins_every_watched_package():
    tested = versions.tested_versions()
    assert versions.LOCK == ROOT / "requirements.txt"
    assert set(tested) == set(versions.WATCHED) and all(tested.values()), tested
    assert tested["streamlit-drawable-canvas"].startswith("0.13.")  # what requirements.in allows


def test_read_pins_names_extras_markers_and_comments(tmp_path):
    lock = _lock(tmp_path, "# header\n-r other.txt\nStreamlit_Drawable.Canvas==0.13.0\n    # via x\n"
                           "psycopg[binary]==3.3.9\n"
                           "numpy==1.0 ; python_version < '3'\nnumpy==2.4.6 ; python_version >= '3'\n"
                           "colorama==0.4.6 ; sys_platform == 'win32'  # trailing comment\n")
    pins = versions.read_pins(lock)
    assert pins["streamlit-drawable-canvas"] == [("0.13.0", "")]
    assert pins["psycopg"] == [("3.3.9", "")]
    assert pins["numpy"] == [("1.0", "python_version < '3'"), ("2.4.6", "python_version >= '3'")]
    assert pins["colorama"] == [("0.4.6", "sys_platform == 'win32'")]
    assert "other-txt" not in pins and len(pins) == 4
    # a lock that pins one package per Python version: the entry for this Python counts
    assert versions.tested_versions(lock, names=("numpy",)) == {"numpy": "2.4.6"}


def test_a_simulated_mismatch_is_found_and_explained(tmp_path):
    real = metadata.version("streamlit")
    canvas = metadata.version("streamlit-drawable-canvas")
    lock = _lock(tmp_path, f"streamlit==0.0.1\nstreamlit-drawable-canvas=={canvas}\n")
    found = versions.mismatches(lock)
    assert found == [versions.Mismatch("streamlit", "0.0.1", real)]  # canvas matches, numpy not pinned
    text = versions.warning_text(found)
    assert f"streamlit {real} (tested with 0.0.1)" in text and versions.INSTALL_HINT in text


def test_a_missing_package_is_a_mismatch(tmp_path):
    lock = _lock(tmp_path, "no-such-package-nnscratch==1.2.3\n")
    found = versions.mismatches(lock, names=("no-such-package-nnscratch",))
    assert found == [versions.Mismatch("no-such-package-nnscratch", "1.2.3", None)]
    assert found[0].describe() == "no-such-package-nnscratch is not installed (tested with 1.2.3)"


def test_no_lock_means_unknown_not_a_false_alarm(tmp_path):
    missing = tmp_path / "nowhere.txt"
    assert versions.tested_versions(missing) == {name: None for name in versions.WATCHED}
    assert versions.mismatches(missing) == []
    assert "(tested: unknown)" in versions.version_text(missing)


def test_version_text_shows_installed_and_tested(tmp_path):
    lock = _lock(tmp_path, "streamlit==0.0.1\n")
    text = versions.version_text(lock)
    lines = text.splitlines()
    assert lines[0].startswith(f"nnscratch {__version__} (Python ")
    assert lines[1] == f"streamlit {metadata.version('streamlit')} (tested: 0.0.1)"
    assert lines[2].startswith("streamlit-drawable-canvas ") and lines[2].endswith("(tested: unknown)")
    assert "Untested versions" in lines[-1]


def test_cli_version_prints_every_watched_package(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    out = capsys.readouterr().out.splitlines()
    tested, installed = versions.tested_versions(), versions.installed_versions()
    assert out[0].startswith(f"nnscratch {__version__}")
    for name in versions.WATCHED:
        assert f"{name} {installed[name] or 'not installed'} (tested: {tested[name]})" in out


def test_cli_version_as_a_user_runs_it():
    run = subprocess.run([sys.executable, "-m", "nnscratch", "--version"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stderr == ""
    assert run.stdout.startswith(f"nnscratch {__version__}") and "streamlit-drawable-canvas" in run.stdout


@pytest.mark.skipif(os.environ.get("CI") != "true", reason="only where the README's command installed the lock (CI)")
def test_ci_installed_exactly_the_locked_versions():
    """In CI the environment comes from requirements-test.txt alone: every pin for this platform
    must be installed at its version (this is the 'tested set' the app compares against)."""
    lock = ROOT / "requirements-test.txt"
    wrong = []
    for name, entries in versions.read_pins(lock).items():
        here = [v for v, marker in entries if versions._applies_here(marker)]
        if here:
            have = versions.installed_versions((name,))[name]
            if have != here[0]:
                wrong.append(f"{name}: {have} installed, {here[0]} locked")
    assert not wrong, wrong
