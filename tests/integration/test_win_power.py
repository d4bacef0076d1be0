"""win_power end to end: real ansible-playbook, real winrm connection (pywinrm), lab hosts."""

from __future__ import annotations

from pathlib import Path

import pytest

from playbook import run_playbook

pytestmark = pytest.mark.integration

ENFORCE = Path(__file__).parent / "playbooks" / "power.yml"
AUDIT = Path(__file__).resolve().parents[2] / "playbooks" / "audit.yml"
FRESH = {"gw-2022": "server2022-desktop-fresh", "gw-2019": "server2019-fresh"}
# What the fresh profiles start with: Server 2019 ships with "never sleep" on AC, but hibernation and fast startup on.
DRIFT = {
    "gw-2022": {"PWR-01": "fail", "PWR-02": "fail", "PWR-03": "fail"},
    "gw-2019": {"PWR-01": "pass", "PWR-02": "fail", "PWR-03": "fail"},
}
FIXED = {
    "gw-2022": {"PWR-01": "fixed", "PWR-02": "fixed", "PWR-03": "fixed"},
    "gw-2019": {"PWR-01": "pass", "PWR-02": "fixed", "PWR-03": "fixed"},
}


def test_audit_reports_drift_as_fail_and_changes_nothing_even_without_check(start_lab, tmp_path):
    lab = start_lab(FRESH, groups=["gateways"])
    before = {host: lab.state(host) for host in FRESH}

    # no --check: the playbook forces it
    run = run_playbook(AUDIT, lab.inventory, tmp_path / "audit", "-e", f"onepacs_report_dir={tmp_path / 'reports'}")

    assert run.rc == 0, run.stdout + run.stderr
    for host in FRESH:
        statuses = run.statuses(host, "win_baseline")  # the audit reads every area in one command
        assert {control_id: statuses[control_id] for control_id in DRIFT[host]} == DRIFT[host]
        assert run.result(host, "win_baseline")["result"]["areas"]["win_power"]["changed"] is True
        assert lab.state(host) == before[host]
    assert "PWR-02 | fail | hibernation is on; would set hibernation enabled: True -> False" in run.stdout


def test_enforce_fixes_then_second_run_changes_nothing(start_lab, tmp_path):
    lab = start_lab(FRESH)

    first = run_playbook(ENFORCE, lab.inventory, tmp_path / "first")
    assert first.rc == 0, first.stdout + first.stderr
    for host in FRESH:
        assert first.statuses(host) == FIXED[host]
        assert first.recap[host]["changed"] == 1

    second = run_playbook(ENFORCE, lab.inventory, tmp_path / "second")
    assert second.rc == 0, second.stdout + second.stderr
    for host in FRESH:
        assert second.statuses(host) == {"PWR-01": "pass", "PWR-02": "pass", "PWR-03": "pass"}
        assert second.recap[host]["changed"] == 0


def test_diff_prints_before_and_after(start_lab, tmp_path):
    lab = start_lab({"gw": "server2022-desktop-fresh"})
    run = run_playbook(ENFORCE, lab.inventory, tmp_path / "diff", "--check", "--diff")
    assert run.rc == 0, run.stdout + run.stderr
    assert "--- before: win_power on gw" in run.stdout
    assert "+++ after: win_power on gw" in run.stdout
    assert '-    "PWR-02 hibernation enabled": true' in run.stdout
    assert '+    "PWR-02 hibernation enabled": false' in run.stdout


def test_https_with_certificate_validation_against_the_lab_ca(start_lab, tmp_path):
    lab = start_lab({"gw-tls": "server2022-core-fresh"}, https=True)
    inventory = lab.inventory.read_text()
    assert "ansible_winrm_server_cert_validation: validate" in inventory
    assert str(lab.ca_cert) in inventory

    run = run_playbook(ENFORCE, lab.inventory, tmp_path / "tls")
    assert run.rc == 0, run.stdout + run.stderr
    assert run.statuses("gw-tls") == {"PWR-01": "pass", "PWR-02": "pass", "PWR-03": "fixed"}


def test_bad_credentials_and_a_down_host_do_not_stop_the_others(start_lab, tmp_path):
    lab = start_lab({"healthy": "server2022-desktop-fresh", "rejects": "server2019-fresh", "down": "server2019-fresh"})
    lab.fault("rejects", "unauthorized")
    lab.fault("down", "refuse")

    run = run_playbook(ENFORCE, lab.inventory, tmp_path / "faults")

    assert run.rc != 0
    assert set(run.statuses("healthy").values()) == {"fixed"}
    assert run.recap["rejects"]["unreachable"] == 1
    assert run.recap["down"]["unreachable"] == 1
    rejected = run.result("rejects")["result"]["msg"]
    refused = run.result("down")["result"]["msg"]
    assert "rejects: authentication failed (HTTP 401): check ansible_user and ansible_password" in rejected
    assert "down: connection refused: WinRM is not listening on that port" in refused
