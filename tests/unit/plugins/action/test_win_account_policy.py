from __future__ import annotations

import pytest

from action_runner import assert_rejected_before_contact, module_runner, run_again_changing_nothing, run_unchanged
from ansible_collections.onepacs.baseline.plugins.action.win_account_policy import ActionModule
from control_results import statuses
from fake_connection import SimulatedConnection

HOST = "rd01"
ALL_PASS = {f"PWD-0{number}": "pass" for number in range(1, 7)}


run_action = module_runner(
    ActionModule,
    "onepacs.baseline.win_account_policy",
    host=HOST,
    connection_options={"remote_user": "labadmin", "port": 5985},
)


@pytest.fixture
def fresh():
    # Windows 11 24H2 ships lockout on with 10-minute windows: the reset window is the order trap.
    return SimulatedConnection.from_profile("win11-24h2-fresh")


def system_access(connection):
    return connection.host.state["secpol"]["System Access"]


def test_check_mode_reports_drift_in_one_round_trip_and_changes_nothing(fresh):
    result = run_unchanged(run_action, fresh, check_mode=True)
    assert statuses(result) == {**ALL_PASS, "PWD-01": "fail", "PWD-02": "fail", "PWD-04": "fail", "PWD-05": "fail"}
    assert fresh.ops == [["secpol.export", "system.info"]]
    assert result["changed"] is True
    pwd05 = next(record for record in result["controls"] if record["id"] == "PWD-05")
    assert pwd05["message"] == (
        "LockoutBadCount 10, LockoutDuration 10, ResetLockoutCount 10: lockout lasts 10 minutes (less than 15); the "
        "bad-attempt counter resets after 10 minutes (less than 15); would set LockoutBadCount, LockoutDuration, "
        "ResetLockoutCount: {'LockoutBadCount': 10, 'LockoutDuration': "
        "10, 'ResetLockoutCount': 10} -> {'LockoutBadCount': 10, 'LockoutDuration': 15, 'ResetLockoutCount': 15}"
    )


def test_enforce_fixes_with_one_template_per_control_then_the_next_run_is_clean(fresh):
    result = run_action(fresh)
    assert statuses(result) == {**ALL_PASS, "PWD-01": "fixed", "PWD-02": "fixed", "PWD-04": "fixed", "PWD-05": "fixed"}
    assert fresh.ops[1] == ["secpol.configure"] * 4
    access = system_access(fresh)
    assert (access["LockoutBadCount"], access["LockoutDuration"], access["ResetLockoutCount"]) == (10, 15, 15)
    assert "failed" not in result

    again = run_again_changing_nothing(run_action, fresh)
    assert statuses(again) == ALL_PASS


def test_a_host_stricter_than_the_options_is_left_alone(fresh):
    fresh.host.state["secpol"]["System Access"].update(
        MinimumPasswordLength=14, PasswordComplexity=1, PasswordHistorySize=24, LockoutDuration=-1
    )
    result = run_action(fresh, {"lockout_reset_minutes": 10, "lockout_duration_minutes": 10})
    assert statuses(result) == ALL_PASS
    assert system_access(fresh)["LockoutDuration"] == -1


def test_diff_shows_each_key_before_and_after(fresh):
    result = run_action(fresh, check_mode=True, diff=True)
    assert result["diff"]["before"]["PWD-02 MinimumPasswordLength"] == 0
    assert result["diff"]["after"]["PWD-02 MinimumPasswordLength"] == 14
    assert result["diff"]["after"]["PWD-05 LockoutBadCount, LockoutDuration, ResetLockoutCount"] == {
        "LockoutBadCount": 10,
        "LockoutDuration": 15,
        "ResetLockoutCount": 15,
    }


def test_a_domain_member_is_audited_and_never_changed(fresh):
    fresh.host.state["system"].update(part_of_domain=True, domain="clinic.example")
    result = run_unchanged(run_action, fresh)
    assert set(statuses(result).values()) == {"pass", "fail"}
    assert len(fresh.requests) == 1
    assert result["changed"] is False
    pwd01 = next(record for record in result["controls"] if record["id"] == "PWD-01")
    assert "member of the domain clinic.example" in pwd01["message"]


def test_a_value_windows_refuses_is_an_error_naming_secedit(fresh):
    # Above 14 characters needs RelaxMinimumPasswordLengthLimits, which this host does not have.
    result = run_action(fresh, {"minimum_password_length": 16, "only": ["PWD-02"]})
    assert statuses(result) == {"PWD-02": "error"}
    assert result["failed"] is True
    assert "MinimumPasswordLength: failed: secedit.exe /configure exited with code 1" in result["msg"]
    assert system_access(fresh)["MinimumPasswordLength"] == 0


def test_enforce_false_reports_only(fresh):
    result = run_action(fresh, {"enforce": False})
    assert "fixed" not in statuses(result).values()
    assert len(fresh.requests) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"minimum_password_length": 200}, "minimum_password_length: must be between 1 and 128, got 200"),
        ({"lockout_reset_minutes": 60}, "lockout_reset_minutes: must not exceed lockout_duration_minutes"),
        ({"password_history": 24}, "Unsupported parameters for (onepacs.baseline.win_account_policy) module"),
    ],
)
def test_bad_arguments_fail_before_the_host_is_contacted(fresh, args, message):
    assert_rejected_before_contact(run_action, fresh, args, message)
