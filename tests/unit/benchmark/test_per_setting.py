"""The benchmark's per-setting comparison: its playbook covers what the area modules read, one setting per task,
and its test-only action plugin sends one op per task through the collection's transport."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from unittest.mock import MagicMock

import pytest

from ansible_collections.onepacs.baseline.plugins.plugin_utils._baseline_audit import baseline_modules, op_key
from ansible_collections.onepacs.baseline.plugins.plugin_utils._catalog import load_catalog
from fake_connection import SimulatedConnection

BENCHMARK_DIR = Path(__file__).resolve().parents[3] / "tests" / "benchmark"


def load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


per_setting = load("per_setting", BENCHMARK_DIR / "per_setting.py")
bench_action = load("onepacs_bench_setting", BENCHMARK_DIR / "action_plugins" / "onepacs_bench_setting.py")


def test_list_arguments_become_one_op_per_item_and_other_ops_stay_whole():
    op = {"op": "services.get", "names": ["Spooler", "RemoteRegistry"]}
    assert list(per_setting.split_op(op)) == [
        {"op": "services.get", "names": ["Spooler"]},
        {"op": "services.get", "names": ["RemoteRegistry"]},
    ]
    assert list(per_setting.split_op({"op": "secpol.export"})) == [{"op": "secpol.export"}]
    assert list(per_setting.split_op({"op": "services.get", "names": ["Spooler"]})) == [
        {"op": "services.get", "names": ["Spooler"]}
    ]


@pytest.mark.parametrize("baseline", ["gateway", "workstation"])
def test_every_setting_is_read_once_by_the_areas_of_the_baseline(baseline):
    ops = per_setting.setting_ops(baseline)
    keys = [op_key(op) for _, op in ops]
    assert len(keys) == len(set(keys))
    assert {module for module, _ in ops} <= set(baseline_modules(load_catalog(), baseline))
    assert all(
        len(op.get(argument, [None])) == 1
        for _, op in ops
        for name, argument in per_setting.SPLIT_ARGUMENTS.items()
        if op["op"] == name
    )
    # more tasks than the area modules have probe ops, since lists are split
    assert len(ops) > 40


def test_the_playbook_has_one_task_per_setting_and_no_fact_gathering():
    (play,) = per_setting.playbook("gateway", "gateways")
    assert play["gather_facts"] is False
    assert play["hosts"] == "gateways"
    assert len(play["tasks"]) == len(per_setting.setting_ops("gateway"))
    assert all(set(task) == {"name", per_setting.ACTION} for task in play["tasks"])
    assert len({task["name"] for task in play["tasks"]}) == len(play["tasks"])


def run_bench_action(connection, op):
    task = MagicMock()
    task.args = {"op": op}
    task.async_val = 0
    task.check_mode = True
    play_context = MagicMock()
    play_context.check_mode = True
    ansible_connection = MagicMock()
    ansible_connection.exec_command.side_effect = connection.exec_command
    ansible_connection._shell.tmpdir = None
    action = bench_action.ActionModule(task, ansible_connection, play_context, None, None, None)
    return action.run(task_vars={"inventory_hostname": "gw01"})


def test_the_comparison_action_sends_one_op_per_task():
    connection = SimulatedConnection.from_profile("server2022-desktop-fresh")
    op = {"op": "services.get", "names": ["Spooler"]}
    expected = connection.host.execute({"v": 1, "ops": [op]})["results"][0]["value"]
    result = run_bench_action(connection, op)
    assert connection.ops == [["services.get"]]
    assert result["changed"] is False
    assert result["error"] is None
    assert result["value"] == expected
    assert result["value"]


def test_an_op_error_is_an_answer_not_a_failed_task():
    connection = SimulatedConnection.from_profile("server2022-desktop-fresh")
    result = run_bench_action(connection, {"op": "defender.products"})
    assert "failed" not in result
    assert result["error"].startswith("not_supported: ")
    assert json.dumps(result)
