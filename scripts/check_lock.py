"""Fails (exit 1) when the dependency locks and the declared dependencies disagree. CI runs it.

    python scripts/check_lock.py              # offline: the declared bounds hold for the pins
    python scripts/check_lock.py --resolve    # and a re-resolution reproduces the locks (CI)

Offline: every requirement of requirements.in / requirements-test.in (following ``-r``) is pinned
in its lock at a version its specifier allows, and the test lock pins every package of the app
lock at the same version. ``--resolve`` (needs uv and the package index): uv resolves the
declared files again in a temporary copy, the committed pins preferred; the result must be the
committed locks, byte for byte, so a dependency added to or dropped from a .in file, a pin edited
by hand or a lock made with other flags all show up as a diff. Needs only requirements-tools.txt.
"""

from __future__ import annotations

import argparse
import difflib
import shutil
import sys
import tempfile
from pathlib import Path

from locks import LOCKS, ROOT, TOOLS, UPGRADE_COMMAND, compile_lock, uv_command, versions_module

FIX = f"to fix: edit the .in file if needed, then run `{UPGRADE_COMMAND} --keep` (tests, then rewrites the locks)"


def declared(path: Path) -> list:
    """The requirements a .in file declares, following ``-r other.in``; ``-c`` lines are not
    declarations (they only hold versions), comments and blank lines are skipped."""
    try:
        from packaging.requirements import Requirement
    except ImportError:
        sys.exit(f"packaging is not installed: run `python -m pip install -r {TOOLS}` first")
    found = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#") or line.startswith(("-c", "--constraint")):
            continue
        if line.startswith(("-r ", "--requirement ")):
            found += declared(path.parent / line.split(None, 1)[1])
            continue
        found.append(Requirement(line))
    return found


def offline_problems(root: Path = ROOT) -> list[str]:
    """One line per disagreement between the .in files and the locks under ``root``."""
    read_pins, normalize = versions_module().read_pins, versions_module().normalize
    problems, locks = [], {}
    for source, lock in LOCKS:
        try:
            pins = locks[lock] = read_pins(root / lock)
        except OSError:
            problems.append(f"{lock} is missing or unreadable")
            continue
        for req in declared(root / source):
            name = normalize(req.name)
            if name not in pins:
                problems.append(f"{source} declares {req} but {lock} does not pin {req.name}")
            for version, _marker in pins.get(name, []):
                if not req.specifier.contains(version, prereleases=True):
                    problems.append(f"{source} declares {req} but {lock} pins {req.name}=={version}")
    app, test = (locks.get(lock) for _, lock in LOCKS)
    if app is not None and test is not None:
        for name, entries in sorted(app.items()):
            if sorted(test.get(name, [])) != sorted(entries):
                got = ", ".join(v for v, _ in test.get(name, [])) or "nothing"
                want = ", ".join(v for v, _ in entries)
                problems.append(f"{LOCKS[1][1]} pins {name} at {got}, {LOCKS[0][1]} at {want}: they must agree")
    return problems


def resolve_problems(root: Path = ROOT, uv: list[str] | None = None) -> list[str]:
    """Re-resolve the declared files (committed pins preferred) in a temporary copy of ``root``'s
    dependency files; one problem per lock that comes out different, with the start of the diff."""
    uv = uv or uv_command()
    problems = []
    with tempfile.TemporaryDirectory(prefix="check-lock-") as tmp:
        work = Path(tmp)
        for source, lock in LOCKS:
            for name in (source, lock):
                if (root / name).exists():
                    shutil.copy2(root / name, work / name)
        for source, lock in LOCKS:
            result = compile_lock(uv, source, lock, work)
            if result.returncode != 0:
                last = (result.stderr.strip().splitlines() or ["(no message)"])
                problems.append(f"{source} does not resolve: {' '.join(last[:3])}")
                continue
            committed = (root / lock).read_text(encoding="utf-8") if (root / lock).exists() else ""
            fresh = (work / lock).read_text(encoding="utf-8")
            if fresh != committed:
                diff = [d for d in difflib.unified_diff(committed.splitlines(), fresh.splitlines(), lineterm="", n=0)
                        if d[:1] in "+-" and not d.startswith(("+++", "---"))]
                problems.append(f"{lock} is not what {source} resolves to ({len(diff)} lines differ): "
                                + " | ".join(diff[:6]) + (" | ..." if len(diff) > 6 else ""))
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python scripts/check_lock.py", description=__doc__.split("\n")[0])
    parser.add_argument("--resolve", action="store_true", help="also re-resolve with uv against the package index")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)  # tests: a copy of the files
    args = parser.parse_args(argv)
    problems = offline_problems(args.root)
    if args.resolve and not problems:  # a resolve diff says nothing new while the bounds already fail
        problems = resolve_problems(args.root)
    for problem in problems:
        print(f"lock check: {problem}", file=sys.stderr)
    if problems:
        print(f"lock check: FAILED. {FIX}", file=sys.stderr)
        return 1
    counts = ", ".join(f"{len(versions_module().read_pins(args.root / lock))} pins in {lock}" for _, lock in LOCKS)
    how = "declared bounds hold" + ("; a fresh resolution reproduces both locks" if args.resolve else "")
    print(f"lock check: OK ({counts}; {how})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
