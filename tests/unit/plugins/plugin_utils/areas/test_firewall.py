"""FirewallArea: recorded firewall.profiles / firewall.rules results -> findings, with the lockout guard."""

from __future__ import annotations

import copy

import pytest

from agent_messages import MANAGEMENT_RULE_5985
from ansible_collections.onepacs.baseline.plugins.plugin_utils._findings import Outcome
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._transport import OpResult
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._area import Connection, InvalidOptionError
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._firewall import (
    CORE_NETWORKING_GROUP,
    OPTIONS,
    FirewallArea,
)
from control_results import by_control

DEFAULTS = {name: copy.deepcopy(spec.get("default")) for name, spec in OPTIONS.items()}
PORT = 5985


def profile(name, *, enabled=True, inbound="Block", outbound="Allow", log_blocked=True, size=16384):
    return {
        "name": name,
        "enabled": enabled,
        "default_inbound_action": inbound,
        "default_outbound_action": outbound,
        "log_blocked": log_blocked,
        "log_allowed": False,
        "log_max_size_kilobytes": size,
        "log_file_name": "%systemroot%\\system32\\LogFiles\\Firewall\\pfirewall.log",
    }


def rule(name, *, port="5985", protocol="TCP", profiles=("Any",), action="Allow", program="System", **extra):
    entry = {
        "name": name,
        "display_name": name,
        "group": "",
        "display_group": "",
        "direction": "Inbound",
        "action": action,
        "enabled": True,
        "profiles": list(profiles),
        "protocol": protocol,
        "local_ports": [port] if isinstance(port, str) else list(port),
        "remote_addresses": ["Any"],
        "program": program,
    }
    entry.update(extra)
    return entry


WINRM_DOMAIN_PRIVATE = rule("WINRM-HTTP-In-TCP-NoScope", profiles=("Domain", "Private"))
WINRM_PUBLIC = rule("WINRM-HTTP-In-TCP", profiles=("Public",))
CORE_DHCP = rule("CoreNet-DHCP-In", port="68", protocol="UDP", group=CORE_NETWORKING_GROUP, display_name="Kern DHCP")
ONEPACS = rule("OnePacs-Gateway-DICOM-In", port=("104", "11112"), program="Any")
RDP = rule("RemoteDesktop-UserMode-In-TCP", port="3389", program="%SystemRoot%\\system32\\svchost.exe")
TEAMVIEWER = rule(
    "{3B8A1F0E-6C2D-4E57-9A14-7F0B2C8D5E61}",
    port="Any",
    protocol="Any",
    program="C:\\Program Files\\TeamViewer\\TeamViewer_Service.exe",
    display_name="Teamviewer Remote Control Service",
)
HARDENED_PROFILES = [profile(name) for name in ("Domain", "Private", "Public")]
FRESH_PROFILES = [
    profile(name, inbound="NotConfigured", outbound="NotConfigured", log_blocked=False, size=4096)
    for name in ("Domain", "Private", "Public")
]


#: The controller as a host on 192.168.10.0/24 sees it.
CONTROLLER = "192.168.10.5"
PEERS = {"peers": [CONTROLLER], "local_subnets": ["192.168.10.0/24"]}


def results(profiles=None, rules=None, profiles_error=None, rules_error=None, peers=None):
    peers = PEERS if peers is None else peers
    profiles = HARDENED_PROFILES if profiles is None else profiles
    rules = [WINRM_DOMAIN_PRIVATE, WINRM_PUBLIC, CORE_DHCP, ONEPACS] if rules is None else rules
    return {
        "peers": OpResult(ok=True, value=copy.deepcopy(peers)),
        "profiles": (
            OpResult(ok=False, code="failed", error=profiles_error)
            if profiles_error
            else OpResult(ok=True, value={"profiles": copy.deepcopy(profiles)})
        ),
        "rules": (
            OpResult(ok=False, code="access_denied", error=rules_error)
            if rules_error
            else OpResult(ok=True, value={"rules": copy.deepcopy(rules)})
        ),
    }


def area(params=None, port=PORT):
    return FirewallArea({**DEFAULTS, **(params or {})}, Connection(user="labadmin", port=port))


