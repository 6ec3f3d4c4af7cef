"""The one place that says how the dependency locks are made: which files, which resolver, which
flags, for which Pythons and platforms. Used by upgrade_deps.py, check_lock.py and check_wheels.py.

Resolver: uv (``uv pip compile --universal``), pinned in requirements-tools.txt. A universal
resolution writes one lock that holds on every OS and Python >= PYTHON_MIN, with environment
markers for the platform-only packages (colorama on Windows, watchdog off macOS, ...), where
pip-compile would lock only the platform it runs on. Stdlib only: it runs before anything else
is installed.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# (declared, lock) in build order: the test lock is constrained by the app lock (-c requirements.txt)
LOCKS = (("requirements.in", "requirements.txt"), ("requirements-test.in", "requirements-test.txt"))
TOOLS = "requirements-tools.txt"  # uv (and packaging, for check_lock.py), pinned
UPGRADE_COMMAND = "python scripts/upgrade_deps.py"
PYTHON_MIN = "3.11"  # the lock holds for this Python and every later one
PYTHONS = ("3.11", "3.12", "3.13")  # each must find a wheel for every pin on every target below
MACOS_MIN = "12.0"  # pyarrow (streamlit's) has no wheels for macOS 11
# label, uv --python-platform (manylinux_2_28 = glibc 2.28+: Debian 10, Ubuntu 18.10, RHEL 8 and later)
TARGETS = (
    ("Linux x86_64", "x86_64-manylinux_2_28"),
    ("Linux aarch64", "aarch64-manylinux_2_28"),
    ("macOS Intel", "x86_64-apple-darwin"),
    ("macOS Apple silicon", "aarch64-apple-darwin"),
    ("Windows x86_64", "x86_64-pc-windows-msvc"),
)


def versions_module():
    """nnscratch/tools/versions.py (the lock-file parser) loaded by path: importing it as
    nnscratch.tools.versions would run nnscratch/__init__, which needs numpy."""
    name = "_nnscratch_versions"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "nnscratch" / "tools" / "versions.py")
        module = sys.modules[name] = importlib.util.module_from_spec(spec)  # dataclasses look it up
        spec.loader.exec_module(module)
    return sys.modules[name]


def uv_command(python: str = sys.executable) -> list[str]:
    """How to run uv with ``python``; exits with a one-line fix when uv is not installed there."""
    probe = subprocess.run([python, "-m", "uv", "--version"], capture_output=True, text=True)
    if probe.returncode != 0:
        sys.exit(f"uv is not installed for {python}: run `{python} -m pip install -r {TOOLS}` first")
    return [python, "-m", "uv"]


def compile_lock(uv: list[str], declared: str, lock: str, cwd: Path, upgrade: bool = False,
                 upgrade_packages=()) -> subprocess.CompletedProcess:
    """Resolve ``declared`` into ``lock`` inside ``cwd``. Pins already in ``lock`` are kept
    unless upgraded, so re-running on an unchanged declaration reproduces the lock exactly.
    ``--fork-strategy fewest``: one version of each package for every Python where one exists
    (not numpy X on 3.11 and a newer Y on 3.12+), so the versions tested are the versions shipped."""
    cmd = [*uv, "pip", "compile", "--quiet", "--no-config", "--universal", "--fork-strategy", "fewest",
           "--python-version", PYTHON_MIN, "--custom-compile-command", UPGRADE_COMMAND,
           declared, "--output-file", lock]
    if upgrade:
        cmd.append("--upgrade")
    for name in upgrade_packages:
        cmd += ["--upgrade-package", name]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)


def refresh_index(uv: list[str], lock: Path) -> subprocess.CompletedProcess:
    """Fetch (or revalidate) the index's file lists of every package a lock can need on any
    platform, into uv's cache, so resolve_for can then read them offline (seconds, not minutes)."""
    cmd = [*uv, "pip", "compile", "--quiet", "--no-config", "--universal", "--no-deps",
           "--python-version", PYTHON_MIN, str(lock)]
    return subprocess.run(cmd, capture_output=True, text=True)


def resolve_for(uv: list[str], lock: Path, platform: str, python: str,
                offline: bool = True) -> subprocess.CompletedProcess:
    """Pick a wheel for each of a lock's pins that applies to one platform and Python (markers
    evaluated for that target), wheels only, from the index's file lists: fails when a pin has
    no wheel for that target. No dependency resolution (the universal lock already holds every
    platform's dependencies), so the file lists cached by refresh_index suffice offline."""
    env = dict(os.environ, MACOSX_DEPLOYMENT_TARGET=MACOS_MIN)
    cmd = [*uv, "pip", "compile", "--quiet", "--no-config", "--no-header", "--no-annotate", "--no-deps",
           "--only-binary", ":all:", "--python-platform", platform, "--python-version", python,
           str(lock)] + (["--offline"] if offline else [])
    return subprocess.run(cmd, capture_output=True, text=True, env=env)
