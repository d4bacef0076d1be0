"""The benchmark's comparison playbook: the same controls audited one setting per task, in the style of the
popular CIS roles (one task per registry value or policy line).

The tasks come from the area modules themselves (their probe ops with the module defaults), so the comparison
always covers the controls the baseline has. An op that reads a list of items (audit subcategories, services,
power settings) becomes one task per item, as a per-setting role has one task per subcategory or service. Ops
that return a whole document (the security policy export, the firewall profiles, the Defender preferences) stay
one task each, although such a role has one task per line of them: the comparison counts fewer tasks than a real
per-setting role would need, never more. Equal ops of two areas (system.info) are read once, as facts would be.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.onepacs.baseline.plugins.plugin_utils._baseline_audit import baseline_modules, op_key
from ansible_collections.onepacs.baseline.plugins.plugin_utils._catalog import load_catalog
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._area import module_argument_spec

#: Test-only action plugin (tests/benchmark/action_plugins/) that sends one op per task.
ACTION = "onepacs_bench_setting"
#: Ops whose list argument names independent settings: one task per element.
SPLIT_ARGUMENTS = {"auditpol.get": "guids", "services.get": "names", "power.query": "settings"}


def _area_classes() -> dict[str, Any]:
    """module name -> Area class, from the action plugins (the one place that pairs them)."""
    import importlib  # noqa: PLC0415  # only the benchmark generator needs the action plugins

    classes = {}
    for module in {control.module for control in load_catalog().controls}:
        action = importlib.import_module(f"ansible_collections.onepacs.baseline.plugins.action.{module}")
        classes[module] = action.ActionModule.AREA
    return classes


def split_op(op: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """One op per setting: an op listing several items of SPLIT_ARGUMENTS becomes one op per item."""
    argument = SPLIT_ARGUMENTS.get(op["op"])
    items = op.get(argument) if argument else None
    if not isinstance(items, list) or len(items) < 2:
        yield op
        return
    for item in items:
        yield {**op, argument: [item]}


def setting_ops(baseline: str) -> list[tuple[str, dict[str, Any]]]:
    """(module, op) for every setting the baseline reads, each once, in area order."""
    classes = _area_classes()
    seen: set[str] = set()
    ops = []
    for module in baseline_modules(load_catalog(), baseline):
        area_class = classes[module]
        validated = ArgumentSpecValidator(module_argument_spec(area_class)).validate({"baseline": baseline})
        if validated.error_messages:
            raise ValueError(f"{module}: default options do not validate: {validated.error_messages}")
        for probe in area_class(validated.validated_parameters).probe_ops().values():
            for op in split_op(probe):
                key = op_key(op)
                if key not in seen:
                    seen.add(key)
                    ops.append((module, op))
    return ops


def _task_name(index: int, module: str, op: dict[str, Any]) -> str:
    arguments = json.dumps({key: value for key, value in op.items() if key != "op"}, sort_keys=True)
    return f"{index:03d} {module} {op['op']} {arguments[:80]}"


def playbook(baseline: str, hosts: str = "gateways") -> list[dict[str, Any]]:
    """The comparison play: no fact gathering, one task per setting."""
    tasks = [
        {"name": _task_name(index, module, op), ACTION: {"op": op}}
        for index, (module, op) in enumerate(setting_ops(baseline), start=1)
    ]
    return [
        {"name": f"{baseline} baseline, one setting per task", "hosts": hosts, "gather_facts": False, "tasks": tasks}
    ]