def findings(params=None, port=PORT, **probe):
    return by_control(area(params, port).evaluate(results(**probe)))


def with_profile(profiles, name, **fields):
    changed = copy.deepcopy(profiles)
    entry = next(item for item in changed if item["name"] == name)
    entry.update(fields)
    return changed


def test_probe_is_two_read_only_ops():
    assert area().probe_ops() == {
        "profiles": {"op": "firewall.profiles"},
        "rules": {"op": "firewall.rules", "direction": "Inbound", "enabled": True},
        "peers": {"op": "firewall.management_peers", "port": PORT},
    }
    assert "peers" not in area(port=None).probe_ops()


def test_hardened_host_complies_without_changes():
    found = findings()
    assert {key: f.outcome for key, f in found.items()} == dict.fromkeys(
        ("FW-01", "FW-02", "FW-03", "FW-04"), Outcome.COMPLIANT
    )
    assert found["FW-03"].actual == []


def test_fresh_host_drifts_with_the_exact_fixes_and_notconfigured_counts_as_drift():
    found = findings(profiles=FRESH_PROFILES)
    assert found["FW-01"].outcome is Outcome.COMPLIANT
    assert [c.op for c in found["FW-02"].changes] == [
        {
            "op": "firewall.set_profile",
            "profile": name,
            "default_inbound_action": "Block",
            "default_outbound_action": "Allow",
        }
        for name in ("Domain", "Private", "Public")
    ]
    assert found["FW-02"].message.startswith(
        "Domain inbound NotConfigured (Windows default: Block); Domain outbound NotConfigured (Windows default: Allow)"
    )
    assert found["FW-02"].actual["Public"] == {"inbound": "Block", "outbound": "Allow"}
    assert [c.op for c in found["FW-04"].changes] == [
        {"op": "firewall.set_profile", "profile": name, "log_blocked": True, "log_max_size_kilobytes": 16384}
        for name in ("Domain", "Private", "Public")
    ]
    assert found["FW-04"].changes[0].before == {"log_blocked": False, "log_max_size_kilobytes": 4096}
    assert found["FW-04"].changes[0].after == {"log_blocked": True, "log_max_size_kilobytes": 16384}


def test_profiles_turned_off_are_turned_on_after_the_guard():
    profiles = with_profile(HARDENED_PROFILES, "Public", enabled=False)
    profiles = with_profile(profiles, "Private", enabled="NotConfigured")
    found = findings(profiles=profiles)["FW-01"]
    assert found.outcome is Outcome.DRIFTED
    assert [c.op for c in found.changes] == [
        {"op": "firewall.set_profile", "profile": "Private", "enabled": True},
        {"op": "firewall.set_profile", "profile": "Public", "enabled": True},
    ]
    assert found.message == "firewall not on: Private: NotConfigured (Windows default: True); Public: False"
    assert found.actual == {"Domain": True, "Private": True, "Public": False}
    assert found.changes[1].verify(profile("Public")) == (True, True)


# ------------------------------------------------------------------------------------------------- lockout guard


def test_unknown_management_port_refuses_every_blocking_change_but_not_logging():
    found = findings(profiles=FRESH_PROFILES, port=None)
    assert found["FW-02"].outcome is Outcome.DRIFTED
    assert found["FW-02"].changes == ()
    assert "the management port is unknown" in found["FW-02"].message
    assert "set management_port" in found["FW-02"].message
    assert len(found["FW-04"].changes) == 3


def test_management_port_option_stands_in_for_an_unknown_connection_port():
    found = findings({"management_port": PORT}, port=None, profiles=FRESH_PROFILES)
    assert len(found["FW-02"].changes) == 3


