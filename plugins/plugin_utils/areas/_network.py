"""Network controls: NET-01 (the gateway's reserved private IPv4 address, evaluated by win_host_facts from its
network.ipconfig result) and NET-02 (only secure private networks: the win_network area).

Both are audit-only: the address comes from the clinic's router and the networks from where the machine is used,
so nothing here changes a host. Network and interface names are host data; they are only ever shown quoted.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from .._findings import Finding
from ..agent._transport import OpResult
from ._area import Area, InvalidOptionError, decides

RFC1918_NETWORKS = tuple(ipaddress.IPv4Network(net) for net in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
#: WLAN profile <authentication> values a secure private Wi-Fi may use (profile XML vocabulary, not localized).
SECURE_WIFI_AUTHENTICATIONS = ("WPA2PSK", "WPA2", "WPA3SAE", "WPA3ENT", "WPA3ENT192")
SECURE_WIFI_ENCRYPTIONS = frozenset({"AES", "GCMP256"})
_AUTHENTICATION_NAMES = {
    "open": "open",
    "shared": "WEP shared key",
    "WPA": "WPA-Enterprise (WPA1, deprecated)",
    "WPAPSK": "WPA-Personal (WPA1, deprecated)",
    "WPA2": "WPA2-Enterprise",
    "WPA2PSK": "WPA2-Personal",
    "WPA3": "WPA3-Enterprise",
    "WPA3ENT": "WPA3-Enterprise",
    "WPA3ENT192": "WPA3-Enterprise 192-bit",
    "WPA3SAE": "WPA3-Personal",
    "OWE": "OWE (Enhanced Open: encrypted, but anyone can join)",
}
_SHOWN_MAX = 80
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_DUPLICATE_SUFFIX = re.compile(r"^(.*) \d+$")


def shown(text: Any) -> str:
    """Host-controlled text (a program or network name) for a message: quoted, control characters replaced and
    long names cut, so it reads as data whatever it contains."""
    value = _CONTROL_CHARACTERS.sub("?", str(text).strip())
    if len(value) > _SHOWN_MAX:
        value = value[: _SHOWN_MAX - 3] + "..."
    return "'" + value.replace("'", "\u2019") + "'"


def is_rfc1918(address: str) -> bool:
    """Whether an IPv4 address lies in 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16."""
    try:
        parsed = ipaddress.IPv4Address(address)
    except ValueError:
        return False
    return any(parsed in network for network in RFC1918_NETWORKS)


# ---------------------------------------------------------------------------------------------------------- NET-01


def _origin(prefix_origin: str) -> str:
    return {"Manual": "static", "Dhcp": "DHCP"}.get(prefix_origin, prefix_origin or "unknown")


def ipv4_addresses(interfaces: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every IPv4 address of every adapter, without link-local/loopback ones (PrefixOrigin WellKnown)."""
    return [
        {
            "interface": interface["alias"],
            "connected": interface.get("status") == "Up",
            "address": address["address"],
            "prefix_length": address["prefix_length"],
            "origin": _origin(address.get("prefix_origin", "")),
            "gateways": list(interface.get("gateways") or []),
        }
        for interface in interfaces
        for address in interface.get("addresses") or []
        if address.get("prefix_origin") != "WellKnown"
    ]


def _describe(entry: Mapping[str, Any]) -> str:
    return f"{entry['address']}/{entry['prefix_length']} on {shown(entry['interface'])} ({entry['origin']})"


def reserved_address_finding(ipconfig: OpResult, expected: str | None) -> Finding:
    """NET-01: a connected interface holds the expected private IPv4 address, set statically or by DHCP (which is
    how a router reservation reaches the host; the host cannot tell a reservation from an ordinary lease)."""
    wanted = expected or "expected_ipv4 not set"
    if not ipconfig.ok:
        return Finding.error("NET-01", f"could not read the IPv4 configuration: {ipconfig.describe_error()}", wanted)
    addresses = ipv4_addresses(ipconfig.value["interfaces"])
    connected = [entry for entry in addresses if entry["connected"]]
    found = "; ".join(_describe(entry) for entry in connected) or "none"
    if expected is None:
        return Finding.compare(
            "NET-01",
            expected=wanted,
            actual=connected,
            compliant=False,
            message=(
                "not configured: set expected_ipv4 to the address reserved for the gateway (audit only; the host "
                f"is never changed); connected IPv4 addresses: {found}"
            ),
        )
    matches = [entry for entry in connected if entry["address"] == expected]
    if not matches:
        elsewhere = [entry for entry in addresses if entry["address"] == expected]
        if elsewhere:
            reason = f"{expected} is configured on {shown(elsewhere[0]['interface'])}, which is not connected"
        else:
            reason = f"no connected interface holds {expected}"
        return Finding.compare(
            "NET-01",
            expected=wanted,
            actual=connected,
            compliant=False,
            message=f"{reason}; connected IPv4 addresses: {found}. Reserve {expected} for the gateway on the router "
            "(or set it statically) and point the modalities at it; audit only, the host is not changed",
        )
    match = matches[0]
    if match["origin"] == "static":
        message = f"{_describe(match)}: set statically, a private RFC 1918 address"
    elif match["origin"] == "DHCP":
        message = (
            f"{_describe(match)}: the expected private address, from DHCP; the host cannot tell a router reservation "
            "from an ordinary lease, so keep the reservation for this machine on the router"
        )
    else:
        return Finding.compare(
            "NET-01",
            expected=wanted,
            actual=connected,
            compliant=False,
            message=f"{_describe(match)}: neither static nor from DHCP; audit only, the host is not changed",
        )
    return Finding.compare("NET-01", expected=wanted, actual=connected, compliant=True, message=message)


