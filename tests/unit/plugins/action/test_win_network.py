from __future__ import annotations

import pytest
from ansible.errors import AnsibleActionFail

from action_runner import module_runner, run_unchanged
from ansible_collections.onepacs.baseline.plugins.action.win_network import ActionModule
from fake_connection import SimulatedConnection

HOST = "rd02"


run_action = module_runner(ActionModule, "onepacs.baseline.win_network", host=HOST)


def connection_to(profile):
    return SimulatedConnection.from_profile(profile)


@pytest.mark.parametrize("check_mode", [True, False])
def test_open_guest_wifi_on_a_public_network_fails_and_nothing_changes(check_mode):
    connection = connection_to("win11-24h2-fresh")
    result = run_unchanged(run_action, connection, {"baseline": "workstation"}, check_mode=check_mode)
    (record,) = result["controls"]
    assert (record["id"], record["status"], record["changed"]) == ("NET-02", "fail", False)
    assert "'ClinicGuest' on 'Wi-Fi' is a Public network" in record["message"]
    assert "is open: no password and no encryption" in record["message"]
    assert result["changed"] is False
    assert connection.ops == [["network.profiles", "network.wlan"]]


def test_wpa2_enterprise_on_a_private_network_passes():
    result = run_action(connection_to("win11-24h2-hardened"), {"baseline": "workstation"})
    (record,) = result["controls"]
    assert record["status"] == "pass"
    assert record["actual"]["wifi"] == [
        {
            "interface": "Wi-Fi",
            "network": "ClinicSecure",
            "ssid": "ClinicSecure",
            "authentication": "WPA2",
            "encryption": "AES",
        }
    ]


def test_requiring_wpa3_fails_a_wpa2_network():
    result = run_action(connection_to("win11-24h2-hardened"), {"wifi_authentication": ["WPA3ENT", "WPA3ENT192"]})
    assert result["controls"][0]["status"] == "fail"
    assert "which is not in wifi_authentication" in result["controls"][0]["message"]


def test_wired_desktop_on_a_public_profile_fails_and_a_private_one_passes():
    assert run_action(connection_to("win10-22h2-fresh"))["controls"][0]["status"] == "fail"
    assert run_action(connection_to("win10-22h2-hardened"))["controls"][0]["status"] == "pass"


def test_gateway_baseline_has_no_net02():
    connection = connection_to("server2022-core-fresh")
    result = run_action(connection, {"baseline": "gateway"})
    assert result["controls"] == []
    assert result["msg"] == "no control selected"
    assert connection.requests == []


def test_a_weak_method_cannot_be_allowed():
    connection = connection_to("win11-24h2-fresh")
    with pytest.raises(AnsibleActionFail, match="wifi_authentication"):
        run_action(connection, {"wifi_authentication": ["open"]})
    assert connection.requests == []


def test_domain_wifi_named_after_the_domain_is_judged_by_its_ssid_and_security():
    """A domain-joined laptop on the clinic's WPA2-Enterprise Wi-Fi: Windows names the connection profile
    "clinic.local" (the domain), not the SSID, and no saved WLAN profile has that name."""
    connection = connection_to("win11-24h2-hardened")
    connection.host.state["network"]["connection_profiles"]["Wi-Fi"].update(
        Name="clinic.local", NetworkCategory="DomainAuthenticated"
    )
    result = run_action(connection, {"baseline": "workstation"})
    (record,) = result["controls"]
    assert record["status"] == "pass", record["message"]
    assert record["actual"]["wifi"][0]["ssid"] == "ClinicSecure"
    assert "Wi-Fi 'clinic.local' uses WPA2-Enterprise" in record["message"]
