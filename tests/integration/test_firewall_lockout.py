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


# ---- hosts that refuse the controller exactly when their firewall blocks it ----------------------------------
# Each scenario is a host reachable today only because its Public profile lets everything in; the one rule that
# seems to cover the WinRM port does not cover the controller. Enforcing FW-02 (Public inbound Block) would lock
# the controller out, and the lab really refuses the connection then, so a guard that counted the rule would show
# up as an unreachable host.


def public_open(lab, edit):
    state = lab.state(HOST)
    state["firewall"]["profiles"]["Public"]["DefaultInboundAction"] = "Allow"
    edit(state)
    lab.set_state(HOST, state)
    return lab.hosts()[HOST]["port"]


def assert_refused_and_reachable(lab, run, *phrases):
    assert run.rc == 0, run.stdout + run.stderr
    assert run.recap[HOST]["unreachable"] == 0
    assert run.statuses(HOST, "win_firewall")["FW-02"] == "fail"
    message = run.controls(HOST, "win_firewall")["FW-02"]["message"]
    for phrase in phrases:
        assert phrase in message
    assert run.statuses(HOST, "win_power")  # the next task reached the host
    state = lab.state(HOST)
    assert state["firewall"]["profiles"]["Public"]["DefaultInboundAction"] == "Allow"
    assert SimulatedHost(state).admits(lab.user, lab.hosts()[HOST]["port"]) == (True, "admitted")


def test_a_rule_scoped_to_another_subnet_is_not_counted(start_lab, tmp_path):
    lab = start_lab({HOST: "server2022-desktop-fresh"})

    def clinic_scope(state):
        state["firewall"]["rules"]["WINRM-HTTP-In-TCP"]["RemoteAddress"] = ["10.20.0.0/255.255.0.0"]

    port = public_open(lab, clinic_scope)
    assert admits_with_public_blocked(lab.state(HOST), lab.user, port)[0] is False

    run = run_playbook(write_playbook(tmp_path, create_rule=False), lab.inventory, tmp_path / "scoped")

    assert_refused_and_reachable(
        lab, run, f"no enabled inbound Allow rule covers TCP {port} from 192.168.10.5", "allows only 10.20.0.0"
    )


def test_the_builtin_public_rule_limited_to_the_local_subnet_with_the_controller_on_another(start_lab, tmp_path):
    lab = start_lab({HOST: "server2022-desktop-fresh"})

    def routed_controller(state):
        state["network"]["controller_address"] = "10.9.0.5"  # the controller sits behind the clinic's router

    port = public_open(lab, routed_controller)
    assert admits_with_public_blocked(lab.state(HOST), lab.user, port)[0] is False

    run = run_playbook(write_playbook(tmp_path, create_rule=False), lab.inventory, tmp_path / "routed")

    assert_refused_and_reachable(lab, run, "from 10.9.0.5", "WINRM-HTTP-In-TCP allows only LocalSubnet")


def test_with_the_opt_in_the_rule_is_scoped_to_the_controller_and_the_host_stays_reachable(start_lab, tmp_path):
    lab = start_lab({HOST: "server2022-desktop-fresh"})

    def routed_controller(state):
        state["network"]["controller_address"] = "10.9.0.5"

    port = public_open(lab, routed_controller)

    run = run_playbook(write_playbook(tmp_path, create_rule=True), lab.inventory, tmp_path / "opt-in")

    assert run.rc == 0, run.stdout + run.stderr
    assert run.recap[HOST]["unreachable"] == 0
    assert run.statuses(HOST, "win_firewall")["FW-02"] == "fixed"
    assert run.statuses(HOST, "win_power")
    state = lab.state(HOST)
    assert state["firewall"]["profiles"]["Public"]["DefaultInboundAction"] == "Block"
    assert state["firewall"]["rules"][f"OnePacs-Management-In-TCP-{port}"]["RemoteAddress"] == ["10.9.0.5"]


