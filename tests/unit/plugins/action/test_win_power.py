from __future__ import annotations

import pytest
from ansible.errors import AnsibleConnectionFailure

from action_runner import (
    assert_rejected_before_contact,
    module_runner,
    run_again_changing_nothing,
    run_unchanged,
    run_with_agent_denied,
)
from ansible_collections.onepacs.baseline.plugins.action.win_power import ActionModule
from control_results import statuses
from fake_connection import SimulatedConnection

HOST = "gw01"
POWER_REGISTRY = r"HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager\Power"


run_action = module_runner(ActionModule, "onepacs.baseline.win_power", host=HOST)


@pytest.fixture
def fresh():
    return SimulatedConnection.from_profile("server2022-desktop-fresh")


def test_check_mode_reports_drift_in_one_round_trip_and_changes_nothing(fresh):
    result = run_unchanged(run_action, fresh, check_mode=True)
    assert statuses(result) == {"PWR-01": "fail", "PWR-02": "fail", "PWR-03": "fail"}
    assert result["changed"] is True
    assert all(record["changed"] for record in result["controls"])
    assert len(fresh.requests) == 1
    assert set(result) >= {"controls", "summary", "changed", "reboot_required", "msg"}
    assert result["msg"] == "3 controls: 3 fail"


def test_enforce_fixes_in_a_second_round_trip_then_the_next_run_is_clean(fresh):
    result = run_action(fresh)
    assert statuses(result) == {"PWR-01": "fixed", "PWR-02": "fixed", "PWR-03": "fixed"}
    assert fresh.ops[1] == ["power.set", "power.hibernate", "registry.set"]
    assert result["changed"] is True
    assert "failed" not in result

    again = run_again_changing_nothing(run_action, fresh)
    assert statuses(again) == {"PWR-01": "pass", "PWR-02": "pass", "PWR-03": "pass"}


def test_diff_shows_every_setting_before_and_after(fresh):
    result = run_action(fresh, check_mode=True, diff=True)
    diff = result["diff"]
    assert diff["before"]["PWR-02 hibernation enabled"] is True
    assert diff["after"]["PWR-02 hibernation enabled"] is False
    assert diff["after"]["PWR-03 HiberbootEnabled"] == 0
    assert diff["before_header"] == f"win_power on {HOST}"


def test_no_diff_key_without_diff_mode(fresh):
    assert "diff" not in run_action(fresh, check_mode=True)


def test_enforce_false_changes_nothing_outside_check_mode(fresh):
    result = run_action(fresh, {"enforce": False})
    assert set(statuses(result).values()) == {"fail"}
    assert result["changed"] is False
    assert len(fresh.requests) == 1


def test_only_limits_the_controls(fresh):
    result = run_action(fresh, {"only": ["PWR-02", "FW-01"]})
    assert statuses(result) == {"PWR-02": "fixed"}
    assert fresh.ops[1] == ["power.hibernate"]


def test_active_exception_is_excepted_and_left_alone(fresh):
    exception = {"id": "PWR-02", "reason": "imaging", "approver": "ciso", "expires": "2999-12-31"}
    result = run_action(fresh, {"exceptions": [exception]})
    assert statuses(result)["PWR-02"] == "excepted"
    assert "power.hibernate" not in fresh.ops[1]


def test_expired_exception_fails_with_a_warning(fresh):
    exception = {"id": "PWR-02", "reason": "imaging", "approver": "ciso", "expires": "2020-01-31"}
    result = run_action(fresh, {"exceptions": [exception]})
    assert statuses(result)["PWR-02"] == "fail"
    assert result["warnings"] == [
        "PWR-02: exception expired on 2020-01-31; not enforced until the exception is renewed or removed"
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            {"exceptions": [{"id": "PWR-9", "reason": "r", "approver": "a", "expires": "2030-01-01"}]},
            "exceptions[0].id: 'PWR-9' is not a control id of the catalog",
        ),
        (
            {"exceptions": [{"id": "PWR-01", "reason": "r", "approver": "a", "expires": "soon"}]},
            "exceptions[0].expires: 'soon' is not a date in YYYY-MM-DD form",
        ),
        ({"standby_timeout_ac_minutes": -1}, "standby_timeout_ac_minutes: must be 0 (never)"),
        ({"only": ["PWR-1"]}, "only: 'PWR-1' is not a control id of the catalog"),
        ({"hibernate": False}, "Unsupported parameters for (onepacs.baseline.win_power) module: hibernate"),
        ({"fast_startup": "sometimes"}, "fast_startup"),
    ],
)
def test_bad_arguments_fail_before_the_host_is_contacted(fresh, args, message):
    assert_rejected_before_contact(run_action, fresh, args, message)


def test_agent_failure_fails_the_task_with_every_control_in_error(fresh):
    result = run_with_agent_denied(run_action, fresh)
    assert (
        result["msg"] == f"{HOST}: the agent returned no result (exit code 1); stderr: powershell.exe: Access is denied"
    )
    assert set(statuses(result).values()) == {"error"}


def test_unreachable_before_probing_propagates_for_ansible_to_report(fresh):
    fresh.failures[0] = AnsibleConnectionFailure("winrm connection error: [Errno 111] Connection refused")
    with pytest.raises(AnsibleConnectionFailure, match=f"^{HOST}: connection refused"):
        run_action(fresh)


def test_connection_lost_after_the_write_reports_error_never_fixed_and_next_run_finds_the_real_state(fresh):
    failure = AnsibleConnectionFailure("winrm connection error: Connection aborted")
    failure.apply_first = True  # the host applied the writes, the answer never came back
    fresh.failures[1] = failure
    result = run_action(fresh)
    assert set(statuses(result).values()) == {"error"}
    assert result["unreachable"] is True
    assert result["failed"] is True
    assert "the host state is unknown until the next run" in result["controls"][0]["message"]

    again = run_action(fresh)
    assert set(statuses(again).values()) == {"pass"}
