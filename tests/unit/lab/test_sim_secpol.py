"""secpol.export / secpol.configure in the simulator: secedit's export shape and the rules Windows enforces."""

from __future__ import annotations

import pytest

from sim_requests import run_one
from winlab.simulator import SimulatedHost

SAM_KEY = "HKLM:\\SYSTEM\\CurrentControlSet\\Control\\SAM"


def export(host):
    result = run_one(host, {"op": "secpol.export"})
    assert result["ok"], result
    return result["value"]["system_access"]


def configure(host, **values):
    return run_one(host, {"op": "secpol.configure", "system_access": values})


@pytest.fixture
def client():
    return SimulatedHost.from_profile("win10-22h2-fresh")


def test_export_is_the_system_access_section_with_what_secedit_derives_from_the_accounts(client):
    access = export(client)
    assert access["PasswordComplexity"] == 0
    assert access["MaximumPasswordAge"] == 42
    assert (access["NewAdministratorName"], access["EnableAdminAccount"]) == ("Administrator", 0)
    assert (access["NewGuestName"], access["EnableGuestAccount"]) == ("Guest", 1)


def test_lockout_windows_are_not_exported_while_lockout_is_off(client):
    client.state["secpol"]["System Access"].update(LockoutBadCount=0, LockoutDuration=30, ResetLockoutCount=30)
    access = export(client)
    assert access["LockoutBadCount"] == 0
    assert "LockoutDuration" not in access
    assert "ResetLockoutCount" not in access


def test_configure_writes_only_the_given_keys_and_returns_the_export(client):
    result = configure(client, MinimumPasswordLength=14, PasswordComplexity=1)
    assert result["ok"], result
    access = result["value"]["system_access"]
    assert (access["MinimumPasswordLength"], access["PasswordComplexity"]) == (14, 1)
    assert access["MaximumPasswordAge"] == 42
    assert export(client) == access


def test_the_three_lockout_keys_in_one_template_are_accepted(client):
    result = configure(client, LockoutBadCount=10, LockoutDuration=15, ResetLockoutCount=15)
    assert result["ok"], result
    assert {key: result["value"]["system_access"][key] for key in ("LockoutDuration", "ResetLockoutCount")} == {
        "LockoutDuration": 15,
        "ResetLockoutCount": 15,
    }


def test_lockout_windows_without_a_lockout_count_are_refused_and_change_nothing(client):
    before = export(client)
    result = configure(client, LockoutDuration=15, ResetLockoutCount=15)
    assert (result["ok"], result["code"]) == (False, "failed")
    assert "secedit.exe /configure exited with code 1" in result["error"]
    assert "need a non-zero LockoutBadCount" in result["error"]
    assert export(client) == before


def test_a_reset_window_longer_than_the_duration_is_refused():
    host = SimulatedHost.from_profile("win11-24h2-fresh")  # 10 attempts, 10 minutes, 10 minutes
    result = configure(host, ResetLockoutCount=15)
    assert result["ok"] is False
    assert "ResetLockoutCount 15 may not exceed LockoutDuration 10" in result["error"]
    assert configure(host, LockoutDuration=15, ResetLockoutCount=15)["ok"]
    assert configure(host, LockoutDuration=-1, ResetLockoutCount=60)["ok"]


def test_turning_lockout_on_alone_brings_windows_default_windows(client):
    access = configure(client, LockoutBadCount=5)["value"]["system_access"]
    assert (access["LockoutDuration"], access["ResetLockoutCount"]) == (30, 30)


def test_lengths_above_14_need_the_relax_policy(client):
    result = configure(client, MinimumPasswordLength=16)
    assert result["ok"] is False
    assert "MinimumPasswordLength = 16 is outside 0..14" in result["error"]
    relax = {"op": "registry.set", "path": SAM_KEY, "name": "RelaxMinimumPasswordLengthLimits"}
    assert run_one(client, {**relax, "type": "DWord", "data": 1})["ok"]
    assert configure(client, MinimumPasswordLength=16)["ok"]


@pytest.mark.parametrize(
    ("values", "mentions"),
    [
        ({"PasswordHistorySize": 25}, "PasswordHistorySize = 25 is outside 0..24"),
        ({"PasswordComplexity": 2}, "PasswordComplexity = 2 is outside 0..1"),
        ({"MinimumPasswordAge": 50, "MaximumPasswordAge": 30}, "must be less than MaximumPasswordAge"),
    ],
)
def test_values_windows_refuses_fail(client, values, mentions):
    result = configure(client, **values)
    assert (result["ok"], result["code"]) == (False, "failed")
    assert mentions in result["error"]


@pytest.mark.parametrize(
    ("values", "mentions"),
    [
        ({}, "at least one"),
        ({"NewGuestName": 1}, "'NewGuestName' is not a [System Access] key"),
        ({"PasswordComplexity": True}, "PasswordComplexity must be an integer"),
        ({"PasswordComplexity": "1"}, "PasswordComplexity must be an integer"),
    ],
)
def test_malformed_templates_are_invalid_arguments(client, values, mentions):
    result = configure(client, **values)
    assert (result["ok"], result["code"]) == (False, "invalid_argument")
    assert mentions in result["error"]


def test_an_entry_secedit_skips_with_exit_code_0_is_named():
    host = SimulatedHost.from_profile("server2022-desktop-fresh")
    host.state["secpol_lab"] = {"skips": ["PasswordHistorySize"]}
    template = {"PasswordHistorySize": 24, "MinimumPasswordLength": 14}
    (result,) = host.execute({"v": 1, "ops": [{"op": "secpol.configure", "system_access": template}]})["results"]
    assert (result["ok"], result["code"]) == (False, "failed")
    assert result["error"].startswith(
        "secedit.exe /configure exited with code 0 but skipped PasswordHistorySize (wrote 24, reads 0)"
    )
    (export,) = host.execute({"v": 1, "ops": [{"op": "secpol.export"}]})["results"]
    assert export["value"]["system_access"]["MinimumPasswordLength"] == 14
