"""Would this Windows host let a WinRM client in? The lab's lockout-safety oracle.

A local account reaches the agent over WinRM only when everything on the path admits it; the first obstacle is
the reason (in this order):
1. the WinRM service is running;
2. the firewall passes TCP `port` from the controller's address as the host sees it (see controller_admitted);
3. the account exists and is enabled: a local account as "name", ".\\name" or "COMPUTER\\name"; a domain account
   (accounts.domain) as "DOMAIN\\name" or "name@domain" (NetBIOS or DNS name), which needs the domain controller:
   a network logon is verified by it (NTLM pass-through or Kerberos), and cached credentials serve interactive
   logons only (https://learn.microsoft.com/en-us/troubleshoot/windows-server/user-profiles-and-logon/cached-domain-logon-information);
4. it is a member of Administrators (S-1-5-32-544);
5. UAC remote restrictions do not filter its token: local accounts other than RID 500 need
   LocalAccountTokenFilterPolicy=1 (unless EnableLUA=0); RID 500 is filtered only with FilterAdministratorToken=1;
   domain accounts are not filtered ("Handling Remote Connections Under UAC",
   https://learn.microsoft.com/en-us/windows/win32/wmisdk/user-account-control-and-wmi);
6. when secpol has "Privilege Rights": SeNetworkLogonRight grants one of the token's SIDs and
   SeDenyNetworkLogonRight names none of them (S-1-5-114 "local account and member of Administrators" included).

The network part (1 and 2) is `controller_admitted(state, port, source_address)`, the one place that decides whether
the controller's TCP connection gets through at all; the WinRM endpoint drops a connection it refuses.

`port` is the port the simulated Windows listens on (5985 HTTP, 5986 HTTPS), not the lab's local TCP port. The
reasons of checks 1 and 2 start with "the WinRM service" and "firewall:" (the WinRM server relies on these
prefixes to drop the connection instead of answering 401).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from winlab import sim_firewall_store as store
from winlab.sim_registry import registry_of
from winlab.sim_schema import ACTIVE_COMPUTER_NAME_KEY, ADMINISTRATORS_SID

_UAC_KEY = "HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System"
EVERYONE = "S-1-1-0"
NETWORK = "S-1-5-2"
AUTHENTICATED_USERS = "S-1-5-11"
LOCAL_ACCOUNT = "S-1-5-113"
LOCAL_ADMIN_ACCOUNT = "S-1-5-114"

Verdict = tuple[bool, str]


def admits(state: Mapping[str, Any], username: str, port: int, source_address: str | None = None) -> Verdict:
    """(True, "admitted") or (False, the first reason Windows would refuse this WinRM client)."""
    verdict = controller_admitted(state, port, source_address)
    if not verdict[0]:
        return verdict
    if _domain_of(state, username) is not None:
        return _admits_domain_account(state, username)
    account = _find_account(state, username)
    if account is None:
        return False, f"account {username!r}: no such local account"
    rid, user = account
    name = user.get("Name", username)
    if not user.get("Enabled", False):
        return False, f"account {name!r} is disabled"
    user_sid = f"{state['accounts']['machine_sid']}-{rid}"
    groups = _groups_of(state, user_sid)
    if ADMINISTRATORS_SID not in groups:
        return False, f"account {name!r} is not a member of Administrators ({ADMINISTRATORS_SID})"
    verdict = _uac_remote_restrictions(state, name, rid)
    if not verdict[0]:
        return verdict
    return _network_logon_right(state, name, {user_sid, *groups})


def _winrm_service(state: Mapping[str, Any]) -> Verdict:
    services = state.get("services") or {}
    service = next((entry for key, entry in services.items() if key.upper() == "WINRM"), None)
    if service is None:
        return False, "the WinRM service is not installed"
    if service.get("State") != "Running":
        return False, f"the WinRM service is {service.get('State', 'not running')!r}, not Running"
    return True, "admitted"


def controller_address(state: Mapping[str, Any]) -> str | None:
    """The controller's address as the host sees it (network.controller_address): every lab client connects from
    loopback, and this is the source address the simulated host sees instead, as behind a router or NAT."""
    address = (state.get("network") or {}).get("controller_address")
    return str(address) if address else None


def controller_admitted(state: Mapping[str, Any], port: int, source_address: str | None = None) -> Verdict:
    """Whether a TCP connection from the controller reaches the WinRM listener on `port` (the lab port the host is
    bound to): the WinRM service runs, and the firewall passes it. `source_address` defaults to the controller's
    address as the host sees it.

    The firewall decides on the profile in force for the interface the connection arrives on
    (sim_firewall_store.connection_profile), from the active store (Group Policy over local settings; local rules
    only where Group Policy lets them merge). Block rules take precedence over allow rules (MS-FASP 2.2.34
    FW_RULE_ACTION, https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-fasp/702e3c23-c9d8-43db-8380-b4c670dd7f7d):
    the profile off admits; an enabled inbound Block rule whose port and remote-address scope cover the connection
    refuses (block wins over allow); else the default inbound action Allow, or an enabled inbound Allow rule whose
    port and scope cover it, admits."""
    verdict = _winrm_service(state)
    if not verdict[0]:
        return verdict
    address = source_address or controller_address(state)
    shown = address or "an address the lab does not know (network.controller_address unset)"
    for profile_name in store.connection_profile(state, address):
        profile = store.active_profile(state, profile_name)
        if profile.get("Enabled", True) is False:
            continue
        blocking = _covering_rules(state, profile_name, port, "Block", address)
        if blocking:
            return False, (
                f"firewall: enabled inbound Block rule {blocking[0]!r} covers TCP {port} from {shown} on the "
                f"{profile_name} profile"
            )
        if profile.get("DefaultInboundAction", "NotConfigured") == "Allow":
            continue
        if not _covering_rules(state, profile_name, port, "Allow", address):
            return False, (
                f"firewall: no enabled inbound Allow rule covers TCP {port} from {shown} on the {profile_name} "
                "profile, whose default inbound action is Block"
            )
    return True, "admitted"


def _covering_rules(
    state: Mapping[str, Any], profile_name: str, port: int, action: str, address: str | None
) -> list[str]:
    return [
        name
        for name, rule, source in store.active_rules(state)
        if rule.get("Enabled") is True
        and str(rule.get("Direction", "")).lower() == "inbound"
        and str(rule.get("Action", "")).lower() == action.lower()
        and store.enforced_on(state, rule, source, profile_name)
        and str(rule.get("Protocol", "Any")).upper() in ("TCP", "6", "ANY")
        and str(rule.get("Program", "Any")).lower() in ("any", "system")
        and _covers_port(rule.get("LocalPort", ["Any"]), port)
        and store.scope_contains(state, rule.get("RemoteAddress") or ["Any"], address, unknown=action == "Block")
    ]


def _covers_port(local_ports: Iterable[str], port: int) -> bool:
    for item in local_ports:
        text = str(item).strip()
        if text.lower() == "any":
            return True
        low, dash, high = text.partition("-")
        if dash and low.isdigit() and high.isdigit() and int(low) <= port <= int(high):
            return True
        if text.isdigit() and int(text) == port:
            return True
    return False


def _domain_of(state: Mapping[str, Any], username: str) -> Mapping[str, Any] | None:
    """The host's domain when `username` names a domain account ("DOMAIN\\name", "name@domain"), else None."""
    domain = (state.get("accounts") or {}).get("domain") or {}
    if not domain:
        return None
    names = {str(domain.get(key, "")).upper() for key in ("name", "dns_name") if domain.get(key)}
    prefix, backslash, _name = username.rpartition("\\")
    _user, at, suffix = username.partition("@")
    if (backslash and prefix.upper() in names) or (at and suffix.upper() in names):
        return domain
    return None


