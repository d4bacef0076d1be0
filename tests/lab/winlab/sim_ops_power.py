"""power.query / power.set / power.hibernate with powercfg semantics.

State (state["power"]): {"active_scheme": guid, "hibernate_supported": bool,
"schemes": {guid: {"name": str, "settings": {subgroup guid: {setting guid: {"ac": int, "dc": int}}}}}}.
Whether hibernation is on lives in the registry only (HKLM:\\SYSTEM\\CurrentControlSet\\Control\\Power,
HibernateEnabled), where powercfg /hibernate writes it and the agent reads it back.

Like the agent, which reads Win32_PowerSettingDataIndex (its InstanceID names the setting, not the subgroup),
power.query finds a setting whatever subgroup is asked; power.set then runs powercfg with the given subgroup,
which fails for a setting that lives in another subgroup.
"""

from __future__ import annotations

from typing import Any

from winlab.sim_errors import OpError, invalid_argument
from winlab.sim_guid import power_guid
from winlab.sim_op import Op
from winlab.sim_registry import parse_key_path, registry_of
from winlab.sim_schema import POWER_KEY


def hibernate_enabled(state: dict) -> bool:
    """HibernateEnabled from the registry; when absent Windows falls back to HibernateEnabledDefault."""
    registry = registry_of(state)
    for name in ("HibernateEnabled", "HibernateEnabledDefault"):
        value = registry.value(POWER_KEY, name)
        if value is not None and value["type"] == "DWord":
            return value["data"] != 0
    return False


def _active_scheme(state: dict) -> tuple[str, dict]:
    power = state.get("power") or {}
    guid = power.get("active_scheme")
    scheme = (power.get("schemes") or {}).get(guid)
    if scheme is None:
        raise OpError("failed", f"the active power scheme {guid!r} is not installed")
    return guid, scheme


def _find_setting(scheme: dict, setting: str) -> tuple[str, dict] | None:
    """(subgroup, {"ac", "dc"}) of a setting in a scheme, or None."""
    for subgroup, members in (scheme.get("settings") or {}).items():
        if setting in members:
            return subgroup, members[setting]
    return None


def _guid_arg(name: str, value: Any, where: str | None = None) -> str:
    try:
        return power_guid(value)
    except ValueError as exc:
        raise invalid_argument(name, f"{where + ': ' if where else ''}{exc}") from None


def power_query(state: dict, args: dict) -> dict:
    """The active scheme, the asked settings' AC/DC indexes in asked order (null where the scheme lacks the
    setting), and whether hibernation is enabled."""
    wanted = []
    for index, item in enumerate(args["settings"]):
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("subgroup"), str)
            or not isinstance(item.get("setting"), str)
        ):
            raise invalid_argument("settings", f"item {index} needs string 'subgroup' and 'setting' GUIDs: {item!r}")
        wanted.append(
            (
                _guid_arg("settings", item["subgroup"], f"item {index} subgroup"),
                _guid_arg("settings", item["setting"], f"item {index} setting"),
            )
        )
    guid, scheme = _active_scheme(state)
    values = []
    for subgroup, setting in wanted:
        found = _find_setting(scheme, setting)
        entry = found[1] if found else None
        values.append(
            {
                "subgroup": subgroup,
                "setting": setting,
                "ac": entry["ac"] if entry else None,
                "dc": entry["dc"] if entry else None,
            }
        )
    return {
        "scheme": guid,
        "scheme_name": scheme.get("name", ""),
        "values": values,
        "hibernate_enabled": hibernate_enabled(state),
    }


def power_set(state: dict, args: dict) -> dict:
    """powercfg /setacvalueindex|/setdcvalueindex SCHEME_CURRENT, /setactive SCHEME_CURRENT, then read back."""
    subgroup = _guid_arg("subgroup", args["subgroup"])
    setting = _guid_arg("setting", args["setting"])
    if "ac" not in args and "dc" not in args:
        raise invalid_argument("ac", "power.set needs 'ac' or 'dc' (or both)")
    guid, scheme = _active_scheme(state)
    found = _find_setting(scheme, setting)
    if found is None:
        raise OpError("not_found", f"the active power scheme has no setting {setting}")
    actual_subgroup, entry = found
    if actual_subgroup != subgroup:
        # powercfg rejects the subgroup/setting pair ("does not exist") with a non-zero exit code.
        raise OpError("failed", f"powercfg.exe /setacvalueindex SCHEME_CURRENT {subgroup} {setting} exited with code 1")
    for side in ("ac", "dc"):
        if side in args:
            entry[side] = args[side]
    return {"scheme": guid, "subgroup": subgroup, "setting": setting, "ac": entry["ac"], "dc": entry["dc"]}


def power_hibernate(state: dict, args: dict) -> dict:
    """powercfg /hibernate on|off: writes HibernateEnabled; on is not_supported without S4 support."""
    enabled = args["enabled"]
    if enabled and not (state.get("power") or {}).get("hibernate_supported", False):
        raise OpError("not_supported", "Hibernation failed with the following error: The request is not supported.")
    registry_of(state).write(parse_key_path(POWER_KEY), "HibernateEnabled", "DWord", int(enabled))
    return {"hibernate_enabled": hibernate_enabled(state)}


OPS = (
    Op("power.query", power_query),
    Op("power.set", power_set),
    Op("power.hibernate", power_hibernate),
)
