"""win_local_accounts never locks the controller out: real ansible-playbook over WinRM to a lab workstation whose
only administrator is the connecting account, with every opt-in on and allow lists that forget it.

The lab's WinRM endpoint asks admits() on every request (account enabled, member of Administrators, ...), so a
second run that still gets in proves the first one left the connecting account alone.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from playbook import run_playbook

pytestmark = pytest.mark.integration

ADMINISTRATORS = "S-1-5-32-544"
MACHINE_SID = "S-1-5-21-588130402-3359018874-2914077431"  # win11-24h2-fresh
# labadmin is the only enabled administrator, has not logged on interactively for 200 days (ACC-04 would disable
# it) and is on neither allow list (ACC-01 and ACC-03 would remove it); the Guest is on (ACC-02 must still fix it).
ONLY_ADMIN_PROFILE = {
    "extends": "win11-24h2-fresh",
    "description": "Workstation managed through its only administrator, labadmin, which looks unused.",
    "accounts": {
        "users": {"501": {"Enabled": True}, "1001": {"LastLogon": "now-200d"}},
        "groups": {
            ADMINISTRATORS: {"Name": "Administrators", "Members": [f"{MACHINE_SID}-500", f"{MACHINE_SID}-1001"]}
        },
    },
}
PLAYBOOK = """\
- name: Enforce the local account controls with every opt-in
  hosts: all
  gather_facts: false
  tasks:
    - name: Local accounts (ACC-01..05)
      onepacs.baseline.win_local_accounts:
        allowed_accounts: [dr.nguyen]
        allowed_administrators: []
        administrators_mode: enforce
        unused_account_days: 90
        unused_accounts_mode: enforce
"""


def labadmin_state(state: dict) -> tuple[bool, bool]:
    accounts = state["accounts"]
    enabled = accounts["users"]["1001"]["Enabled"]
    member = f"{MACHINE_SID}-1001" in accounts["groups"][ADMINISTRATORS]["Members"]
    return enabled, member


def test_enforcing_with_every_opt_in_leaves_the_only_administrator_and_the_host_reachable(start_lab, tmp_path: Path):
    profile = tmp_path / "only-admin.json"
    profile.write_text(json.dumps(ONLY_ADMIN_PROFILE))
    playbook = tmp_path / "accounts.yml"
    playbook.write_text(PLAYBOOK)
    lab = start_lab({"rd01": str(profile)})
    assert labadmin_state(lab.state("rd01")) == (True, True)

    first = run_playbook(playbook, lab.inventory, tmp_path / "first")
    assert first.rc == 0, first.stdout + first.stderr
    statuses = first.statuses("rd01", "win_local_accounts")
    assert statuses["ACC-02"] == "fixed"
    assert (statuses["ACC-03"], statuses["ACC-04"]) == ("fail", "fail")
    controls = first.controls("rd01", "win_local_accounts")
    assert "labadmin is not removed: it is the account this play connects as" in controls["ACC-03"]["message"]
    assert "labadmin is not disabled: it is the account this play connects as" in controls["ACC-04"]["message"]
    assert labadmin_state(lab.state("rd01")) == (True, True)
    assert lab.state("rd01")["accounts"]["users"]["501"]["Enabled"] is False

    second = run_playbook(playbook, lab.inventory, tmp_path / "second")
    assert second.rc == 0, second.stdout + second.stderr
    assert second.recap["rd01"]["unreachable"] == 0
    assert second.statuses("rd01", "win_local_accounts")["ACC-02"] == "pass"
    assert second.recap["rd01"]["changed"] == 0
