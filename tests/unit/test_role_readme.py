"""Role READMEs are generated from argument_specs, task tags and the catalog; they must be current."""

from __future__ import annotations

from generated_files import assert_generated_files_current


def test_role_readmes_are_current():
    assert_generated_files_current("role_readme.py")
