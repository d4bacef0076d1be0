"""The simulator's defender.* ops: Windows semantics of Defender, its policies and Security Center."""

from __future__ import annotations

import pytest

from agent_messages import DEFENDER_SERVICE_DOWN
from sim_requests import assert_error, run_one, value_of
from winlab.simulator import SimulatedHost

REALTIME_POLICY = "HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows Defender\\Real-Time Protection"
PG_INSTALLATIONS = "HKLM:\\SOFTWARE\\WOW6432Node\\PostgreSQL\\Installations"


@pytest.fixture
def avast():
    return SimulatedHost.from_profile("win10-22h2-x86-fresh")


def test_status_derives_real_time_protection_and_signature_age(server):
    status = value_of(server, {"op": "defender.status"})
    assert status["am_running_mode"] == "Normal"
    assert status["real_time_protection_enabled"] is True
    assert status["signature_age_days"] == 41
    assert status["signature_last_updated"].endswith("Z")
    server.state["defender"]["preferences"]["DisableRealtimeMonitoring"] = True
    assert value_of(server, {"op": "defender.status"})["real_time_protection_enabled"] is False


def test_a_stopped_defender_answers_status_but_refuses_the_rest(avast):
    assert value_of(avast, {"op": "defender.status"}) == DEFENDER_SERVICE_DOWN
    # The agent recognises the service-down error (the real shape: tests/unit/recorded/test_defender_errors.py)
    # for preferences; the writes fail with Windows' own, generic message.
    assert_error(run_one(avast, {"op": "defender.preferences"}), "not_supported", "0x800106BA")
    for op in (
        {"op": "defender.add_exclusion", "path": "C:\\onepacs"},
        {"op": "defender.set", "scan_schedule_day": 0},
        {"op": "defender.update_signatures"},
    ):
        assert_error(run_one(avast, op), "failed", "error")


def test_a_removed_defender_is_not_supported(server):
    server.state["defender"]["installed"] = False
    for op in ({"op": "defender.status"}, {"op": "defender.preferences"}, {"op": "defender.update_signatures"}):
        assert_error(run_one(server, op), "not_supported")


def test_add_exclusion_keeps_one_entry_per_path_whatever_the_case(server):
    first = value_of(server, {"op": "defender.add_exclusion", "path": "C:\\onepacs"})
    again = value_of(server, {"op": "defender.add_exclusion", "path": "c:\\ONEPACS"})
    assert first["exclusion_paths"] == again["exclusion_paths"] == ["C:\\onepacs"]
    assert_error(run_one(server, {"op": "defender.add_exclusion", "path": " "}), "invalid_argument", "'path'")


def test_set_writes_preferences_and_reads_them_back(server):
    value = value_of(server, {"op": "defender.set", "scan_schedule_day": 3, "scan_schedule_time": "23:30:00"})
    assert (value["scan_schedule_day"], value["scan_schedule_time"]) == (3, "23:30:00")
    assert value_of(server, {"op": "defender.preferences"})["scan_schedule_day"] == 3


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        ({}, "needs at least one preference"),
        ({"scan_schedule_day": 9}, "'scan_schedule_day'"),
        ({"scan_schedule_time": "2:00"}, "'scan_schedule_time'"),
        ({"scan_schedule_day": "0"}, "'scan_schedule_day'"),
        ({"exclusion_path": "C:\\x"}, "'exclusion_path'"),
    ],
)
def test_set_rejects_malformed_preferences(server, args, mentions):
    assert_error(run_one(server, {"op": "defender.set", **args}), "invalid_argument", mentions)


def test_group_policy_wins_over_the_real_time_preference(server):
    server.state["registry"][REALTIME_POLICY] = {"DisableRealtimeMonitoring": {"type": "DWord", "data": 1}}
    value = value_of(server, {"op": "defender.set", "disable_realtime_monitoring": False})
    assert value["disable_realtime_monitoring"] is True
    assert value_of(server, {"op": "defender.status"})["real_time_protection_enabled"] is False


def test_tamper_protection_ignores_turning_real_time_off_but_allows_turning_it_on():
    client = SimulatedHost.from_profile("win10-22h2-fresh")
    assert client.state["defender"]["status"]["IsTamperProtected"] is True
    assert (
        value_of(client, {"op": "defender.set", "disable_realtime_monitoring": True})["disable_realtime_monitoring"]
        is False
    )
    client.state["defender"]["preferences"]["DisableRealtimeMonitoring"] = True
    assert (
        value_of(client, {"op": "defender.set", "disable_realtime_monitoring": False})["disable_realtime_monitoring"]
        is False
    )


