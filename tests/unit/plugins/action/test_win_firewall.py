"""win_firewall action against simulated hosts: one probe round trip, fixes read back, and the lockout guard
checked with the simulator's own oracle (SimulatedHost.admits: would Windows still let the controller in?)."""

from __future__ import annotations

import copy
import json

import pytest
from ansible.errors import AnsibleActionFail

from action_runner import run_action_plugin, run_again_changing_nothing, run_unchanged
from ansible_collections.onepacs.baseline.plugins.action.win_firewall import ActionModule
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent import _framing as framing
from control_results import record, statuses
from fake_connection import SimulatedConnection
from sim_requests import value_of
from winlab.simulator import SimulatedHost

HOST = "gw01"
USER = "labadmin"
PORT = 5985


def run_action(connection, args=None, check_mode=False, diff=False, port=PORT):
    return run_action_plugin(
        ActionModule,
        connection,
        "onepacs.baseline.win_firewall",
        args,
        host=HOST,
        check_mode=check_mode,
        diff=diff,
        connection_options={"port": port, "remote_user": USER},
    )


def connect(profile, edit=None):
    host = SimulatedHost.from_profile(profile)
    if edit:
        edit(host.state["firewall"])
    assert host.admits(USER, PORT) == (True, "admitted")
    return SimulatedConnection(host)


def public_without_winrm_rule(firewall):
    """A technician let everything in on the Public profile and, since it "worked anyway", disabled WinRM's rule
    for it: the host is reachable now only because of the Allow default."""
    firewall["profiles"]["Public"]["DefaultInboundAction"] = "Allow"
    firewall["rules"]["WINRM-HTTP-In-TCP"]["Enabled"] = False  # the Public-profile HTTP rule on servers


def would_admit_after(host, **public_fields):
    """Whether the controller could still get in if Public were set as given (the change the guard refused)."""
    state = copy.deepcopy(host.state)
    state["firewall"]["profiles"]["Public"].update(public_fields)
    return SimulatedHost(state).admits(USER, PORT)


@pytest.fixture
def fresh():
    return connect("server2022-desktop-fresh")


def test_check_mode_reports_drift_in_one_round_trip_and_changes_nothing(fresh):
    result = run_unchanged(run_action, fresh, check_mode=True)
    assert statuses(result) == {"FW-01": "pass", "FW-02": "fail", "FW-03": "fail", "FW-04": "fail"}
    assert len(fresh.requests) == 1
    assert fresh.ops[0] == ["firewall.profiles", "firewall.rules", "firewall.management_peers"]
    assert record(result, "FW-02")["changed"] is True
    assert record(result, "FW-03")["changed"] is False  # audit only
    assert "; would set Domain profile default actions" in record(result, "FW-02")["message"]


def test_enforce_fixes_in_a_second_round_trip_keeps_the_controller_in_and_the_next_run_is_clean(fresh):
    result = run_action(fresh)
    assert statuses(result) == {"FW-01": "pass", "FW-02": "fixed", "FW-03": "fail", "FW-04": "fixed"}
    assert fresh.ops[1] == ["firewall.set_profile"] * 6
    assert fresh.host.admits(USER, PORT) == (True, "admitted")
    profiles = fresh.host.state["firewall"]["profiles"]
    assert {profiles[name]["DefaultInboundAction"] for name in profiles} == {"Block"}
    assert {profiles[name]["LogMaxSizeKilobytes"] for name in profiles} == {16384}
    assert "RemoteDesktop-UserMode-In-TCP" in record(result, "FW-03")["message"]

    again = run_again_changing_nothing(run_action, fresh)
    assert statuses(again) == {"FW-01": "pass", "FW-02": "pass", "FW-03": "fail", "FW-04": "pass"}


def test_profiles_turned_off_are_turned_on_when_every_profile_keeps_the_port_open():
    connection = connect("server2019-fresh")
    result = run_action(connection, {"only": ["FW-01"]})
    assert statuses(result) == {"FW-01": "fixed"}
    assert connection.host.admits(USER, PORT) == (True, "admitted")
    assert {p["Enabled"] for p in connection.host.state["firewall"]["profiles"].values()} == {True}


def test_lockout_guard_refuses_the_blocking_change_and_the_host_stays_reachable():
    connection = connect("server2022-desktop-fresh", public_without_winrm_rule)
    # What the guard prevents: with Public set to Block, Windows would shut the controller out.
    assert would_admit_after(connection.host, DefaultInboundAction="Block")[0] is False

    result = run_action(connection)

    assert statuses(result)["FW-02"] == "fail"
    message = record(result, "FW-02")["message"]
    assert "no enabled inbound Allow rule covers TCP 5985" in message
    assert "on the Public profile" in message
    assert "create_management_rule: true" in message
    assert statuses(result)["FW-04"] == "fixed"
    assert connection.host.state["firewall"]["profiles"]["Public"]["DefaultInboundAction"] == "Allow"
    assert connection.host.admits(USER, PORT) == (True, "admitted")
    assert "failed" not in result


