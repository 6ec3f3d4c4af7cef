"""Checks that the locks install from wheels on Python 3.11-3.13 on Linux, macOS and Windows.

    python scripts/check_wheels.py                      # both locks, every target in locks.py
    python scripts/check_wheels.py requirements.txt     # one lock

For each lock, target platform and Python, uv resolves the lock's own pins with ``--only-binary
:all:`` and ``--python-platform``: it reads the package index's file lists (fetched once per lock,
then read from uv's cache) and fails when a pinned version has no wheel
for that platform and Python. One row per target; exit 1 on any failure.
Needs requirements-tools.txt (uv) and the package index.
"""

from __future__ import annotations

import sys
from pathlib import Path

from locks import LOCKS, MACOS_MIN, PYTHONS, ROOT, TARGETS, refresh_index, resolve_for, uv_command


def check(uv: list[str], lock: Path, platform: str, python: str) -> tuple[int, str | None]:
    """(number of pins the target installs, None) when each has a wheel there; else (0, why)."""
    result = resolve_for(uv, lock, platform, python)
    if result.returncode != 0:
        why = [line.strip() for line in result.stderr.splitlines() if "cause:" in line]
        return 0, (why[0] if why else " ".join(result.stderr.split())[:300])
    return sum("==" in line for line in result.stdout.splitlines()), None


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    return run(uv_command(), [Path(a) for a in argv] or [ROOT / lock for _, lock in LOCKS])


def run(uv: list[str], locks: list[Path]) -> int:
    """Print one row per lock, target and Python; 0 when all install from wheels, else 1."""
    failures = 0
    print(f"wheels on the package index for each pin (uv --only-binary :all:; macOS >= {MACOS_MIN})")
    for lock in locks:
        fetched = refresh_index(uv, lock)
        if fetched.returncode != 0:  # the targets below then say which pin and where
            print(f"  {lock.name}: the universal look-up failed: {' '.join(fetched.stderr.split())[:300]}")
        for label, platform in TARGETS:
            for python in PYTHONS:
                count, why = check(uv, lock, platform, python)
                failures += why is not None
                state = f"ok, {count} wheels" if why is None else f"FAILED: {why}"
                print(f"  {lock.name:22} {label:20} ({platform:23}) Python {python}: {state}")
    total = len(locks) * len(TARGETS) * len(PYTHONS)
    print(f"wheel check: {total - failures} of {total} targets install from wheels")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
