"""The gate: whether a report stops the run (CI), and which hosts stop it, decided after the report is written.

`fail_on` names the lowest severity that stops the run: `none` never, `fail` or `low` any severity (controls the
catalog does not know included), `medium` medium and high, `high` high only. Only controls in `statuses` count
(default `fail`; add `manual_missing` or `error` to be stricter). Independently, `fail_on_unaudited` stops the run
when a host could not be audited (unreachable, failed, incomplete), which is what Ansible itself would do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .._catalog import SEVERITIES

FAIL_ON = ("none", "fail", "low", "medium", "high")


def _severities(fail_on: str) -> set[str | None] | None:
    if fail_on not in FAIL_ON:
        raise ValueError(f"fail_on: {fail_on!r} is not one of {', '.join(FAIL_ON)}")
    if fail_on == "none":
        return set()
    if fail_on in ("fail", "low"):
        return None  # every severity, unknown included
    return set(SEVERITIES[: SEVERITIES.index(fail_on) + 1])


def evaluate(
    document: Mapping[str, Any], fail_on: str, statuses: Iterable[str], fail_on_unaudited: bool
) -> dict[str, Any]:
    """{failed, fail_on, hosts: {host: [reason, ...]}, message}: the hosts that stop the run and why."""
    severities = _severities(fail_on)
    counted = set(statuses)
    hosts: dict[str, list[str]] = {}
    for host in document["hosts"]:
        reasons = []
        if fail_on_unaudited and host["outcome"] != "audited":
            causes = "; ".join(
                f"{problem['baseline']}: {problem['message'] or problem['outcome']}" for problem in host["problems"]
            )
            reasons.append(f"could not be audited ({host['outcome']}): {causes}")
        for control in host["controls"]:
            in_scope = severities is None or control["severity"] in severities
            # a control the inventory does not configure yet is not a finding about the host
            if in_scope and control["status"] in counted and not control.get("needs_configuration"):
                severity = control["severity"] or "unknown severity"
                reasons.append(f"{control['id']} ({severity}) {control['status']}: {control['message']}")
        if reasons:
            hosts[host["name"]] = reasons
    if hosts:
        names = ", ".join(sorted(hosts))
        message = f"the compliance gate stopped {len(hosts)} of {len(document['hosts'])} hosts ({names}): "
        message += f"fail_on={fail_on}, statuses={','.join(sorted(counted))}, fail_on_unaudited={fail_on_unaudited}"
    else:
        message = "the compliance gate passed"
    return {"failed": bool(hosts), "fail_on": fail_on, "hosts": hosts, "message": message}
