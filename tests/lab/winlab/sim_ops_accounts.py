"""accounts.users / accounts.group_members / accounts.disable / accounts.remove_member over state["accounts"].

Users are keyed by RID (SID = machine_sid-RID), groups by SID with member SIDs, as PROFILES.md describes. Everything
is addressed by SID, as the agent does (names are localized). Windows semantics kept here:
- a member SID that resolves to no account (an orphaned SID) is listed with an empty name, as ADSI lists it;
- the built-in Administrator (RID 500) cannot be removed from Administrators (ERROR_SPECIAL_ACCOUNT);
- disabling a disabled account and removing a non-member succeed (the agent checks before it writes).

Domain-joined and Entra-joined hosts (accounts.domain, optional): {"name": "CLINIC", "sid": "S-1-5-21-...",
"controller_reachable": bool, "principals": {SID: {"Name": ..., "Class": "User"|"Group", "Members": [SIDs]}}}.
A domain SID is translated to "CLINIC\\name" only while the domain controller is reachable; otherwise it has an
empty name, as SecurityIdentifier.Translate fails (IdentityNotMappedException) without a domain controller to ask.
Entra ID SIDs (S-1-12-1-...) never resolve on the host: they have no name there.

Localized Windows (accounts.localized, optional): {"authorities": {"BUILTIN": "VORDEFINIERT", "NT AUTHORITY":
"NT-AUTORIT\u00c4T"}, "principals": {SID: localized name}} makes members resolve as a German (or other) host names
them (SecurityIdentifier.Translate gives the display language's names); users and groups carry their localized
names in their own "Name". The names are data: no op matches on them, and neither may the controller.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from winlab import sim_clock
from winlab.sim_errors import OpError, invalid_argument
from winlab.sim_op import Op
from winlab.sim_registry import registry_of
from winlab.sim_schema import ACTIVE_COMPUTER_NAME_KEY, ADMINISTRATORS_SID, PRODUCT_OPTIONS_KEY, PRODUCT_TYPES

_SID = re.compile(r"^S-1(-\d+)+$", re.IGNORECASE)
#: Well-known principals a local group can hold, as SecurityIdentifier.Translate(NTAccount) names them (English
#: host; the names are data, the ops never match on them).
_WELL_KNOWN = {
    "S-1-1-0": "Everyone",
    "S-1-5-4": "NT AUTHORITY\\INTERACTIVE",
    "S-1-5-11": "NT AUTHORITY\\Authenticated Users",
    "S-1-5-18": "NT AUTHORITY\\SYSTEM",
    "S-1-5-20": "NT AUTHORITY\\NETWORK SERVICE",
}


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _accounts(state: dict) -> dict:
    return state.get("accounts") or {}


def _computer_name(state: dict) -> str:
    value = registry_of(state).value(ACTIVE_COMPUTER_NAME_KEY, "ComputerName")
    return str(value["data"]) if value else "."


def _sid_arg(name: str, value: str) -> str:
    if not _SID.match(value):
        raise invalid_argument(name, f"{value!r} is not a SID (S-1-...)")
    return value.upper()


def _local_user(state: dict, sid: str) -> tuple[str, dict] | None:
    accounts = _accounts(state)
    for rid, user in (accounts.get("users") or {}).items():
        if f"{accounts.get('machine_sid')}-{rid}".upper() == sid:
            return rid, user
    return None


def _group(state: dict, sid: str) -> tuple[str, dict]:
    for key, group in (_accounts(state).get("groups") or {}).items():
        if key.upper() == sid:
            return key, group
    raise OpError("not_found", f"Group {sid} was not found.")


def _resolve(state: dict, sid: str) -> dict[str, str]:
    """A member as ADSI and SecurityIdentifier.Translate report it: name "" when the SID resolves to nothing."""
    user = _local_user(state, sid.upper())
    if user is not None:
        return {"sid": sid, "name": f"{_computer_name(state)}\\{user[1].get('Name', '')}", "class": "User"}
    localized = _accounts(state).get("localized") or {}
    authorities = localized.get("authorities") or {}
    for key, group in (_accounts(state).get("groups") or {}).items():
        if key.upper() == sid.upper():
            builtin = authorities.get("BUILTIN", "BUILTIN")
            return {"sid": sid, "name": f"{builtin}\\{group.get('Name', '')}", "class": "Group"}
    principals = {key.upper(): name for key, name in (localized.get("principals") or {}).items()}
    if sid.upper() in principals or sid.upper() in _WELL_KNOWN:
        english = _WELL_KNOWN.get(sid.upper(), "")
        authority, backslash, name = english.rpartition("\\")
        name = principals.get(sid.upper(), name)
        shown = f"{authorities.get(authority, authority)}\\{name}" if backslash else name
        return {"sid": sid, "name": shown, "class": "Group"}
    domain = _accounts(state).get("domain") or {}
    principal = next(
        (entry for key, entry in (domain.get("principals") or {}).items() if key.upper() == sid.upper()), None
    )
    if principal is not None and domain.get("controller_reachable", True):
        name = f"{domain.get('name', 'DOMAIN')}\\{principal.get('Name', '')}"
        return {"sid": sid, "name": name, "class": str(principal.get("Class", "Group"))}
    return {"sid": sid, "name": "", "class": ""}


def accounts_users(state: dict, args: dict) -> dict:
    """Every local user (Get-LocalUser), in RID order, and the host's clock."""
    accounts = _accounts(state)
    users = []
    for rid, user in sorted((accounts.get("users") or {}).items(), key=lambda item: int(item[0])):
        users.append(
            {
                "sid": f"{accounts.get('machine_sid')}-{rid}",
                "name": user.get("Name", ""),
                "full_name": user.get("FullName", ""),
                "enabled": bool(user.get("Enabled")),
                "last_logon": user.get("LastLogon"),
                "password_last_set": user.get("PasswordLastSet"),
            }
        )
    product = registry_of(state).value(PRODUCT_OPTIONS_KEY, "ProductType")
    product_type = PRODUCT_TYPES.get(str(product["data"]) if product else "WinNT", 1)
    return {
        "computer_name": _computer_name(state),
        "product_type": product_type,
        "now": _timestamp(sim_clock.now()),
        "users": users,
    }


