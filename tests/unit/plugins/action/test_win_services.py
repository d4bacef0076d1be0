"""win_services action against simulated hosts (SimulatedConnection)."""

from __future__ import annotations

import json

import pytest
from ansible.errors import AnsibleActionFail

from action_runner import module_runner, run_again_changing_nothing, run_unchanged
from ansible_collections.onepacs.baseline.plugins.action.win_services import ActionModule
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent import _framing as framing
from fake_connection import SimulatedConnection

HOST = "ws01"


run_action = module_runner(
    ActionModule,
    "onepacs.baseline.win_services",
    host=HOST,
    connection_options={"port": 5985, "remote_user": "labadmin"},
)


def svc01(result):
    (record,) = result["controls"]
    assert record["id"] == "SVC-01"
    return record


@pytest.fixture
def workstation():
    return SimulatedConnection.from_profile("win10-22h2-fresh")


def services(connection):
    return connection.host.state["services"]


def test_check_mode_reports_drift_in_one_round_trip_and_changes_nothing(workstation):
    result = run_unchanged(run_action, workstation, check_mode=True)
    record = svc01(result)
    assert (record["status"], record["changed"], result["changed"]) == ("fail", True, True)
    assert record["actual"]["MapsBroker"] == "Auto, Stopped"
    assert record["message"].startswith("not disabled and stopped: XblAuthManager (Manual, Stopped), ")
    assert (
        "; would set service XblAuthManager: {'start_mode': 'Manual', 'state': 'Stopped'} -> "
        "{'start_mode': 'Disabled', 'state': 'Stopped'}; "
    ) in record["message"]
    assert workstation.ops == [["services.get"]]


def test_enforce_disables_and_stops_then_the_next_run_is_clean(workstation):
    result = run_action(workstation)
    record = svc01(result)
    assert record["status"] == "fixed"
    assert set(workstation.ops[1]) == {"services.set"}
    assert (services(workstation)["MapsBroker"]["StartMode"], services(workstation)["MapsBroker"]["State"]) == (
        "Disabled",
        "Stopped",
    )
    assert services(workstation)["SSDPSRV"]["State"] == "Stopped"
    assert services(workstation)["WinRM"] == {
        "DisplayName": "Windows Remote Management (WS-Management)",
        "StartMode": "Auto",
        "State": "Running",
    }
    assert workstation.host.admits("labadmin", 5985) == (True, "admitted")
    assert record["actual"]["SSDPSRV"] == "Disabled, Stopped"

    again = run_again_changing_nothing(run_action, workstation)
    assert svc01(again)["status"] == "pass"


def test_extra_and_keep_services_change_the_list(workstation):
    result = run_action(workstation, {"extra_disabled_services": ["Spooler"], "keep_services": ["MapsBroker"]})
    assert svc01(result)["status"] == "fixed"
    assert services(workstation)["Spooler"]["StartMode"] == "Disabled"
    assert services(workstation)["MapsBroker"]["StartMode"] == "Auto"


def test_none_of_the_listed_services_installed_is_not_applicable(workstation):
    result = run_action(workstation, {"disabled_services": ["WalletService", "wisvc"]})
    record = svc01(result)
    assert record["status"] == "not_applicable"
    assert record["message"] == "none of the listed services is installed: WalletService, wisvc"
    assert len(workstation.requests) == 1


def test_a_protected_service_fails_the_task_before_the_host_is_contacted(workstation):
    with pytest.raises(AnsibleActionFail) as caught:
        run_action(workstation, {"extra_disabled_services": ["WinRM"]})
    assert str(caught.value) == (
        "extra_disabled_services: 'WinRM' is never disabled: the management connection runs over Windows Remote "
        "Management"
    )
    assert workstation.requests == []


def test_a_refused_stop_is_an_error_naming_the_service(workstation):
    probe = run_action(workstation, check_mode=True)
    drifted = [name for name, value in svc01(probe)["actual"].items() if value != "Disabled, Stopped"]
    error = f"{drifted[0]} was not stopped: dependent services are running: Fabrikam"
    refused = {"ok": False, "code": "failed", "error": error}
    answers = [refused] + [{"ok": True, "value": {"start_mode": "Disabled", "state": "Stopped"}}] * (len(drifted) - 1)
    response = json.dumps({"v": 1, "results": answers})
    workstation.failures[2] = (0, f"{framing.RESULT_BEGIN}\n{response}\n{framing.RESULT_END}\n".encode(), b"")
    result = run_action(workstation)
    record = svc01(result)
    assert record["status"] == "error"
    assert record["message"] == f"service XblAuthManager: failed: {error}"
    assert result["failed"] is True
