"""Upgrade the dependency locks in one command; they are rewritten only when every test passed.

    python scripts/upgrade_deps.py                   # the newest versions requirements*.in allow
    python scripts/upgrade_deps.py streamlit         # only these packages (and what they need)
    python scripts/upgrade_deps.py --keep            # keep the pins: after editing a .in file
    python scripts/upgrade_deps.py --dry-run         # everything, but leave the locks as they were
    python scripts/upgrade_deps.py -- tests/test_cli.py   # a partial test run: never rewrites

Steps: a fresh virtual environment gets uv (requirements-tools.txt); uv re-resolves
requirements.in and requirements-test.in into new locks (universal: every OS, Python >= 3.11);
check_wheels.py checks that every new pin has wheels for Python 3.11-3.13 on Linux, macOS and
Windows; the new test lock is installed into the fresh environment with the README's command;
the whole test suite runs there with NNSCRATCH_REQUIRE_BROWSER=1 (the browser tests must run:
Chromium needed, see the README). The new locks sit in the repo during the run (the tests read
them) and the old ones come back on any failure or Ctrl-C. Needs the package index; takes as
long as the test suite (minutes). Review with `git diff requirements*.txt`, then commit.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from locks import LOCKS, ROOT, TOOLS, compile_lock, versions_module
import check_wheels


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _run(cmd, **kw) -> int:
    print("$", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run(cmd, **kw).returncode


def _changes(old: Path, new: Path) -> list[str]:
    """'name old -> new' for each pin that moved, appeared or went away."""
    read_pins = versions_module().read_pins
    before = read_pins(old) if old.exists() else {}
    after = read_pins(new)
    lines = []
    for name in sorted(set(before) | set(after)):
        was = ", ".join(v for v, _ in before.get(name, [])) or "(none)"
        now = ", ".join(v for v, _ in after.get(name, [])) or "(removed)"
        if was != now:
            lines.append(f"{name} {was} -> {now}")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python scripts/upgrade_deps.py", description=__doc__.split("\n")[0])
    parser.add_argument("packages", nargs="*", help="upgrade only these (default: everything)")
    parser.add_argument("--keep", action="store_true", help="keep the current pins where the .in files allow")
    parser.add_argument("--dry-run", action="store_true", help="do not rewrite the locks, even if the tests pass")
    argv = sys.argv[1:] if argv is None else list(argv)
    split = argv.index("--") if "--" in argv else len(argv)
    args, pytest_args = parser.parse_args(argv[:split]), argv[split + 1:]
    rewrite = not args.dry_run and not pytest_args

    tmp = Path(tempfile.mkdtemp(prefix="upgrade-deps-"))
    venv, work, backup = tmp / "venv", tmp / "locks", tmp / "old"
    work.mkdir(), backup.mkdir()
    print(f"== fresh virtual environment in {venv}")
    if _run([sys.executable, "-m", "venv", venv]) or _run([_venv_python(venv), "-m", "pip", "install", "-q",
                                                           "-r", ROOT / TOOLS]):
        return _fail(tmp, "could not make the virtual environment or install uv")
    python = str(_venv_python(venv))
    uv = [python, "-m", "uv"]

    print("== re-resolving " + ", ".join(src for src, _ in LOCKS))
    for source, lock in LOCKS:
        for name in (source, lock):
            if (ROOT / name).exists():
                shutil.copy2(ROOT / name, work / name)
                shutil.copy2(ROOT / name, backup / name)
        result = compile_lock(uv, source, lock, work, upgrade=not args.keep and not args.packages,
                              upgrade_packages=[] if args.keep else args.packages)
        if result.returncode != 0:
            return _fail(tmp, f"{source} does not resolve:\n{result.stderr.strip()}")
    changes = {lock: _changes(ROOT / lock, work / lock) for _, lock in LOCKS}
    same = all((ROOT / lock).exists() and (ROOT / lock).read_bytes() == (work / lock).read_bytes()
               for _, lock in LOCKS)
    for lock, lines in changes.items():
        print(f"{lock}: " + ("no version changes" if not lines else f"{len(lines)} changes"))
        for line in lines:
            print(f"    {line}")
    if same:
        print("the locks are already what the declared dependencies resolve to: nothing to do")
        shutil.rmtree(tmp, ignore_errors=True)
        return 0

    print("== wheels for every pin on each supported platform and Python")
    if check_wheels.run(uv, [work / lock for _, lock in LOCKS]) != 0:
        return _fail(tmp, "a new pin has no wheel for a supported target (see above); "
                          "hold it back with an upper bound in the .in file")

    for _, lock in LOCKS:  # the tests read the locks from the repo (versions, lock check)
        shutil.copy2(work / lock, ROOT / lock)
    try:
        print("== the README's test install, in the fresh environment")
        test_lock = LOCKS[1][1]
        if _run([python, "-m", "pip", "install", "-q", "-r", test_lock], cwd=ROOT):
            return _fail(tmp, f"{test_lock} does not install", restore=backup)
        print("== the test suite, browser tests required" + (f" (partial: {' '.join(pytest_args)})" if pytest_args else ""))
        data = tmp / "data"
        data.mkdir()
        env = dict(os.environ, NNSCRATCH_REQUIRE_BROWSER="1", NNSCRATCH_DATA=str(data))
        if _run([python, "-m", "pytest", *pytest_args], cwd=ROOT, env=env):
            return _fail(tmp, "the tests failed with the new versions", restore=backup)
    except BaseException:  # Ctrl-C included: never leave untested locks behind
        _restore(backup)
        raise
    if not rewrite:
        _restore(backup)
        shutil.rmtree(venv, ignore_errors=True)
        why = "--dry-run" if args.dry_run else "a partial test run"
        print(f"== the tests passed; locks left unchanged ({why}). The new ones are in {work}")
        return 0
    shutil.rmtree(tmp, ignore_errors=True)
    print("== the tests passed: rewrote " + " and ".join(lock for _, lock in LOCKS)
          + ". Review with `git diff requirements*.txt`, then commit.")
    return 0


def _restore(backup: Path) -> None:
    for _, lock in LOCKS:
        if (backup / lock).exists():
            shutil.copy2(backup / lock, ROOT / lock)


def _fail(tmp: Path, why: str, restore: Path | None = None) -> int:
    if restore is not None:
        _restore(restore)
    print(f"upgrade-deps: {why}. The locks are unchanged; the new ones and the environment are in {tmp}",
          file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
