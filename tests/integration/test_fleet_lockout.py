"""Lockout guards at fleet scale: one run with every lockout-prone opt-in on, over hosts that have no firewall rule
for their WinRM port, hosts whose only administrator is the connecting account, hosts with both, and ordinary
ones. Afterwards every host must still admit the controller (the lab's admits() oracle says so, and a second run
gets in everywhere and can still change things).

The lab asks the simulated firewall and account database on every request, so a host the first run had locked
out would show up as unreachable in the second one.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from playbook import run_playbook
from winlab.simulator import SimulatedHost

pytestmark = pytest.mark.integration

ADMINISTRATORS = "S-1-5-32-544"
PROFILE = "server2022-desktop-fresh"
# host -> (no rule for its WinRM port, connecting account is the only administrator, create_management_rule)
FLEET = {
    "plain-1": (False, False, True),
    "plain-2": (False, False, False),
    "no-rule-1": (True, False, True),
    "no-rule-2": (True, False, True),
    "no-rule-refused-1": (True, False, False),
    "no-rule-refused-2": (True, False, False),
    "solo-admin-1": (False, True, True),
    "solo-admin-2": (False, True, False),
    "both-1": (True, True, True),
    "both-2": (True, True, False),
}
PLAYBOOK = """\
- name: Enforce firewall and accounts with every lockout-prone opt-in on
  hosts: all
  gather_facts: false
  tasks:
    - name: Firewall (FW-01..04), other inbound allow rules disabled
      onepacs.baseline.win_firewall:
        rule_allowlist_mode: enforce
        create_management_rule: "{{ create_rule }}"
    - name: Local accounts (ACC-01..04), allow lists that forget the connecting account
      onepacs.baseline.win_local_accounts:
        allowed_accounts: []
        allowed_administrators: []
        administrators_mode: enforce
        unused_account_days: 30
        unused_accounts_mode: enforce
    - name: The host still runs commands
      onepacs.baseline.win_power:
"""


def without_winrm_rule(state: dict) -> None:
    """Every profile lets everything in and every WinRM rule is off: the host is reachable only thanks to the
    defaults, which FW-02 wants to switch to Block."""
    for profile in state["firewall"]["profiles"].values():
        profile["DefaultInboundAction"] = "Allow"
    for name, rule in state["firewall"]["rules"].items():
        if name.startswith("WINRM-"):
            rule["Enabled"] = False


def connecting_account_only_admin(state: dict, user: str) -> None:
    """The connecting account is the only member of Administrators and looks unused (ACC-03/04 would remove or
    disable it)."""
    accounts = state["accounts"]
    rid = next(rid for rid, entry in accounts["users"].items() if entry["Name"] == user)
    accounts["groups"][ADMINISTRATORS]["Members"] = [f"{accounts['machine_sid']}-{rid}"]
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=200)
    accounts["users"][rid]["LastLogon"] = long_ago.strftime("%Y-%m-%dT%H:%M:%SZ")


def admits(lab, host: str) -> tuple[bool, str]:
    """What the simulated Windows says about the controller now."""
    return SimulatedHost(lab.state(host)).admits(lab.user, lab.hosts()[host]["port"])


def test_every_host_stays_reachable_and_manageable(start_lab, tmp_path: Path):
    lab = start_lab(dict.fromkeys(FLEET, PROFILE))
    for host, (no_rule, solo_admin, _) in FLEET.items():
        state = lab.state(host)
        if no_rule:
            without_winrm_rule(state)
        if solo_admin:
            connecting_account_only_admin(state, lab.user)
        lab.set_state(host, state)
        assert admits(lab, host)[0], host
    inventory = yaml.safe_load(lab.inventory.read_text())
    for host, (_, _, create_rule) in FLEET.items():
        inventory["all"]["children"]["lab"]["hosts"][host]["create_rule"] = create_rule
    inventory_path = lab.state_dir / "fleet-inventory.yml"
    inventory_path.write_text(yaml.safe_dump(inventory))
    playbook = tmp_path / "lockout.yml"
    playbook.write_text(PLAYBOOK)

    first = run_playbook(playbook, inventory_path, tmp_path / "first", "--forks", "10")

    assert "Traceback" not in first.stdout + first.stderr
    for host, (no_rule, solo_admin, create_rule) in FLEET.items():
        assert first.recap[host]["unreachable"] == 0, (host, first.stdout[-3000:])
        assert admits(lab, host) == (True, "admitted"), host
        firewall = first.controls(host, "win_firewall")
        accounts = first.controls(host, "win_local_accounts")
        if no_rule and not create_rule:
            assert firewall["FW-02"]["status"] == "fail", host
            assert "create_management_rule: true" in firewall["FW-02"]["message"], host
        else:
            assert firewall["FW-02"]["status"] == "fixed", host
        if no_rule and create_rule:
            assert "allow rule OnePacs-Management-In-TCP-" in firewall["FW-02"]["message"], host
        guarded = f"{lab.user} is not removed: it is the account this play connects as"
        assert guarded in accounts["ACC-03"]["message"], host
        if solo_admin:
            assert (
                f"{lab.user} is not disabled: it is the account this play connects as" in accounts["ACC-04"]["message"]
            )
        assert first.statuses(host, "win_power"), host  # the last task still ran commands on the host

    second = run_playbook(playbook, inventory_path, tmp_path / "second", "--forks", "10")

    for host in FLEET:
        recap = second.recap[host]
        assert (recap["unreachable"], recap["failed"]) == (0, 0), (host, second.stdout[-3000:])
        assert second.statuses(host, "win_power") == dict.fromkeys(("PWR-01", "PWR-02", "PWR-03"), "pass"), host
        assert admits(lab, host) == (True, "admitted"), host
