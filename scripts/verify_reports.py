#!/usr/bin/env python3
"""Check a report directory's tamper evidence: every run folder's files against its manifest.json (SHA-256), and
each manifest against the hash the next run recorded for it (plugins/plugin_utils/report/_manifest.py).

Usage: scripts/verify_reports.py REPORT_DIR
Exit codes: 0 every run verified, 1 a file or manifest was changed or a run removed, 2 not a report directory.
Runs with the project's virtualenv or any Python 3.11 (no dependencies beyond the collection).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

_HERE = Path(__file__).resolve()
# Installed collection: <path>/ansible_collections/onepacs/baseline/scripts; source tree: the .collections link.
_COLLECTIONS = _HERE.parents[4] if _HERE.parents[3].name == "ansible_collections" else _HERE.parents[1] / ".collections"
sys.path.insert(0, str(_COLLECTIONS))

from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._manifest import verify  # noqa: E402
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._store import run_dirs  # noqa: E402

EXIT_TAMPERED = 1
EXIT_NOT_A_REPORT_DIR = 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report_dir", type=Path, help="the report directory (onepacs_report_dir)")
    args = parser.parse_args(argv)
    runs = run_dirs(args.report_dir)
    if not runs:
        print(f"{args.report_dir}: no run folders (not a report directory)", file=sys.stderr)
        return EXIT_NOT_A_REPORT_DIR
    problems, notes = verify(args.report_dir)
    for note in notes:
        print(f"note: {note}")
    for problem in problems:
        print(f"TAMPERED: {problem}")
    if problems:
        print(f"{len(problems)} problems in {len(runs)} runs")
        return EXIT_TAMPERED
    print(f"{len(runs)} runs verified; newest manifest {runs[-1].name}/manifest.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
