"""firewall.* ops with NetSecurity semantics.

State (state["firewall"]): "profiles" by name (Domain, Private, Public) with the Get-NetFirewallProfile fields
(Enabled, DefaultInboundAction, DefaultOutboundAction, LogBlocked, LogAllowed, LogMaxSizeKilobytes, LogFileName;
GpoBoolean fields may be "NotConfigured"), and "rules" by rule Name with the Get-NetFirewallRule fields and those of
its filters (Protocol, LocalPort, RemoteAddress, Program): that is the local store. "group_policy" (optional) is
what Group Policy delivers on top (see sim_firewall_store): reads answer from the active store (both merged), as
the agent reads with -PolicyStore ActiveStore; writes change the local store only, so a value Group Policy sets
reads back unchanged, and a rule only Group Policy defines is not_found for set_rule_enabled.

`Group` is the locale-independent group of a rule (a resource string such as "@FirewallAPI.dll,-25000" for built-in
rules, or the literal text an installer gave); a rule without one reports its DisplayGroup, as a rule created with a
literal group name does. Rule names match case-insensitively, as Get-NetFirewallRule -Name does.

firewall.management_peers answers with the controller's address as the host sees it (network.controller_address)
for the port the host's WinRM listener is bound to (network.winrm_port, which the lab sets to its own port;
5985 and 5986 when unset), as
Get-NetTCPConnection shows the established connection the request arrived on.
"""

from __future__ import annotations

import re
from typing import Any

from winlab import sim_firewall_store as store
from winlab import sim_wildcard as wildcard
from winlab.sim_errors import OpError, invalid_argument
from winlab.sim_op import Op
from winlab.sim_schema import FIREWALL_PROFILES

_NOT_CONFIGURED = "NotConfigured"
_RULE_PROFILES = ("Any", *FIREWALL_PROFILES)
_DEFAULT_LOG_FILE = "%systemroot%\\system32\\LogFiles\\Firewall\\pfirewall.log"
_DEFAULT_LOG_SIZE_KB = 4096
#: Where the WinRM listeners of a host without network.winrm_port listen (HTTP and HTTPS).
_STANDARD_WINRM_PORTS = (5985, 5986)
_PORT_RANGE = re.compile(r"^(\d{1,5})(?:-(\d{1,5}))?$")


def _firewall(state: dict) -> dict:
    firewall = state.setdefault("firewall", {})
    firewall.setdefault("profiles", {})
    firewall.setdefault("rules", {})
    return firewall


def _profile_entry(state: dict, name: str) -> dict:
    profile = store.active_profile(state, name)
    merge = ((store.group_policy(state).get("profiles") or {}).get(name) or {}).get("AllowLocalPolicyMerge")
    return {
        "name": name,
        "enabled": profile.get("Enabled", _NOT_CONFIGURED),
        "default_inbound_action": profile.get("DefaultInboundAction", _NOT_CONFIGURED),
        "default_outbound_action": profile.get("DefaultOutboundAction", _NOT_CONFIGURED),
        "log_blocked": profile.get("LogBlocked", _NOT_CONFIGURED),
        "log_allowed": profile.get("LogAllowed", _NOT_CONFIGURED),
        "log_max_size_kilobytes": profile.get("LogMaxSizeKilobytes", _DEFAULT_LOG_SIZE_KB),
        "log_file_name": profile.get("LogFileName", _DEFAULT_LOG_FILE),
        "allow_local_firewall_rules": _NOT_CONFIGURED if merge is None else bool(merge),
    }


def rule_entry(name: str, rule: dict, source: str = store.LOCAL) -> dict:
    """One rule as firewall.rules reports it."""
    display_group = rule.get("DisplayGroup") or ""
    return {
        "name": name,
        "display_name": rule.get("DisplayName", name),
        "group": rule.get("Group", display_group) or "",
        "display_group": display_group,
        "direction": rule.get("Direction", "Inbound"),
        "action": rule.get("Action", "Allow"),
        "enabled": bool(rule.get("Enabled", False)),
        "profiles": list(rule.get("Profile") or ["Any"]),
        "protocol": str(rule.get("Protocol", "Any")),
        "local_ports": [str(port) for port in rule.get("LocalPort") or ["Any"]],
        "remote_addresses": [str(address) for address in rule.get("RemoteAddress") or ["Any"]],
        "program": rule.get("Program", "Any"),
        "policy_store_source_type": source,
    }


def _find_rule(state: dict, name: str) -> str | None:
    """The stored spelling of a rule name, matched case-insensitively; None when there is no such rule."""
    wanted = name.casefold()
    return next((key for key in _firewall(state)["rules"] if key.casefold() == wanted), None)


def firewall_profiles(state: dict, args: dict) -> dict:
    """The three profiles in the order Domain, Private, Public."""
    return {"profiles": [_profile_entry(state, name) for name in FIREWALL_PROFILES]}


