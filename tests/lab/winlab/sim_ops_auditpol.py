"""auditpol.get / auditpol.set with auditpol.exe semantics, over state["auditpol"].

State: {"{0CCE9215-69AE-11D9-BED3-505054503030}": {"name": "Logon", "success": true, "failure": true}, ...}, keyed
by subcategory GUID as auditpol prints it. Like the agent, which reads the GUID and Setting Value columns of
`auditpol /backup`, the ops address subcategories by GUID only; `name` is never matched. The protocol returns
GUIDs lower case without braces. A subcategory this Windows does not have is not_found; setting one side leaves
the other as it is (auditpol /set with only /success: or /failure:).
"""

from __future__ import annotations

from typing import Any

from winlab.sim_errors import OpError, invalid_argument
from winlab.sim_guid import audit_guid, power_guid
from winlab.sim_op import Op


def _guid(name: str, text: Any) -> str:
    try:
        return audit_guid(text)
    except ValueError as exc:
        raise invalid_argument(name, str(exc)) from None


def _subcategory(state: dict, guid: str) -> dict:
    entry = (state.get("auditpol") or {}).get(guid)
    if entry is None:
        raise OpError("not_found", f"this host has no audit subcategory {{{power_guid(guid)}}}")
    return entry


def _entry(guid: str, entry: dict) -> dict:
    return {"guid": power_guid(guid), "success": bool(entry["success"]), "failure": bool(entry["failure"])}


def auditpol_get(state: dict, args: dict) -> dict:
    """The asked subcategories in asked order, or every subcategory in state order."""
    asked = args.get("guids")
    guids = list(state.get("auditpol") or {}) if asked is None else [_guid("guids", text) for text in asked]
    return {"subcategories": [_entry(guid, _subcategory(state, guid)) for guid in guids]}


def auditpol_set(state: dict, args: dict) -> dict:
    """auditpol /set "/subcategory:{GUID}" /success:... /failure:..., then read back."""
    guid = _guid("guid", args["guid"])
    if "success" not in args and "failure" not in args:
        raise invalid_argument("success", "auditpol.set needs 'success', 'failure' or both")
    entry = _subcategory(state, guid)
    for side in ("success", "failure"):
        if side in args:
            entry[side] = args[side]
    return _entry(guid, entry)


OPS = (
    Op("auditpol.get", auditpol_get),
    Op("auditpol.set", auditpol_set),
)
