"""The baseline roles' defaults, argument_specs, tasks and vars are generated (scripts/role_gen.py) from one
description of the role areas, the areas' options and the catalog; they must be current (scripts/regen roles), and
each knob's type, default and allowed values are its module option's, written nowhere else."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from ansible_collections.onepacs.baseline.plugins.plugin_utils._role_inputs import area_class
from regen import regen_check

REPO_ROOT = Path(__file__).resolve().parents[2]


def load_role_gen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("role_gen", REPO_ROOT / "scripts" / "role_gen.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is created
    spec.loader.exec_module(module)
    return module


ROLE_GEN = load_role_gen()


def argument_spec_options(role: str) -> dict[str, Any]:
    text = (REPO_ROOT / "roles" / role / "meta" / "argument_specs.yml").read_text(encoding="utf-8")
    return yaml.safe_load(text)["argument_specs"]["main"]["options"]


def test_generated_role_files_are_current():
    completed = regen_check("roles")
    assert completed.returncode == 0, completed.stderr


KNOBS = [
    (role, area, knob)
    for area in ROLE_GEN.ROLE_AREAS
    for knob in area.knobs
    for role in knob.roles
    if role in ROLE_GEN.ROLES
]


@pytest.mark.parametrize(
    ("role", "area", "knob"), KNOBS, ids=[f"{role}-{area.name}-{knob.name}" for role, area, knob in KNOBS]
)
def test_each_knob_is_typed_as_its_module_option(role, area, knob):
    option = {"type": "str", **area_class(area.module).options[knob.module_option]}
    spec = argument_spec_options(role)[f"onepacs_{role}_{area.name}_{knob.name}"]
    wanted_default = option.get("default") if knob.default is ROLE_GEN.MODULE_DEFAULT else knob.default
    assert spec["type"] == option["type"]
    assert spec["default"] == wanted_default
    assert spec.get("elements") == option.get("elements")
    assert spec.get("choices") == option.get("choices")


def test_a_role_level_default_overrides_only_the_default():
    spec = ROLE_GEN.Knob("hibernation", "PWR-02 hibernation.", default=True).spec("win_power")
    assert spec == {"type": "bool", "default": True, "description": "PWR-02 hibernation."}


def test_a_knob_without_a_module_option_is_refused_with_both_names():
    with pytest.raises(ValueError, match="knob no_such_knob: no_such_knob is not an option of win_power"):
        ROLE_GEN.Knob("no_such_knob", "A typo.").spec("win_power")
