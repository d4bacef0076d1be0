"""Roles: every variable is declared, typed and documented, and every area task is tagged with its control ids.

ansible-lint validates argument_specs files, but nothing checks that a role declares every variable it reads, or
that defaults and argument_specs agree; this test does (docs/architecture.md, "Facts about the tools").
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from ansible_collections.onepacs.baseline.plugins.plugin_utils._catalog import load_catalog

REPO_ROOT = Path(__file__).resolve().parents[2]
ROLES = sorted(path.parent.parent.name for path in (REPO_ROOT / "roles").glob("*/meta/argument_specs.yml"))
# Variables shared by the baseline roles (the same inventory value serves both).
SHARED = {"onepacs_exceptions", "onepacs_attestations", "onepacs_max_waiver_days"}
VARIABLE = re.compile(r"\b(onepacs_[a-z0-9_]+)\b")
CONTROL_ID = re.compile(r"^[A-Z]{2,3}-\d{2}$")
TYPES = {"bool": bool, "int": int, "str": str, "list": list, "dict": dict, "float": float}


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text()) if path.exists() else None


def options(role: str) -> dict[str, dict[str, Any]]:
    return load(REPO_ROOT / "roles" / role / "meta" / "argument_specs.yml")["argument_specs"]["main"]["options"]


def defaults(role: str) -> dict[str, Any]:
    return load(REPO_ROOT / "roles" / role / "defaults" / "main.yml") or {}


def tasks(role: str) -> list[dict[str, Any]]:
    found = []
    for path in sorted((REPO_ROOT / "roles" / role / "tasks").glob("*.yml")):
        found.extend(load(path) or [])
    return found


def defined_in_role(role: str) -> set[str]:
    """Variables the role itself sets: vars/, register, set_fact, task vars."""
    names = set(load(REPO_ROOT / "roles" / role / "vars" / "main.yml") or {})
    for task in tasks(role):
        names.update(filter(None, [task.get("register")]))
        names.update((task.get("ansible.builtin.set_fact") or {}).keys())
        names.update((task.get("vars") or {}).keys())
    return names


JINJA = re.compile(r"\{\{(.*?)\}\}|\{%(.*?)%\}|^\s*(?:when|failed_when|changed_when|until):([^\n]*)$", re.S | re.M)


def referenced(role: str) -> set[str]:
    """Variables used in Jinja expressions and conditionals (module option names are not variables)."""
    role_dir = REPO_ROOT / "roles" / role
    text = "".join(path.read_text() for sub in ("tasks", "vars", "templates") for path in (role_dir / sub).glob("*"))
    expressions = " ".join(part for match in JINJA.findall(text) for part in match)
    return set(VARIABLE.findall(expressions))


def test_there_are_roles_to_check():
    assert "gateway" in ROLES


@pytest.mark.parametrize("role", ROLES)
def test_every_default_is_declared_with_the_same_default_and_type(role):
    declared = options(role)
    for name, value in defaults(role).items():
        assert name in declared, f"{role}: {name} is in defaults but not in argument_specs"
        spec = declared[name]
        assert spec.get("default") == value, f"{role}: {name} default differs between defaults and argument_specs"
        # None: not set (for example an address only the inventory can give)
        assert value is None or isinstance(value, TYPES[spec["type"]]), (
            f"{role}: {name} default is not a {spec['type']}"
        )
        assert spec.get("description"), f"{role}: {name} has no description"


@pytest.mark.parametrize("role", ROLES)
def test_every_declared_option_has_a_default(role):
    missing = [name for name, spec in options(role).items() if not spec.get("required") and name not in defaults(role)]
    assert missing == []


@pytest.mark.parametrize("role", ROLES)
def test_variables_carry_the_role_prefix(role):
    wrong = [name for name in options(role) if not name.startswith(f"onepacs_{role}_") and name not in SHARED]
    wrong += [name for name in defined_in_role(role) if not name.startswith(f"onepacs_{role}_")]
    assert wrong == []


@pytest.mark.parametrize("role", ROLES)
def test_every_variable_the_role_reads_is_declared_or_set_by_the_role(role):
    undeclared = referenced(role) - set(options(role)) - defined_in_role(role)
    assert sorted(undeclared) == []


@pytest.mark.parametrize("role", ROLES)
def test_every_module_task_is_tagged_with_its_area_and_every_control_id(role):
    catalog = load_catalog()
    for task in tasks(role):
        module = next((key.split(".")[-1] for key in task if key.startswith("onepacs.baseline.")), None)
        if module is None:
            continue
        if module not in catalog.modules():
            continue  # a controller-side helper such as validate_inputs: no controls, no area
        tags = set(task.get("tags") or [])
        wanted = {control.id for control in catalog.for_module(module) if role in control.baselines}
        assert wanted <= tags, f"{role}: task {task['name']!r} lacks tags {sorted(wanted - tags)}"
        assert any(not CONTROL_ID.match(tag) for tag in tags), f"{role}: task {task['name']!r} has no area tag"
        assert task.get("register"), f"{role}: task {task['name']!r} registers no result"
