"""The currency check of a generator script: `scripts/<name> --check` exits 0 when every file it generates is
current, else names the stale files on stderr."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def assert_generated_files_current(script: str, timeout: float | None = None) -> None:
    completed = subprocess.run(
        [sys.executable, str(SCRIPTS / script), "--check"], capture_output=True, text=True, check=False, timeout=timeout
    )
    assert completed.returncode == 0, completed.stderr
