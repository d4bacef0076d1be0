"""secpol.export / secpol.configure with secedit semantics over state["secpol"]["System Access"].

What Windows (the SAM behind secedit) checks, and the simulator with it:
- every value lies in its range (password history 0..24, minimum length 0..14, or up to 128 once
  HKLM:\\SYSTEM\\CurrentControlSet\\Control\\SAM\\RelaxMinimumPasswordLengthLimits is 1, ...);
- the minimum password age stays below the maximum age (unless passwords never expire);
- LockoutDuration and ResetLockoutCount are only accepted while LockoutBadCount is non-zero, and the reset window
  may not exceed the lockout duration (unless the duration is -1: until an administrator unlocks).
A template that breaks a rule changes nothing and secedit exits non-zero, so an implementation that writes the
lockout keys one at a time, in the wrong order, fails here as it would on Windows.

Once lockout is on, a window never set reads as Windows' 30 minutes. The export adds what secedit derives from the
accounts (EnableAdminAccount, EnableGuestAccount, NewAdministratorName, NewGuestName) and leaves LockoutDuration and
ResetLockoutCount out while LockoutBadCount is 0.

secedit also exits 0 while leaving out entries it rejects, which only scesrv.log records (the case the agent's
read-back check names). Which entries it treats so is not documented; a lab-only "secpol_lab": {"skips": [key]}
makes the lab skip those keys that way, so the agent's message can be tested.
"""

from __future__ import annotations

from typing import Any

from winlab.sim_errors import OpError, invalid_argument
from winlab.sim_op import Op
from winlab.sim_registry import registry_of

SAM_KEY = "HKLM:\\SYSTEM\\CurrentControlSet\\Control\\SAM"
RELAX_LENGTH_VALUE = "RelaxMinimumPasswordLengthLimits"
#: Exit code secedit /configure ends with when the engine rejected a setting (the template was read).
SECEDIT_FAILED = 1

#: Keys secpol.configure accepts, with the values Windows takes (inclusive).
_RANGES: dict[str, tuple[int, int]] = {
    "MinimumPasswordAge": (0, 998),
    "MaximumPasswordAge": (-1, 999),
    "MinimumPasswordLength": (0, 14),
    "PasswordComplexity": (0, 1),
    "PasswordHistorySize": (0, 24),
    "LockoutBadCount": (0, 999),
    "ResetLockoutCount": (1, 99999),
    "LockoutDuration": (-1, 99999),
    "RequireLogonToChangePassword": (0, 1),
    "ForceLogoffWhenHourExpire": (0, 1),
    "ClearTextPassword": (0, 1),
    "LSAAnonymousNameLookup": (0, 1),
}
_RELAXED_MAXIMUM_LENGTH = 128
_LOCKOUT_WINDOWS = ("LockoutDuration", "ResetLockoutCount")
#: What the SAM holds for both windows until someone sets them (the values "Account lockout threshold" suggests).
_DEFAULT_WINDOW_MINUTES = 30


def _system_access(state: dict) -> dict[str, Any]:
    return state.setdefault("secpol", {}).setdefault("System Access", {})


def _builtin(state: dict, rid: str) -> dict:
    return ((state.get("accounts") or {}).get("users") or {}).get(rid) or {}


def export_system_access(state: dict) -> dict[str, Any]:
    """The [System Access] section as `secedit /export` writes it (values parsed, quotes removed)."""
    stored = dict(_system_access(state))
    if not stored.get("LockoutBadCount"):
        for name in _LOCKOUT_WINDOWS:
            stored.pop(name, None)
    administrator, guest = _builtin(state, "500"), _builtin(state, "501")
    if administrator:
        stored["NewAdministratorName"] = administrator.get("Name", "")
        stored["EnableAdminAccount"] = int(bool(administrator.get("Enabled")))
    if guest:
        stored["NewGuestName"] = guest.get("Name", "")
        stored["EnableGuestAccount"] = int(bool(guest.get("Enabled")))
    return stored


def _relaxed_length(state: dict) -> bool:
    value = registry_of(state).value(SAM_KEY, RELAX_LENGTH_VALUE)
    return value is not None and value["type"] == "DWord" and value["data"] == 1


def _checked_template(args: dict) -> dict[str, int]:
    template = args["system_access"]
    if not template:
        raise invalid_argument("system_access", "at least one [System Access] key is needed")
    for name, value in template.items():
        if name not in _RANGES:
            raise invalid_argument("system_access", f"{name!r} is not a [System Access] key secpol.configure sets")
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid_argument("system_access", f"{name} must be an integer, got {value!r}")
    return dict(template)


def _rejections(state: dict, template: dict[str, int], merged: dict[str, Any]) -> list[str]:
    """What the security engine refuses about this template, given the policy it would produce."""
    problems = []
    for name, value in template.items():
        low, high = _RANGES[name]
        if name == "MinimumPasswordLength" and _relaxed_length(state):
            high = _RELAXED_MAXIMUM_LENGTH
        if not low <= value <= high:
            problems.append(f"{name} = {value} is outside {low}..{high}")
    maximum_age, minimum_age = merged.get("MaximumPasswordAge", -1), merged.get("MinimumPasswordAge", 0)
    if maximum_age > 0 and minimum_age >= maximum_age:
        problems.append(f"MinimumPasswordAge {minimum_age} must be less than MaximumPasswordAge {maximum_age}")
    if any(name in template for name in _LOCKOUT_WINDOWS) and not merged.get("LockoutBadCount"):
        problems.append("LockoutDuration and ResetLockoutCount need a non-zero LockoutBadCount")
    duration, reset = merged.get("LockoutDuration"), merged.get("ResetLockoutCount")
    counting = bool(merged.get("LockoutBadCount"))
    if counting and duration is not None and reset is not None and duration != -1 and reset > duration:
        problems.append(f"ResetLockoutCount {reset} may not exceed LockoutDuration {duration}")
    return problems


def secpol_export(state: dict, args: dict) -> dict:
    """secedit /export /areas SECURITYPOLICY: the [System Access] section."""
    return {"system_access": export_system_access(state)}


def secpol_configure(state: dict, args: dict) -> dict:
    """secedit /configure with a template holding exactly the given keys; all or nothing, then export again."""
    template = _checked_template(args)
    merged = {**_system_access(state), **template}
    if merged.get("LockoutBadCount"):
        for name in _LOCKOUT_WINDOWS:
            merged.setdefault(name, _DEFAULT_WINDOW_MINUTES)
    problems = _rejections(state, template, merged)
    if problems:
        raise OpError(
            "failed",
            f"secedit.exe /configure exited with code {SECEDIT_FAILED} (see %windir%\\security\\logs\\scesrv.log): "
            + "; ".join(problems),
        )
    skipped = set((state.get("secpol_lab") or {}).get("skips") or ())
    _system_access(state).update({name: value for name, value in merged.items() if name not in skipped})
    exported = export_system_access(state)
    # As Assert-OnePacsSecpolApplied in agent/secpol_write.ps1 reports entries secedit left out with exit code 0.
    missed = [
        f"{name} (wrote {value}, reads {exported.get(name, 'absent')})"
        for name, value in template.items()
        if exported.get(name) != value
    ]
    if missed:
        raise OpError(
            "failed",
            "secedit.exe /configure exited with code 0 but skipped " + ", ".join(missed) + ": secedit leaves out "
            "entries it rejects without an error (see %windir%\\security\\logs\\scesrv.log)",
        )
    return {"system_access": exported}


OPS = (
    Op("secpol.export", secpol_export),
    Op("secpol.configure", secpol_configure),
)
