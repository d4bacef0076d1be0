"""Waivers and attestations from a real inventory directory: merged from every level, scoped to hosts and groups,
and a bad entry in an audit leaves the host audited (without that entry) instead of unaudited."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from playbook import run_playbook

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
PROFILE = "server2022-core-fresh"
HOSTS = {"ns-gw01": PROFILE, "ns-kiosk01": PROFILE, "rs-gw01": PROFILE}
SOON = (dt.date.today() + dt.timedelta(days=60)).isoformat()


def waiver(control_id: str, **scope: list[str]) -> dict[str, object]:
    return {"id": control_id, "reason": "test", "approver": "ciso@example.org", "expires": SOON, **scope}


def inventory_dir(lab, path: Path, group_vars: dict[str, dict[str, object]]) -> Path:
    """The lab's hosts in an inventory directory with two clinics and group_vars at several levels."""
    hosts = yaml.safe_load(lab.inventory.read_text())["all"]["children"]["lab"]["hosts"]
    document = {
        "all": {
            "children": {
                "gateways": {"hosts": dict.fromkeys(hosts)},
                "clinic_northside": {"hosts": {"ns-gw01": None, "ns-kiosk01": None}},
                "clinic_riverside": {"hosts": {"rs-gw01": None}},
                "lab": {"hosts": hosts},
            }
        }
    }
    (path / "group_vars").mkdir(parents=True)
    (path / "hosts.yml").write_text(yaml.safe_dump(document))
    for group, variables in group_vars.items():
        (path / "group_vars" / f"{group}.yml").write_text(yaml.safe_dump(variables))
    return path


def power_controls(run, host: str) -> dict[str, dict[str, object]]:
    return run.controls(host, "win_power")


def test_waivers_merge_across_levels_and_apply_to_their_scope_only(start_lab, tmp_path):
    lab = start_lab(HOSTS)
    inventory = inventory_dir(
        lab,
        tmp_path / "inventory",
        {
            # every host
            "all": {"onepacs_exceptions": [waiver("PWR-01")]},
            # one clinic, and inside it one host (the kiosk) by pattern
            "clinic_northside": {
                "onepacs_exceptions_clinic": [waiver("PWR-02", groups=["clinic_northside"])],
                "onepacs_exceptions_kiosk": [waiver("PWR-03", hosts=["ns-kiosk*"])],
            },
        },
    )
    run = run_playbook(REPO / "playbooks" / "gateway.yml", inventory, tmp_path / "run", "--check", "--tags", "power")
    assert run.rc == 0, run.stdout[-3000:]
    statuses = {host: {cid: rec["status"] for cid, rec in power_controls(run, host).items()} for host in HOSTS}
    assert statuses["ns-kiosk01"] == {"PWR-01": "excepted", "PWR-02": "excepted", "PWR-03": "excepted"}
    assert statuses["ns-gw01"]["PWR-01"] == statuses["ns-gw01"]["PWR-02"] == "excepted"
    assert statuses["ns-gw01"]["PWR-03"] != "excepted"
    assert statuses["rs-gw01"]["PWR-01"] == "excepted"
    assert statuses["rs-gw01"]["PWR-02"] != "excepted"
    assert statuses["rs-gw01"]["PWR-03"] != "excepted"


def northside_with_a_bad_waiver(start_lab, tmp_path: Path, bad_id: str) -> tuple[Any, Path]:
    """The lab and its inventory: clinic northside waives PWR-02 correctly and names bad_id, not a control id."""
    lab = start_lab(HOSTS)
    group_vars = {"clinic_northside": {"onepacs_exceptions_clinic": [waiver("PWR-02"), waiver(bad_id)]}}
    return lab, inventory_dir(lab, tmp_path / "inventory", group_vars)


def test_a_bad_waiver_in_an_audit_leaves_the_clinic_audited_and_an_enforce_run_stopped(start_lab, tmp_path):
    lab, inventory = northside_with_a_bad_waiver(start_lab, tmp_path, "PWR-9")
    before = {host: lab.state(host) for host in HOSTS}
    playbook = REPO / "playbooks" / "gateway.yml"
    audit = run_playbook(playbook, inventory, tmp_path / "audit", "--check", "--tags", "power")
    assert audit.rc == 0, audit.stdout[-3000:]
    for host in ("ns-gw01", "ns-kiosk01"):
        assert power_controls(audit, host)["PWR-02"]["status"] == "excepted"  # the good entry still counts
        inputs = audit.result(host, "validate_inputs")["result"]
        assert inputs["input_errors"] == ["onepacs_exceptions_clinic[1].id: 'PWR-9' is not a control id of the catalog"]
    assert "onepacs_exceptions_clinic[1].id" in audit.stdout + audit.stderr  # shown as a warning

    enforce = run_playbook(playbook, inventory, tmp_path / "enforce", "--tags", "power")
    assert enforce.rc != 0
    for host in ("ns-gw01", "ns-kiosk01"):
        assert enforce.recap[host]["failed"] == 1
        assert lab.state(host) == before[host], f"{host} was changed despite a bad waiver"
    assert enforce.recap["rs-gw01"]["failed"] == 0


def test_the_fleet_audit_of_a_clinic_with_a_bad_waiver_audits_every_host_and_reports_the_entry(start_lab, tmp_path):
    _lab, inventory = northside_with_a_bad_waiver(start_lab, tmp_path, "MAN-4")
    reports = tmp_path / "reports"
    run = run_playbook(
        REPO / "playbooks" / "audit.yml", inventory, tmp_path / "audit", "-e", f"onepacs_report_dir={reports}"
    )
    assert run.rc == 0, run.stdout[-3000:]
    document = json.loads((reports / "latest" / "compliance.json").read_text())
    hosts = {host["name"]: host for host in document["hosts"]}
    assert {name: host["outcome"] for name, host in hosts.items()} == dict.fromkeys(HOSTS, "audited")
    error = "onepacs_exceptions_clinic[1].id: 'MAN-4' is not a control id of the catalog (did you mean MAN-04?)"
    for name in ("ns-gw01", "ns-kiosk01"):
        assert hosts[name]["input_errors"] == [error]
        assert [entry["id"] for entry in hosts[name]["exceptions"]] == ["PWR-02"]
    assert hosts["rs-gw01"]["input_errors"] == []
    page = (reports / "latest" / "clinics" / "clinic_northside" / "compliance.html").read_text()
    assert "Inventory entries left out of this audit" in page
