"""Account policy area (PWD-01..06): password complexity, length, age, history, lockout, no reversible encryption.

All six live in the local security policy's [System Access] section, read with secedit /export and written with
secedit /configure (secpol.* ops). Thresholds are "at least" values: a host that is stricter than the option passes
and keeps its value. On a domain member the domain's Group Policy writes these settings over the local ones at
every refresh, so the module reports there but never changes them locally.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from .._findings import Change, Finding
from ..agent._transport import OpResult
from ._area import Area, InvalidOptionError, decides

# secedit writes -1 for "never expires" (maximum password age) and "until an administrator unlocks" (duration).
NEVER = -1
# Windows' own limits, which secedit enforces.
MAX_PASSWORD_HISTORY = 24
MAX_PASSWORD_LENGTH = 128
LEGACY_MAX_PASSWORD_LENGTH = 14
MAX_PASSWORD_AGE = 999
MAX_LOCKOUT_COUNT = 999
MAX_LOCKOUT_MINUTES = 99999
LOCKOUT_KEYS = ("LockoutBadCount", "LockoutDuration", "ResetLockoutCount")

OPTIONS: dict[str, dict[str, Any]] = {
    "minimum_password_length": {"type": "int", "default": 14},
    "maximum_password_age_days": {"type": "int", "default": 365},
    "password_history_size": {"type": "int", "default": 24},
    "lockout_threshold": {"type": "int", "default": 10},
    "lockout_duration_minutes": {"type": "int", "default": 15},
    "lockout_reset_minutes": {"type": "int", "default": 15},
}

_RANGES = {
    "minimum_password_length": (1, MAX_PASSWORD_LENGTH),
    "maximum_password_age_days": (1, MAX_PASSWORD_AGE),
    "password_history_size": (1, MAX_PASSWORD_HISTORY),
    "lockout_threshold": (1, MAX_LOCKOUT_COUNT),
    "lockout_duration_minutes": (1, MAX_LOCKOUT_MINUTES),
    "lockout_reset_minutes": (1, MAX_LOCKOUT_MINUTES),
}


def _configure(values: Mapping[str, int]) -> dict[str, Any]:
    return {"op": "secpol.configure", "system_access": dict(values)}


def _read_key(name: str):
    return lambda value: value["system_access"].get(name)


def _read_keys(names: tuple[str, ...]):
    return lambda value: {name: value["system_access"].get(name) for name in names}


def _as_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class AccountPolicyArea(Area):
    module: ClassVar[str] = "win_account_policy"
    options: ClassVar[dict[str, dict[str, Any]]] = OPTIONS
    #: The domain of a domain member (set by evaluate); its Group Policy owns these settings, so none is changed.
    _domain: str | None = None

    def validate(self) -> None:
        for name, (low, high) in _RANGES.items():
            if not low <= self.params[name] <= high:
                raise InvalidOptionError(f"{name}: must be between {low} and {high}, got {self.params[name]}")
        if self.params["lockout_reset_minutes"] > self.params["lockout_duration_minutes"]:
            raise InvalidOptionError(
                "lockout_reset_minutes: must not exceed lockout_duration_minutes (Windows refuses a reset window "
                "longer than the lockout duration)"
            )

    def probe_ops(self) -> dict[str, dict[str, Any]]:
        return {"secpol": {"op": "secpol.export"}, "system": {"op": "system.info"}}

    def evaluate(self, results: Mapping[str, OpResult]) -> list[Finding]:
        secpol = results["secpol"]
        if not secpol.ok:
            message = f"could not export the security policy: {secpol.describe_error()}"
            return [Finding.error(control_id, message) for control_id in _CONTROL_IDS]
        access: Mapping[str, Any] = secpol.value["system_access"]
        self._domain = _domain_of(results.get("system"))
        return [
            self._exact("PWD-01", access, "PasswordComplexity", 1, "password complexity"),
            self._minimum_length(access),
            self._maximum_age(access),
            self._history(access),
            self._lockout(access),
            self._exact("PWD-06", access, "ClearTextPassword", 0, "reversible password encryption"),
        ]

    # -------------------------------------------------------------------------------------------- helpers

    def _finding(
        self,
        control_id: str,
        *,
        expected: Any,
        actual: Any,
        compliant: bool,
        change: Change,
        message: str,
    ) -> Finding:
        changes: tuple[Change, ...] = (change,)
        if self._domain is not None:
            changes = ()
            message += (
                f"; the host is a member of the domain {self._domain}, whose Group Policy sets the account policy and "
                "overwrites local changes: not changed locally, fix it in the domain's GPO"
            )
        return Finding.compare(
            control_id, expected=expected, actual=actual, compliant=compliant, changes=changes, message=message
        )

    def _single(self, name: str, before: Any, after: int) -> Change:
        return Change(setting=name, before=before, after=after, op=_configure({name: after}), read_back=_read_key(name))

    # -------------------------------------------------------------------------------------------- controls

    @decides("PWD-01", "PWD-06")
    def _exact(self, control_id: str, access: Mapping[str, Any], name: str, wanted: int, what: str) -> Finding:
        actual = _as_int(access.get(name))
        state = "on" if actual == 1 else "off" if actual == 0 else "not set"
        return self._finding(
            control_id,
            expected=wanted,
            actual=actual,
            compliant=actual == wanted,
            change=self._single(name, actual, wanted),
            message=f"{name} is {actual if actual is not None else 'not set'} ({what} {state})",
        )

    def _at_least(self, control_id: str, access: Mapping[str, Any], name: str, wanted: int, note: str) -> Finding:
        actual = _as_int(access.get(name))
        return self._finding(
            control_id,
            expected=f">= {wanted}",
            actual=actual,
            compliant=actual is not None and actual >= wanted,
            change=self._single(name, actual, wanted),
            message=f"{name} is {actual}{note}",
        )

    @decides("PWD-02")
    def _minimum_length(self, access: Mapping[str, Any]) -> Finding:
        wanted = self.params["minimum_password_length"]
        note = ""
        if wanted > LEGACY_MAX_PASSWORD_LENGTH:
            note = (
                f" (more than {LEGACY_MAX_PASSWORD_LENGTH} needs the policy 'Relax minimum password length limits', "
                "which this module does not set)"
            )
        return self._at_least("PWD-02", access, "MinimumPasswordLength", wanted, note)

    @decides("PWD-03")
    def _maximum_age(self, access: Mapping[str, Any]) -> Finding:
        wanted = self.params["maximum_password_age_days"]
        actual = _as_int(access.get("MaximumPasswordAge"))
        never = actual is None or actual <= 0
        shown = "never expires" if never else f"{actual} days"
        return self._finding(
            "PWD-03",
            expected=f"1..{wanted}",
            actual=actual,
            compliant=not never and actual is not None and actual <= wanted,
            change=self._single("MaximumPasswordAge", actual, wanted),
            message=f"MaximumPasswordAge is {actual} ({shown})",
        )

    @decides("PWD-04")
    def _history(self, access: Mapping[str, Any]) -> Finding:
        wanted = self.params["password_history_size"]
        return self._at_least("PWD-04", access, "PasswordHistorySize", wanted, " (passwords remembered)")

    @decides("PWD-05")
    def _lockout(self, access: Mapping[str, Any]) -> Finding:
        threshold = self.params["lockout_threshold"]
        minimum_duration = self.params["lockout_duration_minutes"]
        minimum_reset = self.params["lockout_reset_minutes"]
        count = _as_int(access.get("LockoutBadCount")) or 0
        duration = _as_int(access.get("LockoutDuration"))
        reset = _as_int(access.get("ResetLockoutCount"))
        before = {"LockoutBadCount": count, "LockoutDuration": duration, "ResetLockoutCount": reset}

        count_ok = 1 <= count <= threshold
        # Windows ignores the durations while lockout is off (LockoutBadCount 0): they only count once it is on.
        lockout_on = count > 0
        duration_ok = lockout_on and duration is not None and (duration == NEVER or duration >= minimum_duration)
        wanted_count = count if count_ok else threshold
        wanted_duration = duration if duration_ok and duration is not None else minimum_duration
        reset_ok = (
            lockout_on
            and reset is not None
            and reset >= minimum_reset
            and (wanted_duration == NEVER or reset <= wanted_duration)
        )
        wanted_reset = reset if reset_ok and reset is not None else minimum_reset
        after = {"LockoutBadCount": wanted_count, "LockoutDuration": wanted_duration, "ResetLockoutCount": wanted_reset}

        problems = []
        if not lockout_on:
            problems.append("lockout is off")
        else:
            if not count_ok:
                problems.append(f"{count} bad attempts allowed (more than {threshold})")
            if not duration_ok:
                problems.append(f"lockout lasts {duration} minutes (less than {minimum_duration})")
            if not reset_ok:
                why = (
                    f"less than {minimum_reset}"
                    if reset is None or reset < minimum_reset
                    else "longer than the lockout"
                )
                problems.append(f"the bad-attempt counter resets after {reset} minutes ({why})")
        summary = ", ".join(f"{name} {value if value is not None else 'not set'}" for name, value in before.items())
        message = summary + (f": {'; '.join(problems)}" if problems else "")
        change = Change(
            setting=", ".join(LOCKOUT_KEYS),
            before=before,
            after=after,
            # One template with all three: Windows checks them together (the durations need a non-zero count, the
            # reset window may not exceed the duration), so writing them one by one could be refused midway.
            op=_configure(after),
            read_back=_read_keys(LOCKOUT_KEYS),
        )
        return self._finding(
            "PWD-05",
            expected={
                "LockoutBadCount": f"1..{threshold}",
                "LockoutDuration": f">= {minimum_duration} (or -1: until an administrator unlocks)",
                "ResetLockoutCount": f">= {minimum_reset} and <= LockoutDuration",
            },
            actual=before,
            compliant=count_ok and duration_ok and reset_ok,
            change=change,
            message=message,
        )


_CONTROL_IDS = ("PWD-01", "PWD-02", "PWD-03", "PWD-04", "PWD-05", "PWD-06")


def _domain_of(system: OpResult | None) -> str | None:
    """The domain name when the host is a domain member; None on a workgroup host or when unknown."""
    if system is None or not system.ok or not system.value.get("part_of_domain"):
        return None
    return str(system.value.get("domain") or "(unknown)")
