"""compliance.csv: one row per host and control, for spreadsheets (written with the csv module).

A host that could not be audited gets a row per failed baseline with an empty control id, the outcome as status
and the cause as message, besides any records it left. Cells a spreadsheet would run as a formula (starting with
=, +, -, @, tab or carriage return) are prefixed with an apostrophe: record text comes from hosts. The file is
UTF-8 with a byte order mark, which spreadsheet programs need to detect UTF-8.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from typing import Any

COLUMNS = (
    "clinics",
    "host",
    "host_outcome",
    "baseline",
    "control_id",
    "title",
    "area",
    "severity",
    "hipaa",
    "status",
    "failing",
    "expected",
    "actual",
    "changed",
    "message",
    "remediation",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    """The value as spreadsheet text: JSON for structures, never a formula."""
    if value is None:
        result = ""
    elif isinstance(value, bool):
        result = "true" if value else "false"
    elif isinstance(value, str):
        result = value
    else:
        result = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return "'" + result if result.startswith(_FORMULA_START) else result


def _rows(document: Mapping[str, Any]) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for host in document["hosts"]:
        clinics = " ".join(host["clinics"])
        for problem in host["problems"]:
            cause = problem["message"] + (f" (task: {problem['task']})" if problem["task"] else "")
            row = dict.fromkeys(COLUMNS, "")
            row.update(
                clinics=clinics,
                host=host["name"],
                host_outcome=host["outcome"],
                baseline=problem["baseline"],
                title="host could not be audited",
                status=problem["outcome"],
                failing=True,
                changed=False,
                message=cause,
            )
            rows.append(list(row.values()))
        for control in host["controls"]:
            rows.append(
                [
                    clinics,
                    host["name"],
                    host["outcome"],
                    control["baseline"],
                    control["id"],
                    control["title"],
                    control["area"],
                    control["severity"],
                    " ".join(control["hipaa"]),
                    control["status"],
                    control["failing"],
                    control["expected"],
                    control["actual"],
                    control["changed"],
                    control["message"],
                    control["remediation"] if control["failing"] else "",
                ]
            )
    return rows


def render_csv(document: Mapping[str, Any]) -> bytes:
    """The CSV file's bytes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for row in _rows(document):
        writer.writerow([cell(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")
