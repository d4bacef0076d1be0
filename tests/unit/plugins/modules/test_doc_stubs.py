"""The doc stubs (plugins/modules/*.py) say what the action plugins do: every module's documented options are the
options its action validates (type, default, choices, elements, required, and the suboptions it declares), and
every `controls` return value documents the control record's fields and statuses. ansible-doc shows the stubs;
the argument specs in Python are what runs, so the two must never disagree."""

from __future__ import annotations

import dataclasses
import importlib
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from ansible_collections.onepacs.baseline.plugins.action.compliance_report import (
    ARGUMENT_SPEC as COMPLIANCE_REPORT_SPEC,
)
from ansible_collections.onepacs.baseline.plugins.action.validate_inputs import ARGUMENT_SPEC as VALIDATE_INPUTS_SPEC
from ansible_collections.onepacs.baseline.plugins.doc_fragments.controls import ModuleDocFragment
from ansible_collections.onepacs.baseline.plugins.plugin_utils._baseline_audit import OPTIONS as BASELINE_OPTIONS
from ansible_collections.onepacs.baseline.plugins.plugin_utils._common_options import COMMON_OPTIONS
from ansible_collections.onepacs.baseline.plugins.plugin_utils._records import ControlRecord, Status

REPO_ROOT = Path(__file__).resolve().parents[4]
COLLECTION = "ansible_collections.onepacs.baseline"
MODULES = sorted(path.stem for path in (REPO_ROOT / "plugins" / "modules").glob("*.py"))
FRAGMENTS = {"onepacs.baseline.controls": ModuleDocFragment.DOCUMENTATION}
#: The argspec fields a doc stub repeats; anything else (descriptions, aliases of the docs) lives only in the stub.
COMPARED = ("type", "default", "choices", "elements", "required")
#: How the record's Python types are documented as return value types.
RETURN_TYPES = {"str": "str", "Status": "str", "Any": "raw", "bool": "bool"}


def stub(module: str) -> Any:
    return importlib.import_module(f"{COLLECTION}.plugins.modules.{module}")


def documented_options(module: str) -> dict[str, Any]:
    """The stub's options with those of its doc fragments, as ansible-doc merges them."""
    documentation = yaml.safe_load(stub(module).DOCUMENTATION)
    options: dict[str, Any] = {}
    for fragment in documentation.get("extends_documentation_fragment") or []:
        options.update(yaml.safe_load(FRAGMENTS[fragment])["options"])
    options.update(documentation.get("options") or {})
    return options


def argument_spec(module: str) -> dict[str, Any]:
    """The options the module's action plugin validates its arguments with."""
    special = {
        "compliance_report": COMPLIANCE_REPORT_SPEC,
        "validate_inputs": VALIDATE_INPUTS_SPEC,
        "win_baseline": BASELINE_OPTIONS,
        "win_doctor": {},
    }
    if module in special:
        return special[module]
    action = importlib.import_module(f"{COLLECTION}.plugins.action.{module}")
    area = getattr(action.ActionModule, "AREA", None)
    if area is None:
        # A controller-side module: its action plugin validates against its own ARGUMENT_SPEC.
        return action.ARGUMENT_SPEC
    return {**area.options, **COMMON_OPTIONS}


def normalised(spec: dict[str, Any]) -> dict[str, Any]:
    """An option's compared fields with the argspec's implicit values made explicit."""
    fields = {"type": "str", "default": None, "choices": None, "elements": None, "required": False}
    fields.update({key: spec[key] for key in COMPARED if key in spec})
    if fields["choices"] is not None:
        fields["choices"] = list(fields["choices"])
    return fields


def mismatches(documented: dict[str, Any], validated: dict[str, Any], where: str) -> list[str]:
    problems = []
    for name in sorted(set(documented) ^ set(validated)):
        side = "documented only" if name in documented else "validated only"
        problems.append(f"{where}{name}: {side}")
    for name in sorted(set(documented) & set(validated)):
        doc, spec = normalised(documented[name]), normalised(validated[name])
        problems += [
            f"{where}{name}.{key}: doc {doc[key]!r}, argspec {spec[key]!r}" for key in COMPARED if doc[key] != spec[key]
        ]
        if "options" in validated[name]:
            problems += mismatches(documented[name].get("suboptions") or {}, validated[name]["options"], f"{name}[].")
    return problems


@pytest.mark.parametrize("module", MODULES)
def test_documented_options_are_the_validated_options(module: str) -> None:
    assert mismatches(documented_options(module), argument_spec(module), f"{module}: ") == []


def controls_return(module: str) -> dict[str, Any] | None:
    return (yaml.safe_load(stub(module).RETURN) or {}).get("controls")


RECORD_MODULES = [module for module in MODULES if controls_return(module) is not None]


def test_every_control_module_returns_control_records() -> None:
    assert set(RECORD_MODULES) == set(MODULES) - {
        "compliance_report",
        "validate_inputs",
        "win_doctor",
        "baseline_guard",
        "run_summary",
    }


@pytest.mark.parametrize("module", RECORD_MODULES)
def test_documented_record_fields_are_the_control_record_fields(module: str) -> None:
    contains = controls_return(module)["contains"]
    record = {field.name: RETURN_TYPES[str(field.type)] for field in dataclasses.fields(ControlRecord)}
    assert {name: value["type"] for name, value in contains.items()} == record
    assert list(contains) == list(record)


@pytest.mark.parametrize("module", RECORD_MODULES)
def test_documented_statuses_are_control_record_statuses(module: str) -> None:
    description = " ".join(controls_return(module)["description"])
    sentence = re.search(r"C\(status\) is (one of )?(.*?)(\.|;)", description)
    assert sentence, "the controls description names the statuses"
    named = re.findall(r"C\((\w+)\)", sentence.group(2))
    assert set(named) <= {str(status) for status in Status}
    if sentence.group(1):
        assert named == [str(status) for status in Status]
