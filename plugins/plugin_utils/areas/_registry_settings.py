"""Registry-backed settings as data: where a value lives, what it must hold, and how an absent value counts.

Many controls are one or a few registry values (security options, the Windows Update policy, the Group Policy twins
of power and event log settings). Each is described once as a RegistrySetting; this module turns the description
into the registry.get probe op, compares the probe result with it, and builds the Change that fixes a drift
(registry.set with read-back, or registry.remove for a value that must not exist). Areas then stay tables of
settings plus the few rules that are really theirs.

    setting = RegistrySetting(SMB_KEY, "SMB1", wanted=0, default=1, default_label="on when the feature is installed")
    op = setting.probe_op()                            # {"op": "registry.get", ...}
    reading = setting.read(result.value)               # after the probe
    reading.compliant, reading.describe(), reading.change()

Secret values (a stored clear-text password) are never shown: their reading reports only whether they exist, in
`actual`, in messages and in the Change's before/after, so a result, a message or a diff cannot leak them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .._findings import Change, Finding
from ..agent._transport import OpResult

#: How the protocol names registry value kinds (RegistryValueKind), for registry.set's "type".
VALUE_KINDS = ("String", "ExpandString", "MultiString", "DWord", "QWord", "Binary")

#: What secret values are shown as, instead of their data.
PRESENT = "present"
ABSENT_TEXT = "absent"


class _Absent:
    """The `wanted` of a value that must not exist (a stored password): the fix deletes it."""

    def __repr__(self) -> str:
        return "ABSENT"


#: Use as RegistrySetting.wanted when the value must not exist.
ABSENT: Any = _Absent()


class Missing(StrEnum):
    """How a value that does not exist counts, for settings whose wanted data is not ABSENT."""

    #: The value must be set explicitly: its absence is drift even when Windows' default would comply (the
    #: baselines set these values so that the state does not depend on the release or on an unset policy).
    DRIFT = "drift"
    #: An absent value behaves as RegistrySetting.default and is judged as if it held that data.
    DEFAULT = "default"
    #: An absent value is fine: an optional Group Policy twin that, when absent, leaves another source in charge.
    COMPLIANT = "compliant"


@dataclass(frozen=True)
class RegistrySetting:
    """One registry value a control reads and, when it drifts, writes.

    `wanted` is the data the fix writes (ABSENT: the value must not exist and the fix deletes it). `accepts`
    decides which data complies; without it only `wanted` does. A value of another kind than `kind` never
    complies (Windows reads these values with a fixed kind). `default` is what Windows does when the value is
    absent: shown in messages and in `actual`, and judged when `missing` is Missing.DEFAULT.
    """

    path: str
    name: str
    wanted: Any
    kind: str = "DWord"
    accepts: Callable[[Any], bool] | None = None
    missing: Missing = Missing.DRIFT
    default: Any = None
    #: How to show `default` in messages ("on"); None shows the default's data.
    default_label: str | None = None
    #: Name in messages, control records and diffs; None uses `name`.
    label: str | None = None
    #: The data is never shown, only whether the value exists.
    secret: bool = False
    #: What the control record shows as expected; None derives it from `wanted`.
    expected: Any = None

    def __post_init__(self) -> None:
        if self.kind not in VALUE_KINDS:
            raise ValueError(f"{self.name}: kind {self.kind!r} is not one of {', '.join(VALUE_KINDS)}")
        if self.missing is Missing.DEFAULT and self.default is None:
            raise ValueError(f"{self.name}: Missing.DEFAULT needs the Windows default")

    @property
    def key(self) -> str:
        """A probe key unique to this value (paths and names are case-insensitive in Windows)."""
        return f"registry:{self.path}\\{self.name}".lower()

    @property
    def display_name(self) -> str:
        return self.label or self.name

    @property
    def must_be_absent(self) -> bool:
        return self.wanted is ABSENT

    @property
    def expected_value(self) -> Any:
        """The compliant state as a control record shows it."""
        if self.expected is not None:
            return self.expected
        return ABSENT_TEXT if self.must_be_absent else self.wanted

    def complies(self, data: Any) -> bool:
        """Whether data of the right kind is compliant."""
        if self.must_be_absent:
            return False
        return self.accepts(data) if self.accepts is not None else data == self.wanted

    def probe_op(self) -> dict[str, Any]:
        """The read-only op that reads this value (a missing key or value is data, not an error). A secret's
        data stays on the host: only its existence comes back."""
        op = get_op(self.path, self.name)
        if self.secret:
            op["data"] = False
        return op

    def read(self, value: Mapping[str, Any]) -> RegistryReading:
        """The setting as found, from a registry.get (or registry.set) result value."""
        exists = bool(value.get("exists"))
        return RegistryReading(
            setting=self,
            exists=exists,
            kind=value.get("type") if exists else None,
            # A secret's data is dropped here, so nothing built from the reading can carry it.
            data=value.get("data") if exists and not self.secret else None,
        )


@dataclass(frozen=True)
class RegistryReading:
    """A RegistrySetting as found on the host."""

    setting: RegistrySetting
    exists: bool
    kind: str | None = None
    data: Any = None

    @property
    def wrong_kind(self) -> bool:
        return self.exists and not self.setting.secret and self.kind != self.setting.kind

    @property
    def effective(self) -> Any:
        """The data Windows acts on: the value's data, or the Windows default when it is absent (None if unknown)."""
        return self.data if self.exists else self.setting.default

    @property
    def compliant(self) -> bool:
        setting = self.setting
        if setting.must_be_absent:
            return not self.exists
        if not self.exists:
            if setting.missing is Missing.COMPLIANT:
                return True
            return setting.missing is Missing.DEFAULT and setting.complies(setting.default)
        return not self.wrong_kind and setting.complies(self.data)

    @property
    def actual(self) -> Any:
        """The found state as a control record shows it (never a secret's data)."""
        if self.setting.secret or self.setting.must_be_absent:
            return PRESENT if self.exists else ABSENT_TEXT
        return self.effective

    def describe(self) -> str:
        """One clause for messages, e.g. "SMB1 is not set (Windows default: 1)"."""
        setting = self.setting
        name = setting.display_name
        if setting.secret:
            return f"{name} is present (its data is not shown)" if self.exists else f"{name} is absent"
        if not self.exists:
            if setting.must_be_absent:
                return f"{name} is absent"
            if setting.default is None:
                return f"{name} is not set"
            shown = setting.default_label if setting.default_label is not None else _show(setting.default)
            return f"{name} is not set (Windows default: {shown})"
        if self.wrong_kind:
            return f"{name} is {_show(self.data)} as {self.kind}, not {setting.kind}"
        return f"{name} is {_show(self.data)}"

    def change(self) -> Change | None:
        """The Change that makes this setting compliant, or None when it already is."""
        if self.compliant:
            return None
        setting = self.setting
        if setting.must_be_absent:
            return Change(
                setting=setting.display_name,
                before=self.actual,
                after=ABSENT_TEXT,
                op=remove_op(setting.path, setting.name),
                read_back=removed_read_back,
            )
        return Change(
            setting=setting.display_name,
            before=PRESENT if setting.secret and self.exists else self.data,
            after=setting.wanted,
            op=set_op(setting.path, setting.name, setting.kind, setting.wanted),
            read_back=data_read_back(setting.kind),
        )


