"""The workstation role end to end on lab hosts: every workstation control reported, Windows lifecycle judged on
the run date, and no lockout when the user is the only local administrator and the connecting account."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from playbook import audit_in_check_mode, run_playbook

pytestmark = pytest.mark.integration

PLAYBOOK = Path(__file__).resolve().parents[2] / "playbooks" / "workstation.yml"
FRESH = {"ws-win10": "win10-22h2-fresh", "ws-win11": "win11-24h2-fresh"}
ADMINISTRATORS = "S-1-5-32-544"
MACHINE_SID = "S-1-5-21-588130402-3359018874-2914077431"  # win11-24h2-fresh


def test_check_mode_reports_every_workstation_control_and_judges_the_os_lifecycle(start_lab, tmp_path):
    lab = start_lab(FRESH, groups=["workstations"])
    controls = audit_in_check_mode(lab, FRESH, PLAYBOOK, tmp_path / "check", "workstation")
    for host in FRESH:
        assert controls[host]["MAN-10"]["status"] == "manual_missing"
    win10, win11 = controls["ws-win10"], controls["ws-win11"]
    # Windows 10 22H2 (non-LTSC, no ESU) left support on 2025-10-14, before any run of this suite.
    assert win10["SYS-02"]["status"] == "fail"
    assert "2025-10-14" in win10["SYS-02"]["message"]
    # Windows 11 24H2 Enterprise is supported until 2027-10-12.
    expected_win11 = "pass" if dt.date.today() <= dt.date(2027, 10, 12) else "fail"
    assert win11["SYS-02"]["status"] == expected_win11, win11["SYS-02"]["message"]


def test_only_administrator_who_is_also_the_connecting_account_is_never_locked_out(start_lab, tmp_path):
    profile = tmp_path / "only-admin.json"
    profile.write_text(
        json.dumps(
            {
                "extends": "win11-24h2-fresh",
                "accounts": {
                    "users": {"1001": {"LastLogon": "now-200d"}},
                    "groups": {ADMINISTRATORS: {"Name": "Administrators", "Members": [f"{MACHINE_SID}-1001"]}},
                },
            }
        )
    )
    lab = start_lab({"ws-solo": str(profile)}, groups=["workstations"])
    opt_ins = tmp_path / "vars.json"
    opt_ins.write_text(
        json.dumps(
            {
                "onepacs_workstation_accounts_administrators_mode": "enforce",
                "onepacs_workstation_accounts_unused_accounts_mode": "enforce",
                "onepacs_workstation_firewall_rule_allowlist_mode": "enforce",
            }
        )
    )

    first = run_playbook(PLAYBOOK, lab.inventory, tmp_path / "first", "-e", f"@{opt_ins}")
    second = run_playbook(PLAYBOOK, lab.inventory, tmp_path / "second", "-e", f"@{opt_ins}")

    assert first.recap["ws-solo"]["unreachable"] == 0, first.stdout[-3000:]
    assert second.recap["ws-solo"]["unreachable"] == 0, second.stdout[-3000:]
    assert lab.state("ws-solo")["accounts"]["users"]["1001"]["Enabled"] is True
    records = second.role_controls("ws-solo", "workstation")
    assert records["ACC-03"]["status"] == "fail"
    assert "it is the account this play connects as" in records["ACC-03"]["message"]
