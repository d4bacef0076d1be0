from __future__ import annotations

import pytest

from ansible_collections.onepacs.baseline.plugins.plugin_utils._findings import Outcome
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._transport import OpResult
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._area import InvalidOptionError
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._network import (
    SECURE_WIFI_AUTHENTICATIONS,
    NetworkArea,
    is_rfc1918,
    reserved_address_finding,
    shown,
    wifi_weakness,
)

DEFAULTS = {"wifi_authentication": list(SECURE_WIFI_AUTHENTICATIONS)}
FAILED = OpResult(ok=False, code="not_supported", error="Get-NetAdapter is missing")


def interface(alias, address=None, origin="Manual", status="Up", dhcp=False):
    addresses = [] if address is None else [{"address": address, "prefix_length": 24, "prefix_origin": origin}]
    return {
        "alias": alias,
        "index": 4,
        "description": "vmxnet3",
        "mac": "00-50-56-9A-3C-11",
        "status": status,
        "dhcp": dhcp,
        "addresses": addresses,
        "gateways": ["192.168.10.1"] if address else [],
        "dns_servers": [],
    }


def ipconfig(*interfaces):
    return OpResult(ok=True, value={"interfaces": list(interfaces)})


# ------------------------------------------------------------------------------------------------------ NET-01


@pytest.mark.parametrize(
    ("address", "private"),
    [
        ("10.20.0.10", True),
        ("172.16.5.20", True),
        ("172.31.255.1", True),
        ("172.32.0.1", False),
        ("192.168.10.20", True),
        ("100.64.0.1", False),
        ("8.8.8.8", False),
        ("169.254.1.1", False),
        ("not an address", False),
    ],
)
def test_rfc1918(address, private):
    assert is_rfc1918(address) is private


def test_static_expected_address_passes():
    finding = reserved_address_finding(ipconfig(interface("Ethernet0", "192.168.10.20")), "192.168.10.20")
    assert finding.outcome is Outcome.COMPLIANT
    assert finding.message == "192.168.10.20/24 on 'Ethernet0' (static): set statically, a private RFC 1918 address"
    assert finding.actual[0]["address"] == "192.168.10.20"
    assert finding.changes == ()


def test_dhcp_expected_address_passes_as_a_reservation_with_a_note():
    result = ipconfig(interface("Ethernet", "10.20.0.10", origin="Dhcp", dhcp=True))
    finding = reserved_address_finding(result, "10.20.0.10")
    assert finding.outcome is Outcome.COMPLIANT
    assert "cannot tell a router reservation from an ordinary lease" in finding.message


def test_another_address_fails_listing_what_was_found():
    result = ipconfig(interface("Ethernet0", "192.168.10.57", origin="Dhcp", dhcp=True))
    finding = reserved_address_finding(result, "192.168.10.20")
    assert finding.outcome is Outcome.DRIFTED
    assert finding.changes == ()
    assert finding.message.startswith(
        "no connected interface holds 192.168.10.20; connected IPv4 addresses: 192.168.10.57/24 on 'Ethernet0' (DHCP)"
    )
    assert "audit only" in finding.message


def test_expected_address_on_a_disconnected_interface_fails():
    result = ipconfig(interface("Port 1", "10.0.0.9"), interface("Port 2", "10.0.0.5", status="Disconnected"))
    finding = reserved_address_finding(result, "10.0.0.5")
    assert finding.outcome is Outcome.DRIFTED
    assert finding.message.startswith("10.0.0.5 is configured on 'Port 2', which is not connected")


def test_link_local_addresses_are_ignored():
    result = ipconfig(interface("Ethernet", "169.254.10.2", origin="WellKnown"))
    finding = reserved_address_finding(result, "10.0.0.5")
    assert finding.actual == []
    assert "connected IPv4 addresses: none" in finding.message


def test_without_an_expected_address_net01_fails_as_not_configured():
    finding = reserved_address_finding(ipconfig(interface("Ethernet0", "192.168.10.20")), None)
    assert finding.outcome is Outcome.DRIFTED
    assert finding.expected == "expected_ipv4 not set"
    assert finding.message.startswith("not configured: set expected_ipv4")
    assert "192.168.10.20/24 on 'Ethernet0' (static)" in finding.message


