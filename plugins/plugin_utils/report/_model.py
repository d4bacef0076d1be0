"""The compliance report as one JSON-ready document (docs/report-schema.md), built from hosts and the catalog.

Every output (compliance.json, .csv, .html, junit.xml, the set_stats artifacts, the trend and the gate) is derived
from this document alone, so a report merged from several compliance.json files (job slicing) renders exactly like
one written by a single run. Records come from hosts and inventory: nothing in them is trusted. Values are copied
as plain JSON types, statuses outside the record vocabulary become `error`, and ids the catalog does not know keep
their record's title with no severity.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .._catalog import SEVERITIES, Catalog
from .._records import Status
from ._values import plain, text
from ._waivers import attestation_entries, exception_entries

SCHEMA_VERSION = 1
STATUSES = tuple(str(status) for status in Status)
#: A control in one of these statuses counts for the score; an excepted control is an approved, dated deviation.
COMPLIANT_STATUSES = ("pass", "fixed", "excepted", "manual_attested")
#: Statuses that count against the score; `error` because compliance could not be shown.
FAILING_STATUSES = ("fail", "manual_missing", "error")
#: How a host's audit ended, per baseline and overall (the worst one wins, in this order).
OUTCOMES = ("unreachable", "failed", "incomplete", "audited")
UNKNOWN_AREA = "other"
#: How the areas word a control the inventory does not configure yet (NET-01 without expected_ipv4): it is not a
#: finding about the host, so it is shown apart and counts neither for nor against the score.
NOT_CONFIGURED_PREFIX = "not configured"
INCOMPLETE_MESSAGE = (
    "the audit of this baseline did not finish and left no cause (the connection was probably lost during the run; "
    "see the Ansible output)"
)


@dataclass(frozen=True)
class BaselineRun:
    """How one baseline play ended on a host, from the status fact playbooks/audit.yml sets."""

    baseline: str
    outcome: str
    task: str | None = None
    message: str | None = None
    check_mode: bool | None = None


@dataclass(frozen=True)
class HostInput:
    """Everything the playbook left for one host: baseline outcomes, records per baseline, inventory waivers."""

    name: str
    clinics: tuple[str, ...] = ()
    runs: tuple[BaselineRun, ...] = ()
    records: Mapping[str, Any] = field(default_factory=dict)
    exceptions: Any = None
    attestations: Any = None
    #: Waiver and attestation entries an audit left out because they did not parse (validate_inputs).
    input_errors: tuple[str, ...] = ()


def score(counts: Mapping[str, int]) -> float | None:
    """Compliant controls as a percentage of the controls that count (not_applicable does not); None for none."""
    compliant = sum(counts.get(status, 0) for status in COMPLIANT_STATUSES)
    failing = sum(counts.get(status, 0) for status in FAILING_STATUSES)
    if compliant + failing == 0:
        return None
    return round(100.0 * compliant / (compliant + failing), 1)


def build_host(host: HostInput, catalog: Catalog, today: dt.date) -> dict[str, Any]:
    """One host's entry: its controls joined with the catalog, in catalog order, with outcome and counts."""
    controls = _controls(host.records, catalog)
    problems = [
        {
            "baseline": run.baseline,
            "outcome": run.outcome,
            "task": run.task,
            "message": run.message
            or (INCOMPLETE_MESSAGE if run.outcome == "incomplete" else f"{run.outcome}, no message was recorded"),
        }
        for run in host.runs
        if run.outcome != "audited"
    ]
    outcomes = {run.outcome for run in host.runs} or {"audited"}
    entry: dict[str, Any] = {
        "name": text(host.name),
        "clinics": sorted({text(clinic) for clinic in host.clinics}),
        "baselines": sorted({run.baseline for run in host.runs} | {control["baseline"] for control in controls}),
        "outcome": next(outcome for outcome in OUTCOMES if outcome in outcomes),
        "check_mode": _check_mode(host.runs),
        "problems": problems,
        "controls": controls,
        "exceptions": exception_entries(host.exceptions, controls, catalog, today),
        "attestations": attestation_entries(host.attestations, controls, catalog, today),
        "input_errors": [text(error) for error in host.input_errors],
    }
    entry.update(tally(controls))
    return entry


def needs_configuration(status: str, message: str) -> bool:
    """A `fail` that only says the inventory does not tell what to expect yet."""
    return status == "fail" and message.strip().lower().startswith(NOT_CONFIGURED_PREFIX)


