"""firewall.* ops in the simulator: NetSecurity shapes and semantics, and what they do to admits()."""

from __future__ import annotations

import pytest

from agent_messages import MANAGEMENT_RULE_5985
from sim_requests import assert_error, run_one, value_of
from winlab.sim_ops_firewall import rules_selected_by_name
from winlab.sim_wildcard import contains_wildcards, matching
from winlab.simulator import SimulatedHost, list_profiles

CORE_NETWORKING = "@FirewallAPI.dll,-25000"


def management_rule(**overrides):
    return {**MANAGEMENT_RULE_5985, **overrides}


def test_profiles_come_in_windows_order_with_notconfigured_as_stored(server):
    profiles = value_of(server, {"op": "firewall.profiles"})["profiles"]
    assert [entry["name"] for entry in profiles] == ["Domain", "Private", "Public"]
    assert profiles[0] == {
        "name": "Domain",
        "enabled": True,
        "default_inbound_action": "NotConfigured",
        "default_outbound_action": "NotConfigured",
        "log_blocked": False,
        "log_allowed": False,
        "log_max_size_kilobytes": 4096,
        "log_file_name": "%systemroot%\\system32\\LogFiles\\Firewall\\pfirewall.log",
        "allow_local_firewall_rules": "NotConfigured",
    }


def test_set_profile_changes_only_the_given_settings_and_reads_back(server):
    value = value_of(
        server,
        {"op": "firewall.set_profile", "profile": "Public", "log_blocked": True, "log_max_size_kilobytes": 16384},
    )
    assert (value["name"], value["log_blocked"], value["log_max_size_kilobytes"]) == ("Public", True, 16384)
    assert value["default_inbound_action"] == "NotConfigured"
    assert server.state["firewall"]["profiles"]["Private"]["LogBlocked"] is False


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        ({"profile": "Public"}, "needs at least one setting"),
        ({"profile": "Public", "log_max_size_kilobytes": 0}, "0 is not between 1 and 32767"),
        ({"profile": "Public", "log_max_size_kilobytes": 32768}, "32768 is not between 1 and 32767"),
        ({"profile": "Work", "enabled": True}, "argument 'profile'"),
        ({"profile": "Public", "default_inbound_action": "Deny"}, "argument 'default_inbound_action'"),
    ],
)
def test_set_profile_rejects_what_set_netfirewallprofile_rejects(server, args, mentions):
    assert_error(run_one(server, {"op": "firewall.set_profile", **args}), "invalid_argument", mentions)


def test_rules_are_filtered_and_carry_their_filters_and_group(server):
    rules = value_of(server, {"op": "firewall.rules", "direction": "Inbound", "enabled": True})["rules"]
    by_name = {rule["name"]: rule for rule in rules}
    assert all(rule["direction"] == "Inbound" and rule["enabled"] for rule in rules)
    assert "CoreNet-DNS-Out-UDP" not in by_name
    assert "WMI-WINMGMT-In-TCP" not in by_name  # disabled
    assert by_name["CoreNet-DHCP-In"]["group"] == CORE_NETWORKING
    assert by_name["CoreNet-DHCP-In"]["display_group"] == "Core Networking"
    assert by_name["WINRM-HTTP-In-TCP"] == {
        "name": "WINRM-HTTP-In-TCP",
        "display_name": "Windows Remote Management (HTTP-In)",
        "group": "Windows Remote Management",
        "display_group": "Windows Remote Management",
        "direction": "Inbound",
        "action": "Allow",
        "enabled": True,
        "profiles": ["Public"],
        "protocol": "TCP",
        "local_ports": ["5985"],
        "remote_addresses": ["LocalSubnet"],
        "program": "System",
        "policy_store_source_type": "Local",
    }
    blocks = value_of(server, {"op": "firewall.rules", "action": "Block"})["rules"]
    assert blocks == []
    everything = value_of(server, {"op": "firewall.rules"})["rules"]
    assert len(everything) == len(server.state["firewall"]["rules"])


@pytest.mark.parametrize("name", list_profiles())
def test_every_profile_groups_core_networking_by_its_resource_string(name):
    host = SimulatedHost.from_profile(name)
    rules = value_of(host, {"op": "firewall.rules"})["rules"]
    core = [rule for rule in rules if rule["display_group"] == "Core Networking"]
    assert core
    assert {rule["group"] for rule in core} == {CORE_NETWORKING}


def test_set_rule_enabled_disables_never_deletes_and_matches_names_case_insensitively(server):
    value = value_of(
        server, {"op": "firewall.set_rule_enabled", "name": "remotedesktop-usermode-in-tcp", "enabled": False}
    )
    assert (value["name"], value["enabled"]) == ("RemoteDesktop-UserMode-In-TCP", False)
    assert server.state["firewall"]["rules"]["RemoteDesktop-UserMode-In-TCP"]["Enabled"] is False
    assert_error(
        run_one(server, {"op": "firewall.set_rule_enabled", "name": "nope", "enabled": False}), "not_found", "'nope'"
    )


