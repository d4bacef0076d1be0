"""network.ipconfig / network.profiles / network.wlan in the simulator."""

from __future__ import annotations

from sim_requests import value_of
from winlab.simulator import SimulatedHost


def test_ipconfig_lists_adapters_by_index_with_dhcp_and_origin():
    host = SimulatedHost.from_profile("win11-24h2-fresh")
    interfaces = value_of(host, {"op": "network.ipconfig"})["interfaces"]
    assert [item["alias"] for item in interfaces] == ["Ethernet", "Wi-Fi"]
    wifi = interfaces[1]
    assert wifi == {
        "alias": "Wi-Fi",
        "index": 17,
        "description": "Intel(R) Wi-Fi 6E AX211 160MHz",
        "mac": "4C-44-5B-7A-18-E2",
        "status": "Up",
        "dhcp": True,
        "addresses": [{"address": "10.0.0.148", "prefix_length": 24, "prefix_origin": "Dhcp"}],
        "gateways": ["10.0.0.1"],
        "dns_servers": ["10.0.0.1"],
    }
    assert interfaces[0]["addresses"] == []


def test_static_gateway_address():
    host = SimulatedHost.from_profile("server2022-core-hardened")
    interfaces = value_of(host, {"op": "network.ipconfig"})["interfaces"]
    assert (interfaces[0]["dhcp"], interfaces[0]["addresses"][0]["prefix_origin"]) == (False, "Manual")


def test_profiles_only_for_connected_interfaces():
    host = SimulatedHost.from_profile("server2019-fresh")
    assert value_of(host, {"op": "network.profiles"})["profiles"] == [
        {
            "alias": "Embedded LOM 1 Port 1",
            "index": 3,
            "name": "Network 2",
            "category": "Private",
            "ipv4_connectivity": "Internet",
        }
    ]
    host.state["network"]["interfaces"]["Embedded LOM 1 Port 1"]["Status"] = "Disconnected"
    assert value_of(host, {"op": "network.profiles"})["profiles"] == []


def test_wlan_translates_the_connection_into_profile_xml_terms():
    fresh = value_of(SimulatedHost.from_profile("win11-24h2-fresh"), {"op": "network.wlan"})
    assert fresh == {
        "service_running": True,
        "interfaces": [
            {
                "alias": "Wi-Fi",
                "description": "Intel(R) Wi-Fi 6E AX211 160MHz",
                "status": "Up",
                "connected_network": "ClinicGuest",
                "connection": {
                    "profile": "ClinicGuest",
                    "ssid": "ClinicGuest",
                    "authentication": "open",
                    "encryption": "none",
                },
            }
        ],
        "profiles": [
            {
                "name": "ClinicGuest",
                "ssid": "ClinicGuest",
                "authentication": "open",
                "encryption": "none",
                "connection_mode": "auto",
            }
        ],
    }
    hardened = value_of(SimulatedHost.from_profile("win11-24h2-hardened"), {"op": "network.wlan"})
    assert (hardened["profiles"][0]["authentication"], hardened["profiles"][0]["encryption"]) == ("WPA2", "AES")


def test_no_wifi_without_the_wlan_service_or_adapter():
    assert value_of(SimulatedHost.from_profile("win10-22h2-fresh"), {"op": "network.wlan"}) == {
        "service_running": False,
        "interfaces": [],
        "profiles": [],
    }
    host = SimulatedHost.from_profile("win11-24h2-fresh")
    host.state["network"]["wlan"]["service_running"] = False
    stopped = value_of(host, {"op": "network.wlan"})
    assert stopped["profiles"] == []
    assert stopped["interfaces"][0]["connected_network"] is None
