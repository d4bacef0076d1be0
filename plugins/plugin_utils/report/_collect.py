"""Read what a playbook left for each host from hostvars: baseline outcomes, control records, waivers, clinics.

The baseline plays of playbooks/audit.yml set a status fact per host and baseline (`onepacs_audit_status`:
{gateway: {outcome, task, message, check_mode}}) before the host is contacted, so a host that never produced
records (unreachable, or its baseline failed early) is still known, with its cause. The roles leave their
records in `onepacs_<baseline>_controls`. A host with neither is not part of the report. Reading one host's
variables can fail (a template in inventory that does not render); that host's value is then treated as
missing, so one host's mistake never stops the fleet's report; and a host whose data cannot be made into a report
entry at all is reported as failed with that cause (report_hosts), never stopping the others.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

from .._catalog import Catalog
from ._model import OUTCOMES, BaselineRun, HostInput, build_host
from ._values import named_hosts, read_variable, text

DEFAULT_RECORD_FACTS: Mapping[str, str] = MappingProxyType(
    {"gateway": "onepacs_gateway_controls", "workstation": "onepacs_workstation_controls"}
)
DEFAULT_STATUS_FACT = "onepacs_audit_status"
EXCEPTIONS_VARIABLE = "onepacs_exceptions"
ATTESTATIONS_VARIABLE = "onepacs_attestations"
#: What the baseline roles' input check registered: the waivers and attestations merged from every
#: onepacs_exceptions*/onepacs_attestations* variable and scoped to the host (validate_inputs).
#: Registered results that carry a host's applied waivers, attestations and left-out entries: validate_inputs (per
#: area) or win_baseline (the single-command audit, which merges and scopes them itself).
INPUTS_RESULTS = (
    "onepacs_gateway_inputs",
    "onepacs_workstation_inputs",
    "onepacs_gateway_single_command_result",
    "onepacs_workstation_single_command_result",
)
DEFAULT_CLINIC_PREFIX = "clinic_"
ANSIBLE_PREFIXES = ("Task failed: ", "Action failed: ")


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool) or value is None:
        return value
    return text(value).strip().lower() in ("true", "yes", "1", "on")


def _cause(message: Any) -> str | None:
    """The message without the "Task failed: " Ansible puts before every task error it registers."""
    cause = text(message).strip()
    while cause.startswith(ANSIBLE_PREFIXES):
        cause = cause.split(": ", 1)[1].strip()
    return cause or None


def _shared_inputs(variables: Any, key: str, fallback: str) -> Any:
    """The host's merged, scoped entries as the roles applied them; the raw variable when no role ran."""
    merged: list[Any] = []
    found = False
    for name in INPUTS_RESULTS:
        result = read_variable(variables, name)
        if isinstance(result, Mapping) and isinstance(result.get(key), list):
            found = True
            merged += [entry for entry in result[key] if entry not in merged]
    return merged if found else read_variable(variables, fallback)


def _input_errors(variables: Any) -> tuple[str, ...]:
    errors: list[str] = []
    for name in INPUTS_RESULTS:
        result = read_variable(variables, name)
        if isinstance(result, Mapping) and isinstance(result.get("input_errors"), list):
            errors += [text(error) for error in result["input_errors"] if text(error) not in errors]
    return tuple(errors)


def baseline_runs(status: Any) -> tuple[BaselineRun, ...]:
    """The status fact as BaselineRun values, sorted by baseline; unknown outcomes count as incomplete."""
    if not isinstance(status, Mapping):
        return ()
    runs = []
    for key, raw in sorted(status.items(), key=lambda item: text(item[0])):
        entry = raw if isinstance(raw, Mapping) else {}
        outcome = text(entry.get("outcome"))
        runs.append(
            BaselineRun(
                baseline=text(key),
                outcome=outcome if outcome in OUTCOMES else "incomplete",
                task=text(entry.get("task")) or None,
                message=_cause(entry.get("message")),
                check_mode=_flag(entry.get("check_mode")),
            )
        )
    return tuple(runs)


def collect(
    hostvars: Any,
    names: Iterable[str],
    *,
    record_facts: Mapping[str, str] = DEFAULT_RECORD_FACTS,
    status_fact: str = DEFAULT_STATUS_FACT,
    clinic_prefix: str = DEFAULT_CLINIC_PREFIX,
) -> list[HostInput]:
    """One HostInput per named host that has a status fact or records, sorted by name."""
    hosts = []
    for name, variables in named_hosts(hostvars, names):
        runs = baseline_runs(read_variable(variables, status_fact))
        records = {
            baseline: value for baseline, fact in record_facts.items() if (value := read_variable(variables, fact))
        }
        if not runs and not records:
            continue
        groups = read_variable(variables, "group_names") or []
        clinics = tuple(text(group) for group in groups if text(group).startswith(clinic_prefix))
        hosts.append(
            HostInput(
                name=name,
                clinics=clinics,
                runs=runs,
                records=records,
                exceptions=_shared_inputs(variables, "exceptions", EXCEPTIONS_VARIABLE),
                attestations=_shared_inputs(variables, "attestations", ATTESTATIONS_VARIABLE),
                input_errors=_input_errors(variables),
            )
        )
    return hosts


def _unreadable(host: HostInput, exc: Exception, catalog: Catalog, today: dt.date) -> dict[str, Any]:
    baselines = sorted({run.baseline for run in host.runs}) or ["report"]
    cause = (
        f"this host's data could not be put into the report ({type(exc).__name__}); its records are left out, the "
        "other hosts are reported as usual"
    )
    runs = tuple(
        BaselineRun(baseline=baseline, outcome="failed", task="report", message=cause) for baseline in baselines
    )
    return build_host(HostInput(name=host.name, clinics=host.clinics, runs=runs), catalog, today)


def report_hosts(hosts: Iterable[HostInput], catalog: Catalog, today: dt.date) -> list[dict[str, Any]]:
    """build_host for each host; a host whose data breaks it, or whose entry could not be written as UTF-8 JSON,
    becomes a failed entry saying so."""
    entries = []
    for host in hosts:
        try:
            entry = build_host(host, catalog, today)
            json.dumps(entry, ensure_ascii=False, allow_nan=False).encode("utf-8")  # what compliance.json needs
            entries.append(entry)
        except Exception as exc:  # anything in one host's data; the fleet's report must still be written
            entries.append(_unreadable(host, exc, catalog, today))
    return entries
