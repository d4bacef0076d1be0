"""The baseline roles' defaults, argument_specs, tasks and vars are generated (scripts/role_gen.py) from one
description of the areas and the catalog; they must be current."""

from __future__ import annotations

from generated_files import assert_generated_files_current


def test_generated_role_files_are_current():
    assert_generated_files_current("role_gen.py")
