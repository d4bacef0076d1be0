"""A host's exceptions (waivers) and attestations, as the report lists them: with expiry and the control's status.

The baseline roles validate both lists strictly before touching a host (validate_inputs); the report reads them
leniently instead, because it must still describe a host whose inventory was rejected. An entry that does not
parse is listed with state `invalid`. States are computed for the run's date, the way the modules decide them:
an exception is active through its `expires` day, an attestation through `date + valid_days`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from .._catalog import Catalog
from ..areas._attestations import DEFAULT_VALID_DAYS, MAX_VALID_DAYS
from ._values import text


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(text(value).strip())
    except ValueError:
        return None


def _entries(raw: Any) -> list[Mapping[str, Any]]:
    if not isinstance(raw, Sequence) or isinstance(raw, str | bytes):
        return []
    return [entry for entry in raw if isinstance(entry, Mapping)]


def _statuses(controls: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """The first record per control id (a host in both baselines has a control twice with the same decision)."""
    found: dict[str, Mapping[str, Any]] = {}
    for control in controls:
        found.setdefault(control["id"], control)
    return found


def _title(control_id: str, catalog: Catalog) -> str:
    return catalog.get(control_id).title if control_id in catalog else ""


def exception_entries(
    raw: Any, controls: Sequence[Mapping[str, Any]], catalog: Catalog, today: dt.date
) -> list[dict[str, Any]]:
    """Each exception with its state (active, expired, invalid) and the status its control got on the host.

    `failing` is the control's own verdict when it was evaluated (an expired exception makes it `fail`), else
    whether the exception has expired.
    """
    records = _statuses(controls)
    entries = []
    for entry in _entries(raw):
        control_id = text(entry.get("id")).strip()
        expires = _date(entry.get("expires"))
        state = "invalid" if expires is None or not control_id else ("active" if today <= expires else "expired")
        record = records.get(control_id)
        entries.append(
            {
                "id": control_id,
                "title": _title(control_id, catalog),
                "reason": text(entry.get("reason")),
                "approver": text(entry.get("approver")),
                "expires": expires.isoformat() if expires else text(entry.get("expires")),
                "state": state,
                "control_status": record["status"] if record else None,
                "failing": bool(record["failing"]) if record else state == "expired",
            }
        )
    return sorted(entries, key=lambda item: (item["id"], item["expires"]))


def attestation_entries(
    raw: Any, controls: Sequence[Mapping[str, Any]], catalog: Catalog, today: dt.date
) -> list[dict[str, Any]]:
    """The newest attestation per control (as the module keeps it), with who, when, until when and its state."""
    records = _statuses(controls)
    newest: dict[str, dict[str, Any]] = {}
    invalid: list[dict[str, Any]] = []
    for entry in _entries(raw):
        control_id = text(entry.get("id")).strip()
        attested_on = _date(entry.get("date"))
        valid_days = _valid_days(entry.get("valid_days"))
        item: dict[str, Any] = {
            "id": control_id,
            "title": _title(control_id, catalog),
            "attested_by": text(entry.get("attested_by")),
            "date": attested_on.isoformat() if attested_on else text(entry.get("date")),
            "evidence": text(entry.get("evidence")),
            "valid_days": valid_days,
            "valid_until": None,
            "state": "invalid",
        }
        try:
            valid_until = attested_on + dt.timedelta(days=valid_days) if attested_on and valid_days else None
        except OverflowError:  # a date near the year 9999 plus its validity
            valid_until = None
        if valid_until is None or not control_id:
            invalid.append(item)
            continue
        item["valid_until"] = valid_until.isoformat()
        item["state"] = "current" if today <= valid_until else "expired"
        current = newest.get(control_id)
        if current is None or item["date"] >= current["date"]:
            newest[control_id] = item
    entries = list(newest.values()) + invalid
    for item in entries:
        record = records.get(item["id"])
        item["control_status"] = record["status"] if record else None
        item["failing"] = bool(record["failing"]) if record else item["state"] != "current"
    return sorted(entries, key=lambda item: (item["id"], item["date"]))


def _valid_days(value: Any) -> int | None:
    if value is None:
        return DEFAULT_VALID_DAYS
    if isinstance(value, bool):
        return None
    try:
        days = int(text(value))
    except ValueError:
        return None
    return days if 1 <= days <= MAX_VALID_DAYS else None
