"""The summary a report leaves as set_stats artifacts: on AWX / AAP the controller's files vanish after the job.

Kept small (scores, counts, failing control ids, causes) so it fits the job's artifacts; the full records stay in
compliance.json. Clinics without a clinic_* group are listed under NO_CLINIC.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

NO_CLINIC = "(no clinic)"


def _tally(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "score": entry["score"],
        "failing": entry["failing"],
        "failing_by_severity": dict(entry["failing_by_severity"]),
    }


def artifacts(document: Mapping[str, Any], run_dir: str | None, gate: Mapping[str, Any] | None) -> dict[str, Any]:
    """{run, report_dir, fleet, clinics, hosts, gate} for ansible.builtin.set_stats."""
    summary = document["summary"]
    return {
        "run": document["run"].get("id"),
        "report_dir": run_dir,
        "fleet": {"hosts": summary["hosts"], "outcomes": dict(summary["outcomes"]), **_tally(summary)},
        "clinics": {
            clinic["name"] or NO_CLINIC: {"hosts": clinic["hosts"], **_tally(clinic)} for clinic in document["clinics"]
        },
        "hosts": {
            host["name"]: {
                "clinics": list(host["clinics"]),
                "outcome": host["outcome"],
                **_tally(host),
                "failing_controls": sorted({control["id"] for control in host["controls"] if control["failing"]}),
                "causes": [problem["message"] for problem in host["problems"]],
            }
            for host in document["hosts"]
        },
        "gate": {"failed": gate["failed"], "fail_on": gate["fail_on"]} if gate else None,
    }