def test_opt_in_creates_the_rule_before_the_blocking_change_in_the_same_request():
    connection = connect("server2022-desktop-fresh", public_without_winrm_rule)
    result = run_action(connection, {"create_management_rule": True, "only": ["FW-02"]})
    assert statuses(result) == {"FW-02": "fixed"}
    assert connection.ops[1] == ["firewall.add_rule", *["firewall.set_profile"] * 3]
    rule = connection.host.state["firewall"]["rules"]["OnePacs-Management-In-TCP-5985"]
    assert (rule["Enabled"], rule["LocalPort"], rule["Profile"]) == (True, ["5985"], ["Any"])
    assert connection.host.state["firewall"]["profiles"]["Public"]["DefaultInboundAction"] == "Block"
    assert connection.host.admits(USER, PORT) == (True, "admitted")
    assert (
        "allow rule OnePacs-Management-In-TCP-5985 (TCP 5985, every profile): False -> True"
        in (record(result, "FW-02")["message"])
    )
    assert run_action(connection, {"only": ["FW-02", "FW-03"]})["changed"] is False


def test_unknown_connection_port_refuses_blocking_changes_only():
    connection = connect("server2022-desktop-fresh")
    result = run_action(connection, port=None)
    assert statuses(result)["FW-02"] == "fail"
    assert "the management port is unknown" in record(result, "FW-02")["message"]
    assert statuses(result)["FW-04"] == "fixed"
    assert connection.ops[1] == ["firewall.set_profile"] * 3


def test_enforced_allow_list_disables_the_other_rules_and_never_the_management_ones(fresh):
    result = run_action(fresh, {"rule_allowlist_mode": "enforce", "only": ["FW-03"]})
    assert statuses(result) == {"FW-03": "fixed"}
    assert set(fresh.ops[1]) == {"firewall.set_rule_enabled"}
    rules = fresh.host.state["firewall"]["rules"]
    assert rules["RemoteDesktop-UserMode-In-TCP"]["Enabled"] is False
    assert rules["{3B8A1F0E-6C2D-4E57-9A14-7F0B2C8D5E61}"]["Enabled"] is False
    assert "{3B8A1F0E-6C2D-4E57-9A14-7F0B2C8D5E61}" in rules  # disabled, never deleted
    assert rules["WINRM-HTTP-In-TCP"]["Enabled"] is True
    assert rules["OnePacs-Gateway-DICOM-In"]["Enabled"] is True
    assert rules["CoreNet-DHCP-In"]["Enabled"] is True
    assert fresh.host.admits(USER, PORT) == (True, "admitted")
    assert statuses(run_action(fresh, {"only": ["FW-03"]})) == {"FW-03": "pass"}


def test_diff_shows_each_setting(fresh):
    result = run_action(fresh, check_mode=True, diff=True)
    assert result["diff"]["before"]["FW-02 Public profile default actions"] == {
        "inbound": "NotConfigured",
        "outbound": "NotConfigured",
    }
    assert result["diff"]["after"]["FW-04 Public profile logging"] == {
        "log_blocked": True,
        "log_max_size_kilobytes": 16384,
    }


def test_a_write_that_group_policy_overrides_is_an_error_not_fixed(fresh):
    """Simulates Group Policy: the write succeeds but the active store still reads the old value."""
    probe = value_of(fresh.host, {"op": "firewall.profiles"})
    stale = [{"ok": True, "value": entry} for _control in ("FW-02", "FW-04") for entry in probe["profiles"]]
    response = json.dumps({"v": 1, "results": stale})
    fresh.failures[1] = (0, f"{framing.RESULT_BEGIN}\n{response}\n{framing.RESULT_END}\n".encode(), b"")
    result = run_action(fresh)
    assert statuses(result)["FW-02"] == "error"
    assert "wrote {'inbound': 'Block', 'outbound': 'Allow'} but read back" in record(result, "FW-02")["message"]
    assert result["failed"] is True


def test_bad_options_fail_before_the_host_is_contacted(fresh):
    with pytest.raises(AnsibleActionFail, match=r"extra_rule_allowlist\[0\]: give exactly one of"):
        run_action(fresh, {"extra_rule_allowlist": [{"name": "a", "group": "b"}]})
    with pytest.raises(AnsibleActionFail, match="rule_allowlist_mode"):
        run_action(fresh, {"rule_allowlist_mode": "sometimes"})
    assert fresh.requests == []


def test_two_controls_needing_the_rule_each_send_it_and_windows_ends_up_with_one():
    def public_off_without_winrm_rule(firewall):
        firewall["rules"]["WINRM-HTTP-In-TCP"]["Enabled"] = False  # Public is off, so nobody noticed

    connection = connect("server2019-fresh", public_off_without_winrm_rule)
    result = run_action(connection, {"create_management_rule": True, "only": ["FW-01", "FW-02"]})
    assert statuses(result) == {"FW-01": "fixed", "FW-02": "fixed"}
    assert connection.ops[1] == [
        "firewall.add_rule",
        "firewall.set_profile",
        "firewall.set_profile",
        "firewall.add_rule",
        *["firewall.set_profile"] * 3,
    ]
    rules = connection.host.state["firewall"]["rules"]
    assert [name for name in rules if name.startswith("OnePacs-Management")] == ["OnePacs-Management-In-TCP-5985"]
    assert connection.host.admits(USER, PORT) == (True, "admitted")