def test_profile_without_an_allow_rule_for_the_port_refuses_the_control_naming_port_and_profile():
    profiles = with_profile(HARDENED_PROFILES, "Public", default_inbound_action="Allow")
    found = findings(profiles=profiles, rules=[WINRM_DOMAIN_PRIVATE, CORE_DHCP])["FW-02"]
    assert found.outcome is Outcome.DRIFTED
    assert found.changes == ()
    assert found.message == (
        "Public inbound Allow; not changed: setting the default inbound action to Block would lock the controller "
        "out: no enabled inbound Allow rule covers TCP 5985 from 192.168.10.5 (the controller's address as the host "
        "sees it) on the Public profile; enable or add an allow rule for TCP 5985 from that address there, or set "
        "create_management_rule: true to have one created first"
    )


def test_the_same_host_with_a_covering_rule_gets_the_change():
    profiles = with_profile(HARDENED_PROFILES, "Public", default_inbound_action="Allow")
    found = findings(profiles=profiles)["FW-02"]
    assert [c.op for c in found.changes] == [
        {"op": "firewall.set_profile", "profile": "Public", "default_inbound_action": "Block"}
    ]


def test_opt_in_creates_the_management_rule_first_in_the_same_changes():
    profiles = with_profile(HARDENED_PROFILES, "Public", default_inbound_action="Allow")
    params = {"create_management_rule": True, "management_rule_remote_addresses": ["192.168.0.0/16"]}
    found = findings(params, profiles=profiles, rules=[WINRM_DOMAIN_PRIVATE])["FW-02"]
    add_rule, set_profile = found.changes
    assert add_rule.op == {
        **MANAGEMENT_RULE_5985,
        "profiles": ["Any"],
        "remote_addresses": ["192.168.0.0/16"],
        "program": "Any",
    }
    assert set_profile.op["default_inbound_action"] == "Block"
    assert "creates allow rule OnePacs-Management-In-TCP-5985 for TCP 5985 from 192.168.0.0/16 first" in found.message
    created = rule("OnePacs-Management-In-TCP-5985", program="Any")
    assert add_rule.verify(created) == (True, True)
    assert add_rule.verify({**created, "profiles": ["Domain"]}) == (False, False)


def test_a_block_rule_on_the_port_refuses_even_with_the_opt_in():
    block = rule("Block-WinRM-Public", profiles=("Public",), action="Block", program="Any")
    found = findings(
        {"create_management_rule": True},
        profiles=with_profile(HARDENED_PROFILES, "Public", enabled=False),
        rules=[WINRM_DOMAIN_PRIVATE, WINRM_PUBLIC, block],
    )["FW-01"]
    assert found.changes == ()
    assert "enabled inbound Block rules cover it (Block-WinRM-Public on the Public profile)" in found.message


def test_a_rule_limited_to_another_program_does_not_cover_the_port():
    app_rule = rule("app-5985", program="C:\\app.exe")
    profiles = with_profile(HARDENED_PROFILES, "Public", enabled=False)
    found = findings(profiles=profiles, rules=[WINRM_DOMAIN_PRIVATE, app_rule])["FW-01"]
    assert found.changes == ()
    assert "on the Public profile" in found.message


def test_ranges_and_any_port_rules_without_a_program_cover_the_port():
    profiles = with_profile(HARDENED_PROFILES, "Public", enabled=False)
    for covering in (rule("range", port="5000-6000", program="Any"), rule("any", port="Any", protocol="Any")):
        found = findings(profiles=profiles, rules=[covering])["FW-01"]
        assert len(found.changes) == 1, covering


def test_turning_on_a_profile_whose_inbound_default_is_allow_needs_no_allow_rule():
    profiles = with_profile(HARDENED_PROFILES, "Public", enabled=False, default_inbound_action="Allow")
    found = findings(profiles=profiles, rules=[])
    assert [c.op for c in found["FW-01"].changes] == [
        {"op": "firewall.set_profile", "profile": "Public", "enabled": True}
    ]
    assert found["FW-02"].changes == ()  # this one would block


def test_outbound_only_drift_is_not_a_blocking_change():
    profiles = with_profile(HARDENED_PROFILES, "Domain", default_outbound_action="Block")
    found = findings(profiles=profiles, rules=[], port=None)["FW-02"]
    assert [c.op for c in found.changes] == [
        {"op": "firewall.set_profile", "profile": "Domain", "default_outbound_action": "Allow"}
    ]


