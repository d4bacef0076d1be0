from __future__ import annotations

import pytest

from action_runner import assert_rejected_before_contact, module_runner, run_unchanged, run_with_agent_denied
from ansible_collections.onepacs.baseline.plugins.action.win_host_facts import ActionModule
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._protocol import load_protocol
from control_results import statuses
from fake_connection import SimulatedConnection

HOST = "gw01"
PROTOCOL = load_protocol()["ops"]
GATEWAY_ARGS = {
    "baseline": "gateway",
    "expected_ipv4": "192.168.10.20",
    "software_deny": ["TeamViewer*", "AnyDesk*"],
    "onepacs_min_versions": {"gateway": "4.1"},
}


run_action = module_runner(ActionModule, "onepacs.baseline.win_host_facts", host=HOST)


@pytest.fixture
def desktop_fresh():
    return SimulatedConnection.from_profile("server2022-desktop-fresh")


@pytest.mark.parametrize("check_mode", [True, False])
def test_one_read_only_round_trip_that_changes_nothing(desktop_fresh, check_mode):
    result = run_unchanged(run_action, desktop_fresh, GATEWAY_ARGS, check_mode=check_mode)
    assert len(desktop_fresh.requests) == 1
    assert not [op for op in desktop_fresh.ops[0] if PROTOCOL[op]["mutates"]]
    assert result["changed"] is False
    assert not any(record["changed"] for record in result["controls"])
    assert statuses(result) == {
        "SYS-01": "fail",
        "SYS-02": "pass",
        "NET-01": "fail",
        "SW-01": "fail",
        "SW-02": "pass",
    }
    assert "failed" not in result
    assert result["reboot_required"] is False


def test_facts_are_returned_for_later_tasks(desktop_fresh):
    result = run_action(desktop_fresh, GATEWAY_ARGS)
    host = result["ansible_facts"]["onepacs_host"]
    assert host["system"]["current_build"] == "20348"
    assert host["system"]["installation_type"] == "Server"
    assert host["onepacs"]["gateway"] == "4.1.7"
    assert host["network"]["Ethernet0"]["addresses"][0]["address"] == "192.168.10.57"
    assert host["network"]["Ethernet0"]["dhcp"] is True
    assert {"name": "TeamViewer", "arch": "64-bit"}.items() <= next(
        program for program in host["software"] if program["name"] == "TeamViewer"
    ).items()
    assert host["secure_boot"] is True
    assert host["tpm"]["present"] is False
    assert host["last_update"] is not None
    assert host["errors"] == {}


def test_system_info_is_asked_once_and_not_again_when_facts_are_known(desktop_fresh):
    first = run_action(desktop_fresh, GATEWAY_ARGS)
    assert desktop_fresh.ops[0].count("system.info") == 1  # the area's own also serves applicability (SYS-01)
    run_action(desktop_fresh, GATEWAY_ARGS, task_vars={"ansible_facts": first["ansible_facts"]})
    assert desktop_fresh.ops[1].count("system.info") == 1


def test_hardened_gateway_passes_its_audits():
    connection = SimulatedConnection.from_profile("server2022-core-hardened")
    args = {**GATEWAY_ARGS, "expected_ipv4": "10.20.0.10", "software_allow": ["PostgreSQL*"]}
    result = run_action(connection, args)
    assert set(statuses(result).values()) == {"pass"}


def test_workstation_baseline_leaves_gateway_controls_out_and_judges_sys02_on_client_windows():
    connection = SimulatedConnection.from_profile("win10-22h2-fresh")
    result = run_action(connection, {"baseline": "workstation", "software_deny": ["Steam"]})
    assert set(statuses(result)) == {"SYS-02", "SW-01", "SW-02", "UPD-03"}
    sys02 = next(record for record in result["controls"] if record["id"] == "SYS-02")
    assert sys02["status"] == "fail"
    assert "reached end of support on 2025-10-14" in sys02["message"]
    sw01 = next(record for record in result["controls"] if record["id"] == "SW-01")
    assert [item["name"] for item in sw01["actual"]] == ["Steam"]


def test_sys01_is_not_applicable_on_client_windows_without_a_baseline():
    connection = SimulatedConnection.from_profile("win11-24h2-fresh")
    assert statuses(run_action(connection))["SYS-01"] == "not_applicable"


def test_an_exception_excepts_the_server_core_recommendation(desktop_fresh):
    exception = {"id": "SYS-01", "reason": "vendor needs the GUI", "approver": "ciso", "expires": "2999-12-31"}
    result = run_action(desktop_fresh, {**GATEWAY_ARGS, "exceptions": [exception]})
    assert statuses(result)["SYS-01"] == "excepted"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"expected_ipv4": "203.0.113.5"}, "expected_ipv4: '203.0.113.5' is not an IPv4 address in 10.0.0.0/8"),
        ({"onepacs_min_versions": {"gateway": 4.1}}, "onepacs_min_versions.gateway: give the version as a quoted"),
        ({"esu_until": "2027-13-01"}, "esu_until: '2027-13-01' is not a date"),
        ({"expected_ip": "10.0.0.1"}, "Unsupported parameters for (onepacs.baseline.win_host_facts) module"),
    ],
)
def test_bad_arguments_fail_before_the_host_is_contacted(desktop_fresh, args, message):
    assert_rejected_before_contact(run_action, desktop_fresh, args, message)


def test_agent_failure_fails_the_task_with_every_control_in_error(desktop_fresh):
    result = run_with_agent_denied(run_action, desktop_fresh, GATEWAY_ARGS)
    assert set(statuses(result).values()) == {"error"}
    assert "ansible_facts" not in result


def test_one_failing_read_errors_only_the_controls_that_need_it(desktop_fresh):
    desktop_fresh.host.state["registry_access"]["HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall"] = (
        "none"
    )
    result = run_action(desktop_fresh, GATEWAY_ARGS)
    assert statuses(result)["SW-01"] == "error"
    assert statuses(result)["SYS-02"] == "pass"
    assert result["failed"] is True
    assert result["ansible_facts"]["onepacs_host"]["software"] is None
    assert result["ansible_facts"]["onepacs_host"]["errors"]["software"].startswith("access_denied")
