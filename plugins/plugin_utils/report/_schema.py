"""The JSON Schema of compliance.json (schema_version 1), described for people in docs/report-schema.md.

The unit tests validate every rendered document against it; merge_reports.py checks its inputs with
``problems()``, a dependency-free check of what merging relies on (controllers need not have jsonschema).
Adding an optional field keeps the version; renaming, removing or changing the meaning of one bumps it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ._model import OUTCOMES, SCHEMA_VERSION, STATUSES

_STRING_OR_NULL = {"type": ["string", "null"]}
_SEVERITY = {"enum": ["high", "medium", "low", None]}
#: Fields newer than schema_version 1's first documents: optional, so those documents still validate.
_NEEDS_CONFIGURATION = "needs_configuration"


def _object(properties: dict[str, Any], optional: tuple[str, ...] = (), nullable: bool = False) -> dict[str, Any]:
    """An object schema requiring every property but the optional ones, in the properties' order."""
    return {
        "type": ["object", "null"] if nullable else "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
    }


def _counts(names: Iterable[str]) -> dict[str, Any]:
    return _object({name: {"type": "integer", "minimum": 0} for name in names})


_TALLY = {
    "score": {"type": ["number", "null"], "minimum": 0, "maximum": 100},
    "counts": _counts(STATUSES),
    "failing": {"type": "integer", "minimum": 0},
    "failing_by_severity": _counts(("high", "medium", "low")),
    _NEEDS_CONFIGURATION: {"type": "integer", "minimum": 0},
}
_SUMMARY = _object(
    {"hosts": {"type": "integer", "minimum": 0}, "outcomes": _counts(OUTCOMES), **_TALLY},
    optional=(_NEEDS_CONFIGURATION,),
)
_CONTROL = _object(
    {
        "id": {"type": "string"},
        "baseline": {"type": "string"},
        "title": {"type": "string"},
        "area": {"type": "string"},
        "severity": _SEVERITY,
        "kind": {"enum": ["enforce", "audit", "manual", None]},
        "hipaa": {"type": "array", "items": {"type": "string"}},
        "status": {"enum": list(STATUSES)},
        "failing": {"type": "boolean"},
        _NEEDS_CONFIGURATION: {"type": "boolean"},
        "expected": {},
        "actual": {},
        "changed": {"type": "boolean"},
        "message": {"type": "string"},
        "practice": _STRING_OR_NULL,
        "remediation": _STRING_OR_NULL,
    },
    optional=(_NEEDS_CONFIGURATION,),
)
_PROBLEM = _object(
    {
        "baseline": {"type": "string"},
        "outcome": {"enum": [outcome for outcome in OUTCOMES if outcome != "audited"]},
        "task": _STRING_OR_NULL,
        "message": {"type": "string"},
    }
)
_EXCEPTION = _object(
    {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "reason": {"type": "string"},
        "approver": {"type": "string"},
        "expires": {"type": "string"},
        "state": {"enum": ["active", "expired", "invalid"]},
        "control_status": {"enum": [*STATUSES, None]},
        "failing": {"type": "boolean"},
    }
)
_ATTESTATION = _object(
    {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "attested_by": {"type": "string"},
        "date": {"type": "string"},
        "evidence": {"type": "string"},
        "valid_days": {"type": ["integer", "null"]},
        "valid_until": _STRING_OR_NULL,
        "state": {"enum": ["current", "expired", "invalid"]},
        "control_status": {"enum": [*STATUSES, None]},
        "failing": {"type": "boolean"},
    }
)
_HOST = _object(
    {
        "name": {"type": "string"},
        "clinics": {"type": "array", "items": {"type": "string"}},
        "baselines": {"type": "array", "items": {"type": "string"}},
        "outcome": {"enum": list(OUTCOMES)},
        "check_mode": {"type": ["boolean", "null"]},
        "problems": {"type": "array", "items": _PROBLEM},
        "controls": {"type": "array", "items": _CONTROL},
        "exceptions": {"type": "array", "items": _EXCEPTION},
        "attestations": {"type": "array", "items": _ATTESTATION},
        # waiver and attestation entries the audit left out (they did not parse)
        "input_errors": {"type": "array", "items": {"type": "string"}},
        **_TALLY,
    },
    optional=("input_errors", _NEEDS_CONFIGURATION),
)
_CHANGE = _object(
    {
        "host": {"type": "string"},
        "baseline": {"type": "string"},
        "id": {"type": "string"},
        "title": {"type": "string"},
        "severity": _SEVERITY,
        "previous_status": {"type": "string"},
        "status": {"type": "string"},
        "message": {"type": "string"},
    }
)
_RUN = _object(
    {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "generated_at": {"type": "string"},
        "date": {"type": "string"},
        "collection_version": _STRING_OR_NULL,
        "ansible_version": _STRING_OR_NULL,
        "inventory_sources": {"type": "array", "items": {"type": "string"}},
        "limit": _STRING_OR_NULL,
        "mode": {"enum": ["check", "enforce", "mixed", None]},
        "merged_from": {"type": "array", "items": {"type": "object"}},
        # set in a clinic's own document (clinics/<clinic>/compliance.json)
        "clinic": _STRING_OR_NULL,
    },
    optional=("clinic",),
)
_CLINIC = _object(
    {"name": _STRING_OR_NULL, "members": {"type": "array", "items": {"type": "string"}}, **_SUMMARY["properties"]},
    optional=(_NEEDS_CONFIGURATION,),
)
_FLEET_CONTROL = _object(
    {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "area": {"type": "string"},
        "severity": _SEVERITY,
        "hipaa": {"type": "array", "items": {"type": "string"}},
        "remediation": _STRING_OR_NULL,
        "evaluated": {"type": "integer", "minimum": 0},
        "failing_hosts": {"type": "array", "items": {"type": "string"}},
    }
)
_TREND = _object(
    {
        "previous_run": _STRING_OR_NULL,
        "newly_failing": {"type": "array", "items": _CHANGE},
        "newly_fixed": {"type": "array", "items": _CHANGE},
        "hosts_added": {"type": "array", "items": {"type": "string"}},
        "hosts_removed": {"type": "array", "items": {"type": "string"}},
        # scores of the last runs (report/_history.py)
        "history": {"type": "object"},
    },
    optional=("history",),
    nullable=True,
)
JSON_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "onepacs.baseline compliance report",
    **_object(
        {
            "schema_version": {"const": SCHEMA_VERSION},
            "run": _RUN,
            "summary": _SUMMARY,
            "clinics": {"type": "array", "items": _CLINIC},
            "hosts": {"type": "array", "items": _HOST},
            "controls": {"type": "array", "items": _FLEET_CONTROL},
            "hipaa_safeguards": {"type": "object", "additionalProperties": {"type": "string"}},
            "trend": _TREND,
        }
    ),
}


def problems(document: Any) -> list[str]:
    """What stops a document from being merged (empty when it can be): version, run id, hosts with records."""
    if not isinstance(document, Mapping):
        return ["not a JSON object"]
    found = []
    if document.get("schema_version") != SCHEMA_VERSION:
        found.append(f"schema_version is {document.get('schema_version')!r}, this collection reads {SCHEMA_VERSION}")
    if not isinstance(document.get("run"), Mapping) or not isinstance(document["run"].get("id"), str):
        found.append("run.id is missing")
    hosts = document.get("hosts")
    if not isinstance(hosts, list):
        return [*found, "hosts is not a list"]
    for index, host in enumerate(hosts):
        required = _HOST["required"]
        if not isinstance(host, Mapping) or any(key not in host for key in required):
            found.append(f"hosts[{index}] lacks one of {', '.join(required)}")
        elif not isinstance(host["controls"], list) or any(
            not isinstance(control, Mapping) or any(key not in control for key in _CONTROL["required"])
            for control in host["controls"]
        ):
            found.append(f"hosts[{index}] ({host['name']}): a control lacks one of {', '.join(_CONTROL['required'])}")
    return found
