from __future__ import annotations

import pytest

from action_runner import assert_rejected_before_contact, module_runner, run_again_changing_nothing
from ansible_collections.onepacs.baseline.plugins.action.win_audit_policy import ActionModule
from control_results import records, statuses
from fake_connection import SimulatedConnection
from sim_requests import value_of

HOST = "gw01"
MODULE = "onepacs.baseline.win_audit_policy"
ACCOUNT_LOCKOUT = "{0CCE9217-69AE-11D9-BED3-505054503030}"
LOGON = "{0CCE9215-69AE-11D9-BED3-505054503030}"


run_action = module_runner(ActionModule, MODULE, host=HOST)


def security_log_bytes(host):
    return value_of(host, {"op": "eventlog.get", "name": "Security"})["max_size_bytes"]


@pytest.fixture
def fresh():
    return SimulatedConnection.from_profile("server2022-desktop-fresh")


def test_check_mode_reports_drift_in_one_round_trip_and_changes_nothing(fresh):
    before = fresh.host.snapshot()
    result = run_action(fresh, check_mode=True, diff=True)
    assert statuses(result) == {"LOG-01": "fail", "LOG-02": "fail"}
    assert len(fresh.requests) == 1
    assert sorted(fresh.ops[0]) == ["auditpol.get", "eventlog.get", "registry.get", "registry.get"]
    assert fresh.host.snapshot() == before
    diff = result["diff"]
    assert diff["before"]["LOG-01 audit Account Lockout"] == "success"
    assert diff["after"]["LOG-01 audit Account Lockout"] == "success and failure"
    assert diff["before"]["LOG-02 Security log maximum size (bytes)"] == 20971520
    assert diff["after"]["LOG-02 Security log maximum size (bytes)"] == 201326592


def test_enforce_adds_the_missing_sides_then_the_next_run_is_clean(fresh):
    result = run_action(fresh)
    assert statuses(result) == {"LOG-01": "fixed", "LOG-02": "fixed"}
    assert set(fresh.ops[1]) == {"auditpol.set", "registry.set", "eventlog.set"}
    auditpol = fresh.host.state["auditpol"]
    # "At least": Account Lockout keeps the success auditing Windows had and gains failure.
    assert (auditpol[ACCOUNT_LOCKOUT]["success"], auditpol[ACCOUNT_LOCKOUT]["failure"]) == (True, True)
    assert security_log_bytes(fresh.host) == 196608 * 1024
    assert result["reboot_required"] is False

    again = run_again_changing_nothing(run_action, fresh)
    assert statuses(again) == {"LOG-01": "pass", "LOG-02": "pass"}


def test_policy_sized_security_log_passes_although_its_own_size_is_small():
    connection = SimulatedConnection.from_profile("win11-24h2-hardened")
    result = run_action(connection)
    assert statuses(result) == {"LOG-01": "pass", "LOG-02": "pass"}
    assert records(result)["LOG-02"]["actual"] == "196608 KB"
    assert security_log_bytes(connection.host) == 20971520
    assert len(connection.requests) == 1


def test_a_larger_minimum_raises_the_policy_value_and_the_logs_own_size():
    connection = SimulatedConnection.from_profile("win11-24h2-hardened")
    result = run_action(connection, {"security_log_min_size_kb": 1048576, "only": ["LOG-02"]})
    assert statuses(result) == {"LOG-02": "fixed"}
    assert connection.ops[1] == ["eventlog.set", "registry.set"]
    assert security_log_bytes(connection.host) == 1048576 * 1024


def test_a_missing_subcategory_is_an_error_not_a_guess(fresh):
    del fresh.host.state["auditpol"][LOGON]
    result = run_action(fresh)
    assert statuses(result)["LOG-01"] == "error"
    assert records(result)["LOG-01"]["message"].startswith("could not read the audit policy: not_found: ")
    assert statuses(result)["LOG-02"] == "fixed"
    assert result["failed"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"security_log_min_size_kb": 1000}, "security_log_min_size_kb: must be a multiple of 64 KB"),
        ({"security_log_min_size_kb": 196600}, "security_log_min_size_kb: must be a multiple of 64 KB"),
        ({"only": ["LOG-9"]}, "only: 'LOG-9' is not a control id of the catalog"),
    ],
)
def test_bad_arguments_fail_before_the_host_is_contacted(fresh, args, message):
    assert_rejected_before_contact(run_action, fresh, args, message)
