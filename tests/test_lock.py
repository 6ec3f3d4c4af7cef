"""The dependency locks agree with the declared dependencies (scripts/check_lock.py), and the
checks themselves catch what they claim to: a dependency declared but not pinned, a bound the
pin breaks, locks that disagree, a dropped dependency (re-resolution), a pin without wheels."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import check_lock  # noqa: E402
import check_wheels  # noqa: E402
import locks  # noqa: E402

HAVE_UV = subprocess.run([sys.executable, "-m", "uv", "--version"], capture_output=True).returncode == 0
needs_uv = pytest.mark.skipif(not HAVE_UV, reason=f"uv not installed: python -m pip install -r {locks.TOOLS}")


@pytest.fixture
def copy(tmp_path):
    """The dependency files in a scratch folder, to break on purpose."""
    for source, lock in locks.LOCKS:
        shutil.copy2(ROOT / source, tmp_path / source)
        shutil.copy2(ROOT / lock, tmp_path / lock)
    return tmp_path


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_repo_locks_agree_with_the_declared_dependencies(capsys):
    assert check_lock.offline_problems() == []
    assert check_lock.main([]) == 0
    assert "lock check: OK" in capsys.readouterr().out


def test_the_test_set_includes_the_app_set():
    app = {r.name for r in check_lock.declared(ROOT / "requirements.in")}
    test = {r.name for r in check_lock.declared(ROOT / "requirements-test.in")}
    assert {"streamlit", "streamlit-drawable-canvas", "numpy", "sqlalchemy", "psycopg"} <= app
    assert app < test and {"pytest", "hypothesis", "playwright", "websockets"} <= test - app


def test_a_declared_dependency_missing_from_the_lock_fails(copy, capsys):
    _edit(copy / "requirements.in", "tqdm>=4.66\n", "tqdm>=4.66\nrich>=13\n")
    problems = check_lock.offline_problems(copy)
    assert any("requirements.in declares rich>=13 but requirements.txt does not pin rich" in p for p in problems)
    assert any("requirements-test.txt does not pin rich" in p for p in problems)  # via -r requirements.in
    assert check_lock.main(["--root", str(copy)]) == 1
    assert "FAILED" in capsys.readouterr().err


def test_a_pin_outside_the_declared_bound_fails(copy):
    _edit(copy / "requirements.in", "numpy>=1.26", "numpy>=99")
    problems = check_lock.offline_problems(copy)
    assert any(p.startswith("requirements.in declares numpy>=99 but requirements.txt pins numpy==") for p in problems)


def test_locks_that_pin_different_versions_fail(copy):
    pins = check_lock.versions_module().read_pins(copy / "requirements-test.txt")
    streamlit = pins["streamlit"][0][0]
    _edit(copy / "requirements-test.txt", f"\nstreamlit=={streamlit}\n", "\nstreamlit==0.0.1\n")
    problems = check_lock.offline_problems(copy)
    assert any("requirements-test.txt pins streamlit at 0.0.1" in p and "must agree" in p for p in problems)


def test_a_missing_lock_fails(copy):
    (copy / "requirements.txt").unlink()
    assert "requirements.txt is missing or unreadable" in check_lock.offline_problems(copy)


@needs_uv
def test_a_fresh_resolution_reproduces_the_committed_locks():
    assert check_lock.resolve_problems() == []


@needs_uv
def test_a_dropped_dependency_is_caught_by_re_resolution(copy):
    # tqdm is pinned only because requirements.in asks for it: the offline check cannot see
    # that the pin is now surplus, the resolver can
    _edit(copy / "requirements.in", "tqdm>=4.66\n", "")
    assert check_lock.offline_problems(copy) == []
    problems = check_lock.resolve_problems(copy)
    assert len(problems) == 2 and all("-tqdm==" in p for p in problems), problems
    assert check_lock.main(["--root", str(copy), "--resolve"]) == 1


@needs_uv
def test_the_wheel_check_fails_for_a_pin_without_wheels(tmp_path):
    lock = tmp_path / "old.txt"
    lock.write_text("numpy==1.26.4\n", encoding="utf-8")  # wheels up to Python 3.12, none for 3.13
    uv = locks.uv_command()
    locks.refresh_index(uv, lock)
    assert check_wheels.check(uv, lock, "x86_64-pc-windows-msvc", "3.12") == (1, None)
    count, why = check_wheels.check(uv, lock, "x86_64-pc-windows-msvc", "3.13")
    assert count == 0 and "numpy==1.26.4 has no usable wheels" in why
