"""set_stats artifacts carry no host text that the next AWX workflow node could template: a Jinja payload in a host's
failure cause, a record or a name never reaches them as a template."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from ansible_collections.onepacs.baseline.plugins.plugin_utils._catalog import load_catalog
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report import _artifacts
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._artifacts import artifacts
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._model import (
    BaselineRun,
    HostInput,
    assemble,
    build_host,
)
from playbook import run_playbook

JINJA_DELIMITERS = ("{{", "{%", "{#")


def payload(marker: Path) -> str:
    return f"{{{{ lookup('pipe', 'touch {marker}') }}}}"


def document_with(payload_text: str) -> dict:
    catalog = load_catalog()
    today = dt.date.today()
    record = {
        "id": "PWR-01",
        "title": payload_text,
        "status": "fail",
        "expected": payload_text,
        "actual": payload_text,
        "changed": False,
        "message": payload_text,
    }
    hosts = [
        build_host(
            HostInput(
                name="gw{{ 7*7 }}",
                clinics=("clinic_{% raw %}",),
                runs=(BaselineRun("gateway", "failed", "win_power", payload_text),),
                records={"gateway": [record]},
            ),
            catalog,
            today,
        )
    ]
    run = {"id": "20260101T000000Z", "title": "t", "mode": "check"}
    return assemble(run, hosts, catalog)


def test_artifacts_hold_no_host_text_and_no_jinja_delimiters(tmp_path):
    summary = artifacts(document_with(payload(tmp_path / "ran")), "/srv/{{ x }}/reports", None)
    text = json.dumps(summary)
    for delimiter in JINJA_DELIMITERS:
        assert delimiter not in text
    assert "lookup" not in text
    host = summary["hosts"]["gw__ 7_7 __"]
    assert host["failing_controls"] == ["PWR-01"]
    assert host["problems"] == [{"baseline": "gateway", "outcome": "failed"}]
    assert summary["report_dir"] == "/srv/__ x __/reports"


def test_plain_names_are_kept():
    for name in ("north-gw01.clinic.example", "clinic_north", "20260516T091500Z", "/srv/compliance/reports", "FW-03"):
        assert _artifacts.token(name) == name


def test_the_next_workflow_node_runs_nothing_from_the_artifacts(tmp_path):
    """Stand-in for the next AWX node: the artifacts arrive as extra variables (-e @file), which Ansible templates
    when a task uses them."""
    marker = tmp_path / "payload-ran"
    extra_vars = tmp_path / "artifacts.json"
    extra_vars.write_text(json.dumps({"onepacs_compliance": artifacts(document_with(payload(marker)), None, None)}))
    playbook = tmp_path / "next-node.yml"
    playbook.write_text(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - ansible.builtin.debug:\n        msg: '{{ onepacs_compliance }}'\n"
    )
    inventory = tmp_path / "inventory.ini"
    inventory.write_text("localhost ansible_connection=local\n")
    run = run_playbook(playbook, inventory, tmp_path / "work", "-e", f"@{extra_vars}")
    assert run.rc == 0, run.stdout + run.stderr
    assert not marker.exists()
