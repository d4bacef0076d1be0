"""The planners' side of the protocol contract, checked against every lab profile.

For every control module: the probe ops and every fix op it plans are listed in protocol/<area>.yml with the listed
arguments, in their declared types, choices and ranges; run against the simulator, each fix reads back the wanted
value and a second probe finds the host compliant. (The agent's and the simulator's sides are tested in
test_agent_contract.py and lab/test_simulator.py.)
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.onepacs.baseline.plugins.plugin_utils._findings import Outcome
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._protocol import load_protocol, op_args
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._transport import OpResult, build_request
from winlab.simulator import SimulatedHost, list_profiles

REPO_ROOT = Path(__file__).resolve().parents[2]
PROTOCOL = load_protocol()["ops"]


def area_class(module: str):
    return getattr(
        importlib.import_module(f"ansible_collections.onepacs.baseline.plugins.action.{module}").ActionModule,
        "AREA",
        None,
    )


# Area modules: one Area each (win_baseline composes them and is covered through them).
ACTION_MODULES = sorted(
    path.stem for path in (REPO_ROOT / "plugins/action").glob("win_*.py") if area_class(path.stem) is not None
)


def default_params(area) -> dict[str, Any]:
    return {name: spec.get("default") for name, spec in area.options.items()}


#: The JSON type a planner's Python value travels as.
_JSON_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda value: isinstance(value, str),
    "int": lambda value: isinstance(value, int) and not isinstance(value, bool),
    "bool": lambda value: isinstance(value, bool),
    "list": lambda value: isinstance(value, list | tuple),
    "dict": lambda value: isinstance(value, dict),
    "any": lambda value: True,
}


def assert_listed(op: dict[str, Any]) -> None:
    name = op["op"]
    assert name in PROTOCOL, f"{name} is not in the protocol"
    declared = op_args(name)
    given = set(op) - {"op"}
    assert given <= set(declared), f"{name}: undeclared args {sorted(given - set(declared))}"
    missing = {arg for arg, spec in declared.items() if spec.required} - given
    assert not missing, f"{name}: missing required args {sorted(missing)}"
    for arg, spec in declared.items():
        if arg not in op:
            continue
        value = op[arg]
        assert _JSON_TYPES[spec.type](value), f"{name}.{arg}={value!r} is not a {spec.type}"
        if spec.choices is not None:
            assert value in spec.choices, f"{name}.{arg}={value!r} not in {list(spec.choices)}"
        if spec.minimum is not None:
            assert value >= spec.minimum, f"{name}.{arg}={value!r} is below {spec.minimum}"
        if spec.maximum is not None:
            assert value <= spec.maximum, f"{name}.{arg}={value!r} is above {spec.maximum}"


def run(host: SimulatedHost, ops: list[dict[str, Any]]) -> list[OpResult]:
    response = host.execute(build_request(ops))
    return [OpResult(**result) for result in response["results"]]


def probe(host: SimulatedHost, area) -> list:
    ops = area.probe_ops()
    for op in ops.values():
        assert_listed(op)
        assert not PROTOCOL[op["op"]]["mutates"], f"probe op {op['op']} mutates the host"
    return area.evaluate(dict(zip(ops, run(host, list(ops.values())), strict=True)))


def test_every_action_plugin_is_a_control_module():
    assert "win_power" in ACTION_MODULES


@pytest.mark.parametrize("module", ACTION_MODULES)
@pytest.mark.parametrize("profile", list_profiles())
def test_planned_ops_are_listed_and_fixes_converge_on_every_profile(module, profile):
    area = area_class(module)(default_params(area_class(module)))
    host = SimulatedHost.from_profile(profile)

    findings = probe(host, area)
    changes = [change for finding in findings if finding.outcome is Outcome.DRIFTED for change in finding.changes]
    for change in changes:
        assert_listed(change.op)
        assert PROTOCOL[change.op["op"]]["mutates"], f"fix op {change.op['op']} is not a mutating op"

    results = run(host, [change.op for change in changes])
    for change, result in zip(changes, results, strict=True):
        assert result.ok, f"{change.setting}: {result.describe_error()}"
        assert change.verify(result.value)[0], f"{change.setting}: read back {result.value!r}"

    fixed = {finding.control_id for finding in findings if finding.changes}
    again = {finding.control_id: finding.outcome for finding in probe(host, area)}
    assert all(again[control_id] is Outcome.COMPLIANT for control_id in fixed), again
