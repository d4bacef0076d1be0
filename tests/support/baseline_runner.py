"""Run onepacs.baseline.win_baseline, or each area module of a baseline in turn as the roles' per-area tasks do,
in a unit test over a stand-in connection (fake_connection.SimulatedConnection)."""

from __future__ import annotations

import copy
import importlib
from typing import Any
from unittest.mock import MagicMock

from ansible_collections.onepacs.baseline.plugins.action.win_baseline import ActionModule
from ansible_collections.onepacs.baseline.plugins.plugin_utils._baseline_audit import baseline_modules
from ansible_collections.onepacs.baseline.plugins.plugin_utils._catalog import load_catalog

HOST = "gw01"
COLLECTION = "onepacs.baseline"


class FakeTask:
    """The parts of an Ansible Task the actions use; copy() gives an independent task, as Task.copy() does."""

    async_val = 0

    def __init__(self, args: dict[str, Any], check_mode: bool, action: str) -> None:
        self.args = args
        self.check_mode = check_mode
        self.action = action

    def copy(self) -> FakeTask:
        return FakeTask(copy.deepcopy(self.args), self.check_mode, self.action)


class LoadingActionModule(ActionModule):
    """win_baseline with the collection's action plugins imported directly (Ansible's loader needs a play)."""

    def _load_action(self, name: str, task: Any) -> Any:
        short = name.removeprefix(f"{COLLECTION}.")
        module = importlib.import_module(f"ansible_collections.onepacs.baseline.plugins.action.{short}")
        action = module.ActionModule(
            task, self._connection, self._play_context, loader=None, templar=None, shared_loader_obj=None
        )
        action._load_name = name
        return action


class PlainTemplar:
    """Ansible's Templar for variables that hold plain values (no templates): each value is its own result."""

    def template(self, value: Any) -> Any:
        return value


def make_action(action_class, connection, args, check_mode, name, *, diff=False):
    play_context = MagicMock()
    play_context.check_mode = check_mode
    play_context.diff = diff
    ansible_connection = MagicMock()
    ansible_connection.exec_command.side_effect = connection.exec_command
    ansible_connection._shell.tmpdir = None
    task = FakeTask(dict(args), check_mode, f"{COLLECTION}.{name}")
    action = action_class(
        task, ansible_connection, play_context, loader=None, templar=PlainTemplar(), shared_loader_obj=None
    )
    action._load_name = f"{COLLECTION}.{name}"
    return action


def run_baseline(connection, args=None, check_mode=True, diff=False, task_vars=None):
    arguments = {"baseline": "gateway", **(args or {})}
    action = make_action(LoadingActionModule, connection, arguments, check_mode, "win_baseline", diff=diff)
    return action.run(task_vars={"inventory_hostname": HOST, **(task_vars or {})})


def run_each_area(connection, baseline="gateway", check_mode=True):
    """The role's way: one task per area module in turn, host facts passed on to the later tasks."""
    facts: dict[str, Any] = {}
    records: dict[str, dict[str, Any]] = {}
    for module in baseline_modules(load_catalog(), baseline):
        action_class = importlib.import_module(f"ansible_collections.onepacs.baseline.plugins.action.{module}")
        action = make_action(action_class.ActionModule, connection, {"baseline": baseline}, check_mode, module)
        result = action.run(task_vars={"inventory_hostname": HOST, "ansible_facts": dict(facts)})
        facts.update(result.get("ansible_facts") or {})
        records.update({record["id"]: record for record in result["controls"]})
    return records


def records_by_id(result):
    return {record["id"]: record for record in result["controls"]}
