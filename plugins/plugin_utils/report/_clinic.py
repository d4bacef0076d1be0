"""One clinic's report, cut from the fleet document: that clinic's hosts only, so its compliance officer can be
handed its folder (clinics/<clinic>/) without seeing any other clinic.

The clinic document has the fleet document's shape (docs/report-schema.md), so the same writers render it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ._model import clinic_members, summarize
from ._trend import compare

NO_CLINIC_FOLDER = "_no_clinic"
CLINICS_DIR = "clinics"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def clinic_folder(name: str | None) -> str:
    """The clinic's folder name under clinics/: its group name, with anything unsafe in a path replaced."""
    if not name:
        return NO_CLINIC_FOLDER
    folder = _UNSAFE.sub("_", name).strip(".") or "_"
    return folder if folder != NO_CLINIC_FOLDER else f"{folder}_"


def _ranking(controls: list[Mapping[str, Any]], hosts: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The fleet's control ranking recomputed over the clinic's hosts, in the fleet's order for ties."""
    order = {entry["id"]: index for index, entry in enumerate(controls)}
    ranking: dict[str, dict[str, Any]] = {}
    for host in hosts:
        for control in host["controls"]:
            base = next((entry for entry in controls if entry["id"] == control["id"]), None)
            if base is None:
                continue
            entry = ranking.setdefault(control["id"], {**base, "evaluated": 0, "failing_hosts": []})
            if control["status"] != "not_applicable":
                entry["evaluated"] += 1
            if control["failing"] and host["name"] not in entry["failing_hosts"]:
                entry["failing_hosts"].append(host["name"])
    return sorted(ranking.values(), key=lambda entry: (-len(entry["failing_hosts"]), order[entry["id"]]))


def clinic_document(
    document: Mapping[str, Any], clinic: Mapping[str, Any], previous: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The clinic's own document; its trend compares its hosts with the same clinic's hosts in `previous`."""
    name = clinic["name"]
    hosts = clinic_members(document["hosts"], name)
    label = name or "hosts in no clinic"
    before = None
    if previous is not None:
        before = {"run": previous.get("run") or {}, "hosts": clinic_members(previous.get("hosts") or [], name)}
    history = (document.get("trend") or {}).get("history") or {}
    trend = compare(before, {"hosts": hosts}) if before is not None else compare(None, {"hosts": hosts})
    trend["history"] = {"fleet": (history.get("clinics") or {}).get(name or "", []), "clinics": {}}
    return {
        "schema_version": document["schema_version"],
        "run": {**document["run"], "title": f"{document['run']['title']} - {label}", "clinic": name},
        "summary": summarize(hosts),
        "clinics": [dict(clinic)],
        "hosts": list(hosts),
        "controls": _ranking(list(document["controls"]), list(hosts)),
        "hipaa_safeguards": dict(document["hipaa_safeguards"]),
        "trend": trend,
    }