def accounts_group_members(state: dict, args: dict) -> dict:
    """One local group's members by the group's SID; orphaned SIDs included with an empty name."""
    key, group = _group(state, _sid_arg("sid", args["sid"]))
    members = [_resolve(state, member) for member in group.get("Members", [])]
    return {"sid": key, "name": group.get("Name", ""), "members": members}


def accounts_disable(state: dict, args: dict) -> dict:
    """Disable-LocalUser -SID, then read Enabled back."""
    sid = _sid_arg("sid", args["sid"])
    found = _local_user(state, sid)
    if found is None:
        raise OpError("not_found", f"User {sid} was not found.")
    _, user = found
    user["Enabled"] = False
    return {"sid": sid, "name": user.get("Name", ""), "enabled": bool(user["Enabled"])}


def accounts_remove_member(state: dict, args: dict) -> dict:
    """Remove one member SID from a group (ADSI), then read the membership back."""
    group_sid = _sid_arg("group", args["group"])
    member = _sid_arg("member", args["member"])
    _, group = _group(state, group_sid)
    machine_sid = str(_accounts(state).get("machine_sid", "")).upper()
    if group_sid == ADMINISTRATORS_SID and member == f"{machine_sid}-500":
        raise OpError("failed", "Cannot perform this operation on built-in accounts.")
    members: list[Any] = group.get("Members", [])
    group["Members"] = [item for item in members if item.upper() != member]
    is_member = any(item.upper() == member for item in group["Members"])
    return {"group": group_sid, "member": member, "is_member": is_member}


OPS = (
    Op("accounts.users", accounts_users),
    Op("accounts.group_members", accounts_group_members),
    Op("accounts.disable", accounts_disable),
    Op("accounts.remove_member", accounts_remove_member),
)