def test_unreadable_ipconfig_is_an_error():
    finding = reserved_address_finding(FAILED, "10.0.0.5")
    assert finding.outcome is Outcome.ERROR
    assert finding.message == "could not read the IPv4 configuration: not_supported: Get-NetAdapter is missing"


def test_host_text_is_shown_quoted_and_defanged():
    assert shown("Office\n{{ lookup('pipe', 'id') }}") == "'Office?{{ lookup(\u2019pipe\u2019, \u2019id\u2019) }}'"
    assert shown("x" * 200).endswith("...'")
    assert len(shown("x" * 200)) == 82


# ------------------------------------------------------------------------------------------------------ NET-02


def profiles(*entries):
    return OpResult(
        ok=True,
        value={
            "profiles": [
                {"alias": alias, "index": 1, "name": name, "category": category, "ipv4_connectivity": "Internet"}
                for alias, name, category in entries
            ]
        },
    )


def wlan(interfaces=(), wlan_profiles=(), running=True):
    return OpResult(
        ok=True,
        value={"service_running": running, "interfaces": list(interfaces), "profiles": list(wlan_profiles)},
    )


def radio(network, alias="Wi-Fi", status="Up", connection=None):
    entry = {"alias": alias, "description": "Intel AX211", "status": status, "connected_network": network}
    if connection is not None:
        entry["connection"] = connection
    return entry


def saved(ssid, authentication, encryption, name=None):
    return {
        "name": name or ssid,
        "ssid": ssid,
        "authentication": authentication,
        "encryption": encryption,
        "connection_mode": "auto",
    }


def net02(profile_result, wlan_result, params=None):
    (finding,) = NetworkArea({**DEFAULTS, **(params or {})}).evaluate({"profiles": profile_result, "wlan": wlan_result})
    assert finding.control_id == "NET-02"
    assert finding.changes == ()
    return finding


def test_probe_is_two_read_only_ops():
    ops = NetworkArea(DEFAULTS).probe_ops()
    assert [op["op"] for op in ops.values()] == ["network.profiles", "network.wlan"]


def test_private_wired_network_passes():
    finding = net02(profiles(("Ethernet", "Network", "Private")), wlan(running=False))
    assert finding.outcome is Outcome.COMPLIANT
    assert finding.message == "connected: 'Network' on 'Ethernet' (Private)"


def test_public_profile_fails():
    finding = net02(profiles(("Ethernet", "Network", "Public")), wlan(running=False))
    assert finding.outcome is Outcome.DRIFTED
    assert finding.message.startswith("'Network' on 'Ethernet' is a Public network. ")
    assert finding.actual["connection_profiles"] == [
        {"interface": "Ethernet", "network": "Network", "category": "Public"}
    ]


def test_open_guest_wifi_on_a_public_profile_fails_twice():
    finding = net02(
        profiles(("Wi-Fi", "ClinicGuest", "Public")),
        wlan([radio("ClinicGuest")], [saved("ClinicGuest", "open", "none")]),
    )
    assert finding.outcome is Outcome.DRIFTED
    assert "'ClinicGuest' on 'Wi-Fi' is a Public network" in finding.message
    assert "Wi-Fi 'ClinicGuest' on 'Wi-Fi' is open: no password and no encryption" in finding.message
    assert finding.actual["wifi"] == [
        {
            "interface": "Wi-Fi",
            "network": "ClinicGuest",
            "ssid": "ClinicGuest",
            "authentication": "open",
            "encryption": "none",
        }
    ]


def test_wpa2_enterprise_on_a_private_profile_passes():
    finding = net02(
        profiles(("Wi-Fi", "ClinicSecure", "Private")),
        wlan([radio("ClinicSecure")], [saved("ClinicGuest", "open", "none"), saved("ClinicSecure", "WPA2", "AES")]),
    )
    assert finding.outcome is Outcome.COMPLIANT
    assert (
        finding.message == "connected: 'ClinicSecure' on 'Wi-Fi' (Private); Wi-Fi 'ClinicSecure' uses WPA2-Enterprise"
    )


