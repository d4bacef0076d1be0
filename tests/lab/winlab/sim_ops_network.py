"""network.ipconfig / network.profiles / network.wlan over state["network"] (format in PROFILES.md).

- interfaces by alias (Get-NetAdapter / Get-NetIPInterface / Get-NetIPAddress fields: InterfaceIndex, Status,
  Dhcp, IPv4Address [{IPAddress, PrefixLength, PrefixOrigin}], IPv4DefaultGateway, DNSServer, ...);
- connection_profiles by alias (Get-NetConnectionProfile: Name, NetworkCategory, IPv4Connectivity); Windows has a
  connection profile only for a connected interface, so profiles of interfaces that are not Up are not listed;
- wlan: service_running and interfaces by alias in the form `netsh wlan show interfaces` shows them (State, SSID,
  Authentication, Cipher). The agent reads the exported WLAN profile XML instead, so network.wlan translates the
  connected network into the profile XML vocabulary (WPA2-Personal -> WPA2PSK, CCMP -> AES, ...) and lists one saved
  profile per SSID. With the WLAN service stopped, Windows has no Wi-Fi connection and netsh exports nothing.
"""

from __future__ import annotations

from winlab.sim_op import Op

#: `netsh wlan show interfaces` authentication -> WLAN profile XML <authentication>.
AUTHENTICATION_XML = {
    "Open": "open",
    "Shared": "shared",
    "WPA-Personal": "WPAPSK",
    "WPA-Enterprise": "WPA",
    "WPA2-Personal": "WPA2PSK",
    "WPA2-Enterprise": "WPA2",
    "WPA3-Personal": "WPA3SAE",
    "WPA3-Enterprise": "WPA3ENT",
    "WPA3-Enterprise 192 Bits": "WPA3ENT192",
    "OWE": "OWE",
}
#: `netsh wlan show interfaces` cipher -> WLAN profile XML <encryption>.
ENCRYPTION_XML = {"None": "none", "WEP": "WEP", "TKIP": "TKIP", "CCMP": "AES", "GCMP": "AES", "GCMP-256": "GCMP256"}


def _network(state: dict) -> dict:
    return state.get("network") or {}


def _is_up(interface: dict) -> bool:
    return interface.get("Status") == "Up"


def network_ipconfig(state: dict, args: dict) -> dict:
    """IPv4 configuration of every adapter, by interface index (protocol network.ipconfig)."""
    interfaces = []
    for alias, interface in (_network(state).get("interfaces") or {}).items():
        interfaces.append(
            {
                "alias": alias,
                "index": interface.get("InterfaceIndex", 0),
                "description": interface.get("InterfaceDescription", ""),
                "mac": interface.get("MacAddress", ""),
                "status": interface.get("Status", ""),
                "dhcp": interface.get("Dhcp") == "Enabled",
                "addresses": [
                    {
                        "address": address["IPAddress"],
                        "prefix_length": address["PrefixLength"],
                        "prefix_origin": address.get("PrefixOrigin", "Manual"),
                    }
                    for address in interface.get("IPv4Address") or []
                ],
                "gateways": list(interface.get("IPv4DefaultGateway") or []),
                "dns_servers": list(interface.get("DNSServer") or []),
            }
        )
    return {"interfaces": sorted(interfaces, key=lambda item: item["index"])}


def _connected_profiles(state: dict) -> dict[str, dict]:
    interfaces = _network(state).get("interfaces") or {}
    return {
        alias: profile
        for alias, profile in (_network(state).get("connection_profiles") or {}).items()
        if _is_up(interfaces.get(alias) or {})
    }


def network_profiles(state: dict, args: dict) -> dict:
    """Connection profiles of the connected interfaces (protocol network.profiles)."""
    interfaces = _network(state).get("interfaces") or {}
    return {
        "profiles": [
            {
                "alias": alias,
                "index": (interfaces.get(alias) or {}).get("InterfaceIndex", 0),
                "name": profile.get("Name", ""),
                "category": profile["NetworkCategory"],
                "ipv4_connectivity": profile.get("IPv4Connectivity", ""),
            }
            for alias, profile in _connected_profiles(state).items()
        ]
    }


def _current_connection(radio: dict) -> dict | None:
    """What WlanQueryInterface reports for the radio's current connection (the SSID is also the profile name)."""
    ssid = radio.get("SSID")
    if not ssid:
        return None
    authentication, cipher = radio.get("Authentication", ""), radio.get("Cipher", "")
    return {
        "profile": radio.get("ProfileName", ssid),
        "ssid": ssid,
        "authentication": AUTHENTICATION_XML.get(authentication, authentication),
        "encryption": ENCRYPTION_XML.get(cipher, cipher),
    }


def network_wlan(state: dict, args: dict) -> dict:
    """Wi-Fi adapters, the network each is connected to, and the saved profiles' security (protocol network.wlan)."""
    network = _network(state)
    wlan = network.get("wlan") or {}
    running = bool(wlan.get("service_running"))
    adapters = network.get("interfaces") or {}
    connected = _connected_profiles(state)
    interfaces = []
    profiles: dict[str, dict] = {}
    for alias, radio in (wlan.get("interfaces") or {}).items():
        adapter = adapters.get(alias) or {}
        profile = connected.get(alias) if running else None
        interfaces.append(
            {
                "alias": alias,
                "description": adapter.get("InterfaceDescription", ""),
                "status": adapter.get("Status", "Disconnected") if running else "Disconnected",
                "connected_network": profile.get("Name") if profile else None,
                "connection": _current_connection(radio) if profile else None,
            }
        )
        ssid = radio.get("SSID")
        if running and ssid:
            authentication = radio.get("Authentication", "")
            cipher = radio.get("Cipher", "")
            profiles.setdefault(
                ssid,
                {
                    "name": ssid,
                    "ssid": ssid,
                    "authentication": AUTHENTICATION_XML.get(authentication, authentication),
                    "encryption": ENCRYPTION_XML.get(cipher, cipher),
                    "connection_mode": "auto",
                },
            )
    return {"service_running": running, "interfaces": interfaces, "profiles": list(profiles.values())}


OPS = (
    Op("network.ipconfig", network_ipconfig),
    Op("network.profiles", network_profiles),
    Op("network.wlan", network_wlan),
)
