from __future__ import annotations

import json

import pytest

from action_runner import assert_rejected_before_contact, module_runner, run_unchanged, run_with_agent_denied
from ansible_collections.onepacs.baseline.plugins.action.win_security_options import ActionModule
from control_results import statuses
from fake_connection import SimulatedConnection
from sim_requests import value_of

HOST = "gw01"
MODULE = "onepacs.baseline.win_security_options"
PASSWORD = "Gateway2019!"  # the DefaultPassword of the server2019-fresh lab profile
WINLOGON = r"HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon"
ALL = ["SEC-01", "SEC-02", "SEC-03", "SEC-04", "SEC-05", "SEC-06", "LCK-01"]


run_action = module_runner(ActionModule, MODULE, host=HOST)


def registry_data(host, path, name):
    return value_of(host, {"op": "registry.get", "path": path, "name": name})


@pytest.fixture
def fresh():
    return SimulatedConnection.from_profile("server2019-fresh")


def test_check_mode_reports_every_drift_in_one_round_trip_and_changes_nothing(fresh):
    result = run_unchanged(run_action, fresh, check_mode=True)
    assert statuses(result) == dict.fromkeys(ALL, "fail")
    assert result["changed"] is True
    assert len(fresh.requests) == 1
    assert set(fresh.ops[0]) == {"registry.get"}
    assert result["reboot_required"] is False


def test_enforce_fixes_everything_then_the_next_run_is_clean(fresh):
    result = run_action(fresh)
    assert statuses(result) == dict.fromkeys(ALL, "fixed")
    assert "registry.remove" in fresh.ops[1]
    assert registry_data(fresh.host, WINLOGON, "DefaultPassword")["exists"] is False
    assert registry_data(fresh.host, WINLOGON, "AutoAdminLogon")["data"] == "0"
    # SMBv1 is off only after a restart, which the module never does itself.
    assert result["reboot_required"] is True
    smb = next(record for record in result["controls"] if record["id"] == "SEC-03")
    assert smb["message"].endswith("takes effect after a reboot (not rebooted)")

    again = run_action(fresh)
    assert statuses(again) == dict.fromkeys(ALL, "pass")
    assert (again["changed"], again["reboot_required"]) == (False, False)
    assert len(fresh.requests) == 3


def test_the_stored_password_never_appears_in_the_result_or_the_diff(fresh):
    for check_mode in (True, False):
        result = run_action(fresh, check_mode=check_mode, diff=True)
        assert PASSWORD not in json.dumps(result)
    # The first (check mode) run showed the value only as present/absent.
    diff = run_action(SimulatedConnection.from_profile("server2019-fresh"), check_mode=True, diff=True)
    assert diff["diff"]["before"]["SEC-02 DefaultPassword"] == "present"
    assert diff["diff"]["after"]["SEC-02 DefaultPassword"] == "absent"


def test_workstation_baseline_leaves_out_the_gateway_only_recovery_console_control(fresh):
    result = run_action(fresh, {"baseline": "workstation"}, check_mode=True)
    assert "SEC-01" not in statuses(result)
    assert set(statuses(result)) == set(ALL) - {"SEC-01"}


def test_inactivity_option_is_applied(fresh):
    run_action(fresh, {"inactivity_timeout_seconds": 600, "only": ["LCK-01"]})
    data = registry_data(
        fresh.host, r"HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System", "InactivityTimeoutSecs"
    )
    assert data["data"] == 600


def test_hardened_host_passes_without_a_second_round_trip():
    connection = SimulatedConnection.from_profile("win10-22h2-hardened")
    result = run_action(connection)
    assert set(statuses(result).values()) == {"pass"}
    assert len(connection.requests) == 1


def test_a_write_windows_refuses_is_an_error_for_that_control_only(fresh):
    fresh.host.state["registry_access"][r"HKLM:\SYSTEM\CurrentControlSet\Control\Lsa"] = "read"
    result = run_action(fresh)
    assert statuses(result)["SEC-06"] == "error"
    assert "access_denied" in next(r for r in result["controls"] if r["id"] == "SEC-06")["message"]
    assert statuses(result)["SEC-05"] == "fixed"
    assert result["failed"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"inactivity_timeout_seconds": 0}, "inactivity_timeout_seconds: must be between 1 and 900"),
        ({"inactivity_timeout_seconds": "soon"}, "inactivity_timeout_seconds"),
        ({"smb1": False}, f"Unsupported parameters for ({MODULE}) module: smb1"),
    ],
)
def test_bad_arguments_fail_before_the_host_is_contacted(fresh, args, message):
    assert_rejected_before_contact(run_action, fresh, args, message)


def test_agent_failure_fails_the_task_with_every_control_in_error(fresh):
    result = run_with_agent_denied(run_action, fresh)
    assert set(statuses(result).values()) == {"error"}


def test_the_stored_password_never_leaves_the_host():
    connection = SimulatedConnection.from_profile("server2019-fresh")
    outputs = []
    original = connection.exec_command

    def recording(cmd, in_data=None, sudoable=True):
        rc, stdout, stderr = original(cmd, in_data=in_data, sudoable=sudoable)
        outputs.append(stdout + stderr)
        return rc, stdout, stderr

    connection.exec_command = recording
    result = run_action(connection, check_mode=True)
    assert statuses(result)["SEC-02"] == "fail"
    assert outputs
    assert all(PASSWORD.encode() not in output for output in outputs)
    assert {"op": "registry.get", "path": WINLOGON, "name": "DefaultPassword", "data": False} in (
        connection.requests[0]["ops"]
    )
