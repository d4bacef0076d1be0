"""The baseline roles' defaults, argument_specs, tasks and vars are generated (scripts/role_gen.py) from one
description of the areas, the areas' options and the catalog; they must be current (scripts/regen roles)."""

from __future__ import annotations

from regen import regen_check


def test_generated_role_files_are_current():
    completed = regen_check("roles")
    assert completed.returncode == 0, completed.stderr