# ---------------------------------------------------------------------------------------------------------- NET-02


def _wlan_profile_for(network: str, profiles: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The saved WLAN profile of a connected Wi-Fi network. Windows names the connection profile after the SSID, and
    adds " 2", " 3" ... when it has seen several networks of that name, so that suffix is tried without as well."""
    names = [network]
    duplicate = _DUPLICATE_SUFFIX.match(network)
    if duplicate:
        names.append(duplicate.group(1))
    for name in names:
        for compare in (lambda text: text, str.casefold):
            wanted = compare(name)
            for profile in profiles:
                if wanted in (compare(profile.get("ssid") or ""), compare(profile.get("name") or "")):
                    return profile
    return None


def wifi_weakness(authentication: str, encryption: str, allowed: Sequence[str]) -> str | None:
    """Why a Wi-Fi security setting is not a secure private network, or None when it is."""
    if encryption == "WEP" or authentication == "shared":
        return "uses WEP, which is broken"
    if authentication == "open" and encryption in ("none", ""):
        return "is open: no password and no encryption"
    name = _AUTHENTICATION_NAMES.get(authentication, authentication or "unknown")
    if authentication not in SECURE_WIFI_AUTHENTICATIONS:
        return f"uses {name}"
    if authentication not in allowed:
        return f"uses {name}, which is not in wifi_authentication"
    if encryption not in SECURE_WIFI_ENCRYPTIONS:
        return f"uses {name} with {encryption or 'unknown'} encryption (AES or GCMP-256 expected)"
    return None


class NetworkArea(Area):
    """NET-02: no connected network is Public, and a connected Wi-Fi is WPA2/WPA3 (audit only)."""

    module: ClassVar[str] = "win_network"
    options: ClassVar[dict[str, dict[str, Any]]] = {
        "wifi_authentication": {
            "type": "list",
            "elements": "str",
            "choices": list(SECURE_WIFI_AUTHENTICATIONS),
            "default": list(SECURE_WIFI_AUTHENTICATIONS),
        },
    }

    def validate(self) -> None:
        if not self.params["wifi_authentication"]:
            raise InvalidOptionError("wifi_authentication: list at least one WPA2 or WPA3 authentication")

    def probe_ops(self) -> dict[str, dict[str, Any]]:
        return {"profiles": {"op": "network.profiles"}, "wlan": {"op": "network.wlan"}}

    def evaluate(self, results: Mapping[str, OpResult]) -> list[Finding]:
        return [self._secure_networks(results["profiles"], results["wlan"])]

    @decides("NET-02")
    def _secure_networks(self, profiles: OpResult, wlan: OpResult) -> Finding:
        allowed = list(self.params["wifi_authentication"])
        expected = {"public_profiles": 0, "wifi_authentication": allowed}
        for name, result in (("network connection profiles", profiles), ("Wi-Fi state", wlan)):
            if not result.ok:
                return Finding.error("NET-02", f"could not read the {name}: {result.describe_error()}", expected)
        connections = [
            {"interface": item["alias"], "network": item["name"], "category": item["category"]}
            for item in profiles.value["profiles"]
        ]
        problems = [
            f"{shown(item['network'])} on {shown(item['interface'])} is a Public network"
            for item in connections
            if item["category"] == "Public"
        ]
        wifi = []
        for interface in wlan.value["interfaces"]:
            network = interface.get("connected_network")
            if interface.get("status") != "Up" or not network:
                continue
            # The current connection (Native Wifi API) is the network itself; the connection profile's name is
            # the domain's on a domain network, so the saved profiles are matched by name only without it.
            profile = interface.get("connection") or _wlan_profile_for(network, wlan.value["profiles"])
            entry = {
                "interface": interface["alias"],
                "network": network,
                "ssid": profile.get("ssid") if profile else None,
                "authentication": profile.get("authentication") if profile else None,
                "encryption": profile.get("encryption") if profile else None,
            }
            wifi.append(entry)
            where = f"Wi-Fi {shown(network)} on {shown(interface['alias'])}"
            if profile is None:
                problems.append(f"{where}: no saved WLAN profile matches it, so its security is unknown")
                continue
            weakness = wifi_weakness(entry["authentication"] or "", entry["encryption"] or "", allowed)
            if weakness:
                problems.append(f"{where} {weakness}")
        actual = {"connection_profiles": connections, "wifi": wifi}
        if problems:
            message = "; ".join(problems) + (
                ". Use only the clinic's private WPA2/WPA3 network (or its VPN) and mark trusted networks Private; "
                "audit only, the host is not changed"
            )
            return Finding.compare("NET-02", expected=expected, actual=actual, compliant=False, message=message)
        if not connections:
            return Finding.compare("NET-02", expected=expected, actual=actual, compliant=True, message="not connected")
        described = ", ".join(
            f"{shown(item['network'])} on {shown(item['interface'])} ({item['category']})" for item in connections
        )
        secured = "".join(
            f"; Wi-Fi {shown(item['network'])} uses {_AUTHENTICATION_NAMES.get(item['authentication'])}"
            for item in wifi
        )
        return Finding.compare(
            "NET-02", expected=expected, actual=actual, compliant=True, message=f"connected: {described}{secured}"
        )
