"""win_baseline end to end: one WinRM command per host, and the same control records as the gateway role."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from playbook import run_playbook

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
ROLE_PLAYBOOK = ROOT / "playbooks" / "gateway.yml"
SINGLE_COMMAND_PLAYBOOK = ROOT / "tests" / "benchmark" / "playbooks" / "gateway_single_command.yml"
HOSTS = {"gw-fresh": "server2022-desktop-fresh", "gw-hardened": "server2019-hardened"}


def test_one_command_per_host_gives_the_records_of_the_role(start_lab, tmp_path):
    lab = start_lab(HOSTS, groups=["gateways"])
    before = {host: lab.stats(host)["commands"] for host in HOSTS}

    single = run_playbook(SINGLE_COMMAND_PLAYBOOK, lab.inventory, tmp_path / "single", "--check")
    assert single.rc == 0, single.stdout[-3000:] + single.stderr
    assert {host: lab.stats(host)["commands"] - before[host] for host in HOSTS} == dict.fromkeys(HOSTS, 1)

    role = run_playbook(ROLE_PLAYBOOK, lab.inventory, tmp_path / "role", "--check")
    assert role.rc == 0, role.stdout[-3000:] + role.stderr
    for host in HOSTS:
        result = single.result(host, "win_baseline")["result"]
        assert result["commands"] == 1
        records = {record["id"]: record for record in result["controls"]}
        expected = role.result(host, "set_fact")["result"]["ansible_facts"]["onepacs_gateway_controls"]
        assert records == {record["id"]: record for record in expected}, host
        assert result["ansible_facts"]["onepacs_host"]["system"]


AUDIT_PLAYBOOK = ROOT / "playbooks" / "audit.yml"


def test_the_fleet_audit_sends_one_command_per_host_and_records_an_unreachable_host(start_lab, tmp_path):
    hosts = {"gw-up": "server2022-core-fresh", "gw-down": "server2019-fresh"}
    lab = start_lab(hosts, groups=["gateways", "workstations"])
    lab.fault("gw-down", "refuse")
    reports = tmp_path / "reports"

    run = run_playbook(AUDIT_PLAYBOOK, lab.inventory, tmp_path / "audit", "-e", f"onepacs_report_dir={reports}")

    assert lab.stats("gw-up")["commands"] == 2  # one per baseline: the host is in both groups
    assert run.recap["gw-up"]["failed"] == 0
    assert run.recap["gw-down"]["failed"] == 1  # failed by the report, after writing it: it was not audited
    status = {host["name"]: host for host in json.loads((reports / "latest" / "compliance.json").read_text())["hosts"]}
    assert status["gw-up"]["outcome"] == "audited"
    assert status["gw-down"]["outcome"] == "unreachable"
    assert "connection refused" in status["gw-down"]["problems"][0]["message"]
    shown = "\n".join(
        line
        for event in run.events
        if event["action"].endswith("debug")
        for item in event["result"].get("results", [])
        for line in item.get("msg", [])
    )
    assert "win_power: 3 controls: " in shown
    assert "unreachable: gw-down: connection refused" in shown