def test_update_signatures_makes_them_current_or_fails_without_a_source(server):
    before = value_of(server, {"op": "defender.status"})["signature_version"]
    value = value_of(server, {"op": "defender.update_signatures"})
    assert value["signature_age_days"] == 0
    assert value["signature_version"] != before
    server.state["defender"]["signature_source_reachable"] = False
    assert_error(run_one(server, {"op": "defender.update_signatures"}), "failed", "0x8024402c")


def test_security_center_exists_on_client_windows_only(server, avast):
    assert_error(run_one(server, {"op": "defender.products"}), "not_supported", "Invalid namespace")
    products = value_of(avast, {"op": "defender.products"})["products"]
    assert [(product["display_name"], product["product_state"]) for product in products] == [
        ("Windows Defender", 0x060110),  # off, 95-day-old signatures
        ("Avast Antivirus", 266240),
    ]
    client = SimulatedHost.from_profile("win11-24h2-hardened")
    (defender,) = value_of(client, {"op": "defender.products"})["products"]
    assert defender["product_state"] == 397568
    assert defender["instance_guid"] == "{D68DDC3A-831F-4FAE-9E44-DA132C1ACF46}"


def test_install_dirs_lists_each_subkey_with_the_asked_values(server, avast):
    asked = {
        "op": "defender.install_dirs",
        "keys": ["HKLM:\\SOFTWARE\\PostgreSQL\\Installations", PG_INSTALLATIONS],
        "values": ["Base Directory", "Data Directory", "Port"],
    }
    assert value_of(server, asked)["installations"] == [
        {
            "key": PG_INSTALLATIONS + "\\postgresql-9.6",
            "values": {
                "Base Directory": "C:\\Program Files (x86)\\PostgreSQL\\9.6",
                "Data Directory": "C:\\Program Files (x86)\\PostgreSQL\\9.6\\data",
                "Port": None,
            },
        }
    ]
    (x86,) = value_of(avast, asked)["installations"]
    assert x86["values"]["Base Directory"] == "C:\\Program Files\\PostgreSQL\\9.6"
    client = SimulatedHost.from_profile("win11-24h2-fresh")
    assert value_of(client, asked)["installations"] == []


def test_install_dirs_checks_its_arguments_and_registry_access(server):
    bad = {"op": "defender.install_dirs", "keys": [1], "values": ["Base Directory"]}
    assert_error(run_one(server, bad), "invalid_argument", "'keys'")
    bad = {"op": "defender.install_dirs", "keys": ["NOTAHIVE\\X"], "values": []}
    assert_error(run_one(server, bad), "invalid_argument", "'keys'")
    server.state["registry_access"]["HKLM:\\SOFTWARE\\WOW6432Node\\PostgreSQL"] = "none"
    denied = {"op": "defender.install_dirs", "keys": [PG_INSTALLATIONS], "values": ["Base Directory"]}
    assert_error(run_one(server, denied), "access_denied")


def test_group_policy_decides_which_exclusions_get_mp_preference_shows():
    host = SimulatedHost.from_profile("server2022-desktop-fresh")
    policy = "HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows Defender"
    host.state["registry"][f"{policy}\\Exclusions\\Paths"] = {"E:\\PostgreSQL\\data": {"type": "String", "data": "0"}}
    host.state["defender"].setdefault("preferences", {})["ExclusionPath"] = ["C:\\onepacs"]

    def shown():
        (result,) = host.execute({"v": 1, "ops": [{"op": "defender.preferences"}]})["results"]
        return result["value"]["exclusion_paths"]

    assert shown() == ["E:\\PostgreSQL\\data", "C:\\onepacs"]  # merged
    host.state["registry"][policy] = {"DisableLocalAdminMerge": {"type": "DWord", "data": 1}}
    assert shown() == ["E:\\PostgreSQL\\data"]  # only the policy's items are in the effective list
    host.state["registry"][policy] = {"HideExclusionsFromLocalAdmins": {"type": "DWord", "data": 1}}
    assert shown() == ["N/A: Must be and administrator to view exclusions"]
