"""Which versions of the app's fragile dependencies run here, and which ones the tests passed with.

The tested versions are the pins of the lock shipped with the repo (``requirements.txt``, written
by ``scripts/upgrade_deps.py`` only after the whole test suite passed with it, and checked by CI).
The installed ones come from ``importlib.metadata``. streamlit-drawable-canvas has broken on
Streamlit upgrades before, so the app warns (without stopping) and ``python -m nnscratch
--version`` shows both. Library side: never imports streamlit.
"""

from __future__ import annotations

import argparse
import platform
import re
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
LOCK = REPO_ROOT / "requirements.txt"  # the app's lock; requirements-test.txt pins the same versions
UI_PACKAGES = ("streamlit", "streamlit-drawable-canvas")  # an untested pair can break the canvas
WATCHED = UI_PACKAGES + ("numpy",)
INSTALL_HINT = "python -m pip install -r requirements.txt"

# "name==1.2.3", optionally "name[extra]==1.2.3 ; marker"; comments and -r/-c lines are not pins
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*==\s*([^\s;#]+)\s*(?:;\s*([^#]*?))?\s*(?:#.*)?$")


def normalize(name: str) -> str:
    """PEP 503 name: 'Streamlit_Drawable.Canvas' -> 'streamlit-drawable-canvas'."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(path: str | Path) -> dict[str, list[tuple[str, str]]]:
    """The ``==`` pins of a lock file: normalized name -> [(version, marker or '')].

    A universal lock may pin one package twice under exclusive markers (e.g. per Python version),
    hence a list. Raises OSError when the file cannot be read.
    """
    pins: dict[str, list[tuple[str, str]]] = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line.strip())
        if match:
            name, version, marker = match.groups()
            pins.setdefault(normalize(name), []).append((version, (marker or "").strip()))
    return pins


def _applies_here(marker: str) -> bool:
    """Whether a pin's environment marker holds for this interpreter (true when unknowable)."""
    if not marker:
        return True
    try:
        from packaging.markers import InvalidMarker, Marker  # comes with streamlit and pip's world
    except ImportError:
        return True
    try:
        return Marker(marker).evaluate()
    except InvalidMarker:
        return True


def tested_versions(lock: str | Path | None = None, names=WATCHED) -> dict[str, str | None]:
    """Name -> the version pinned in ``lock`` (default: the repo's requirements.txt) for this
    platform; None when the lock is missing or unreadable or does not pin that name."""
    try:
        pins = read_pins(LOCK if lock is None else lock)
    except (OSError, UnicodeDecodeError):
        return {name: None for name in names}
    tested = {}
    for name in names:
        here = [version for version, marker in pins.get(normalize(name), []) if _applies_here(marker)]
        tested[name] = here[0] if here else None
    return tested


def installed_versions(names=WATCHED) -> dict[str, str | None]:
    """Name -> the installed distribution's version, None when not installed."""
    found = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


@dataclass(frozen=True)
class Mismatch:
    """One package whose installed version is not the tested one (installed None = missing)."""

    name: str
    tested: str
    installed: str | None

    def describe(self) -> str:
        if self.installed is None:
            return f"{self.name} is not installed (tested with {self.tested})"
        return f"{self.name} {self.installed} (tested with {self.tested})"


def mismatches(lock: str | Path | None = None, names=WATCHED) -> list[Mismatch]:
    """Packages in ``names`` whose installed version differs from the lock's.

    A package the lock does not pin (or a missing lock) cannot be compared and is not reported.
    """
    tested = tested_versions(lock, names)
    installed = installed_versions(names)
    return [Mismatch(name, tested[name], installed[name]) for name in names
            if tested[name] is not None and installed[name] != tested[name]]


def warning_text(found: list[Mismatch]) -> str:
    """One short paragraph for the app (Markdown) and the CLI: what differs and what to do."""
    listed = "; ".join(m.describe() for m in found)
    return (f"Untested versions: {listed}. The app runs, but the drawing canvas may misbehave. "
            f"For the tested set: `{INSTALL_HINT}`, then restart the app.")


def version_text(lock: str | Path | None = None) -> str:
    """What ``python -m nnscratch --version`` prints: nnscratch, Python, and each watched package
    as installed next to the version the tests passed with."""
    from .. import __version__

    tested = tested_versions(lock)
    installed = installed_versions()
    lines = [f"nnscratch {__version__} (Python {platform.python_version()})"]
    for name in WATCHED:
        have = installed[name] or "not installed"
        lines.append(f"{name} {have} (tested: {tested[name] or 'unknown'})")
    found = mismatches(lock)
    if found:
        lines.append(warning_text(found))
    return "\n".join(lines)


class VersionAction(argparse.Action):
    """``--version`` for argparse: prints version_text() to stdout, unwrapped, and exits 0."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0,
                         help=help or "show the versions of nnscratch and its key dependencies, then exit")

    def __call__(self, parser, namespace, values, option_string=None):
        print(version_text())
        parser.exit(0)
