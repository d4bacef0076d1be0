"""win_baseline: every area of a baseline with one probe command, and the same records as one task per area."""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from ansible.errors import AnsibleActionFail, AnsibleConnectionFailure
from baseline_runner import HOST, records_by_id, run_baseline, run_each_area

from action_runner import run_unchanged
from ansible_collections.onepacs.baseline.plugins.plugin_utils._baseline_audit import (
    area_arguments,
    baseline_modules,
    op_key,
    runs_with_tags,
)
from ansible_collections.onepacs.baseline.plugins.plugin_utils._catalog import load_catalog
from fake_connection import SimulatedConnection
from winlab.simulator import SimulatedHost


def simulated(profile):
    return SimulatedConnection.from_profile(profile)


def twins(profile):
    """Two hosts in the same state (profiles resolve relative dates when loaded, so load it once)."""
    host = SimulatedHost.from_profile(profile)
    return SimulatedConnection(host), SimulatedConnection(SimulatedHost(copy.deepcopy(host.snapshot())))


@pytest.mark.parametrize(
    ("profile", "baseline"),
    [
        ("server2022-desktop-fresh", "gateway"),
        ("server2019-fresh", "gateway"),
        ("server2022-core-hardened", "gateway"),
        ("win11-24h2-fresh", "workstation"),
    ],
)
def test_one_command_gives_the_records_of_one_task_per_area(profile, baseline):
    per_area, single = twins(profile)
    expected = run_each_area(per_area, baseline)
    result = run_unchanged(run_baseline, single, {"baseline": baseline})

    assert len(single.requests) == 1
    assert result["commands"] == 1
    assert len(per_area.requests) >= 9
    assert records_by_id(result) == expected
    assert {control.id for control in load_catalog().for_baseline(baseline)} == set(expected)
    assert result["summary"]["fail"] == sum(record["status"] == "fail" for record in expected.values())


def test_the_request_holds_each_op_once_and_facts_are_returned():
    connection = simulated("server2022-desktop-fresh")
    result = run_baseline(connection)
    ops = connection.requests[0]["ops"]
    assert len({op_key(op) for op in ops}) == len(ops)
    assert [op["op"] for op in ops].count("system.info") == 1
    assert result["ansible_facts"]["onepacs_host"]["system"]["product_type"] == 3
    assert set(result["areas"]) == set(baseline_modules(load_catalog(), "gateway"))
    assert all(
        set(area) <= {"msg", "summary", "changed", "failed", "reboot_required"} for area in result["areas"].values()
    )


def test_enforcement_probes_once_then_applies_every_drifted_area_in_one_command():
    per_area, single = twins("server2022-desktop-fresh")
    expected = run_each_area(per_area, check_mode=False)

    result = run_baseline(single, check_mode=False)

    changed_areas = [module for module, area in result["areas"].items() if area.get("changed")]
    assert len(changed_areas) > 1
    assert len(single.requests) == 2
    assert result["commands"] == 2
    probe_ops, apply_ops = single.requests[0]["ops"], single.requests[1]["ops"]
    assert not any(op in probe_ops for op in apply_ops)
    assert apply_ops == [op for request in per_area.requests for op in request["ops"] if op not in probe_ops]
    assert records_by_id(result) == expected
    assert single.host.snapshot() == per_area.host.snapshot()
    fixed = [record["id"] for record in result["controls"] if record["status"] == "fixed"]
    assert fixed
    again = records_by_id(run_baseline(single))
    assert {again[control_id]["status"] for control_id in fixed} == {"pass"}


def test_area_options_pass_through_and_disabled_areas_are_skipped():
    connection = simulated("server2022-desktop-fresh")
    result = run_baseline(
        connection,
        {"areas": {"win_power": {"hibernation": True}, "onepacs.baseline.win_firewall": {"enabled": False}}},
    )
    found = records_by_id(result)
    assert found["PWR-02"]["status"] == "pass"  # the fresh profile hibernates, which is now what is wanted
    assert not any(control_id.startswith("FW-") for control_id in found)
    assert "win_firewall" not in result["areas"]
    assert not any(op["op"].startswith("firewall.") for op in connection.requests[0]["ops"])


def test_only_limits_every_area_and_unselected_areas_send_nothing():
    connection = simulated("server2022-desktop-fresh")
    result = run_baseline(connection, {"only": ["PWR-02", "SEC-03"]})
    assert set(records_by_id(result)) == {"PWR-02", "SEC-03"}
    assert {op["op"].split(".")[0] for op in connection.requests[0]["ops"]} <= {"power", "registry", "system"}