def test_guard_needs_the_rules_and_says_so_when_they_could_not_be_read():
    found = findings(profiles=FRESH_PROFILES, rules_error="Access is denied")
    assert found["FW-02"].outcome is Outcome.ERROR
    assert "could not read the firewall rules: access_denied: Access is denied" in found["FW-02"].message
    assert found["FW-03"].outcome is Outcome.ERROR
    assert found["FW-01"].outcome is Outcome.COMPLIANT  # nothing to change, no guard needed
    assert len(found["FW-04"].changes) == 3


def test_unreadable_profiles_are_errors_for_the_profile_controls():
    found = findings(profiles_error="Invalid namespace")
    assert [found[key].outcome for key in ("FW-01", "FW-02", "FW-04")] == [Outcome.ERROR] * 3
    assert found["FW-01"].message == "could not read the firewall profiles: failed: Invalid namespace"
    assert found["FW-03"].outcome is Outcome.COMPLIANT
    enforced = findings({"rule_allowlist_mode": "enforce"}, profiles_error="Invalid namespace")
    assert enforced["FW-03"].outcome is Outcome.ERROR


# ------------------------------------------------------------------------------------------------------- FW-03


def test_allowlist_matches_name_group_resource_string_and_display_name_case_insensitively():
    rules = [
        WINRM_DOMAIN_PRIVATE,
        CORE_DHCP,
        rule("{GUID-1}", port="11112", display_name="ONEPACS Gateway Listener", program="Any"),
        rule("x", port="7", group="OnePacs Gateway", display_name="whatever"),
        rule("winrm-https-in-tcp", port="5986"),
        rule("{GUID-2}", port="5986", display_name="Allow WinRM HTTPS"),
    ]
    assert findings(rules=rules)["FW-03"].outcome is Outcome.COMPLIANT


def test_click_through_onepacs_exe_rules_and_other_apps_are_not_allowed():
    query_user = rule(
        "TCP Query User{4B9E}C:\\onepacs.exe", port="Any", display_name="onepacs.exe", program="C:\\o.exe"
    )
    found = findings(rules=[WINRM_PUBLIC, query_user, RDP, TEAMVIEWER])["FW-03"]
    assert found.outcome is Outcome.DRIFTED
    assert found.changes == ()
    assert found.actual == [
        "TCP Query User{4B9E}C:\\onepacs.exe (onepacs.exe): TCP Any, profiles Any",
        "RemoteDesktop-UserMode-In-TCP: TCP 3389, profiles Any",
        "{3B8A1F0E-6C2D-4E57-9A14-7F0B2C8D5E61} (Teamviewer Remote Control Service): Any Any, profiles Any",
    ]
    assert found.message.startswith("3 enabled inbound Allow rule(s) not on the allow list: TCP Query User")
    assert "audit only (rule_allowlist_mode: audit)" in found.message


def test_disabled_rules_and_block_rules_are_not_judged():
    disabled = {**RDP, "enabled": False}
    block = rule("Block-All", port="Any", action="Block", program="Any")
    assert findings(rules=[WINRM_PUBLIC, disabled, block])["FW-03"].outcome is Outcome.COMPLIANT


def test_extra_allowlist_adds_rules():
    found = findings({"extra_rule_allowlist": [{"name": "RemoteDesktop-*"}]}, rules=[WINRM_PUBLIC, RDP])
    assert found["FW-03"].outcome is Outcome.COMPLIANT


def test_a_rule_for_exactly_the_management_port_is_management():
    netsh_rule = rule("{9F1C}", display_name="WinRM from the jump host", program="Any")
    assert findings(rules=[netsh_rule])["FW-03"].outcome is Outcome.COMPLIANT
    # The same rule is not recognised for another connection port, nor when the port is unknown.
    assert findings(rules=[netsh_rule], port=5986)["FW-03"].outcome is Outcome.DRIFTED
    assert findings(rules=[netsh_rule], port=None)["FW-03"].outcome is Outcome.DRIFTED


