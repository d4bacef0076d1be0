"""Role READMEs are generated from argument_specs, task tags and the catalog; they must be current (scripts/regen
readmes)."""

from __future__ import annotations

from regen import regen_check


def test_role_readmes_are_current():
    completed = regen_check("readmes")
    assert completed.returncode == 0, completed.stderr
