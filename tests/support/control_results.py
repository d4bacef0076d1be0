"""Reading an area module's task result in unit tests: its control records by id, and their statuses; an area's
findings by id."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ansible_collections.onepacs.baseline.plugins.plugin_utils._findings import Finding


def statuses(result: dict[str, Any]) -> dict[str, str]:
    """Control id -> status ("pass", "fail", "fixed", ...) of every record in the result."""
    return {record["id"]: record["status"] for record in result["controls"]}


def records(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Control id -> the whole record."""
    return {record["id"]: record for record in result["controls"]}


def record(result: dict[str, Any], control_id: str) -> dict[str, Any]:
    """The record of one control; StopIteration when the result has none."""
    return next(entry for entry in result["controls"] if entry["id"] == control_id)


def by_control(findings: Iterable[Finding]) -> dict[str, Finding]:
    """An area's findings by control id."""
    return {finding.control_id: finding for finding in findings}