def test_enforce_disables_the_rules_not_allowed_and_nothing_else():
    found = findings({"rule_allowlist_mode": "enforce"}, rules=[WINRM_DOMAIN_PRIVATE, WINRM_PUBLIC, RDP, TEAMVIEWER])
    fw03 = found["FW-03"]
    assert [c.op for c in fw03.changes] == [
        {"op": "firewall.set_rule_enabled", "name": RDP["name"], "enabled": False},
        {"op": "firewall.set_rule_enabled", "name": TEAMVIEWER["name"], "enabled": False},
    ]
    assert fw03.changes[0].verify({**RDP, "enabled": False}) == (True, False)


def test_enforce_never_disables_a_rule_that_may_carry_the_management_connection():
    wide = rule("{AB12}", port="5000-6000", program="Any", display_name="Vendor range")
    sshd = rule("OpenSSH-Server-In-TCP", port="22", program="C:\\Windows\\System32\\OpenSSH\\sshd.exe")
    found = findings({"rule_allowlist_mode": "enforce"}, rules=[WINRM_DOMAIN_PRIVATE, WINRM_PUBLIC, RDP, wide])
    assert found["FW-03"].changes == ()
    assert "not changed: {AB12} may carry the management connection (TCP 5985) and is never disabled" in (
        found["FW-03"].message
    )
    over_ssh = findings({"rule_allowlist_mode": "enforce"}, port=22, rules=[WINRM_PUBLIC, sshd, RDP])
    assert over_ssh["FW-03"].changes == ()
    assert "OpenSSH-Server-In-TCP may carry the management connection (TCP 22)" in over_ssh["FW-03"].message


def test_enforce_runs_the_guard_on_the_profiles_of_the_disabled_rules():
    profiles = with_profile(HARDENED_PROFILES, "Public", default_inbound_action="Allow")
    public_rdp = {**RDP, "profiles": ["Public"]}
    domain_rdp = {**RDP, "name": "rdp-domain", "profiles": ["Domain"]}
    # Public admits everything by default: disabling a rule there cannot lock anyone out.
    ok = findings({"rule_allowlist_mode": "enforce"}, profiles=profiles, rules=[WINRM_DOMAIN_PRIVATE, public_rdp])
    assert len(ok["FW-03"].changes) == 1
    uncovered = findings({"rule_allowlist_mode": "enforce"}, rules=[WINRM_PUBLIC, domain_rdp])
    assert uncovered["FW-03"].changes == ()
    assert "no enabled inbound Allow rule covers TCP 5985" in uncovered["FW-03"].message
    assert "on the Domain profile" in uncovered["FW-03"].message
    unknown = findings({"rule_allowlist_mode": "enforce"}, port=None, rules=[WINRM_PUBLIC, RDP])
    assert unknown["FW-03"].changes == ()
    assert "the management port is unknown" in unknown["FW-03"].message


# ------------------------------------------------------------------------------------------------------- FW-04


def test_logging_keeps_a_larger_log_and_can_leave_log_blocked_alone():
    profiles = [profile(name, log_blocked=False, size=32767) for name in ("Domain", "Private", "Public")]
    assert findings({"log_blocked": False}, profiles=profiles)["FW-04"].outcome is Outcome.COMPLIANT
    found = findings(profiles=profiles)["FW-04"]
    assert found.changes[0].op == {"op": "firewall.set_profile", "profile": "Domain", "log_blocked": True}
    assert found.changes[0].after == {"log_blocked": True, "log_max_size_kilobytes": 32767}
    small = findings({"log_blocked": False}, profiles=FRESH_PROFILES)["FW-04"]
    assert small.changes[0].op == {"op": "firewall.set_profile", "profile": "Domain", "log_max_size_kilobytes": 16384}
    assert small.changes[0].verify(profile("Domain", log_blocked=False)) == (
        True,
        {"log_blocked": False, "log_max_size_kilobytes": 16384},
    )