def _admits_domain_account(state: Mapping[str, Any], username: str) -> Verdict:
    domain = _domain_of(state, username) or {}
    if not domain.get("controller_reachable", True):
        return False, (
            f"account {username!r}: no domain controller of {domain.get('name')} is reachable, so the domain "
            "network logon cannot be verified"
        )
    name = username.rpartition("\\")[2].partition("@")[0]
    principals = domain.get("principals") or {}
    found = next(
        (
            (sid, entry)
            for sid, entry in principals.items()
            if entry.get("Class", "Group") == "User" and str(entry.get("Name", "")).upper() == name.upper()
        ),
        None,
    )
    if found is None:
        return False, f"account {username!r}: no such domain account"
    user_sid, entry = found
    if entry.get("Enabled", True) is False:
        return False, f"account {username!r} is disabled"
    domain_groups = {
        sid.upper()
        for sid, group in principals.items()
        if user_sid.upper() in {member.upper() for member in group.get("Members", [])}
    }
    token = {user_sid.upper(), *domain_groups, EVERYONE, NETWORK, AUTHENTICATED_USERS}
    local_groups = (state.get("accounts") or {}).get("groups") or {}
    member_of = {
        sid.upper()
        for sid, group in local_groups.items()
        if token & {member.upper() for member in group.get("Members", [])}
    }
    if ADMINISTRATORS_SID not in member_of:
        return False, f"account {username!r} is not a member of Administrators ({ADMINISTRATORS_SID})"
    return _network_logon_right(state, username, token | member_of)


