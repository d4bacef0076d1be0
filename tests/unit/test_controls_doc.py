"""docs/controls.md is generated from the control catalog (scripts/controls_doc.py); it must be current
(scripts/regen controls) and hold every control and every HIPAA safeguard of the catalog."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from ansible_collections.onepacs.baseline.plugins.plugin_utils._catalog import load_catalog
from regen import regen_check

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "scripts" / "controls_doc.py"


def load_generator():
    spec = importlib.util.spec_from_file_location("controls_doc", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_controls_doc_is_current() -> None:
    completed = regen_check("controls")
    assert completed.returncode == 0, completed.stderr


def test_every_control_has_a_section_and_every_safeguard_a_row() -> None:
    catalog = load_catalog()
    lines = load_generator().render().splitlines()
    for control in catalog:
        assert f"#### {control.id} {control.title}" in lines, control.id
        assert any(line.startswith(f"| [{control.id}](#") for line in lines), control.id
    for citation, name in catalog.hipaa_safeguards.items():
        [row] = [line for line in lines if line.startswith(f"| {citation} | {name} |")]
        mapped = [control.id for control in catalog if citation in control.hipaa]
        assert row.endswith(f"| {', '.join(mapped) or '-'} |"), citation
