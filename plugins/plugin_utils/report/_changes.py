"""What an enforcing run did, per host: the change record (HIPAA asks for evidence of changes) and the terminal
summary of what still fails.

Sources, all left in hostvars by the baseline roles: the control records (`onepacs_<baseline>_controls`), the areas
that failed (`onepacs_<baseline>_failed_areas`), the enforcement guard's result (`onepacs_<baseline>_guard`) and
the input check's (`onepacs_<baseline>_inputs`). A registered result is kept even when its task failed the host, so
a host the guard refused is in the record with the reason.

    <report dir>/changes/<run id>-<baseline(s)>.json
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ._values import named_hosts, plain, read_variable, text

BASELINES = ("gateway", "workstation")
CHANGES_DIR = "changes"
#: Statuses the summary lists as still failing; excepted and attested controls are approved and not listed.
STILL_FAILING = ("fail", "error")


def _failed_message(result: Any) -> str | None:
    if isinstance(result, Mapping) and result.get("failed"):
        return text(result.get("msg")) or "failed without a message"
    return None


def _control(record: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": text(record.get("id")),
        "title": text(record.get("title")),
        "status": text(record.get("status")),
        "expected": plain(record.get("expected")),
        "actual": plain(record.get("actual")),
        "message": text(record.get("message")),
    }


def host_changes(name: str, variables: Any) -> dict[str, Any] | None:
    """One host's entry of the change record; None when no baseline role ran on it."""
    entry: dict[str, Any] = {"host": name, "baselines": [], "fixed": [], "refused": [], "still_failing": []}
    entry["manual_missing"] = []
    for baseline in BASELINES:
        records = read_variable(variables, f"onepacs_{baseline}_controls")
        guard = read_variable(variables, f"onepacs_{baseline}_guard")
        inputs = read_variable(variables, f"onepacs_{baseline}_inputs")
        if records is None and guard is None and inputs is None:
            continue
        entry["baselines"].append(baseline)
        for cause in (_failed_message(inputs), _failed_message(guard)):
            if cause:
                entry["refused"].append({"baseline": baseline, "reason": cause})
        for message in read_variable(variables, f"onepacs_{baseline}_failed_areas") or []:
            entry["refused"].append({"baseline": baseline, "reason": text(message)})
        for record in records if isinstance(records, list) else []:
            if not isinstance(record, Mapping):
                continue
            status = text(record.get("status"))
            if status == "fixed":
                entry["fixed"].append(_control(record))
            elif status in STILL_FAILING:
                entry["still_failing"].append(_control(record))
            elif status == "manual_missing":
                entry["manual_missing"].append(text(record.get("id")))
    return entry if entry["baselines"] else None


def collect_changes(hostvars: Any, names: Iterable[str]) -> list[dict[str, Any]]:
    hosts = []
    for name, variables in named_hosts(hostvars, names):
        entry = host_changes(name, variables)
        if entry is not None:
            hosts.append(entry)
    return hosts


def summary_lines(hosts: Sequence[Mapping[str, Any]]) -> list[str]:
    """One short line per host: what still fails (ids), what was refused, missing attestations; worst first."""
    lines = []
    ranked = sorted(hosts, key=lambda host: (-len(host["refused"]), -len(host["still_failing"]), host["host"]))
    for host in ranked:
        parts = []
        if host["refused"]:
            parts.append("REFUSED: " + "; ".join(item["reason"].splitlines()[0] for item in host["refused"]))
        if host["still_failing"]:
            ids = ", ".join(sorted({control["id"] for control in host["still_failing"]}))
            parts.append(f"{len(host['still_failing'])} still failing: {ids}")
        if host["manual_missing"]:
            parts.append(f"{len(host['manual_missing'])} attestations missing")
        if host["fixed"]:
            parts.append(f"{len(host['fixed'])} fixed")
        lines.append(f"{host['host']}: " + (" | ".join(parts) if parts else "compliant"))
    return lines


def write_change_record(base: Path, run: Mapping[str, Any], hosts: Sequence[Mapping[str, Any]]) -> Path:
    """Write the record under base/changes/ (never replacing one) and return its path."""
    folder = base / CHANGES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{run['id']}-{'-'.join(run['baselines']) or 'none'}"
    number = 1
    while True:
        path = folder / (f"{stem}.json" if number == 1 else f"{stem}-{number}.json")
        try:
            with path.open("x", encoding="utf-8") as handle:
                json.dump({"run": plain(run), "hosts": plain(list(hosts))}, handle, indent=2, sort_keys=False)
                handle.write("\n")
        except FileExistsError:
            number += 1
            continue
        return path
