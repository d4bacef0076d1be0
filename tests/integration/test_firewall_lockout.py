"""win_firewall's lockout guard end to end: real ansible-playbook over WinRM to a lab host whose Public profile has
no allow rule for the WinRM port and is reachable only because it lets everything in.

The lab rewrites the host's WinRM rules to the port it really listens on and asks the simulated firewall
(admits) on every request, so a change that shut the controller out would show up as an unreachable host.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from playbook import run_playbook
from winlab.simulator import SimulatedHost

pytestmark = pytest.mark.integration

HOST = "gw"
PLAYBOOK = """\
- name: Firewall enforcement, then another task on the same host
  hosts: all
  gather_facts: false
  tasks:
    - name: Enforce FW-01..04
      onepacs.baseline.win_firewall:
        create_management_rule: {create_rule}
    - name: The host still answers
      onepacs.baseline.win_power:
        enforce: false
"""


def write_playbook(directory: Path, *, create_rule: bool) -> Path:
    path = directory / f"firewall-{create_rule}.yml"
    path.write_text(PLAYBOOK.format(create_rule=str(create_rule).lower()), encoding="utf-8")
    return path


def public_open_without_winrm_rule(lab):
    """Public lets everything in, and WinRM's rule for Public is disabled; the host is reachable only thanks to
    the Allow default. Returns the port the host listens on."""
    state = lab.state(HOST)
    state["firewall"]["profiles"]["Public"]["DefaultInboundAction"] = "Allow"
    state["firewall"]["rules"]["WINRM-HTTP-In-TCP"]["Enabled"] = False
    lab.set_state(HOST, state)
    return lab.hosts()[HOST]["port"]


def admits_with_public_blocked(state, user, port):
    """What the simulated Windows would say if Public were switched to Block (the change the guard refuses)."""
    changed = copy.deepcopy(state)
    changed["firewall"]["profiles"]["Public"]["DefaultInboundAction"] = "Block"
    return SimulatedHost(changed).admits(user, port)


def test_fw02_is_refused_with_a_clear_message_and_the_host_stays_reachable(start_lab, tmp_path):
    lab = start_lab({HOST: "server2022-desktop-fresh"})
    port = public_open_without_winrm_rule(lab)
    admitted, reason = admits_with_public_blocked(lab.state(HOST), lab.user, port)
    assert admitted is False, "the scenario must be one where enforcing FW-02 would lock the controller out"
    assert "Public" in reason

    run = run_playbook(write_playbook(tmp_path, create_rule=False), lab.inventory, tmp_path / "refused")

    assert run.rc == 0, run.stdout + run.stderr
    assert run.statuses(HOST, "win_firewall") == {"FW-01": "pass", "FW-02": "fail", "FW-03": "fail", "FW-04": "fixed"}
    message = run.controls(HOST, "win_firewall")["FW-02"]["message"]
    assert f"no enabled inbound Allow rule covers TCP {port}" in message
    assert "on the Public profile" in message
    assert "create_management_rule: true" in message
    assert run.recap[HOST]["unreachable"] == 0
    assert run.statuses(HOST, "win_power")  # the next task reached the host
    state = lab.state(HOST)
    assert state["firewall"]["profiles"]["Public"]["DefaultInboundAction"] == "Allow"
    assert state["firewall"]["profiles"]["Domain"]["DefaultInboundAction"] == "NotConfigured"  # whole control refused


def test_with_the_opt_in_the_rule_comes_first_and_the_host_stays_reachable(start_lab, tmp_path):
    lab = start_lab({HOST: "server2022-desktop-fresh"})
    port = public_open_without_winrm_rule(lab)
    playbook = write_playbook(tmp_path, create_rule=True)

    first = run_playbook(playbook, lab.inventory, tmp_path / "first")

    assert first.rc == 0, first.stdout + first.stderr
    assert first.statuses(HOST, "win_firewall")["FW-02"] == "fixed"
    created = f"allow rule OnePacs-Management-In-TCP-{port} (TCP {port}, every profile): False -> True"
    assert created in first.controls(HOST, "win_firewall")["FW-02"]["message"]
    assert first.recap[HOST]["unreachable"] == 0
    assert first.statuses(HOST, "win_power")
    state = lab.state(HOST)
    assert state["firewall"]["profiles"]["Public"]["DefaultInboundAction"] == "Block"
    assert state["firewall"]["rules"][f"OnePacs-Management-In-TCP-{port}"]["LocalPort"] == [str(port)]

    second = run_playbook(playbook, lab.inventory, tmp_path / "second")
    assert second.rc == 0, second.stdout + second.stderr
    assert second.statuses(HOST, "win_firewall") == {
        "FW-01": "pass",
        "FW-02": "pass",
        "FW-03": "fail",
        "FW-04": "pass",
    }
    assert second.result(HOST, "win_firewall")["result"]["changed"] is False
