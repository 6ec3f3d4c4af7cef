"""Repository root: registers the suite's skip policy (tests/skip_policy.py: which skips fail CI).

tests/ goes on sys.path first so that the policy is the same module the tests import (``skip_policy``,
like ``datafiles``), not a second copy under another name.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "tests"))

pytest_plugins = ["skip_policy"]