def _find_account(state: Mapping[str, Any], username: str) -> tuple[str, dict] | None:
    prefix, backslash, name = username.rpartition("\\")
    if backslash:
        computer = registry_of(dict(state)).value(ACTIVE_COMPUTER_NAME_KEY, "ComputerName")
        local_names = {".", str(computer["data"]).upper() if computer else "."}
        if prefix.upper() not in local_names:
            return None
    users = (state.get("accounts") or {}).get("users") or {}
    for rid, user in users.items():
        if str(user.get("Name", "")).upper() == name.upper():
            return rid, user
    return None


def _groups_of(state: Mapping[str, Any], user_sid: str) -> set[str]:
    token = {user_sid.upper(), EVERYONE, NETWORK, AUTHENTICATED_USERS, LOCAL_ACCOUNT}
    groups = (state.get("accounts") or {}).get("groups") or {}
    member_of = {
        sid.upper() for sid, group in groups.items() if token & {member.upper() for member in group.get("Members", [])}
    }
    if ADMINISTRATORS_SID in member_of:
        member_of.add(LOCAL_ADMIN_ACCOUNT)
    return member_of | (token - {user_sid.upper()})


def _uac_remote_restrictions(state: Mapping[str, Any], name: str, rid: str) -> Verdict:
    registry = registry_of(dict(state))

    def dword(value_name: str, default: int) -> int:
        value = registry.value(_UAC_KEY, value_name)
        return value["data"] if value is not None and value["type"] == "DWord" else default

    if dword("EnableLUA", 1) == 0 or dword("LocalAccountTokenFilterPolicy", 0) == 1:
        return True, "admitted"
    if rid == "500":
        if dword("FilterAdministratorToken", 0) == 1:
            return False, (
                f"UAC remote restrictions filter the built-in Administrator {name!r} "
                "(FilterAdministratorToken=1, LocalAccountTokenFilterPolicy is not 1)"
            )
        return True, "admitted"
    return False, (
        f"UAC remote restrictions filter the token of local account {name!r} over the network "
        "(LocalAccountTokenFilterPolicy is not 1)"
    )


def _network_logon_right(state: Mapping[str, Any], name: str, token: set[str]) -> Verdict:
    rights = (state.get("secpol") or {}).get("Privilege Rights")
    if not isinstance(rights, dict):
        return True, "admitted"
    token = {sid.upper() for sid in token}
    denied = _resolve_holders(state, rights.get("SeDenyNetworkLogonRight", [])) & token
    if denied:
        return False, f"account {name!r} is denied network logon (SeDenyNetworkLogonRight holds {sorted(denied)[0]})"
    if not _resolve_holders(state, rights.get("SeNetworkLogonRight", [])) & token:
        return False, f"account {name!r} lacks the network logon right (SeNetworkLogonRight)"
    return True, "admitted"


def _resolve_holders(state: Mapping[str, Any], holders: Iterable[str]) -> set[str]:
    """secedit writes '*SID' for SIDs and a bare name for accounts it resolved; both become SIDs here."""
    accounts = state.get("accounts") or {}
    machine_sid = accounts.get("machine_sid")
    by_name = {
        str(user.get("Name", "")).upper(): f"{machine_sid}-{rid}" for rid, user in (accounts.get("users") or {}).items()
    }
    by_name.update({str(group.get("Name", "")).upper(): sid for sid, group in (accounts.get("groups") or {}).items()})
    resolved = set()
    for holder in holders:
        sid = holder[1:] if holder.startswith("*") else by_name.get(holder.upper())
        if sid:
            resolved.add(sid.upper())
    return resolved
