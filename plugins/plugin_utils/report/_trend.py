"""The trend: what changed since the previous report in the same directory (newly failing, newly fixed).

Controls are matched by host, baseline and id. Only hosts with records in both runs are compared, so a host that
was unreachable in one of them produces no false "fixed" or "failing" entries; hosts that appear or disappear are
listed on their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._model import COMPLIANT_STATUSES


def _records(document: Mapping[str, Any]) -> dict[tuple[str, str, str], Mapping[str, Any]]:
    return {
        (host["name"], control["baseline"], control["id"]): control
        for host in document["hosts"]
        if host["controls"]
        for control in host["controls"]
    }


def _change(key: tuple[str, str, str], before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    host, baseline, control_id = key
    return {
        "host": host,
        "baseline": baseline,
        "id": control_id,
        "title": after["title"],
        "severity": after["severity"],
        "previous_status": before["status"],
        "status": after["status"],
        "message": after["message"],
    }


def compare(previous: Mapping[str, Any] | None, current: Mapping[str, Any]) -> dict[str, Any]:
    """The trend of `current` against `previous` (None: no previous run, every list empty)."""
    if previous is None:
        return {
            "previous_run": None,
            "newly_failing": [],
            "newly_fixed": [],
            "hosts_added": [],
            "hosts_removed": [],
        }
    before, after = _records(previous), _records(current)
    newly_failing, newly_fixed = [], []
    for key in sorted(set(before) & set(after)):
        old, new = before[key], after[key]
        if new["failing"] and not old["failing"]:
            newly_failing.append(_change(key, old, new))
        elif old["failing"] and new["status"] in COMPLIANT_STATUSES:
            newly_fixed.append(_change(key, old, new))
    previous_hosts = {host["name"] for host in previous["hosts"]}
    current_hosts = {host["name"] for host in current["hosts"]}
    return {
        "previous_run": previous["run"].get("id"),
        "newly_failing": newly_failing,
        "newly_fixed": newly_fixed,
        "hosts_added": sorted(current_hosts - previous_hosts),
        "hosts_removed": sorted(previous_hosts - current_hosts),
    }
