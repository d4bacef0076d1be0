"""Requests and answers of the agent protocol as test data, written once: the simulator's tests check the lab takes
and gives them, the area tests plan and evaluate them."""

from __future__ import annotations

#: defender.status while the antimalware service is not running (Defender turned off for another antivirus
#: product): see protocol/defender.yml.
DEFENDER_SERVICE_DOWN = {
    "am_service_enabled": False,
    "antivirus_enabled": None,
    "am_running_mode": "Not running",
    "real_time_protection_enabled": None,
    "tamper_protected": None,
    "signature_age_days": None,
    "signature_last_updated": None,
    "signature_version": None,
}

#: registry.get of a value whose key does not exist.
REGISTRY_NO_KEY = {"key_exists": False, "exists": False, "type": None, "data": None}
#: registry.get of a value missing from a key that exists.
REGISTRY_NO_VALUE = {"key_exists": True, "exists": False, "type": None, "data": None}


def registry_answer(data: object, kind: str = "DWord") -> dict:
    """registry.get of a value that exists."""
    return {"key_exists": True, "exists": True, "type": kind, "data": data}


#: firewall.add_rule for the management rule of WinRM over HTTP (port 5985), its required arguments only.
MANAGEMENT_RULE_5985 = {
    "op": "firewall.add_rule",
    "name": "OnePacs-Management-In-TCP-5985",
    "display_name": "OnePacs management (TCP 5985-In)",
    "group": "OnePacs baseline",
    "direction": "Inbound",
    "action": "Allow",
    "protocol": "TCP",
    "local_ports": ["5985"],
}