def tally(controls: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Status counts (every status, zero included; a control that needs configuration is counted there, not as
    fail), failing controls per severity, and the score. `failing` is always the sum of the failing statuses'
    counts, so a page's totals and its per-status badges agree."""
    counts = dict.fromkeys(STATUSES, 0)
    by_severity = dict.fromkeys(SEVERITIES, 0)
    unconfigured = 0
    for control in controls:
        if control.get("needs_configuration"):
            unconfigured += 1
            continue
        counts[control["status"]] += 1
        if control["failing"] and control["severity"] in by_severity:
            by_severity[control["severity"]] += 1
    return {
        "score": score(counts),
        "counts": counts,
        "failing": sum(counts[status] for status in FAILING_STATUSES),
        "failing_by_severity": by_severity,
        "needs_configuration": unconfigured,
    }


def assemble(run: Mapping[str, Any], hosts: Sequence[Mapping[str, Any]], catalog: Catalog) -> dict[str, Any]:
    """The whole document from host entries (build_host, or hosts of earlier documents when merging)."""
    ordered = sorted(hosts, key=lambda host: host["name"])
    return {
        "schema_version": SCHEMA_VERSION,
        "run": dict(run),
        "summary": summarize(ordered),
        "clinics": _clinics(ordered),
        "hosts": list(ordered),
        "controls": _control_ranking(ordered, catalog),
        "hipaa_safeguards": dict(catalog.hipaa_safeguards),
        "trend": None,
    }


def summarize(hosts: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Host outcomes and control tallies over a group of hosts (the fleet or a clinic)."""
    outcomes = dict.fromkeys(OUTCOMES, 0)
    for host in hosts:
        outcomes[host["outcome"]] += 1
    summary: dict[str, Any] = {"hosts": len(hosts), "outcomes": outcomes}
    summary.update(tally(control for host in hosts for control in host["controls"]))
    return summary


def clinic_members(hosts: Sequence[Mapping[str, Any]], name: str | None) -> list[Mapping[str, Any]]:
    """The hosts of one clinic; name None: the hosts in no clinic group."""
    return [host for host in hosts if (name in host["clinics"] if name else not host["clinics"])]


def worst_first(entry: Mapping[str, Any]) -> tuple[Any, ...]:
    """Sort key of a clinic or host: most not audited, then lowest score (none last), most failing, then name."""
    unaudited = entry["hosts"] - entry["outcomes"]["audited"] if "outcomes" in entry else 0
    score_value = entry["score"] if entry["score"] is not None else 101.0
    return (-unaudited, score_value, -entry["failing"], str(entry.get("name") or "~"))


def _clinics(hosts: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    names = sorted({clinic for host in hosts for clinic in host["clinics"]})
    clinics = []
    for name in [*names, None]:
        members = clinic_members(hosts, name)
        if members:
            clinics.append({"name": name, "members": [host["name"] for host in members], **summarize(members)})
    return sorted(clinics, key=worst_first)


def _control_ranking(hosts: Sequence[Mapping[str, Any]], catalog: Catalog) -> list[dict[str, Any]]:
    """Every control seen, worst first: most failing hosts, then severity, then catalog order."""
    ranking: dict[str, dict[str, Any]] = {}
    for host in hosts:
        for control in host["controls"]:
            entry = ranking.setdefault(
                control["id"],
                {key: control[key] for key in ("id", "title", "area", "severity", "hipaa", "remediation")}
                | {"evaluated": 0, "failing_hosts": []},
            )
            if control["status"] != "not_applicable":
                entry["evaluated"] += 1
            if control["failing"] and host["name"] not in entry["failing_hosts"]:
                entry["failing_hosts"].append(host["name"])
    order = {control_id: index for index, control_id in enumerate(catalog.ids())}
    return sorted(
        ranking.values(),
        key=lambda entry: (
            -len(entry["failing_hosts"]),
            _severity_rank(entry["severity"]),
            order.get(entry["id"], len(order)),
            entry["id"],
        ),
    )


def _severity_rank(severity: str | None) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


def _check_mode(runs: Sequence[BaselineRun]) -> bool | None:
    modes = {run.check_mode for run in runs if run.check_mode is not None}
    return modes.pop() if len(modes) == 1 else None


def _controls(records: Mapping[str, Any], catalog: Catalog) -> list[dict[str, Any]]:
    order = {control_id: index for index, control_id in enumerate(catalog.ids())}
    controls: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for baseline in sorted(records):
        raw_records = records[baseline]
        if not isinstance(raw_records, Sequence) or isinstance(raw_records, str | bytes):
            continue
        for raw in raw_records:
            control = _control(raw, text(baseline), catalog)
            if control is None or (control["baseline"], control["id"]) in seen:
                continue
            seen.add((control["baseline"], control["id"]))
            controls.append(control)
    return sorted(controls, key=lambda c: (order.get(c["id"], len(order)), c["id"], c["baseline"]))


def _control(raw: Any, baseline: str, catalog: Catalog) -> dict[str, Any] | None:
    if not isinstance(raw, Mapping) or not text(raw.get("id")):
        return None
    control_id = text(raw.get("id"))
    status = text(raw.get("status"))
    message = text(raw.get("message"))
    if status not in STATUSES:
        message = f"unknown status {status!r} in the record: {message}"
        status = "error"
    known = catalog.get(control_id) if control_id in catalog else None
    unconfigured = needs_configuration(status, message)
    return {
        "id": control_id,
        "baseline": baseline,
        "title": known.title if known else text(raw.get("title")) or control_id,
        "area": known.area if known else UNKNOWN_AREA,
        "severity": known.severity if known else None,
        "kind": known.kind if known else None,
        "hipaa": list(known.hipaa) if known else [],
        "status": status,
        "failing": status in FAILING_STATUSES and not unconfigured,
        "needs_configuration": unconfigured,
        "expected": plain(raw.get("expected")),
        "actual": plain(raw.get("actual")),
        "changed": raw.get("changed") is True,
        "message": message,
        "practice": known.expected if known else None,
        "remediation": known.remediation if known else None,
    }
