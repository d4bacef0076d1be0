"""Writing the files a generator script renders, or with --check only comparing them (scripts/regen --check)."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path


def write_or_check(files: Mapping[Path, str], *, check: bool, root: Path) -> int:
    """Write every file (path -> text); with check, write nothing and return 1, naming the stale files on stderr
    relative to root, when any differs. 0 otherwise."""
    stale = []
    for path, text in files.items():
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(str(path.relative_to(root)))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    if stale:
        print("not current (run scripts/regen):", ", ".join(stale), file=sys.stderr)
        return 1
    return 0
