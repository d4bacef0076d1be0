"""system.info: the facts Win32_OperatingSystem, Win32_ComputerSystem and the CurrentVersion key give the agent.

Facts Windows keeps in the registry are read from the simulated registry (EditionID, InstallationType, build, UBR,
DisplayVersion/ReleaseId, ProductType, the computer name); hardware and session facts come from state["system"]
and state["powershell"]; the machine SID from state["accounts"].
"""

from __future__ import annotations

from typing import Any

from winlab.sim_op import Op
from winlab.sim_registry import registry_of
from winlab.sim_schema import (
    ACTIVE_COMPUTER_NAME_KEY,
    COMPUTER_NAME_KEY,
    CURRENT_VERSION_KEY,
    PRODUCT_OPTIONS_KEY,
    PRODUCT_TYPES,
)


def _registry_data(state: dict, path: str, name: str, default: Any) -> Any:
    value = registry_of(state).value(path, name)
    return value["data"] if value is not None else default


def system_info(state: dict, args: dict) -> dict:
    """Operating system, hardware and session facts (protocol.yml system.info)."""
    system = state.get("system") or {}
    shell = state.get("powershell") or {}
    display_version = _registry_data(state, CURRENT_VERSION_KEY, "DisplayVersion", "")
    if not display_version:
        display_version = _registry_data(state, CURRENT_VERSION_KEY, "ReleaseId", "")
    computer_name = _registry_data(state, ACTIVE_COMPUTER_NAME_KEY, "ComputerName", "")
    return {
        "computer_name": computer_name or _registry_data(state, COMPUTER_NAME_KEY, "ComputerName", ""),
        "os_caption": system.get("os_caption"),
        "product_type": PRODUCT_TYPES.get(_registry_data(state, PRODUCT_OPTIONS_KEY, "ProductType", "")),
        "edition_id": _registry_data(state, CURRENT_VERSION_KEY, "EditionID", ""),
        "installation_type": _registry_data(state, CURRENT_VERSION_KEY, "InstallationType", ""),
        "current_build": _registry_data(state, CURRENT_VERSION_KEY, "CurrentBuildNumber", ""),
        "ubr": _registry_data(state, CURRENT_VERSION_KEY, "UBR", 0),
        "display_version": display_version,
        "architecture": system.get("architecture"),
        "is_virtual": system.get("is_virtual"),
        "manufacturer": system.get("manufacturer"),
        "model": system.get("model"),
        "machine_sid": (state.get("accounts") or {}).get("machine_sid", ""),
        "part_of_domain": system.get("part_of_domain"),
        "domain": system.get("domain"),
        "powershell_version": shell.get("version"),
        "language_mode": shell.get("language_mode", "FullLanguage"),
    }


OPS = (Op("system.info", system_info),)
