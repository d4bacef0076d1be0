from __future__ import annotations

import pytest

from action_runner import assert_rejected_before_contact, run_action_plugin, run_again_changing_nothing, run_unchanged
from ansible_collections.onepacs.baseline.plugins.action.win_local_accounts import ActionModule
from control_results import record, statuses
from fake_connection import SimulatedConnection

HOST = "gw01"
ADMINISTRATORS = "S-1-5-32-544"
OPT_IN = {"administrators_mode": "enforce", "unused_accounts_mode": "enforce"}


def run_action(connection, args=None, check_mode=False, diff=False, user="labadmin"):
    return run_action_plugin(
        ActionModule,
        connection,
        "onepacs.baseline.win_local_accounts",
        args,
        host=HOST,
        check_mode=check_mode,
        diff=diff,
        connection_options={"remote_user": user, "port": 5985},
    )


@pytest.fixture
def workstation():
    return SimulatedConnection.from_profile("win10-22h2-fresh", name="rd01")


@pytest.fixture
def gateway():
    return SimulatedConnection.from_profile("server2022-desktop-fresh", name=HOST)


def users(connection):
    return connection.host.state["accounts"]["users"]


def administrators(connection):
    return connection.host.state["accounts"]["groups"][ADMINISTRATORS]["Members"]


def test_check_mode_reports_in_one_round_trip_and_changes_nothing(workstation):
    result = run_unchanged(run_action, workstation, check_mode=True)
    assert statuses(result) == {
        "ACC-01": "fail",
        "ACC-02": "fail",
        "ACC-03": "fail",
        "ACC-04": "fail",
        "ACC-05": "pass",
    }
    assert workstation.ops == [["accounts.users", "accounts.group_members"]]
    assert record(result, "ACC-02")["changed"] is True
    assert record(result, "ACC-03")["changed"] is False


def test_defaults_disable_only_the_guest_and_the_next_run_is_stable(workstation):
    result = run_action(workstation)
    assert statuses(result)["ACC-02"] == "fixed"
    assert workstation.ops[1] == ["accounts.disable"]
    assert users(workstation)["501"]["Enabled"] is False
    assert users(workstation)["1004"]["Enabled"] is True  # ACC-04 is audit only by default

    again = run_again_changing_nothing(run_action, workstation)
    assert statuses(again)["ACC-02"] == "pass"


def test_opt_ins_remove_unlisted_admins_and_disable_unused_accounts_but_keep_the_connection(gateway):
    allowed = {"allowed_accounts": ["labadmin", "pacsadmin"], "allowed_administrators": ["labadmin"]}
    result = run_action(gateway, {**OPT_IN, **allowed})
    assert statuses(result) == {
        "ACC-01": "fail",
        "ACC-02": "pass",
        "ACC-03": "fixed",
        "ACC-04": "fixed",
        "ACC-05": "fail",
    }
    assert gateway.ops[1] == [
        "accounts.remove_member",
        "accounts.remove_member",
        "accounts.disable",
        "accounts.disable",
    ]
    machine = gateway.host.state["accounts"]["machine_sid"]
    assert administrators(gateway) == [f"{machine}-500", f"{machine}-1001"]
    assert (users(gateway)["1003"]["Enabled"], users(gateway)["1004"]["Enabled"]) == (False, False)
    assert gateway.host.admits("labadmin", 5985) == (True, "admitted")

    again = run_action(gateway, {**OPT_IN, **allowed})
    assert statuses(again)["ACC-03"] == "pass"
    assert statuses(again)["ACC-04"] == "pass"


def test_the_connecting_account_is_kept_even_when_the_allow_list_forgets_it(gateway):
    args = {**OPT_IN, "allowed_administrators": ["pacsadmin"]}
    first = run_action(gateway, args, user="GW01\\LabAdmin")
    assert statuses(first)["ACC-03"] == "fail"
    assert record(first, "ACC-03")["changed"] is True
    assert (
        "still failing: labadmin is not removed: it is the account this play connects as"
        in (record(first, "ACC-03")["message"])
    )
    machine = gateway.host.state["accounts"]["machine_sid"]
    assert administrators(gateway) == [f"{machine}-500", f"{machine}-1001", f"{machine}-1002"]
    assert gateway.host.admits("labadmin", 5985) == (True, "admitted")

    again = run_action(gateway, args, user="GW01\\LabAdmin")
    assert statuses(again)["ACC-03"] == "fail"
    assert "labadmin is not removed: it is the account this play connects as" in record(again, "ACC-03")["message"]


def test_diff_lists_each_account_change(gateway):
    result = run_action(gateway, {**OPT_IN, "allowed_administrators": ["labadmin"]}, check_mode=True, diff=True)
    machine = gateway.host.state["accounts"]["machine_sid"]
    key = f"ACC-03 Administrators member GW01\\jsmith ({machine}-1003)"
    assert (result["diff"]["before"][key], result["diff"]["after"][key]) == (True, False)


def test_an_exception_spares_the_guest(workstation):
    exception = {"id": "ACC-02", "reason": "kiosk", "approver": "ciso", "expires": "2999-12-31"}
    result = run_action(workstation, {"exceptions": [exception]})
    assert statuses(result)["ACC-02"] == "excepted"
    assert len(workstation.requests) == 1


def test_only_and_baseline_limit_the_controls(gateway):
    result = run_action(gateway, {"baseline": "gateway"}, check_mode=True)
    assert "ACC-05" not in statuses(result)
    result = run_action(gateway, {"only": ["ACC-05"]}, check_mode=True)
    assert statuses(result) == {"ACC-05": "fail"}


def test_a_failed_write_is_an_error_not_fixed(workstation):
    # Someone deleted the Guest between the probe and the write: the disable op fails with not_found.
    original = workstation.exec_command

    def delete_guest_before_the_write(cmd, in_data=None, sudoable=True):
        if len(workstation.requests) == 1:
            del users(workstation)["501"]
        return original(cmd, in_data=in_data, sudoable=sudoable)

    workstation.exec_command = delete_guest_before_the_write
    result = run_action(workstation, {"only": ["ACC-02"]})
    assert statuses(result) == {"ACC-02": "error"}
    assert "was not found" in result["msg"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"unused_account_days": 0}, "unused_account_days: must be 1 or more days"),
        ({"administrators_mode": "remove"}, "administrators_mode"),
        ({"allowed_users": []}, "Unsupported parameters for (onepacs.baseline.win_local_accounts) module"),
    ],
)
def test_bad_arguments_fail_before_the_host_is_contacted(workstation, args, message):
    assert_rejected_before_contact(run_action, workstation, args, message)
