"""software.installed: the programs Programs and Features lists, from the simulated registry's uninstall keys.

On 64-bit Windows the 64-bit view is HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall and the 32-bit
view is the same path under HKLM:\\SOFTWARE\\WOW6432Node; 32-bit Windows has one view, whose programs are 32-bit.
Like Programs and Features (and the agent), entries without a DisplayName, with SystemComponent = 1 or with a
ParentKeyName are left out. The architecture comes from state["system"]["architecture"].
"""

from __future__ import annotations

from typing import Any

from winlab.sim_errors import OpError
from winlab.sim_op import Op
from winlab.sim_registry import KeyPath, parse_key_path, registry_of

UNINSTALL_64 = "HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall"
UNINSTALL_32_ON_64 = "HKLM:\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall"


def child_keys(state: dict, parent: str) -> list[str]:
    """Names of the direct subkeys of `parent` in the simulated registry, as RegistryKey.GetSubKeyNames lists them
    (a key exists when it or any key below it is stored), sorted case-insensitively."""
    parent_key = parse_key_path(parent)
    depth = len(parent_key.segments)
    names: dict[str, str] = {}
    for path in state.get("registry") or {}:
        key = parse_key_path(path)
        if key.hive != parent_key.hive or len(key.segments) <= depth:
            continue
        if [part.upper() for part in key.segments[:depth]] != [part.upper() for part in parent_key.segments]:
            continue
        names.setdefault(key.segments[depth].upper(), key.segments[depth])
    return sorted(names.values(), key=str.upper)


def _text(value: dict | None) -> str:
    if value is None:
        return ""
    data = value["data"]
    if isinstance(data, list):
        return " ".join(str(item) for item in data)
    return str(data)


def _listed(values: dict[str, dict | None]) -> bool:
    if not _text(values["DisplayName"]).strip():
        return False
    component = values["SystemComponent"]
    if component is not None and component["type"] == "DWord" and component["data"] == 1:
        return False
    return not _text(values["ParentKeyName"])


def _views(state: dict) -> list[tuple[str, str]]:
    if (state.get("system") or {}).get("architecture") == "32-bit":
        return [(UNINSTALL_64, "32-bit")]
    return [(UNINSTALL_64, "64-bit"), (UNINSTALL_32_ON_64, "32-bit")]


def software_installed(state: dict, args: dict) -> dict:
    """Programs of both uninstall views, 64-bit view first (protocol software.installed)."""
    registry = registry_of(state)
    programs: list[dict[str, Any]] = []
    unreadable: list[str] = []
    for parent, arch in _views(state):
        parent_key = parse_key_path(parent)
        registry.read(parent_key, "")  # access_denied for the whole op, as OpenSubKey on the parent would be
        for name in child_keys(state, parent):
            key = KeyPath(parent_key.hive, (*parent_key.segments, name))
            try:
                values = {
                    value: registry.read(key, value)[1]
                    for value in (
                        "DisplayName",
                        "DisplayVersion",
                        "Publisher",
                        "InstallLocation",
                        "SystemComponent",
                        "ParentKeyName",
                    )
                }
            except OpError:
                unreadable.append(name)
                continue
            if not _listed(values):
                continue
            programs.append(
                {
                    "key": name,
                    "name": _text(values["DisplayName"]),
                    "version": _text(values["DisplayVersion"]),
                    "publisher": _text(values["Publisher"]),
                    "install_location": _text(values["InstallLocation"]),
                    "arch": arch,
                }
            )
    return {"programs": programs, "unreadable": unreadable}


OPS = (Op("software.installed", software_installed),)
