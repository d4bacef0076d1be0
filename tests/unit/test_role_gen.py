"""The baseline roles' defaults, argument_specs, tasks and vars are generated (scripts/role_gen.py) from one
description of the areas and the catalog; they must be current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_generated_role_files_are_current():
    completed = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "role_gen.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
