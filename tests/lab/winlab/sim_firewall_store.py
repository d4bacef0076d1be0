"""The simulated firewall as Windows enforces it: Group Policy over the local store, and remote-address scopes.

State: ``firewall.profiles`` and ``firewall.rules`` are the local store (what Set-NetFirewallProfile,
New-NetFirewallRule and Enable-/Disable-NetFirewallRule change). ``firewall.group_policy`` (optional) holds what
Group Policy delivers: ``profiles`` (per profile, only the fields a GPO sets, plus ``AllowLocalPolicyMerge``) and
``rules`` (rules only a GPO defines; read-only here, as the GP store is on Windows).

How Windows merges them (MS-FASP 2.2.38 FW_PROFILE_CONFIG and MS-GPFAS 2.2.3.13):
- a profile setting a GPO configures wins over the local value;
- with "Apply local firewall rules: No" (AllowLocalPolicyMerge = 0 in
  Software\\Policies\\Microsoft\\WindowsFirewall\\<Profile>Profile), local rules are not enforced on that profile;
  https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-gpfas/2c979624-900a-4b6e-b4ef-09b387cd62ab
- rules from both stores are listed by Get-NetFirewallRule -PolicyStore ActiveStore with PolicyStoreSourceType
  Local or GroupPolicy (MS-FASP 2.2.32 FW_RULE_ORIGIN_TYPE). Whether Windows still lists local rules in the active
  store when the merge is off is not documented; the lab lists them, tagged Local, and never enforces them (the
  controller's guard must not count them either way).

Remote-address scopes (the RemoteAddress of Get-NetFirewallAddressFilter, New-NetFirewallRule -RemoteAddress:
https://learn.microsoft.com/en-us/powershell/module/netsecurity/new-netfirewallrule): "Any"; an address; a subnet
in CIDR ("10.0.0.0/24") or mask form ("10.0.0.0/255.255.255.0", as Windows reports it); a range
("10.0.0.1-10.0.0.9"); or a keyword. LocalSubnet, DefaultGateway, DNS and DHCP are evaluated against the host's
interfaces (network.interfaces); the others (Internet, Intranet, IntranetRemoteAccess, PlayToDevice, WINS,
dynamic keywords) are not modelled and count the harsh way: they never let the controller in and always block it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any

from winlab.sim_schema import FIREWALL_PROFILES

LOCAL = "Local"
GROUP_POLICY = "GroupPolicy"
#: NetConnectionProfile.NetworkCategory -> the firewall profile Windows applies to that network.
CATEGORY_PROFILES = {"DomainAuthenticated": "Domain", "Private": "Private", "Public": "Public"}

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def group_policy(state: Mapping[str, Any]) -> Mapping[str, Any]:
    return (state.get("firewall") or {}).get("group_policy") or {}


def active_profile(state: Mapping[str, Any], name: str) -> dict[str, Any]:
    """The profile's fields in force: the local ones, each overridden by a value Group Policy sets."""
    local = ((state.get("firewall") or {}).get("profiles") or {}).get(name) or {}
    policy = (group_policy(state).get("profiles") or {}).get(name) or {}
    return {**local, **{key: value for key, value in policy.items() if key != "AllowLocalPolicyMerge"}}


def local_rules_apply(state: Mapping[str, Any], profile: str) -> bool:
    """Whether local-store rules are enforced on this profile (Group Policy's AllowLocalPolicyMerge is not 0)."""
    policy = (group_policy(state).get("profiles") or {}).get(profile) or {}
    return policy.get("AllowLocalPolicyMerge", True) is not False


def active_rules(state: Mapping[str, Any]) -> list[tuple[str, dict, str]]:
    """(name, rule, source) for every rule of the active store: Group Policy's first, then the local store's."""
    local = (state.get("firewall") or {}).get("rules") or {}
    policy = group_policy(state).get("rules") or {}
    return [(name, rule, GROUP_POLICY) for name, rule in policy.items()] + [
        (name, rule, LOCAL) for name, rule in local.items()
    ]


def enforced_on(state: Mapping[str, Any], rule: Mapping[str, Any], source: str, profile: str) -> bool:
    """Whether the rule is in force on the profile: it names it (or Any) and, for a local rule, merging is on."""
    wanted = {str(item).lower() for item in rule.get("Profile") or ["Any"]}
    if "any" not in wanted and profile.lower() not in wanted:
        return False
    return source != LOCAL or local_rules_apply(state, profile)


