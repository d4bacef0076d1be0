"""Each area declares which of its methods decides which control (Area.decided_by): the declaration lists exactly
the catalog's controls of the area's module, names methods that exist, and each finding an area returns for a lab
host comes from the method declared for its control."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.onepacs.baseline.plugins.plugin_utils._catalog import load_catalog
from ansible_collections.onepacs.baseline.plugins.plugin_utils._role_inputs import area_class
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._transport import OpResult
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._area import (
    Area,
    Connection,
    decides,
    module_argument_spec,
)
from winlab.simulator import SimulatedHost

PROFILES = ("server2022-desktop-fresh", "server2022-core-hardened", "win11-24h2-fresh")
#: Every control module's area, as the action plugins run it.
AREAS = {control.module: area_class(control.module) for control in load_catalog()}


def deciding_callable(area: type[Area], name: str) -> tuple[Any, Callable[..., Any]]:
    """Where the declared name lives (the class, or the area's module) and what it is."""
    if name in vars(area):
        return area, vars(area)[name]
    return sys.modules[area.__module__], getattr(sys.modules[area.__module__], name)


@pytest.mark.parametrize("module", AREAS)
def test_the_declaration_lists_the_catalog_controls_of_the_module(module: str) -> None:
    assert set(AREAS[module].decided_by) == {control.id for control in load_catalog().for_module(module)}


@pytest.mark.parametrize("module", AREAS)
def test_every_declared_method_exists(module: str) -> None:
    area = AREAS[module]
    for control_id, name in area.decided_by.items():
        assert callable(deciding_callable(area, name)[1]), f"{control_id}: {name}"


def lab_results(area: Area, profile: str) -> dict[str, OpResult]:
    probe = area.probe_ops()
    if not probe:
        return {}
    response = SimulatedHost.from_profile(profile).execute({"v": 1, "ops": list(probe.values())})
    return {
        key: OpResult(ok=raw["ok"], value=raw.get("value"), code=raw.get("code"), error=raw.get("error"))
        for key, raw in zip(probe, response["results"], strict=True)
    }


def returned_ids(value: Any) -> list[str]:
    """Control ids of what a deciding method returned: a finding, a settings-table row, or several of them."""
    items = value if isinstance(value, list | tuple) else [value]
    return [item.control_id for item in items if hasattr(item, "control_id")]


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("module", AREAS)
def test_each_finding_comes_from_its_declared_method(module: str, profile: str, monkeypatch) -> None:
    area_type = AREAS[module]
    decided: dict[str, list[str]] = {}
    for name in set(area_type.decided_by.values()):
        owner, original = deciding_callable(area_type, name)

        def spy(*args: Any, __name: str = name, __original: Callable[..., Any] = original, **kwargs: Any) -> Any:
            value = __original(*args, **kwargs)
            decided.setdefault(__name, []).extend(returned_ids(value))
            return value

        monkeypatch.setattr(owner, name, spy)
    params = ArgumentSpecValidator(module_argument_spec(area_type)).validate({})
    area = area_type(dict(params.validated_parameters), Connection(user="labadmin", port=5985))
    findings = area.evaluate(lab_results(area, profile))

    assert {finding.control_id for finding in findings} == set(area_type.decided_by)
    for finding in findings:
        method = area_type.decided_by[finding.control_id]
        assert finding.control_id in decided.get(method, []), f"{finding.control_id} did not come from {method}"


def test_one_control_decided_by_two_methods_is_refused_when_the_class_is_defined() -> None:
    def method(self: Area) -> None:
        return None

    members = {"_first": decides("PWR-01")(method), "_second": decides("PWR-01")(lambda self: None)}
    with pytest.raises(TypeError, match="PWR-01 is decided by both _first and _second"):
        type("TwoDeciders", (Area,), members)
