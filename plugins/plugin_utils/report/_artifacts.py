"""The summary a report leaves as set_stats artifacts: on AWX / AAP the controller's files vanish after the job.

Kept small (scores, counts, failing control ids, outcomes) so it fits the job's artifacts; the full records stay in
compliance.json. Clinics without a clinic_* group are listed under NO_CLINIC.

In an AWX / AAP workflow these artifacts become extra variables of the next node, where Ansible templates any string
it is handed: text a host chose (an error message, a program name) could be a Jinja expression run on that node's
controller. So the artifacts hold numbers, the report's own vocabulary (outcomes, severities, baselines) and names
reduced to a plain character set (TOKEN_CHARACTERS): no host text, nothing Jinja could read as a delimiter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

NO_CLINIC = "(no clinic)"
#: Characters a name keeps in the artifacts (host and clinic names, control ids, folders); any other becomes "_".
TOKEN_CHARACTERS = "A-Za-z0-9._:@/+ -"
_NOT_TOKEN = re.compile(f"[^{TOKEN_CHARACTERS}]")


def token(value: Any) -> str:
    """value as text in the plain character set: no braces, percent or hash signs, quotes or control characters."""
    return _NOT_TOKEN.sub("_", str(value))


def _tally(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "score": entry["score"],
        "failing": entry["failing"],
        "failing_by_severity": {token(severity): count for severity, count in entry["failing_by_severity"].items()},
    }


def artifacts(document: Mapping[str, Any], run_dir: str | None, gate: Mapping[str, Any] | None) -> dict[str, Any]:
    """{run, report_dir, fleet, clinics, hosts, gate} for ansible.builtin.set_stats."""
    summary = document["summary"]
    return {
        "run": token(document["run"].get("id")),
        "report_dir": token(run_dir) if run_dir is not None else None,
        "fleet": {
            "hosts": summary["hosts"],
            "outcomes": {token(outcome): count for outcome, count in summary["outcomes"].items()},
            **_tally(summary),
        },
        "clinics": {
            token(clinic["name"] or NO_CLINIC): {"hosts": clinic["hosts"], **_tally(clinic)}
            for clinic in document["clinics"]
        },
        "hosts": {
            token(host["name"]): {
                "clinics": [token(clinic) for clinic in host["clinics"]],
                "outcome": token(host["outcome"]),
                **_tally(host),
                "failing_controls": sorted(
                    {token(control["id"]) for control in host["controls"] if control["failing"]}
                ),
                # Which baselines did not finish, and how; their causes (host and Ansible text) stay in the report.
                "problems": [
                    {"baseline": token(problem["baseline"]), "outcome": token(problem["outcome"])}
                    for problem in host["problems"]
                ],
            }
            for host in document["hosts"]
        },
        "gate": {"failed": bool(gate["failed"]), "fail_on": token(gate["fail_on"])} if gate else None,
    }
