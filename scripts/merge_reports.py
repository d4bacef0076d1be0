#!/usr/bin/env python3
"""Merge several compliance.json files (job slices, per-clinic audits) into one report with all four outputs.

The merged report is written like a single run: a new timestamped folder in OUTPUT with compliance.json, .csv,
.html and junit.xml, `latest` pointing at it, and the trend against the previous report in OUTPUT. A host found
in several inputs keeps the newest entry. Exit codes: 0 written, 1 bad input, 2 written but the gate tripped
(--fail-on / --fail-on-unaudited), so CI can gate on the merged fleet.

Usage: scripts/merge_reports.py --output DIR [--title T] [--fail-on high] [--fail-on-unaudited] FILE_OR_DIR ...
(a directory stands for its compliance.json, or latest/compliance.json in a report directory). Runs with the
project's virtualenv or any Python that has ansible-core.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve()
# Installed collection: <path>/ansible_collections/onepacs/baseline/scripts; source tree: the .collections link.
_COLLECTIONS = _HERE.parents[4] if _HERE.parents[3].name == "ansible_collections" else _HERE.parents[1] / ".collections"
sys.path.insert(0, str(_COLLECTIONS))

from ansible_collections.onepacs.baseline.plugins.plugin_utils._catalog import load_catalog  # noqa: E402
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._gate import FAIL_ON, evaluate  # noqa: E402
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._merge import merge  # noqa: E402
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._model import STATUSES  # noqa: E402
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._outputs import write_report  # noqa: E402
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._run import new_run_id  # noqa: E402
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._schema import problems  # noqa: E402
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._store import DOCUMENT, LATEST  # noqa: E402

EXIT_BAD_INPUT = 1
EXIT_GATE = 2


def _document_path(argument: str) -> Path:
    path = Path(argument)
    if path.is_dir():
        for candidate in (path / DOCUMENT, path / LATEST / DOCUMENT):
            if candidate.is_file():
                return candidate
    return path


def load(argument: str) -> dict[str, Any]:
    """Read and check one input; ValueError naming the file and the problem."""
    path = _document_path(argument)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: cannot read a report: {exc}") from None
    found = problems(document)
    if found:
        raise ValueError(f"{path}: not a report this collection can merge: {'; '.join(found)}")
    return document


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="+", help="compliance.json files, run folders or report directories")
    parser.add_argument("--output", required=True, type=Path, help="report directory for the merged report")
    parser.add_argument("--title", default="OnePacs compliance report (merged)")
    parser.add_argument("--fail-on", default="none", choices=FAIL_ON)
    parser.add_argument("--fail-on-statuses", default="fail", help=f"comma-separated, of {', '.join(STATUSES)}")
    parser.add_argument("--fail-on-unaudited", action="store_true", help="a host that could not be audited fails")
    parser.add_argument("--keep", type=int, default=0, help="keep only the newest N runs in --output (0: all)")
    args = parser.parse_args(argv)

    statuses = [status.strip() for status in args.fail_on_statuses.split(",") if status.strip()]
    unknown = [status for status in statuses if status not in STATUSES]
    if unknown:
        parser.error(f"--fail-on-statuses: unknown status {', '.join(unknown)}")
    try:
        documents = [load(argument) for argument in args.inputs]
    except ValueError as exc:
        print(f"merge_reports: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT

    now = dt.datetime.now(dt.UTC)
    document, duplicates = merge(documents, load_catalog(), run_id=new_run_id(now), now=now, title=args.title)
    for name in duplicates:
        print(f"merge_reports: {name} is in several inputs; kept the newest run's entry", file=sys.stderr)
    run_dir = write_report(document, args.output, args.keep)
    summary = document["summary"]
    print(f"merged {len(documents)} reports, {summary['hosts']} hosts: {run_dir / 'compliance.html'}")

    gate = evaluate(document, args.fail_on, statuses, args.fail_on_unaudited)
    if gate["failed"]:
        print(f"merge_reports: {gate['message']}", file=sys.stderr)
        return EXIT_GATE
    return 0


if __name__ == "__main__":
    sys.exit(main())
