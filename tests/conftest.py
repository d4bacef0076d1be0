"""Make `ansible_collections.onepacs.baseline` importable from the source tree (pythonpath in pyproject.toml)."""

from __future__ import annotations

import importlib
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
_LINK = REPO_ROOT / ".collections" / "ansible_collections" / "onepacs" / "baseline"

if not _LINK.exists():
    _LINK.parent.mkdir(parents=True, exist_ok=True)
    _LINK.symlink_to(Path("../../.."), target_is_directory=True)
    # pytest put .collections on sys.path before this file ran, while it did not exist yet: the import system
    # remembered it as "no finder here" and would never look in it again during this run.
    importlib.invalidate_caches()