# ------------------------------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"log_max_size_kilobytes": 0}, "log_max_size_kilobytes: must be between 1 and 32767"),
        ({"log_max_size_kilobytes": 40000}, "log_max_size_kilobytes: must be between 1 and 32767"),
        ({"management_port": 70000}, "management_port: must be a TCP port"),
        ({"management_rule_remote_addresses": []}, "management_rule_remote_addresses: give at least one"),
        ({"rule_allowlist": [{"name": "a", "group": "b"}]}, "rule_allowlist[0]: give exactly one of"),
        ({"extra_rule_allowlist": [{"name": None, "group": None}]}, "extra_rule_allowlist[0]: give exactly one"),
        ({"extra_rule_allowlist": [{"port": "5985"}]}, "extra_rule_allowlist[0]: unknown key 'port'"),
    ],
)
def test_invalid_options_name_the_option(params, message):
    with pytest.raises(InvalidOptionError) as caught:
        area(params)
    assert str(caught.value).startswith(message)


def test_argspec_style_entries_with_none_for_the_other_keys_are_accepted():
    entries = [{"name": "RemoteDesktop-*", "group": None, "display_name": None}]
    found = findings({"extra_rule_allowlist": entries}, rules=[WINRM_PUBLIC, RDP])
    assert found["FW-03"].outcome is Outcome.COMPLIANT


# ------------------------------------------------------------------------------------ scopes and Group Policy

PUBLIC_OPEN = with_profile(HARDENED_PROFILES, "Public", default_inbound_action="Allow")
WINRM_PUBLIC_LOCAL_SUBNET = rule("WINRM-HTTP-In-TCP", profiles=("Public",), remote_addresses=["LocalSubnet"])


def fw02(params=None, **probe):
    return findings(params, profiles=PUBLIC_OPEN, **probe)["FW-02"]


def test_the_builtin_public_rule_limited_to_the_local_subnet_does_not_cover_a_controller_on_another_subnet():
    off_subnet = {"peers": ["10.9.0.5"], "local_subnets": ["192.168.10.0/24"]}
    found = fw02(rules=[WINRM_DOMAIN_PRIVATE, WINRM_PUBLIC_LOCAL_SUBNET], peers=off_subnet)
    assert found.changes == ()
    assert "no enabled inbound Allow rule covers TCP 5985 from 10.9.0.5" in found.message
    assert "(WINRM-HTTP-In-TCP allows only LocalSubnet)" in found.message


def test_the_same_rule_covers_a_controller_on_the_local_subnet():
    found = fw02(rules=[WINRM_DOMAIN_PRIVATE, WINRM_PUBLIC_LOCAL_SUBNET])
    assert [c.op["profile"] for c in found.changes] == ["Public"]


@pytest.mark.parametrize(
    ("scope", "covers"),
    [
        (["192.168.10.0/24"], True),
        (["192.168.10.0/255.255.255.0"], True),  # the mask form Get-NetFirewallAddressFilter reports
        (["192.168.10.1-192.168.10.9"], True),
        (["192.168.10.5"], True),
        (["10.20.0.0/16"], False),
        (["192.168.10.6-192.168.10.9"], False),
        (["Intranet"], False),  # a keyword the guard cannot evaluate never counts as letting the controller in
        (["10.20.0.0/16", "192.168.10.5"], True),
    ],
)
def test_a_rule_counts_only_when_its_scope_contains_the_controller(scope, covers):
    scoped = rule("Clinic-WinRM", profiles=("Public",), remote_addresses=scope)
    found = fw02(rules=[WINRM_DOMAIN_PRIVATE, scoped])
    assert bool(found.changes) is covers


def test_every_peer_on_the_port_must_be_covered():
    two = {"peers": ["192.168.10.5", "10.9.0.5"], "local_subnets": ["192.168.10.0/24"]}
    found = fw02(rules=[WINRM_DOMAIN_PRIVATE, WINRM_PUBLIC_LOCAL_SUBNET], peers=two)
    assert found.changes == ()
    assert "from 192.168.10.5 and 10.9.0.5" in found.message


def test_without_a_peer_only_rules_open_to_any_count():
    nobody = {"peers": [], "local_subnets": ["192.168.10.0/24"]}
    assert fw02(rules=[WINRM_DOMAIN_PRIVATE, WINRM_PUBLIC_LOCAL_SUBNET], peers=nobody).changes == ()
    assert fw02(rules=[WINRM_DOMAIN_PRIVATE, WINRM_PUBLIC], peers=nobody).changes != ()