def firewall_set_profile(state: dict, args: dict) -> dict:
    """Set-NetFirewallProfile with the given settings only, then read the profile back."""
    fields = {
        "enabled": "Enabled",
        "default_inbound_action": "DefaultInboundAction",
        "default_outbound_action": "DefaultOutboundAction",
        "log_blocked": "LogBlocked",
        "log_max_size_kilobytes": "LogMaxSizeKilobytes",
    }
    if not set(fields) & set(args):
        raise invalid_argument("profile", "firewall.set_profile needs at least one setting to change")
    name = args["profile"]
    profile = _firewall(state)["profiles"].setdefault(name, {})
    for arg, field in fields.items():
        if arg in args:
            profile[field] = args[arg]
    return _profile_entry(state, name)


def firewall_rules(state: dict, args: dict) -> dict:
    """Rules matching every given filter (direction, action, enabled), in stored order."""
    rules = []
    _firewall(state)
    for name, rule, source in store.active_rules(state):
        entry = rule_entry(name, rule, source)
        if "direction" in args and entry["direction"].casefold() != args["direction"].casefold():
            continue
        if "action" in args and entry["action"].casefold() != args["action"].casefold():
            continue
        if "enabled" in args and entry["enabled"] is not args["enabled"]:
            continue
        rules.append(entry)
    return {"rules": rules}


def firewall_set_rule_enabled(state: dict, args: dict) -> dict:
    """The agent finds the local-store rule whose Name is exactly `name` (a name with wildcard characters is looked
    for among all rules, never passed to -Name) and pipes that one rule object to Enable-/Disable-NetFirewallRule;
    never removes the rule; an unknown name is not_found. `rules_selected_by_name` is what -Name would select."""
    name = _find_rule(state, args["name"])
    if name is None:
        raise OpError(
            "not_found", f"No MSFT_NetFirewallRule objects found with property 'Name' equal to '{args['name']}'"
        )
    rule = _firewall(state)["rules"][name]
    rule["Enabled"] = args["enabled"]
    return rule_entry(name, rule)


def rules_selected_by_name(state: dict, name: str) -> list[str]:
    """The local rules `Disable-NetFirewallRule -Name <name>` acts on: every rule the name matches as a pattern."""
    return wildcard.matching(name, _firewall(state)["rules"])


def _string_list(arg: str, value: list, check: Any = None) -> list[str]:
    if not value or not all(isinstance(item, str) and item for item in value):
        raise invalid_argument(arg, f"expected a non-empty list of strings, got {value!r}")
    if check is not None:
        for item in value:
            check(item)
    return list(value)


def _check_port(item: str) -> None:
    match = _PORT_RANGE.match(item.strip())
    numbers = [int(number) for number in match.groups() if number is not None] if match else []
    if not numbers or not all(1 <= number <= 65535 for number in numbers) or numbers != sorted(numbers):
        raise invalid_argument("local_ports", f"{item!r} is not a port or a port range such as 5000-6000")


def _check_profiles(profiles: list[str]) -> None:
    unknown = [item for item in profiles if item not in _RULE_PROFILES]
    if unknown:
        raise invalid_argument("profiles", f"{unknown[0]!r} is not one of {', '.join(_RULE_PROFILES)}")
    if "Any" in profiles and len(profiles) > 1:
        raise invalid_argument("profiles", "'Any' cannot be combined with other profiles")


def firewall_add_rule(state: dict, args: dict) -> dict:
    """New-NetFirewallRule, or Set-NetFirewallRule + enable when the Name exists; then read the rule back."""
    local_ports = _string_list("local_ports", args["local_ports"], _check_port)
    profiles = _string_list("profiles", args.get("profiles", ["Any"]))
    _check_profiles(profiles)
    remote_addresses = _string_list("remote_addresses", args.get("remote_addresses", ["Any"]))
    group = args.get("group", "")
    name = _find_rule(state, args["name"]) or args["name"]
    rule = {
        "DisplayName": args["display_name"],
        "DisplayGroup": group,
        "Group": group,
        "Direction": args["direction"],
        "Action": args["action"],
        "Enabled": True,
        "Profile": profiles,
        "Protocol": args["protocol"],
        "LocalPort": [item.strip() for item in local_ports],
        "RemoteAddress": remote_addresses,
        "Program": args.get("program", "Any"),
    }
    _firewall(state)["rules"][name] = rule
    return rule_entry(name, rule)


def firewall_management_peers(state: dict, args: dict) -> dict:
    """Remote addresses of the established TCP connections to local port `port`, and the host's IPv4 subnets."""
    network = state.get("network") or {}
    listening = {int(network["winrm_port"])} if network.get("winrm_port") else set(_STANDARD_WINRM_PORTS)
    controller = network.get("controller_address")
    peers = [controller] if controller and args["port"] in listening else []
    subnets = [str(subnet) for _alias, subnet in store.host_networks(state)]
    return {"peers": peers, "local_subnets": list(dict.fromkeys(subnets))}


OPS = (
    Op("firewall.profiles", firewall_profiles),
    Op("firewall.management_peers", firewall_management_peers),
    Op("firewall.set_profile", firewall_set_profile),
    Op("firewall.rules", firewall_rules),
    Op("firewall.set_rule_enabled", firewall_set_rule_enabled),
    Op("firewall.add_rule", firewall_add_rule),
)
