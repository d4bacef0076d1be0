from __future__ import annotations

import re

import pytest

from action_runner import assert_rejected_before_contact, module_runner, run_again_changing_nothing, run_unchanged
from ansible_collections.onepacs.baseline.plugins.action.win_update_policy import ActionModule
from control_results import records, statuses
from fake_connection import SimulatedConnection
from sim_requests import value_of
from winlab.simulator import SimulatedHost

HOST = "gw01"
MODULE = "onepacs.baseline.win_update_policy"
AU = r"HKLM:\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate\AU"


run_action = module_runner(ActionModule, MODULE, host=HOST)


def au_value(host, name):
    return value_of(host, {"op": "registry.get", "path": AU, "name": name})["data"]


@pytest.fixture
def notify_only():
    """server2019-fresh: AUOptions 2 (notify only), last update 150 days ago."""
    return SimulatedConnection.from_profile("server2019-fresh")


def test_check_mode_reports_both_in_one_round_trip_and_changes_nothing(notify_only):
    result = run_unchanged(run_action, notify_only, check_mode=True)
    assert statuses(result) == {"UPD-01": "fail", "UPD-02": "fail"}
    assert [record["changed"] for record in result["controls"]] == [True, False]
    assert len(notify_only.requests) == 1
    assert sorted(set(notify_only.ops[0])) == ["registry.get", "updates.history"]


def test_enforce_sets_the_schedule_but_only_reports_the_stale_host(notify_only):
    result = run_action(notify_only, {"scheduled_install_time": 2})
    assert statuses(result) == {"UPD-01": "fixed", "UPD-02": "fail"}
    assert notify_only.ops[1] == ["registry.set"] * 3
    assert [
        au_value(notify_only.host, name) for name in ("AUOptions", "ScheduledInstallDay", "ScheduledInstallTime")
    ] == [
        4,
        0,
        2,
    ]
    stale = records(result)["UPD-02"]
    # Profile dates are UTC, the age is counted from the controller's local date: allow a day either way.
    assert re.match(r"the newest update is 1(49|50|51) days old: ", stale["message"])
    assert stale["message"].endswith("Not enforced: this module only audits UPD-02, run Windows Update")
    assert "failed" not in result

    again = run_again_changing_nothing(run_action, notify_only, {"scheduled_install_time": 2})
    assert statuses(again) == {"UPD-01": "pass", "UPD-02": "fail"}


def test_hardened_host_passes():
    connection = SimulatedConnection.from_profile("server2022-core-hardened")
    result = run_action(connection)
    assert statuses(result) == {"UPD-01": "pass", "UPD-02": "pass"}
    assert re.match(r"last update 1[123] days ago", records(result)["UPD-02"]["actual"])


def test_daily_defender_definitions_do_not_hide_a_stale_windows_update():
    # win10-22h2-fresh installed a definition update yesterday; its last cumulative update is 135 days old.
    connection = SimulatedConnection.from_profile("win10-22h2-fresh")
    result = run_action(connection, {"only": ["UPD-02"]})
    assert statuses(result) == {"UPD-02": "fail"}
    assert re.match(r"the newest update is 1(34|35|36) days old", records(result)["UPD-02"]["message"])


def test_an_unreadable_update_agent_is_reported_and_the_hotfix_list_decides():
    host = SimulatedHost.from_profile("server2022-desktop-hardened")
    host.state["updates"]["wu_error"] = "Access is denied. (0x80070005)"
    result = run_action(SimulatedConnection(host), {"only": ["UPD-02"]})
    assert statuses(result) == {"UPD-02": "pass"}
    assert "Access is denied. (0x80070005); judged from the hotfix list alone" in records(result)["UPD-02"]["message"]


def test_exception_for_the_audit_only_control(notify_only):
    exception = {"id": "UPD-02", "reason": "offline until the new WSUS", "approver": "ciso", "expires": "2999-01-01"}
    result = run_action(notify_only, {"exceptions": [exception]}, check_mode=True)
    assert statuses(result)["UPD-02"] == "excepted"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"scheduled_install_day": 9}, "scheduled_install_day: must be 0 (every day) or 1-7"),
        ({"scheduled_install_time": 24}, "scheduled_install_time: must be an hour from 0 to 23"),
        ({"max_update_age_days": 0}, "max_update_age_days: must be 1 or more days"),
    ],
)
def test_bad_arguments_fail_before_the_host_is_contacted(notify_only, args, message):
    assert_rejected_before_contact(run_action, notify_only, args, message)