def _address(text: Any) -> Address | None:
    try:
        return ipaddress.ip_address(str(text).strip())
    except ValueError:
        return None


def host_networks(state: Mapping[str, Any]) -> list[tuple[str, Network]]:
    """(interface alias, subnet) of every IPv4 address on an interface that is Up."""
    interfaces = (state.get("network") or {}).get("interfaces") or {}
    networks = []
    for alias, interface in interfaces.items():
        if str(interface.get("Status", "")).lower() != "up":
            continue
        for entry in interface.get("IPv4Address") or []:
            text = f"{entry.get('IPAddress')}/{entry.get('PrefixLength')}"
            try:
                networks.append((alias, ipaddress.ip_interface(text).network))
            except ValueError:
                continue
    return networks


def _interface_addresses(state: Mapping[str, Any], field: str) -> set[Address]:
    interfaces = (state.get("network") or {}).get("interfaces") or {}
    found = set()
    for interface in interfaces.values():
        if str(interface.get("Status", "")).lower() != "up":
            continue
        for text in interface.get(field) or []:
            address = _address(text)
            if address is not None:
                found.add(address)
    return found


def _dhcp_servers(state: Mapping[str, Any]) -> set[Address]:
    interfaces = (state.get("network") or {}).get("interfaces") or {}
    found = set()
    for interface in interfaces.values():
        address = _address(interface.get("DhcpServer"))
        if address is not None and str(interface.get("Status", "")).lower() == "up":
            found.add(address)
    return found


def _item_contains(state: Mapping[str, Any], item: str, address: Address) -> bool | None:
    """Whether one scope item contains the address; None for a keyword the lab does not model."""
    text = item.strip()
    keyword = text.lower()
    if keyword == "any":
        return True
    if keyword in ("localsubnet", "localsubnet4", "localsubnet6"):
        return any(address in network for _alias, network in host_networks(state))
    if keyword == "defaultgateway":
        return address in _interface_addresses(state, "IPv4DefaultGateway")
    if keyword == "dns":
        return address in _interface_addresses(state, "DNSServer")
    if keyword == "dhcp":
        return address in _dhcp_servers(state)
    low, dash, high = text.partition("-")
    if dash and _address(low) is not None and _address(high) is not None:
        first, last = _address(low), _address(high)
        return first.version == last.version == address.version and first <= address <= last  # type: ignore[operator]
    if "/" in text:
        try:
            return address in ipaddress.ip_network(text, strict=False)
        except ValueError:
            return None
    single = _address(text)
    return None if single is None else single == address


def scope_contains(state: Mapping[str, Any], scope: Iterable[Any], address: str | None, *, unknown: bool) -> bool:
    """Whether a RemoteAddress scope contains `address`. What the lab cannot decide (an unmodelled keyword, or an
    unknown address against anything but Any) counts as `unknown`: False for allow rules, True for block rules."""
    items = [str(item) for item in scope or ["Any"]]
    if any(item.strip().lower() == "any" for item in items):
        return True
    parsed = _address(address) if address else None
    if parsed is None:
        return unknown
    undecided = False
    for item in items:
        verdict = _item_contains(state, item, parsed)
        if verdict:
            return True
        undecided = undecided or verdict is None
    return unknown if undecided else False


def connection_profile(state: Mapping[str, Any], address: str | None) -> tuple[str, ...]:
    """The firewall profile(s) in force for traffic from `address`: the category of the interface whose subnet holds
    it, else of the interface with a default gateway (where the route goes); an interface without a connection
    profile is an unidentified network, which Windows treats as Public. Without interface data: every profile."""
    network = state.get("network") or {}
    interfaces = network.get("interfaces") or {}
    parsed = _address(address) if address else None
    alias = next(
        (name for name, subnet in host_networks(state) if parsed is not None and parsed in subnet),
        None,
    )
    if alias is None:
        alias = next(
            (
                name
                for name, interface in interfaces.items()
                if str(interface.get("Status", "")).lower() == "up" and interface.get("IPv4DefaultGateway")
            ),
            None,
        )
    if alias is None:
        return FIREWALL_PROFILES
    category = ((network.get("connection_profiles") or {}).get(alias) or {}).get("NetworkCategory", "Public")
    return (CATEGORY_PROFILES.get(category, "Public"),)
