"""Run scripts/regen --check for one kind of generated file, with this interpreter's tools on PATH."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
TOOLS = Path(sys.executable).parent


def regen_check(target: str) -> subprocess.CompletedProcess[str]:
    """scripts/regen --check <target>: exit 0 when every file of that kind is current, else 1 naming the stale."""
    env = {**os.environ, "PATH": f"{TOOLS}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(
        ["bash", str(REPO_ROOT / "scripts" / "regen"), "--check", target],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
