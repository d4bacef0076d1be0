"""Make `ansible_collections.onepacs.baseline` importable from the source tree (pythonpath in pyproject.toml)."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
_LINK = REPO_ROOT / ".collections" / "ansible_collections" / "onepacs" / "baseline"

if not _LINK.exists():
    _LINK.parent.mkdir(parents=True, exist_ok=True)
    _LINK.symlink_to(Path("../../.."), target_is_directory=True)
