"""win_local_accounts never locks the controller out: real ansible-playbook over WinRM to a lab workstation whose
only administrator is the connecting account, with every opt-in on and allow lists that forget it.

The lab's WinRM endpoint asks admits() on every request (account enabled, member of Administrators, ...), so a
second run that still gets in proves the first one left the connecting account alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


DOMAIN_SID = "S-1-5-21-3623811015-3361044348-30300820"
ENTRA_ROLE = "S-1-12-1-2933642706-1140411811-3206117518-3398853457"
ORPHAN = f"{MACHINE_SID}-1017"  # a deleted local account of win11-24h2-fresh's machine
AWAY_FROM_THE_DOMAIN = """\
- name: Enforce Administrators on a domain-joined laptop whose domain controller is out of reach
  hosts: all
  gather_facts: false
  tasks:
    - name: Local accounts (ACC-03 enforced)
      onepacs.baseline.win_local_accounts:
        allowed_administrators: [labadmin]
        administrators_mode: enforce
    - name: The host still answers
      onepacs.baseline.win_power:
        enforce: false
"""


def run_away_from_the_domain(
    start_lab: Callable[..., Any], tmp_path: Path, host: str, profile: str, **lab_options: Any
) -> tuple[Any, Any]:
    """One run of AWAY_FROM_THE_DOMAIN on a lab of one host; it must end with the controller still connected."""
    playbook = tmp_path / f"{host}.yml"
    playbook.write_text(AWAY_FROM_THE_DOMAIN)
    lab = start_lab({host: profile}, **lab_options)

    run = run_playbook(playbook, lab.inventory, tmp_path / host)

    assert run.rc == 0, run.stdout + run.stderr
    assert run.recap[host]["unreachable"] == 0
    return lab, run


def test_domain_joined_with_the_domain_controller_unreachable_keeps_every_domain_and_entra_member(
    start_lab, tmp_path: Path
):
    profile = tmp_path / "away.json"
    profile.write_text(
        json.dumps(
            {
                "extends": "win11-24h2-domain-joined",
                "description": "The domain-joined laptop at home: no domain controller answers.",
                "accounts": {"domain": {"controller_reachable": False}},
            }
        )
    )
    lab, run = run_away_from_the_domain(start_lab, tmp_path, "rd02", str(profile))
    assert run.statuses("rd02", "win_power")  # the controller still connects
    members = lab.state("rd02")["accounts"]["groups"][ADMINISTRATORS]["Members"]
    for kept in (f"{DOMAIN_SID}-512", f"{DOMAIN_SID}-1120", ENTRA_ROLE):
        assert kept in members
    assert ORPHAN not in members  # provably a deleted local account: removed
    assert f"{MACHINE_SID}-1002" not in members  # a local administrator not on the allow list: removed
    message = run.controls("rd02", "win_local_accounts")["ACC-03"]["message"]
    assert f"{ENTRA_ROLE} (unresolved Entra ID SID" in message
    assert f"{DOMAIN_SID}-512 (unresolved domain or foreign-domain SID" in message
    assert "is never removed" in message


@pytest.mark.parametrize("logon", ["CLINIC\\svc-ansible", "svc-ansible@clinic.local"])
def test_a_controller_connecting_as_a_domain_account_keeps_the_domain_group_it_is_an_administrator_through(
    start_lab, tmp_path: Path, logon
):
    lab, run = run_away_from_the_domain(start_lab, tmp_path, "rd03", "win11-24h2-domain-joined", user=logon)
    assert run.statuses("rd03", "win_power")
    members = lab.state("rd03")["accounts"]["groups"][ADMINISTRATORS]["Members"]
    assert f"{DOMAIN_SID}-512" in members  # CLINIC\Domain Admins: svc-ansible's way in
    message = run.controls("rd03", "win_local_accounts")["ACC-03"]["message"]
    assert "CLINIC\\Domain Admins is not removed" in message


def test_on_a_domain_controller_the_local_account_controls_do_not_apply_and_nothing_changes(start_lab, tmp_path: Path):
    playbook = tmp_path / "accounts.yml"
    playbook.write_text(PLAYBOOK)  # every opt-in on, allow lists that name nobody
    lab = start_lab({"dc01": "server2022-dc"})
    before = lab.state("dc01")["accounts"]

    run = run_playbook(playbook, lab.inventory, tmp_path / "dc")

    assert run.rc == 0, run.stdout + run.stderr
    assert set(run.statuses("dc01", "win_local_accounts").values()) == {"not_applicable"}
    assert "domain controller" in run.controls("dc01", "win_local_accounts")["ACC-03"]["message"]
    assert lab.state("dc01")["accounts"] == before


def test_entra_joined_pc_keeps_its_entra_role_members(start_lab, tmp_path: Path):
    lab, run = run_away_from_the_domain(start_lab, tmp_path, "rd04", "win11-24h2-entra-joined")
    members = lab.state("rd04")["accounts"]["groups"][ADMINISTRATORS]["Members"]
    assert [member for member in members if member.startswith("S-1-12-1-")] == [
        "S-1-12-1-1942525338-1223297416-3117917845-2463651541",
        ENTRA_ROLE,
    ]
    assert "unresolved Entra ID SID" in run.controls("rd04", "win_local_accounts")["ACC-03"]["message"]


def test_a_german_host_is_judged_by_sid_whatever_its_groups_and_principals_are_called(start_lab, tmp_path: Path):
    playbook = tmp_path / "accounts.yml"
    playbook.write_text(PLAYBOOK)
    lab = start_lab({"rd05": "win10-22h2-de-fresh"})

    run = run_playbook(playbook, lab.inventory, tmp_path / "de")

    assert run.rc == 0, run.stdout + run.stderr
    statuses = run.statuses("rd05", "win_local_accounts")
    assert statuses["ACC-02"] == "fixed"  # the Guest is "Gast" here, found by RID 501
    controls = run.controls("rd05", "win_local_accounts")
    assert "the built-in Guest account (Gast, RID 501) is enabled" in controls["ACC-02"]["message"]
    assert "labadmin is not removed: it is the account this play connects as" in controls["ACC-03"]["message"]
    state = lab.state("rd05")["accounts"]
    assert state["users"]["501"]["Enabled"] is False
    assert state["users"]["1001"]["Enabled"] is True
    assert "S-1-5-21-4016283745-2231190527-1873302664-1001" in state["groups"][ADMINISTRATORS]["Members"]