def test_disabling_the_winrm_rules_locks_the_controller_out_once_inbound_is_blocked(server):
    assert server.admits("labadmin", 5985)[0] is True
    for name in ("WINRM-HTTP-In-TCP", "WINRM-HTTP-In-TCP-NoScope"):
        value_of(server, {"op": "firewall.set_rule_enabled", "name": name, "enabled": False})
    admitted, reason = server.admits("labadmin", 5985)
    assert admitted is False
    assert reason.startswith("firewall: no enabled inbound Allow rule covers TCP 5985")


def test_add_rule_creates_an_enabled_rule_that_admits_the_controller(server):
    for name in ("WINRM-HTTP-In-TCP", "WINRM-HTTP-In-TCP-NoScope"):
        server.state["firewall"]["rules"][name]["Enabled"] = False
    assert server.admits("labadmin", 5985)[0] is False
    value = value_of(server, management_rule(remote_addresses=["10.0.0.0/8"]))
    assert value == {
        "name": "OnePacs-Management-In-TCP-5985",
        "display_name": "OnePacs management (TCP 5985-In)",
        "group": "OnePacs baseline",
        "display_group": "OnePacs baseline",
        "direction": "Inbound",
        "action": "Allow",
        "enabled": True,
        "profiles": ["Any"],
        "protocol": "TCP",
        "local_ports": ["5985"],
        "remote_addresses": ["10.0.0.0/8"],
        "program": "Any",
        "policy_store_source_type": "Local",
    }
    # The controller is 192.168.10.5 as the host sees it: a rule scoped to 10.0.0.0/8 does not let it in.
    assert server.admits("labadmin", 5985)[0] is False
    value_of(server, management_rule(remote_addresses=["192.168.10.0/255.255.255.0"]))
    assert server.admits("labadmin", 5985) == (True, "admitted")


def test_add_rule_twice_updates_the_same_rule(server):
    value_of(server, management_rule(profiles=["Domain"]))
    server.state["firewall"]["rules"]["OnePacs-Management-In-TCP-5985"]["Enabled"] = False
    value = value_of(server, management_rule(name="onepacs-management-in-tcp-5985"))
    assert (value["name"], value["enabled"], value["profiles"]) == ("OnePacs-Management-In-TCP-5985", True, ["Any"])
    assert [name for name in server.state["firewall"]["rules"] if name.lower().startswith("onepacs-management")] == [
        "OnePacs-Management-In-TCP-5985"
    ]


@pytest.mark.parametrize(
    ("overrides", "mentions"),
    [
        ({"local_ports": []}, "argument 'local_ports'"),
        ({"local_ports": ["http"]}, "'http' is not a port"),
        ({"local_ports": ["70000"]}, "'70000' is not a port"),
        ({"local_ports": ["6000-5000"]}, "'6000-5000' is not a port"),
        ({"profiles": ["Work"]}, "'Work' is not one of Any, Domain, Private, Public"),
        ({"profiles": ["Any", "Public"]}, "'Any' cannot be combined"),
        ({"protocol": "ICMPv4"}, "argument 'protocol'"),
        ({"remote_addresses": [""]}, "argument 'remote_addresses'"),
    ],
)
def test_add_rule_rejects_malformed_rules(server, overrides, mentions):
    assert_error(run_one(server, management_rule(**overrides)), "invalid_argument", mentions)
    assert "OnePacs-Management-In-TCP-5985" not in server.state["firewall"]["rules"]


def test_rule_names_are_patterns_for_the_cmdlets_and_literals_for_the_op(server):
    server.state["firewall"]["rules"]["WINRM*"] = {**server.state["firewall"]["rules"]["WINRM-HTTP-In-TCP"]}
    selected = rules_selected_by_name(server.state, "WINRM*")
    assert {"WINRM*", "WINRM-HTTP-In-TCP", "WINRM-HTTP-In-TCP-NoScope"} <= set(selected)
    value_of(server, {"op": "firewall.set_rule_enabled", "name": "WINRM*", "enabled": False})
    rules = server.state["firewall"]["rules"]
    assert rules["WINRM*"]["Enabled"] is False
    assert rules["WINRM-HTTP-In-TCP"]["Enabled"] is True


@pytest.mark.parametrize(
    ("pattern", "names", "selected"),
    [
        ("WINRM*", ["WINRM-HTTP-In-TCP", "winrm", "CoreNet"], ["WINRM-HTTP-In-TCP", "winrm"]),
        ("*", ["a", "b"], ["a", "b"]),
        ("Rule?", ["Rule1", "Rule10"], ["Rule1"]),
        ("[ab]x", ["ax", "bx", "cx"], ["ax", "bx"]),
        ("lit`*", ["lit*", "literal"], ["lit*"]),
    ],
)
def test_powershell_wildcard_semantics(pattern, names, selected):
    assert matching(pattern, names) == selected
    assert contains_wildcards(pattern) is ("`" not in pattern)