def test_a_listener_on_a_non_default_port_is_not_covered_by_the_rules_for_5985(start_lab, tmp_path):
    lab = start_lab({HOST: "server2022-desktop-fresh"})
    state = lab.state(HOST)
    state["network"]["winrm_port"] = 15985  # the listener was moved; the built-in rules still name 5985
    for rule in state["firewall"]["rules"].values():
        if rule.get("LocalPort") == [str(lab.hosts()[HOST]["port"])]:
            rule["LocalPort"] = ["5985"]
    state["firewall"]["rules"]["Clinic-WinRM-15985"] = {
        "DisplayName": "Clinic WinRM (15985)",
        "Direction": "Inbound",
        "Action": "Allow",
        "Enabled": True,
        "Profile": ["Domain", "Private"],
        "Protocol": "TCP",
        "LocalPort": ["15985"],
        "RemoteAddress": ["Any"],
        "Program": "System",
    }
    state["firewall"]["profiles"]["Public"]["DefaultInboundAction"] = "Allow"
    lab.set_state(HOST, state)
    port = lab.hosts()[HOST]["port"]
    assert lab.state(HOST)["firewall"]["rules"]["WINRM-HTTP-In-TCP"]["LocalPort"] == ["5985"]
    assert admits_with_public_blocked(lab.state(HOST), lab.user, port)[0] is False

    run = run_playbook(write_playbook(tmp_path, create_rule=False), lab.inventory, tmp_path / "moved")

    assert_refused_and_reachable(lab, run, f"no enabled inbound Allow rule covers TCP {port}")


def test_group_policy_that_does_not_apply_local_rules_leaves_only_its_own_rules(start_lab, tmp_path):
    lab = start_lab({HOST: "server2022-desktop-fresh"})

    def no_local_rules_on_public(state):
        state["firewall"]["group_policy"] = {
            "profiles": {"Public": {"AllowLocalPolicyMerge": False}},
            "rules": {
                "GPO-WinRM-In": {
                    "DisplayName": "WinRM (GPO)",
                    "Direction": "Inbound",
                    "Action": "Allow",
                    "Enabled": True,
                    "Profile": ["Domain"],
                    "Protocol": "TCP",
                    "LocalPort": ["5985"],
                    "RemoteAddress": ["Any"],
                    "Program": "System",
                }
            },
        }

    port = public_open(lab, no_local_rules_on_public)
    assert admits_with_public_blocked(lab.state(HOST), lab.user, port)[0] is False

    run = run_playbook(write_playbook(tmp_path, create_rule=True), lab.inventory, tmp_path / "gpo")

    assert_refused_and_reachable(
        lab,
        run,
        "WINRM-HTTP-In-TCP is a local rule that does not apply on Public",
        "only a Group Policy rule can keep the connection open there",
    )


ALLOWLIST_PLAYBOOK = """\
- name: Enforce the firewall allow list, then another task on the same host
  hosts: all
  gather_facts: false
  tasks:
    - name: Enforce FW-01..04 with the allow list enforced
      onepacs.baseline.win_firewall:
        rule_allowlist_mode: enforce
    - name: The host still answers
      onepacs.baseline.win_power:
        enforce: false
"""


def test_a_rule_named_like_a_wildcard_is_disabled_alone(start_lab, tmp_path):
    """A remote-support tool named its rule "WINRM*". Disable-NetFirewallRule -Name 'WINRM*' would disable the
    WinRM rules too (the name is a pattern there); the agent disables that one rule object only."""
    lab = start_lab({HOST: "server2022-desktop-fresh"})
    state = lab.state(HOST)
    state["firewall"]["rules"]["WINRM*"] = {
        "DisplayName": "Remote support (WINRM*)",
        "Direction": "Inbound",
        "Action": "Allow",
        "Enabled": True,
        "Profile": ["Any"],
        "Protocol": "TCP",
        "LocalPort": ["8443"],
        "RemoteAddress": ["Any"],
        "Program": "C:\\\\Program Files\\\\RemoteSupport\\\\agent.exe",
    }
    lab.set_state(HOST, state)
    playbook = tmp_path / "allowlist.yml"
    playbook.write_text(ALLOWLIST_PLAYBOOK, encoding="utf-8")

    run = run_playbook(playbook, lab.inventory, tmp_path / "wildcard")

    assert run.rc == 0, run.stdout + run.stderr
    assert run.recap[HOST]["unreachable"] == 0
    assert run.statuses(HOST, "win_firewall")["FW-03"] == "fixed"
    assert run.statuses(HOST, "win_power")
    rules = lab.state(HOST)["firewall"]["rules"]
    assert rules["WINRM*"]["Enabled"] is False
    assert rules["WINRM-HTTP-In-TCP"]["Enabled"] is True
    assert rules["WINRM-HTTP-In-TCP-NoScope"]["Enabled"] is True