def _show(data: Any) -> str:
    # Strings are quoted so that REG_SZ "0" reads differently from DWORD 0.
    return repr(data) if isinstance(data, str) else str(data)


def get_op(path: str, name: str) -> dict[str, Any]:
    """registry.get of one value."""
    return {"op": "registry.get", "path": path, "name": name}


def set_op(path: str, name: str, kind: str, data: Any) -> dict[str, Any]:
    """registry.set of one value (the agent creates the key path and returns the value read back)."""
    return {"op": "registry.set", "path": path, "name": name, "type": kind, "data": data}


def remove_op(path: str, name: str) -> dict[str, Any]:
    """registry.remove of one value (never a key; removing a missing value succeeds)."""
    return {"op": "registry.remove", "path": path, "name": name}


def data_read_back(kind: str) -> Callable[[Any], Any]:
    """Read-back for registry.set: the data when the value exists with `kind`; None when it is absent; the kind
    and data otherwise, which never equals the data the Change wanted."""

    def read_back(value: Any) -> Any:
        if not value["exists"]:
            return None
        if value["type"] != kind:
            return {"type": value["type"], "data": value["data"]}
        return value["data"]

    return read_back


def removed_read_back(value: Any) -> str:
    """Read-back for registry.remove: "absent" once the value is gone."""
    return PRESENT if value["exists"] else ABSENT_TEXT


def probe_ops(settings: Sequence[RegistrySetting]) -> dict[str, dict[str, Any]]:
    """The registry.get ops for several settings, keyed by RegistrySetting.key."""
    return {setting.key: setting.probe_op() for setting in settings}


def read_all(
    settings: Sequence[RegistrySetting], results: Mapping[str, OpResult]
) -> tuple[list[RegistryReading], str | None]:
    """Readings of the settings from probe results keyed by RegistrySetting.key, or ([], why) when one could not
    be read (the message names the value and the agent's error)."""
    readings = []
    for setting in settings:
        result = results[setting.key]
        if not result.ok:
            return [], f"could not read {setting.path}\\{setting.name}: {result.describe_error()}"
        readings.append(setting.read(result.value))
    return readings, None


def _by_name(readings: Sequence[RegistryReading], attribute: Callable[[RegistryReading], Any]) -> Any:
    if len(readings) == 1:
        return attribute(readings[0])
    return {reading.setting.display_name: attribute(reading) for reading in readings}


def compare_settings(
    control_id: str,
    settings: Sequence[RegistrySetting],
    results: Mapping[str, OpResult],
    *,
    note: str = "",
    reboot_required: bool = False,
) -> Finding:
    """The finding of a control made of registry values only: compliant when every value is, fixed by one Change
    per drifted value. `expected` and `actual` are the value itself for one setting, {name: value} for several;
    the message lists each value's state, then `note`."""
    if len(settings) == 1:
        expected = settings[0].expected_value
    else:
        expected = {setting.display_name: setting.expected_value for setting in settings}
    readings, problem = read_all(settings, results)
    if problem is not None:
        return Finding.error(control_id, problem, expected)
    changes = tuple(change for reading in readings if (change := reading.change()) is not None)
    message = "; ".join(reading.describe() for reading in readings)
    compliant = all(reading.compliant for reading in readings)
    if note and not compliant:
        message = f"{message}; {note}"
    return Finding.compare(
        control_id,
        expected=expected,
        actual=_by_name(readings, lambda r: r.actual),
        compliant=compliant,
        changes=changes,
        message=message,
        reboot_required=reboot_required and not compliant,
    )


@dataclass(frozen=True)
class RegistryControl:
    """A control made of registry values only, as one row of an area's settings table."""

    control_id: str
    settings: tuple[RegistrySetting, ...]
    #: Added to the message of a drifted finding (e.g. what the fix needs to take effect).
    note: str = ""
    reboot_required: bool = False

    def probe_ops(self) -> dict[str, dict[str, Any]]:
        return probe_ops(self.settings)

    def evaluate(self, results: Mapping[str, OpResult]) -> Finding:
        return compare_settings(
            self.control_id, self.settings, results, note=self.note, reboot_required=self.reboot_required
        )
