from __future__ import annotations

import pytest

from action_runner import assert_rejected_before_contact, module_runner, run_again_changing_nothing, run_unchanged
from ansible_collections.onepacs.baseline.plugins.action.win_defender import ActionModule
from control_results import record, statuses
from fake_connection import SimulatedConnection

HOST = "gw01"
PG_X64 = r"C:\Program Files (x86)\PostgreSQL"
PG_X86 = r"C:\Program Files\PostgreSQL"
REALTIME_POLICY = "HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows Defender\\Real-Time Protection"


run_action = module_runner(ActionModule, "onepacs.baseline.win_defender", host=HOST)


def connect(profile):
    return SimulatedConnection.from_profile(profile)


def exclusions(connection):
    return connection.host.state["defender"]["preferences"]["ExclusionPath"]


def without_third_party_av(connection):
    """The 32-bit gateway after Avast was uninstalled: Defender runs again."""
    defender = connection.host.state["defender"]
    defender["third_party_av"] = []
    defender["status"].update(AMServiceEnabled=True, AntivirusEnabled=True, AMRunningMode="Normal")
    return connection


def test_check_mode_reports_the_drift_of_a_fresh_gateway_in_one_round_trip():
    fresh = connect("server2022-desktop-fresh")
    result = run_unchanged(run_action, fresh, {"baseline": "gateway"}, check_mode=True)
    assert statuses(result) == {"AV-01": "fail", "AV-02": "pass", "AV-03": "pass", "AV-04": "fail"}
    assert result["changed"] is True
    assert len(fresh.requests) == 1
    assert record(result, "AV-01")["message"] == (
        r"missing exclusions: C:\onepacs; C:\Program Files (x86)\PostgreSQL (OnePacs folder from the installed "
        r"programs; PostgreSQL folder found in the registry under PostgreSQL\Installations); would set exclusion "
        r"C:\onepacs: 'absent' -> 'present'; exclusion C:\Program Files (x86)\PostgreSQL: 'absent' -> 'present'"
    )


def test_enforce_fixes_in_a_second_round_trip_then_the_next_run_is_clean():
    fresh = connect("server2019-fresh")
    result = run_action(fresh, {"baseline": "gateway"})
    assert statuses(result) == {"AV-01": "fixed", "AV-02": "pass", "AV-03": "fixed", "AV-04": "fixed"}
    assert fresh.ops[1] == [
        "defender.add_exclusion",
        "defender.add_exclusion",
        "defender.set",
        "defender.update_signatures",
    ]
    assert exclusions(fresh) == [r"C:\onepacs", PG_X64]
    assert result["reboot_required"] is False

    again = run_again_changing_nothing(run_action, fresh, {"baseline": "gateway"})
    assert set(statuses(again).values()) == {"pass"}


def test_64_bit_gateway_gets_the_x86_postgresql_folder_and_32_bit_the_program_files_one():
    x64 = connect("server2022-core-fresh")
    run_action(x64, {"only": ["AV-01"]})
    assert exclusions(x64) == [r"C:\onepacs", PG_X64]

    x86 = without_third_party_av(connect("win10-22h2-x86-fresh"))
    result = run_action(x86, {"only": ["AV-01"]})
    assert statuses(result) == {"AV-01": "fixed"}
    assert exclusions(x86) == [r"C:\onepacs", PG_X86]


def test_third_party_antivirus_host_reports_av01_for_manual_action_and_changes_nothing():
    avast = connect("win10-22h2-x86-fresh")
    result = run_unchanged(run_action, avast, {"baseline": "gateway"})
    assert statuses(result) == {
        "AV-01": "manual_missing",
        "AV-02": "pass",
        "AV-03": "manual_missing",
        "AV-04": "pass",
    }
    message = record(result, "AV-01")["message"]
    assert message.startswith(
        r"manual check in Avast Antivirus: exclusions for C:\onepacs; C:\Program Files\PostgreSQL are present"
    )
    assert record(result, "AV-01")["expected"] == [r"C:\onepacs", PG_X86]
    assert result["changed"] is False
    assert len(avast.requests) == 1


def test_workstation_baseline_drops_av01_and_checks_security_center():
    result = run_action(connect("win11-24h2-fresh"), {"baseline": "workstation"})
    assert statuses(result) == {"AV-02": "pass", "AV-03": "pass", "AV-04": "pass", "AV-05": "pass"}


def test_av05_is_not_applicable_on_a_server():
    result = run_action(connect("server2022-desktop-hardened"), check_mode=True)
    assert statuses(result)["AV-05"] == "not_applicable"


def test_group_policy_keeps_real_time_protection_off_and_is_named():
    host = connect("win10-22h2-fresh")
    host.host.state["defender"]["preferences"]["DisableRealtimeMonitoring"] = True
    host.host.state["registry"][REALTIME_POLICY] = {"DisableRealtimeMonitoring": {"type": "DWord", "data": 1}}
    result = run_action(host, {"only": ["AV-02"]})
    assert statuses(result) == {"AV-02": "fail"}
    assert "Group Policy turns it off" in record(result, "AV-02")["message"]
    assert len(host.requests) == 1


def test_real_time_protection_turned_off_locally_is_turned_back_on():
    host = connect("win10-22h2-fresh")
    host.host.state["defender"]["preferences"]["DisableRealtimeMonitoring"] = True
    result = run_action(host, {"only": ["AV-02"]}, diff=True)
    assert statuses(result) == {"AV-02": "fixed"}
    assert result["diff"]["before"] == {"AV-02 DisableRealtimeMonitoring": True}
    assert result["diff"]["after"] == {"AV-02 DisableRealtimeMonitoring": False}
    assert host.host.state["defender"]["preferences"]["DisableRealtimeMonitoring"] is False


def test_a_signature_update_that_fails_is_an_error_for_av04_only():
    host = connect("server2022-desktop-fresh")
    host.host.state["defender"]["signature_source_reachable"] = False
    result = run_action(host, {"baseline": "gateway"})
    assert statuses(result) == {"AV-01": "fixed", "AV-02": "pass", "AV-03": "pass", "AV-04": "error"}
    assert "HRESULT 0x8024402c" in record(result, "AV-04")["message"]
    assert result["failed"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"scan_schedule_day": 8}, "scan_schedule_day: 8 is not 0 (every day)"),
        ({"scan_schedule_time": 120}, "scan_schedule_time: '120' is not a time of day"),
        ({"exclusions": ["C:\\x"]}, "Unsupported parameters for (onepacs.baseline.win_defender) module: exclusions"),
    ],
)
def test_bad_arguments_fail_before_the_host_is_contacted(args, message):
    host = connect("win10-22h2-fresh")
    assert_rejected_before_contact(run_action, host, args, message)


DEFENDER_POLICY = "HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows Defender"


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("DisableLocalAdminMerge", "Group Policy applies only its own exclusions (DisableLocalAdminMerge = 1)"),
        ("HideExclusionsFromLocalAdmins", "Group Policy hides Defender's exclusions from administrators"),
    ],
)
def test_group_policy_over_defender_exclusions_makes_av01_a_manual_check_and_nothing_is_written(value, why):
    gateway = connect("server2022-desktop-fresh")
    gateway.host.state["registry"][DEFENDER_POLICY] = {value: {"type": "DWord", "data": 1}}
    before = gateway.host.snapshot()
    result = run_action(gateway, {"only": ["AV-01"]})
    assert statuses(result) == {"AV-01": "manual_missing"}
    message = record(result, "AV-01")["message"]
    assert message.startswith("manual check in the Group Policy object: Defender excludes C:\\onepacs")
    assert why in message
    assert gateway.host.snapshot() == before