def test_an_area_with_invalid_options_fails_alone():
    connection = simulated("server2022-desktop-fresh")
    result = run_baseline(connection, {"areas": {"win_update_policy": {"scheduled_install_time": 99}}})
    assert result["failed"] is True
    assert result["msg"].startswith("win_update_policy: ")
    found = records_by_id(result)
    assert not any(control_id.startswith("UPD-") for control_id in found)
    assert found["PWR-03"]["status"] == "fail"
    assert len(connection.requests) == 1


@pytest.mark.parametrize(
    ("areas", "message"),
    [
        ({"win_network": {}}, "'win_network' is not an area module of this baseline"),
        ({"win_power": "yes"}, "areas.win_power: expected a mapping"),
        ({"win_power": {"enabled": "no"}}, "areas.win_power.enabled: expected true or false"),
    ],
)
def test_bad_areas_fail_before_the_host_is_contacted(areas, message):
    connection = simulated("server2022-desktop-fresh")
    with pytest.raises(AnsibleActionFail, match=message):
        run_baseline(connection, {"areas": areas})
    assert connection.requests == []


def test_an_agent_failure_is_reported_by_every_area_like_its_own_probe_would():
    connection = SimulatedConnection(
        SimulatedHost.from_profile("server2022-desktop-fresh"), failures={0: (1, b"", b"agent crashed")}
    )
    result = run_baseline(connection)
    assert result["failed"] is True
    assert "gw01: " in result["msg"]
    assert "agent crashed" in result["msg"]
    statuses = {record["status"] for record in result["controls"] if not record["id"].startswith("MAN-")}
    assert statuses == {"error"}
    assert len(connection.requests) == 1


def test_a_lost_connection_on_the_probe_makes_the_host_unreachable():
    connection = SimulatedConnection(
        SimulatedHost.from_profile("server2022-desktop-fresh"), failures={0: AnsibleConnectionFailure("refused")}
    )
    with pytest.raises(AnsibleConnectionFailure, match="gw01"):
        run_baseline(connection)


def test_diff_merges_every_area():
    connection = simulated("server2022-desktop-fresh")
    result = run_baseline(connection, diff=True)
    assert result["diff"]["after"]["PWR-03 HiberbootEnabled"] == 0
    assert result["diff"]["before_header"] == f"win_baseline on {HOST}"
    assert {key.split()[0][:3] for key in result["diff"]["after"]} > {"PWR"}


def test_area_arguments_order_and_common_options():
    modules = ["win_host_facts", "win_power", "win_attestations"]
    common = {"baseline": "gateway", "only": [], "exceptions": [], "enforce": False}
    selected = area_arguments(modules, {"win_power": {"hibernation": True}, "win_host_facts": None}, common)
    assert [module for module, _ in selected] == modules
    assert selected[1][1] == {**common, "hibernation": True}


def test_baseline_modules_put_host_facts_first_and_attestations_last():
    modules = baseline_modules(load_catalog(), "workstation")
    assert modules[0] == "win_host_facts"
    assert modules[-1] == "win_attestations"
    assert "win_network" in modules


@pytest.mark.parametrize("plugin", ["win_power", "win_baseline"])
def test_loading_a_plugin_parses_the_catalog_so_forked_workers_inherit_it(plugin):
    # Ansible imports a task's action plugin in its main process before forking a worker per host.
    script = (
        "import sys\n"
        f"import ansible_collections.onepacs.baseline.plugins.action.{plugin}\n"
        "from ansible_collections.onepacs.baseline.plugins.plugin_utils._catalog import load_catalog\n"
        "print(load_catalog.cache_info().currsize)\n"
        "print(' '.join(sorted(name.rsplit('.', 1)[1] for name in sys.modules if '.plugins.action.win_' in name)))\n"
    )
    root = Path(__file__).resolve().parents[4]
    output = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "PYTHONPATH": str(root / ".collections")},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert output[0] == "1"
    loaded = set(output[1].split())
    if plugin == "win_baseline":
        assert loaded >= set(baseline_modules(load_catalog(), "gateway"))
    else:
        assert loaded == {"win_power"}


@pytest.mark.parametrize(
    ("run_tags", "skip_tags", "runs"),
    [
        ([], [], True),
        (["all"], [], True),
        (["power"], [], True),
        (["PWR-02"], [], True),
        (["firewall"], [], False),
        (["tagged"], [], True),
        (["all"], ["power"], False),
        (["all"], ["PWR-01"], False),
        (["all"], ["firewall"], True),
        (["power"], ["all"], False),
        (["power"], ["tagged"], False),
    ],
)
def test_an_area_runs_under_the_tags_that_would_run_its_per_area_task(run_tags, skip_tags, runs):
    assert runs_with_tags(["power", "PWR-01", "PWR-02"], run_tags, skip_tags) is runs


