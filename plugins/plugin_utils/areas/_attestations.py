"""Manual controls (MAN-01..MAN-11, win_attestations): what cannot be read from Windows is attested in inventory.

An attestation is {id, attested_by, date, evidence, valid_days (default 365)}. A current one makes its control
manual_attested (who and when in the message); none, or an expired one, manual_missing. Where the host facts
gathered by win_host_facts hold automated evidence (Secure Boot for MAN-06, MDM enrolment for MAN-10, the last
Windows Server Backup for MAN-09) it is shown in the record, but evidence never stands in for an attestation.

Everything is decided on the controller: with host facts already known the module needs no round trip at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from .._catalog import ATTESTATION_MODULE, Catalog, load_catalog
from .._findings import Finding
from .._whole_number import whole_number
from ..agent._transport import OpResult
from ._area import Connection, DatedArea, InvalidOptionError, decides

DEFAULT_VALID_DAYS = 365
#: Longest validity an attestation may claim (ten years): a larger one is a typo, and past about 2.9 million days the
#: date it ends on does not exist (Python's dates end in year 9999).
MAX_VALID_DAYS = 3660
REQUIRED_FIELDS = ("id", "attested_by", "date", "evidence")
OPTIONAL_FIELDS = ("valid_days",)
NOT_COLLECTED = "not collected: run onepacs.baseline.win_host_facts earlier in the play"

OPTIONS: dict[str, dict[str, Any]] = {
    "attestations": {"type": "list", "elements": "dict", "default": []},
    # Filled from ansible_facts.onepacs_host by the action plugin when not given.
    "host_facts": {"type": "dict"},
}


@dataclass(frozen=True)
class Attestation:
    control_id: str
    attested_by: str
    date: dt.date
    evidence: str
    valid_days: int

    @property
    def valid_until(self) -> dt.date:
        return self.date + dt.timedelta(days=self.valid_days)

    def is_current(self, today: dt.date) -> bool:
        return today <= self.valid_until

    def to_dict(self) -> dict[str, Any]:
        return {
            "attested_by": self.attested_by,
            "date": self.date.isoformat(),
            "valid_until": self.valid_until.isoformat(),
            "evidence": self.evidence,
        }


def _text_field(entry: Mapping[str, Any], field: str, where: str) -> str:
    value = entry.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidOptionError(f"{where}.{field}: is required")
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise InvalidOptionError(f"{where}.{field}: must be text, got {type(value).__name__}")
    return str(value).strip()


def _date_field(value: Any, where: str, today: dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        parsed = value.date()
    elif isinstance(value, dt.date):
        parsed = value
    else:
        try:
            parsed = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise InvalidOptionError(f"{where}.date: {value!r} is not a date in YYYY-MM-DD form") from None
    if parsed > today:
        raise InvalidOptionError(f"{where}.date: {parsed.isoformat()} is in the future (today is {today.isoformat()})")
    return parsed


def _valid_days(value: Any, where: str) -> int:
    if value is None:
        return DEFAULT_VALID_DAYS
    days = whole_number(value)
    if days is None:
        raise InvalidOptionError(f"{where}.valid_days: must be a whole number of days, got {value!r}")
    if days < 1:
        raise InvalidOptionError(f"{where}.valid_days: must be at least 1, got {days}")
    if days > MAX_VALID_DAYS:
        raise InvalidOptionError(f"{where}.valid_days: must be at most {MAX_VALID_DAYS} (ten years), got {days}")
    return days


def parse_attestation(
    entry: Any, catalog: Catalog, today: dt.date, where: str, *, control_ids: Collection[str] | None = None
) -> Attestation:
    """One inventory entry as an Attestation; InvalidOptionError names `where` and the field. Only manual controls
    take attestations, unless `control_ids` names the controls the caller attests instead."""
    if not isinstance(entry, Mapping):
        raise InvalidOptionError(f"{where}: expected a mapping with {', '.join(REQUIRED_FIELDS)}")
    unknown = sorted(set(entry) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS))
    if unknown:
        raise InvalidOptionError(f"{where}: unknown field(s) {', '.join(map(str, unknown))}")
    control_id = _text_field(entry, "id", where)
    if control_id not in catalog:
        raise InvalidOptionError(f"{where}.id: {control_id!r} is not a control id of the catalog")
    control = catalog.get(control_id)
    if control_ids is not None:
        if control_id not in control_ids:
            raise InvalidOptionError(f"{where}.id: {control_id} cannot be attested here (use {', '.join(control_ids)})")
    elif control.kind != "manual":
        raise InvalidOptionError(
            f"{where}.id: {control_id} is not a manual control (kind {control.kind}); only manual controls "
            "take attestations (use exceptions to waive other controls)"
        )
    if entry.get("date") in (None, ""):
        raise InvalidOptionError(f"{where}.date: is required")
    return Attestation(
        control_id=control_id,
        attested_by=_text_field(entry, "attested_by", where),
        date=_date_field(entry["date"], where, today),
        evidence=_text_field(entry, "evidence", where),
        valid_days=_valid_days(entry.get("valid_days"), where),
    )


def newest_per_control(attestations: Sequence[Attestation]) -> dict[str, Attestation]:
    """The newest attestation of each control (a later entry wins a tie)."""
    newest: dict[str, Attestation] = {}
    for attestation in attestations:
        current = newest.get(attestation.control_id)
        if current is None or attestation.date >= current.date:
            newest[attestation.control_id] = attestation
    return newest


def parse_attestations(
    raw: Sequence[Any],
    catalog: Catalog,
    today: dt.date,
    variable: str = "attestations",
    *,
    control_ids: Collection[str] | None = None,
) -> dict[str, Attestation]:
    """Validate the inventory list and keep the newest attestation per control.

    Only manual controls take attestations, unless `control_ids` names the controls a caller attests instead
    (win_defender: the antivirus controls a third-party product makes manual). Every problem raises
    InvalidOptionError naming `<variable>[index].field`, before any host is touched.
    """
    return newest_per_control(
        [
            parse_attestation(entry, catalog, today, f"{variable}[{index}]", control_ids=control_ids)
            for index, entry in enumerate(raw)
        ]
    )


# ------------------------------------------------------------------------------------------------ host evidence


def _secure_boot_evidence(facts: Mapping[str, Any]) -> tuple[Any, str]:
    secure_boot = facts.get("secure_boot")
    firmware = facts.get("firmware_type")
    if firmware == "BIOS":
        return {"firmware_type": "BIOS", "secure_boot": None}, "legacy BIOS firmware: no Secure Boot"
    if secure_boot is None:
        return None, "Secure Boot state unknown (the host did not report it)"
    state = "on" if secure_boot else "off"
    return {"firmware_type": firmware, "secure_boot": secure_boot}, f"Secure Boot is {state} (UEFI)"


def _mdm_evidence(facts: Mapping[str, Any]) -> tuple[Any, str]:
    enrolled = facts.get("mdm_enrolled")
    if enrolled is None:
        return None, "MDM enrolment unknown (the host did not report it)"
    return {"mdm_enrolled": enrolled}, "enrolled in an MDM" if enrolled else "not enrolled in any MDM"


def _backup_evidence(facts: Mapping[str, Any]) -> tuple[Any, str]:
    backup = facts.get("backup")
    if not backup:
        return None, "Windows Server Backup state unknown (the host did not report it)"
    if not backup.get("installed"):
        return {"windows_server_backup": False}, "Windows Server Backup is not installed (another product may back up)"
    last = backup.get("last_success")
    evidence = {"windows_server_backup": True, "last_success": last, "last_result_hr": backup.get("last_result_hr")}
    if not last:
        return evidence, "Windows Server Backup has no successful backup"
    return evidence, f"last successful Windows Server Backup {last}"


EVIDENCE = {"MAN-06": _secure_boot_evidence, "MAN-09": _backup_evidence, "MAN-10": _mdm_evidence}


class AttestationsArea(DatedArea):
    module: ClassVar[str] = ATTESTATION_MODULE
    options: ClassVar[dict[str, dict[str, Any]]] = OPTIONS

    def __init__(
        self, params: Mapping[str, Any], connection: Connection | None = None, *, today: dt.date | None = None
    ) -> None:
        self.catalog = load_catalog()
        super().__init__(params, connection, today=today)

    def validate(self) -> None:
        self.attestations = parse_attestations(self.params["attestations"] or [], self.catalog, self.today)
        facts = self.params.get("host_facts")
        if facts is not None and not isinstance(facts, Mapping):
            raise InvalidOptionError("host_facts: expected ansible_facts.onepacs_host from win_host_facts")

    def probe_ops(self) -> dict[str, dict[str, Any]]:
        # Attestations live in inventory and evidence in the host facts: nothing to ask the host. The run loop
        # still adds system.info itself when a physical-only control is in scope and no host facts are known.
        return {}

    def evaluate(self, results: Mapping[str, OpResult]) -> list[Finding]:
        return [self._finding(control.id, control.expected) for control in self.catalog.for_module(self.module)]

    @decides(
        "MAN-01",
        "MAN-02",
        "MAN-03",
        "MAN-04",
        "MAN-05",
        "MAN-06",
        "MAN-07",
        "MAN-08",
        "MAN-09",
        "MAN-10",
        "MAN-11",
    )
    def _finding(self, control_id: str, expected: str) -> Finding:
        attestation = self.attestations.get(control_id)
        evidence, evidence_text = self._evidence(control_id)
        actual: dict[str, Any] = {"attestation": attestation.to_dict() if attestation else None}
        if evidence_text:
            actual["host_evidence"] = evidence
        notes = f"; host evidence: {evidence_text}" if evidence_text else ""
        if attestation is None:
            message = f"no attestation in inventory (attestations){notes}"
            return Finding.manual(control_id, attested=False, expected=expected, actual=actual, message=message)
        who = f"attested by {attestation.attested_by} on {attestation.date.isoformat()}"
        if attestation.is_current(self.today):
            message = f"{who}, valid until {attestation.valid_until.isoformat()}: {attestation.evidence}{notes}"
            return Finding.manual(control_id, attested=True, expected=expected, actual=actual, message=message)
        message = (
            f"attestation expired: {who}, valid {attestation.valid_days} days, until "
            f"{attestation.valid_until.isoformat()}; attest again{notes}"
        )
        return Finding.manual(control_id, attested=False, expected=expected, actual=actual, message=message)

    def _evidence(self, control_id: str) -> tuple[Any, str]:
        collect = EVIDENCE.get(control_id)
        if collect is None:
            return None, ""
        facts = self.params.get("host_facts")
        if not facts:
            return None, NOT_COLLECTED
        return collect(facts)