def test_the_connection_profile_suffix_windows_adds_is_matched():
    finding = net02(
        profiles(("Wi-Fi", "ClinicSecure 2", "Private")),
        wlan([radio("ClinicSecure 2")], [saved("ClinicSecure", "WPA3SAE", "AES")]),
    )
    assert finding.outcome is Outcome.COMPLIANT


def test_a_connected_network_without_a_saved_profile_is_unknown_and_fails():
    finding = net02(profiles(("Wi-Fi", "Cafe", "Private")), wlan([radio("Cafe")], []))
    assert finding.outcome is Outcome.DRIFTED
    assert "no saved WLAN profile matches it, so its security is unknown" in finding.message


def test_a_disconnected_radio_is_not_judged():
    finding = net02(profiles(), wlan([radio(None, status="Disconnected")], [saved("Old", "open", "none")]))
    assert finding.outcome is Outcome.COMPLIANT
    assert finding.message == "not connected"


@pytest.mark.parametrize(
    ("authentication", "encryption", "weakness"),
    [
        ("open", "none", "is open: no password and no encryption"),
        ("open", "WEP", "uses WEP, which is broken"),
        ("shared", "WEP", "uses WEP, which is broken"),
        ("WPAPSK", "TKIP", "uses WPA-Personal (WPA1, deprecated)"),
        ("OWE", "AES", "uses OWE (Enhanced Open: encrypted, but anyone can join)"),
        ("WPA2PSK", "TKIP", "uses WPA2-Personal with TKIP encryption (AES or GCMP-256 expected)"),
        ("WPA2PSK", "AES", None),
        ("WPA3ENT192", "GCMP256", None),
    ],
)
def test_wifi_weakness(authentication, encryption, weakness):
    assert wifi_weakness(authentication, encryption, SECURE_WIFI_AUTHENTICATIONS) == weakness


def test_wifi_authentication_option_can_require_enterprise():
    finding = net02(
        profiles(("Wi-Fi", "Clinic", "Private")),
        wlan([radio("Clinic")], [saved("Clinic", "WPA2PSK", "AES")]),
        {"wifi_authentication": ["WPA2", "WPA3ENT"]},
    )
    assert finding.outcome is Outcome.DRIFTED
    assert "uses WPA2-Personal, which is not in wifi_authentication" in finding.message


def test_empty_wifi_authentication_is_rejected():
    with pytest.raises(InvalidOptionError, match=r"^wifi_authentication: "):
        NetworkArea({"wifi_authentication": []})


@pytest.mark.parametrize("which", ["profiles", "wlan"])
def test_an_op_failure_is_an_error(which):
    results = {"profiles": profiles(("Ethernet", "Network", "Private")), "wlan": wlan(running=False)}
    results[which] = FAILED
    (finding,) = NetworkArea(DEFAULTS).evaluate(results)
    assert finding.outcome is Outcome.ERROR
    assert "not_supported: Get-NetAdapter is missing" in finding.message


def test_domain_wifi_is_judged_by_the_ssid_and_security_of_the_current_connection():
    """On a domain network Windows names the connection profile after the domain, not the SSID."""
    current = {"profile": "ClinicSecure", "ssid": "ClinicSecure", "authentication": "WPA2", "encryption": "AES"}
    finding = net02(
        profiles(("Wi-Fi", "clinic.local", "DomainAuthenticated")),
        wlan([radio("clinic.local", connection=current)], [saved("ClinicSecure", "WPA2", "AES")]),
    )
    assert finding.outcome is Outcome.COMPLIANT, finding.message
    assert finding.actual["wifi"][0]["ssid"] == "ClinicSecure"


def test_domain_wifi_that_is_open_still_fails_by_its_current_connection():
    current = {"profile": "Lobby", "ssid": "Lobby", "authentication": "open", "encryption": "none"}
    finding = net02(
        profiles(("Wi-Fi", "clinic.local", "DomainAuthenticated")), wlan([radio("clinic.local", connection=current)])
    )
    assert finding.outcome is Outcome.DRIFTED
    assert "Wi-Fi 'clinic.local' on 'Wi-Fi' is open" in finding.message
