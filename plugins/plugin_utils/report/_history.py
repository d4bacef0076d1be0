"""The trend over the last runs, not only the previous one: the fleet's and each clinic's score per run.

Read from the compliance.json of the newest runs in the report directory (report/_store.recent_documents), so a
history needs no file of its own and survives pruning as far as the kept runs reach.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

#: Runs shown in the trend, the current one included.
HISTORY_RUNS = 8


def _point(document: Mapping[str, Any], entry: Mapping[str, Any] | None) -> dict[str, Any]:
    run = document.get("run") or {}
    return {
        "run": run.get("id"),
        "date": (run.get("generated_at") or "")[:10] or run.get("date"),
        "score": entry.get("score") if entry else None,
        "failing": entry.get("failing") if entry else None,
        "hosts": entry.get("hosts") if entry else None,
    }


def history(previous: Sequence[Mapping[str, Any]], current: Mapping[str, Any]) -> dict[str, Any]:
    """{fleet: [points, oldest first], clinics: {name: [points]}} over previous runs and the current one."""
    documents = [*previous, current][-HISTORY_RUNS:]
    names = [clinic.get("name") for clinic in current.get("clinics") or []]
    clinics: dict[str, list[dict[str, Any]]] = {}
    for name in names:
        key = name or ""
        points = []
        for document in documents:
            entry = next((c for c in document.get("clinics") or [] if c.get("name") == name), None)
            if entry is not None:
                points.append(_point(document, entry))
        clinics[key] = points
    return {"fleet": [_point(document, document.get("summary")) for document in documents], "clinics": clinics}
