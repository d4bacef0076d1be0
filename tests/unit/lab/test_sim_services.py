"""services.* ops in the simulator: Service Control Manager semantics and what they do to admits()."""

from __future__ import annotations

import pytest

from sim_requests import run_one, value_of
from winlab.sim_ops_services import services_selected_by_name
from winlab.simulator import SimulatedHost


@pytest.fixture
def client():
    return SimulatedHost.from_profile("win10-22h2-fresh")


def test_get_answers_in_asked_order_with_missing_services_as_data(client):
    services = value_of(client, {"op": "services.get", "names": ["mapsbroker", "WalletService", "WinRM"]})["services"]
    assert services == [
        {
            "name": "MapsBroker",
            "exists": True,
            "display_name": "Downloaded Maps Manager",
            "start_mode": "Auto",
            "state": "Stopped",
            "delayed_auto_start": True,
        },
        {
            "name": "WalletService",
            "exists": False,
            "display_name": None,
            "start_mode": None,
            "state": None,
            "delayed_auto_start": None,
        },
        {
            "name": "WinRM",
            "exists": True,
            "display_name": "Windows Remote Management (WS-Management)",
            "start_mode": "Auto",
            "state": "Running",
            "delayed_auto_start": False,
        },
    ]


@pytest.mark.parametrize("names", [[""], [5], [None]])
def test_get_rejects_what_is_not_a_service_name(client, names):
    result = run_one(client, {"op": "services.get", "names": names})
    assert (result["ok"], result["code"]) == (False, "invalid_argument")


def test_set_disables_and_stops_and_reads_back(client):
    value = value_of(client, {"op": "services.set", "name": "ssdpsrv", "start_mode": "Disabled", "stop": True})
    assert (value["name"], value["start_mode"], value["state"]) == ("SSDPSRV", "Disabled", "Stopped")
    assert client.state["services"]["SSDPSRV"] == {
        "DisplayName": "SSDP Discovery",
        "StartMode": "Disabled",
        "State": "Stopped",
    }


def test_set_start_mode_alone_leaves_a_running_service_running(client):
    value = value_of(client, {"op": "services.set", "name": "Themes", "start_mode": "Manual"})
    assert (value["start_mode"], value["state"]) == ("Manual", "Running")
    value = value_of(client, {"op": "services.set", "name": "Themes", "stop": True})
    assert (value["start_mode"], value["state"]) == ("Manual", "Stopped")


def test_set_on_a_missing_service_is_not_found_and_needs_a_change(client):
    result = run_one(client, {"op": "services.set", "name": "WalletService", "start_mode": "Disabled"})
    assert (result["ok"], result["code"]) == (False, "not_found")
    assert "WalletService" in result["error"]
    result = run_one(client, {"op": "services.set", "name": "Themes"})
    assert (result["ok"], result["code"]) == (False, "invalid_argument")
    result = run_one(client, {"op": "services.set", "name": "Themes", "start_mode": "Automatic"})
    assert (result["ok"], result["code"]) == (False, "invalid_argument")


def test_stopping_winrm_locks_everyone_out(client):
    assert client.admits("labadmin", 5985)[0] is True
    value_of(client, {"op": "services.set", "name": "WinRM", "stop": True})
    admitted, reason = client.admits("labadmin", 5985)
    assert admitted is False
    assert "WinRM" in reason


def test_a_service_that_hangs_while_stopping_fails_after_the_agents_wait(client):
    client.state["services"]["Spooler"] = {
        "DisplayName": "Print Spooler",
        "StartMode": "Auto",
        "State": "Running",
        "StopHangs": True,
    }
    result = run_one(client, {"op": "services.set", "name": "spooler", "stop": True})
    assert (result["ok"], result["code"]) == (False, "failed")
    assert result["error"].startswith("Spooler did not stop within 30 seconds (state: StopPending)")
    assert value_of(client, {"op": "services.get", "names": ["Spooler"]})["services"][0]["state"] == "StopPending"


def test_service_names_are_patterns_for_stop_service_and_literals_for_the_op():
    host = SimulatedHost.from_profile("server2022-desktop-fresh")
    services = host.state["services"]
    services["Remote*"] = {"DisplayName": "Vendor agent", "StartMode": "Auto", "State": "Running"}
    running_before = {name for name, service in services.items() if service.get("State") == "Running"}
    assert len(services_selected_by_name(host.state, "Remote*")) > 1  # what -Name 'Remote*' would stop
    (result,) = host.execute({"v": 1, "ops": [{"op": "services.set", "name": "Remote*", "stop": True}]})["results"]
    assert result["ok"], result
    running_after = {name for name, service in services.items() if service.get("State") == "Running"}
    assert running_before - running_after == {"Remote*"}
