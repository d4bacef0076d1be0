"""Control exceptions (waivers) from inventory: a control id, a reason, an approver and an expiry date.

An active exception makes its control `excepted` and stops enforcement; an expired one no longer shields the
control: it is reported as failing (with the date) until the waiver is renewed or removed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

REQUIRED_FIELDS = ("id", "reason", "approver", "expires")


class InvalidExceptionError(ValueError):
    """An exception entry is malformed; the message names the variable, the entry and the field."""


@dataclass(frozen=True)
class ControlException:
    control_id: str
    reason: str
    approver: str
    expires: dt.date

    def is_active(self, today: dt.date) -> bool:
        return today <= self.expires

    def describe(self) -> str:
        return f"excepted until {self.expires.isoformat()} (approved by {self.approver}): {self.reason}"


def _parse_date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InvalidExceptionError(f"{where}.expires: {value!r} is not a date in YYYY-MM-DD form")


def parse_exceptions(
    raw: Sequence[Any] | None, known_ids: Collection[str], variable: str = "exceptions"
) -> dict[str, ControlException]:
    """Validate the inventory list and index it by control id.

    Every problem raises InvalidExceptionError naming `variable[index].field`, so a typo in group_vars is found
    before any host is touched.
    """
    if raw is None:
        return {}
    if not isinstance(raw, Sequence) or isinstance(raw, str | bytes):
        raise InvalidExceptionError(f"{variable}: expected a list of exceptions, got {type(raw).__name__}")
    parsed: dict[str, ControlException] = {}
    for index, entry in enumerate(raw):
        where = f"{variable}[{index}]"
        if not isinstance(entry, dict):
            raise InvalidExceptionError(f"{where}: expected a mapping with {', '.join(REQUIRED_FIELDS)}")
        unknown = sorted(set(entry) - set(REQUIRED_FIELDS))
        if unknown:
            raise InvalidExceptionError(f"{where}: unknown field(s) {', '.join(unknown)}")
        for field in REQUIRED_FIELDS:
            value = entry.get(field)
            if value is None or (isinstance(value, str) and not value.strip()):
                raise InvalidExceptionError(f"{where}.{field}: is required")
        control_id = str(entry["id"]).strip()
        if control_id not in known_ids:
            raise InvalidExceptionError(f"{where}.id: {control_id!r} is not a control id of the catalog")
        if control_id in parsed:
            raise InvalidExceptionError(f"{where}.id: a second exception for {control_id}")
        parsed[control_id] = ControlException(
            control_id=control_id,
            reason=str(entry["reason"]).strip(),
            approver=str(entry["approver"]).strip(),
            expires=_parse_date(entry["expires"], where),
        )
    return parsed
