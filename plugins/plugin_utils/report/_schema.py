"""The JSON Schema of compliance.json (schema_version 1), described for people in docs/report-schema.md.

The unit tests validate every rendered document against it; merge_reports.py checks its inputs with
``problems()``, a dependency-free check of what merging relies on (controllers need not have jsonschema).
Adding an optional field keeps the version; renaming, removing or changing the meaning of one bumps it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._model import OUTCOMES, SCHEMA_VERSION, STATUSES

_STRING_OR_NULL = {"type": ["string", "null"]}
_COUNTS = {
    "type": "object",
    "properties": {status: {"type": "integer", "minimum": 0} for status in STATUSES},
    "required": list(STATUSES),
}
_SEVERITY_COUNTS = {
    "type": "object",
    "properties": {severity: {"type": "integer", "minimum": 0} for severity in ("high", "medium", "low")},
    "required": ["high", "medium", "low"],
}
_TALLY = {
    "score": {"type": ["number", "null"], "minimum": 0, "maximum": 100},
    "counts": _COUNTS,
    "failing": {"type": "integer", "minimum": 0},
    "failing_by_severity": _SEVERITY_COUNTS,
    "needs_configuration": {"type": "integer", "minimum": 0},
}
# needs_configuration is newer than schema_version 1's first documents: optional, so those still validate.
_REQUIRED_TALLY = [key for key in _TALLY if key != "needs_configuration"]
_SUMMARY = {
    "type": "object",
    "properties": {
        "hosts": {"type": "integer", "minimum": 0},
        "outcomes": {
            "type": "object",
            "properties": {outcome: {"type": "integer", "minimum": 0} for outcome in OUTCOMES},
            "required": list(OUTCOMES),
        },
        **_TALLY,
    },
    "required": ["hosts", "outcomes", *_REQUIRED_TALLY],
}
_CONTROL = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "baseline": {"type": "string"},
        "title": {"type": "string"},
        "area": {"type": "string"},
        "severity": {"enum": ["high", "medium", "low", None]},
        "kind": {"enum": ["enforce", "audit", "manual", None]},
        "hipaa": {"type": "array", "items": {"type": "string"}},
        "status": {"enum": list(STATUSES)},
        "failing": {"type": "boolean"},
        "needs_configuration": {"type": "boolean"},
        "expected": {},
        "actual": {},
        "changed": {"type": "boolean"},
        "message": {"type": "string"},
        "practice": _STRING_OR_NULL,
        "remediation": _STRING_OR_NULL,
    },
    "required": [
        "id",
        "baseline",
        "title",
        "area",
        "severity",
        "kind",
        "hipaa",
        "status",
        "failing",
        "expected",
        "actual",
        "changed",
        "message",
        "practice",
        "remediation",
    ],
}
_PROBLEM = {
    "type": "object",
    "properties": {
        "baseline": {"type": "string"},
        "outcome": {"enum": [outcome for outcome in OUTCOMES if outcome != "audited"]},
        "task": _STRING_OR_NULL,
        "message": {"type": "string"},
    },
    "required": ["baseline", "outcome", "task", "message"],
}
_EXCEPTION = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "reason": {"type": "string"},
        "approver": {"type": "string"},
        "expires": {"type": "string"},
        "state": {"enum": ["active", "expired", "invalid"]},
        "control_status": {"enum": [*STATUSES, None]},
        "failing": {"type": "boolean"},
    },
    "required": ["id", "title", "reason", "approver", "expires", "state", "control_status", "failing"],
}
_ATTESTATION = {
    "type": "object",
    "properties": {
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
    },
    "required": [
        "id",
        "title",
        "attested_by",
        "date",
        "evidence",
        "valid_days",
        "valid_until",
        "state",
        "control_status",
        "failing",
    ],
}
_HOST = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "clinics": {"type": "array", "items": {"type": "string"}},
        "baselines": {"type": "array", "items": {"type": "string"}},
        "outcome": {"enum": list(OUTCOMES)},
        "check_mode": {"type": ["boolean", "null"]},
        "problems": {"type": "array", "items": _PROBLEM},
        "controls": {"type": "array", "items": _CONTROL},
        "exceptions": {"type": "array", "items": _EXCEPTION},
        "attestations": {"type": "array", "items": _ATTESTATION},
        # optional: waiver and attestation entries the audit left out (they did not parse)
        "input_errors": {"type": "array", "items": {"type": "string"}},
        **_TALLY,
    },
    "required": [
        "name",
        "clinics",
        "baselines",
        "outcome",
        "check_mode",
        "problems",
        "controls",
        "exceptions",
        "attestations",
        *_REQUIRED_TALLY,
    ],
}
_CHANGE = {
    "type": "object",
    "properties": {
        "host": {"type": "string"},
        "baseline": {"type": "string"},
        "id": {"type": "string"},
        "title": {"type": "string"},
        "severity": {"enum": ["high", "medium", "low", None]},
        "previous_status": {"type": "string"},
        "status": {"type": "string"},
        "message": {"type": "string"},
    },
    "required": ["host", "baseline", "id", "title", "severity", "previous_status", "status", "message"],
}
JSON_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "onepacs.baseline compliance report",
    "type": "object",
    "properties": {
        "schema_version": {"const": SCHEMA_VERSION},
        "run": {
            "type": "object",
            "properties": {
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
                # optional: set in a clinic's own document (clinics/<clinic>/compliance.json)
                "clinic": _STRING_OR_NULL,
            },
            "required": [
                "id",
                "title",
                "generated_at",
                "date",
                "collection_version",
                "ansible_version",
                "inventory_sources",
                "limit",
                "mode",
                "merged_from",
            ],
        },
        "summary": _SUMMARY,
        "clinics": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": _STRING_OR_NULL,
                    "members": {"type": "array", "items": {"type": "string"}},
                    **_SUMMARY["properties"],
                },
                "required": ["name", "members", *_SUMMARY["required"]],
            },
        },
        "hosts": {"type": "array", "items": _HOST},
        "controls": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "title": {"type": "string"},
                    "area": {"type": "string"},
                    "severity": {"enum": ["high", "medium", "low", None]},
                    "hipaa": {"type": "array", "items": {"type": "string"}},
                    "remediation": _STRING_OR_NULL,
                    "evaluated": {"type": "integer", "minimum": 0},
                    "failing_hosts": {"type": "array", "items": {"type": "string"}},
                },
                "required": ["id", "title", "area", "severity", "hipaa", "remediation", "evaluated", "failing_hosts"],
            },
        },
        "hipaa_safeguards": {"type": "object", "additionalProperties": {"type": "string"}},
        "trend": {
            "type": ["object", "null"],
            "properties": {
                "previous_run": _STRING_OR_NULL,
                "newly_failing": {"type": "array", "items": _CHANGE},
                "newly_fixed": {"type": "array", "items": _CHANGE},
                "hosts_added": {"type": "array", "items": {"type": "string"}},
                "hosts_removed": {"type": "array", "items": {"type": "string"}},
                # optional: scores of the last runs (report/_history.py)
                "history": {"type": "object"},
            },
            "required": ["previous_run", "newly_failing", "newly_fixed", "hosts_added", "hosts_removed"],
        },
    },
    "required": ["schema_version", "run", "summary", "clinics", "hosts", "controls", "hipaa_safeguards", "trend"],
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