def test_a_failed_peers_op_counts_as_no_peer():
    found = FirewallArea({**DEFAULTS}, Connection(user="labadmin", port=PORT)).evaluate(
        {
            **results(profiles=PUBLIC_OPEN, rules=[WINRM_DOMAIN_PRIVATE, WINRM_PUBLIC_LOCAL_SUBNET]),
            "peers": OpResult(ok=False, code="failed", error="Get-NetTCPConnection failed"),
        }
    )
    fw = by_control(found)["FW-02"]
    assert fw.changes == ()
    assert "the host listed no connection to the port" in fw.message


def test_a_block_rule_scoped_away_from_the_controller_does_not_block_it():
    elsewhere = rule("Block-Guest-WiFi", action="Block", program="Any", remote_addresses=["10.99.0.0/16"])
    assert fw02(rules=[WINRM_DOMAIN_PRIVATE, WINRM_PUBLIC, elsewhere]).changes != ()
    unknown = rule("Block-Internet", action="Block", program="Any", remote_addresses=["Internet"])
    assert "Block-Internet on the Public profile" in fw02(rules=[WINRM_DOMAIN_PRIVATE, WINRM_PUBLIC, unknown]).message


def test_opt_in_scopes_the_management_rule_to_the_controller_as_the_host_sees_it():
    covered = fw02({"create_management_rule": True}, rules=[WINRM_DOMAIN_PRIVATE, WINRM_PUBLIC_LOCAL_SUBNET])
    assert [c.op["op"] for c in covered.changes] == ["firewall.set_profile"]  # covered already: no rule needed
    off_subnet = {"peers": ["10.9.0.5"], "local_subnets": ["192.168.10.0/24"]}
    found = fw02({"create_management_rule": True}, rules=[WINRM_DOMAIN_PRIVATE], peers=off_subnet)
    add_rule = found.changes[0]
    assert add_rule.op["remote_addresses"] == ["10.9.0.5"]
    assert add_rule.verify(rule("OnePacs-Management-In-TCP-5985", program="Any", remote_addresses=["10.9.0.5"])) == (
        True,
        True,
    )


def test_opt_in_refuses_a_given_scope_that_leaves_the_controller_out():
    params = {"create_management_rule": True, "management_rule_remote_addresses": ["10.20.0.0/16"]}
    found = fw02(params, rules=[WINRM_DOMAIN_PRIVATE])
    assert found.changes == ()
    assert "management_rule_remote_addresses (10.20.0.0/16) does not contain" in found.message


def test_local_rules_do_not_count_where_group_policy_does_not_merge_them_and_no_local_rule_can_help():
    no_merge = with_profile(PUBLIC_OPEN, "Public", allow_local_firewall_rules=False)
    found = findings({"create_management_rule": True}, profiles=no_merge)["FW-02"]
    assert found.changes == ()
    assert "WINRM-HTTP-In-TCP is a local rule that does not apply on Public" in found.message
    assert "only a Group Policy rule can keep the connection open there" in found.message
    from_policy = rule("GPO-WinRM", profiles=("Public",), policy_store_source_type="GroupPolicy")
    found = findings(profiles=no_merge, rules=[WINRM_DOMAIN_PRIVATE, from_policy])["FW-02"]
    assert [c.op["profile"] for c in found.changes] == ["Public"]


def test_a_host_with_thousands_of_rules_gets_a_short_message_and_the_full_list_in_actual():
    apps = [rule(f"app-{index}", port=str(10000 + index), program=f"C:\\apps\\{index}.exe") for index in range(3000)]
    found = findings(rules=[WINRM_DOMAIN_PRIVATE, WINRM_PUBLIC, CORE_DHCP, ONEPACS, *apps])["FW-03"]
    assert len(found.actual) == 3000
    assert found.message.startswith("3000 enabled inbound Allow rule(s) not on the allow list: app-0: TCP 10000")
    assert "; and 2990 more; audit only" in found.message
    assert len(found.message) < 2000
