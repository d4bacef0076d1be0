"""Role READMEs are generated from argument_specs, task tags and the catalog; they must be current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_role_readmes_are_current():
    completed = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "role_readme.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
