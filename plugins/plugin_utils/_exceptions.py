"""Control exceptions (waivers) from inventory: a control id, a reason, an approver, an expiry date and a scope.

An active exception makes its control `excepted` and stops enforcement; an expired one no longer shields the
control: it is reported as failing (with the date) until the waiver is renewed or removed.

Scope: an entry without `hosts` or `groups` covers every host that receives it. `hosts` (inventory host names or
fnmatch patterns) and `groups` (inventory group names) narrow it: the entry covers a host that matches any of
them. When several entries for one control cover a host, the most specific wins (a `hosts` entry beats a `groups`
entry beats an unscoped one); two equally specific entries for one control are an error, since which of two
approvals applies would otherwise be a guess.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._suggest import control_id_hint

REQUIRED_FIELDS = ("id", "reason", "approver", "expires")
SCOPE_FIELDS = ("hosts", "groups")
# A waiver is a decision to revisit: none may run longer than this unless the inventory says otherwise.
DEFAULT_MAX_DAYS = 365


class InvalidExceptionError(ValueError):
    """An exception entry is malformed; the message names the variable, the entry and the field."""


@dataclass(frozen=True)
class HostIdentity:
    """Who the host is in inventory, for scoped entries: its inventory name and its groups."""

    name: str
    groups: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ControlException:
    control_id: str
    reason: str
    approver: str
    expires: dt.date
    hosts: tuple[str, ...] = field(default=())
    groups: tuple[str, ...] = field(default=())

    def is_active(self, today: dt.date) -> bool:
        return today <= self.expires

    def describe(self) -> str:
        return f"excepted until {self.expires.isoformat()} (approved by {self.approver}): {self.reason}"

    @property
    def specificity(self) -> int:
        """2 for a host-scoped entry, 1 for a group-scoped one, 0 for one without scope."""
        return 2 if self.hosts else 1 if self.groups else 0

    def covers(self, host: HostIdentity | None) -> bool:
        return scope_covers(self.hosts, self.groups, host)

    def to_entry(self) -> dict[str, str]:
        """The entry as the control modules take it, without its scope (already applied)."""
        return {
            "id": self.control_id,
            "reason": self.reason,
            "approver": self.approver,
            "expires": self.expires.isoformat(),
        }


def scope_covers(hosts: Sequence[str], groups: Sequence[str], host: HostIdentity | None) -> bool:
    """Whether an entry with this scope applies to host; an unknown host (None) gets only unscoped entries."""
    if not hosts and not groups:
        return True
    if host is None:
        return False
    if any(fnmatch.fnmatchcase(host.name, pattern) for pattern in hosts):
        return True
    return bool(host.groups & set(groups))


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


def parse_scope(entry: Mapping[str, Any], name: str, where: str) -> tuple[str, ...]:
    value = entry.get(name)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Sequence) or not value or not all(isinstance(item, str) and item for item in value):
        raise InvalidExceptionError(f"{where}.{name}: expected a non-empty list of names")
    return tuple(item.strip() for item in value)


def parse_exception(
    entry: Any,
    known_ids: Collection[str],
    where: str,
    *,
    today: dt.date | None = None,
    max_days: int | None = None,
) -> ControlException:
    """One inventory entry; every problem raises InvalidExceptionError naming `where` and the field.

    With max_days (and today), an expiry further away than that is refused: a waiver "until 2099" is none.
    """
    if not isinstance(entry, Mapping):
        raise InvalidExceptionError(f"{where}: expected a mapping with {', '.join(REQUIRED_FIELDS)}")
    unknown = sorted(str(name) for name in set(entry) - set(REQUIRED_FIELDS) - set(SCOPE_FIELDS))
    if unknown:
        raise InvalidExceptionError(f"{where}: unknown field(s) {', '.join(unknown)}")
    for required in REQUIRED_FIELDS:
        value = entry.get(required)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise InvalidExceptionError(f"{where}.{required}: is required")
    control_id = str(entry["id"]).strip()
    if control_id not in known_ids:
        hint = control_id_hint(control_id, known_ids)
        raise InvalidExceptionError(f"{where}.id: {control_id!r} is not a control id of the catalog{hint}")
    expires = _parse_date(entry["expires"], where)
    if max_days is not None and today is not None and expires > today + dt.timedelta(days=max_days):
        raise InvalidExceptionError(
            f"{where}.expires: {expires.isoformat()} is more than {max_days} days away (the longest a waiver may "
            f"run; latest allowed today is {(today + dt.timedelta(days=max_days)).isoformat()})"
        )
    return ControlException(
        control_id=control_id,
        reason=str(entry["reason"]).strip(),
        approver=str(entry["approver"]).strip(),
        expires=expires,
        hosts=parse_scope(entry, "hosts", where),
        groups=parse_scope(entry, "groups", where),
    )


def select_for_host(
    candidates: Sequence[tuple[str, ControlException]], host: HostIdentity | None
) -> tuple[dict[str, ControlException], list[str]]:
    """The exceptions that cover host, one per control (the most specific), and an error per ambiguous pair.

    candidates are (where, exception) in inventory order, where naming the entry for the error message.
    """
    chosen: dict[str, tuple[str, ControlException]] = {}
    errors: list[str] = []
    for where, exception in candidates:
        if not exception.covers(host):
            continue
        current = chosen.get(exception.control_id)
        if current is None or exception.specificity > current[1].specificity:
            chosen[exception.control_id] = (where, exception)
        elif exception.specificity == current[1].specificity:
            errors.append(
                f"{where}.id: a second exception for {exception.control_id} as specific as {current[0]} covers "
                "this host (narrow one of them with hosts: or groups:)"
            )
    return {control_id: exception for control_id, (_where, exception) in chosen.items()}, errors


def parse_exceptions(
    raw: Sequence[Any] | None,
    known_ids: Collection[str],
    variable: str = "exceptions",
    *,
    host: HostIdentity | None = None,
) -> dict[str, ControlException]:
    """Validate the list and index the entries that cover host by control id (the control modules' option).

    Every problem of every entry is collected; InvalidExceptionError carries them all, one per line.
    """
    if raw is None:
        return {}
    if not isinstance(raw, Sequence) or isinstance(raw, str | bytes):
        raise InvalidExceptionError(f"{variable}: expected a list of exceptions, got {type(raw).__name__}")
    candidates: list[tuple[str, ControlException]] = []
    errors: list[str] = []
    for index, entry in enumerate(raw):
        where = f"{variable}[{index}]"
        try:
            candidates.append((where, parse_exception(entry, known_ids, where)))
        except InvalidExceptionError as exc:
            errors.append(str(exc))
    selected, ambiguous = select_for_host(candidates, host)
    errors += ambiguous
    if errors:
        raise InvalidExceptionError("; ".join(errors))
    return selected