def test_tags_select_areas_and_their_control_ids_select_the_area_too():
    areas = {"win_power": {"tags": ["power"]}, "win_firewall": {"tags": ["firewall"]}}
    by_area = run_baseline(
        simulated("server2022-desktop-fresh"), {"areas": areas}, task_vars={"ansible_run_tags": ["firewall"]}
    )
    assert "win_firewall" in by_area["areas"]
    assert "win_power" not in by_area["areas"]
    assert "win_services" in by_area["areas"]  # an area given no tags is not selected by them
    by_id = run_baseline(
        simulated("server2022-desktop-fresh"),
        {"areas": areas},
        task_vars={"ansible_run_tags": ["PWR-03"], "ansible_skip_tags": ["firewall"]},
    )
    assert "win_power" in by_id["areas"]
    assert "win_firewall" not in by_id["areas"]


def test_no_selected_area_sends_nothing():
    connection = simulated("server2022-desktop-fresh")
    areas = {module: {"tags": [module]} for module in baseline_modules(load_catalog(), "gateway")}
    result = run_baseline(connection, {"areas": areas}, task_vars={"ansible_run_tags": ["report"]})
    assert result["controls"] == []
    assert result["commands"] == 0
    assert connection.requests == []


ROLE_INPUTS = {
    "variable_prefix": "onepacs_gateway_",
    "role_variables": ["onepacs_gateway_power_hibernation", "onepacs_gateway_power_enabled"],
    "setting_variables": {
        "win_power": {"hibernation": "onepacs_gateway_power_hibernation", "enabled": "onepacs_gateway_power_enabled"}
    },
}


@pytest.mark.parametrize(
    ("args", "task_vars", "message"),
    [
        ({"areas": {"win_power": {"hibernation": "sometimes"}}}, {}, "onepacs_gateway_power_hibernation: "),
        ({"areas": {"win_power": {"enabled": "no"}}}, {}, "onepacs_gateway_power_enabled: expected true or false"),
        ({}, {"onepacs_gateway_power_hibernate": True}, "did you mean onepacs_gateway_power_hibernation?"),
        (
            {},
            {"onepacs_exceptions": [{"id": "PWR-99", "reason": "r", "approver": "a", "expires": "2030-01-01"}]},
            "onepacs_exceptions[0].id: 'PWR-99' is not a control id of the catalog",
        ),
        ({}, {"onepacs_attestations_clinic": [{"id": "PWR-01"}]}, "onepacs_attestations_clinic[0]"),
    ],
)
def test_role_inputs_are_checked_naming_the_variable_before_the_host_is_contacted(args, task_vars, message):
    connection = simulated("server2022-desktop-fresh")
    with pytest.raises(AnsibleActionFail, match=re.escape(message)):
        run_baseline(connection, {**args, "role_inputs": ROLE_INPUTS}, check_mode=False, task_vars=task_vars)
    assert connection.requests == []


def test_with_role_inputs_the_shared_lists_are_merged_and_scoped_and_an_audit_leaves_a_bad_entry_out():
    expires = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    waiver = {"id": "PWR-02", "reason": "imaging tool", "approver": "ciso@clinic.example", "expires": expires}
    task_vars = {
        "onepacs_exceptions": [{**waiver, "hosts": ["another-host"]}],
        "onepacs_exceptions_clinic": [
            waiver,
            {"id": "PWR-99", "reason": "r", "approver": "a", "expires": "2030-01-01"},
        ],
    }
    result = run_baseline(simulated("server2022-desktop-fresh"), {"role_inputs": ROLE_INPUTS}, task_vars=task_vars)
    assert records_by_id(result)["PWR-02"]["status"] == "excepted"
    assert records_by_id(result)["PWR-03"]["status"] == "fail"  # the bad PWR-99 entry waived nothing


def test_options_left_out_are_read_from_the_role_variables_named_in_role_inputs():
    connection = simulated("server2022-desktop-fresh")
    task_vars = {"onepacs_gateway_power_hibernation": True, "onepacs_gateway_power_enabled": True}
    result = run_baseline(connection, {"role_inputs": ROLE_INPUTS}, task_vars=task_vars)
    assert records_by_id(result)["PWR-02"]["status"] == "pass"  # hibernation on is what the variable asks for
    given = run_baseline(
        simulated("server2022-desktop-fresh"),
        {"role_inputs": ROLE_INPUTS, "areas": {"onepacs.baseline.win_power": {"hibernation": False}}},
        task_vars=task_vars,
    )
    assert records_by_id(given)["PWR-02"]["status"] == "fail"  # the task's own option wins
    switched_off = run_baseline(
        simulated("server2022-desktop-fresh"),
        {"role_inputs": ROLE_INPUTS},
        task_vars={**task_vars, "onepacs_gateway_power_enabled": False},
    )
    assert "win_power" not in switched_off["areas"]
