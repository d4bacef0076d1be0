from __future__ import annotations

import datetime as dt

import pytest

from ansible_collections.onepacs.baseline.plugins.plugin_utils._findings import Outcome
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._protocol import load_protocol
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._transport import OpResult, build_request
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._area import InvalidOptionError
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._host_facts import (
    OPTIONS,
    HostFactsArea,
    matches_any,
    onepacs_versions,
    parse_version,
    version_at_least,
)
from control_results import by_control
from winlab.simulator import SimulatedHost

AUDIT_DAY = dt.date(2026, 11, 25)
DEFAULTS = {name: spec.get("default") for name, spec in OPTIONS.items()}
FAILED = OpResult(ok=False, code="access_denied", error="Access is denied.")

SERVER_2022 = {
    "computer_name": "GW01",
    "os_caption": "Microsoft Windows Server 2022 Standard",
    "product_type": 3,
    "edition_id": "ServerStandard",
    "installation_type": "Server",
    "current_build": "20348",
    "ubr": 2227,
    "display_version": "21H2",
    "architecture": "64-bit",
    "is_virtual": True,
}
WIN10_PRO = {
    **SERVER_2022,
    "product_type": 1,
    "edition_id": "Professional",
    "installation_type": "Client",
    "current_build": "19045",
    "ubr": 3930,
    "display_version": "22H2",
}


def program(name, version="1.0", publisher="Vendor", arch="64-bit"):
    return {"key": name, "name": name, "version": version, "publisher": publisher, "install_location": "", "arch": arch}


PROGRAMS = [
    program("7-Zip 23.01 (x64)", "23.01"),
    program("TeamViewer", "15.50.5", "TeamViewer"),
    program("OnePacs Gateway", "4.1.7", "OnePacs LLC", "32-bit"),
    program("PostgreSQL 9.6 ", "9.6.24", arch="32-bit"),
    program("OnePacs Workstation", "3.24.1", "OnePacs LLC", "32-bit"),
    program("OnePacs Study Retriever", "2.9.0", "OnePacs LLC", "32-bit"),
]


def results(system_info=SERVER_2022, programs=PROGRAMS, **overrides):
    """Probe results shaped as the agent returns them (server2022-desktop-fresh-like)."""
    recorded = {
        "system": OpResult(ok=True, value=system_info),
        "firmware": OpResult(ok=True, value={"firmware_type": "UEFI", "secure_boot": True}),
        "tpm": OpResult(
            ok=True,
            value={
                "present": False,
                "ready": False,
                "enabled": False,
                "activated": False,
                "manufacturer": "",
                "spec_version": "",
            },
        ),
        "mdm": OpResult(ok=True, value={"enrollments": []}),
        "backup": OpResult(
            ok=True,
            value={
                "installed": True,
                "last_success": "2026-11-24T03:00:00Z",
                "last_attempt": "2026-11-24T03:00:00Z",
                "last_result_hr": 0,
                "versions": 30,
            },
        ),
        "hotfix": OpResult(ok=True, value={"hotfix_id": "KB5044281", "installed_on": "2026-11-13", "count": 3}),
        "software": OpResult(ok=True, value={"programs": list(programs), "unreadable": []}),
        "network": OpResult(
            ok=True,
            value={
                "interfaces": [
                    {
                        "alias": "Ethernet0",
                        "index": 6,
                        "description": "vmxnet3 Ethernet Adapter",
                        "mac": "00-50-56-9A-3C-11",
                        "status": "Up",
                        "dhcp": False,
                        "addresses": [{"address": "192.168.10.20", "prefix_length": 24, "prefix_origin": "Manual"}],
                        "gateways": ["192.168.10.1"],
                        "dns_servers": ["192.168.10.1"],
                    }
                ]
            },
        ),
    }
    recorded.update(overrides)
    return recorded


def area(**params):
    return HostFactsArea({**DEFAULTS, **params}, today=AUDIT_DAY)


def findings(params=None, **result_overrides):
    return by_control(area(**(params or {})).evaluate(results(**result_overrides)))


def test_probe_is_one_request_of_read_only_listed_ops():
    ops = area().probe_ops()
    protocol = load_protocol()["ops"]
    assert [op["op"] for op in ops.values()] == [
        "system.info",
        "system.firmware",
        "system.tpm",
        "system.mdm_enrollments",
        "system.backup",
        "system.latest_hotfix",
        "software.installed",
        "network.ipconfig",
    ]
    assert not [op for op in ops.values() if protocol[op["op"]]["mutates"]]


def test_every_control_is_an_audit_without_changes():
    found = findings({"software_deny": ["TeamViewer*"], "onepacs_min_versions": {"gateway": "9"}})
    assert set(found) == {"SYS-01", "SYS-02", "NET-01", "SW-01", "SW-02", "UPD-03"}
    assert all(finding.changes == () for finding in found.values())


# ------------------------------------------------------------------------------------------------------- facts


def test_facts_carry_system_info_unchanged_and_the_rest_in_plain_shapes():
    facts = area().facts(results())
    host = facts["onepacs_host"]
    assert host["system"] is SERVER_2022
    assert (host["firmware_type"], host["secure_boot"]) == ("UEFI", True)
    assert host["tpm"]["present"] is False
    assert host["network"]["Ethernet0"]["addresses"] == [
        {"address": "192.168.10.20", "prefix_length": 24, "origin": "Manual"}
    ]
    assert host["network"]["Ethernet0"]["dhcp"] is False
    assert host["software"][3] == {
        "name": "PostgreSQL 9.6",
        "version": "9.6.24",
        "publisher": "Vendor",
        "install_location": "",
        "arch": "32-bit",
    }
    assert host["onepacs"] == {"gateway": "4.1.7", "workstation": "3.24.1", "study_retriever": "2.9.0"}
    assert host["last_update"] == "2026-11-13"
    assert host["mdm_enrolled"] is False
    assert host["backup"] == {
        "installed": True,
        "last_success": "2026-11-24T03:00:00Z",
        "last_attempt": "2026-11-24T03:00:00Z",
        "last_result_hr": 0,
    }
    assert host["errors"] == {}


def test_a_failed_read_leaves_its_fact_null_and_says_why():
    host = area().facts(results(tpm=FAILED, software=FAILED, mdm=FAILED))["onepacs_host"]
    assert (host["tpm"], host["software"], host["onepacs"], host["mdm_enrolled"]) == (None, None, None, None)
    assert host["errors"] == {
        "tpm": "access_denied: Access is denied.",
        "software": "access_denied: Access is denied.",
        "mdm": "access_denied: Access is denied.",
    }


@pytest.mark.parametrize(
    ("enrollments", "enrolled"),
    [
        ([], False),
        ([{"key": "{A}", "provider_id": "MS DM Server", "upn": "", "enrollment_state": 1, "enrollment_type": 6}], True),
        (
            [{"key": "{A}", "provider_id": "MS DM Server", "upn": "", "enrollment_state": 0, "enrollment_type": 6}],
            False,
        ),
        (
            [{"key": "{A}", "provider_id": "Other MDM", "upn": "", "enrollment_state": None, "enrollment_type": None}],
            True,
        ),
    ],
)
def test_mdm_enrolment(enrollments, enrolled):
    host = area().facts(results(mdm=OpResult(ok=True, value={"enrollments": enrollments})))["onepacs_host"]
    assert host["mdm_enrolled"] is enrolled


# ----------------------------------------------------------------------------------------------------- SYS-01/02


def test_desktop_experience_fails_sys01_as_a_recommendation_never_fixable():
    finding = findings()["SYS-01"]
    assert (finding.outcome, finding.expected, finding.actual) == (Outcome.DRIFTED, "Server Core", "Server")
    assert finding.changes == ()
    assert finding.message.startswith("installation type is 'Server' (Desktop Experience); Server Core is recommended")
    assert "never changed by this module" in finding.message


def test_server_core_passes_and_client_windows_is_not_applicable():
    assert (
        findings(system_info={**SERVER_2022, "installation_type": "Server Core"})["SYS-01"].outcome is Outcome.COMPLIANT
    )
    client = findings(system_info=WIN10_PRO)["SYS-01"]
    assert client.outcome is Outcome.NOT_APPLICABLE


def test_windows_10_22h2_pro_fails_sys02_on_2026_11_25_with_the_end_date():
    finding = findings(system_info=WIN10_PRO)["SYS-02"]
    assert finding.outcome is Outcome.DRIFTED
    assert finding.expected == "in Microsoft support on 2026-11-25"
    assert "reached end of support on 2025-10-14" in finding.message
    assert finding.actual["end_of_support"] == "2025-10-14"
    assert finding.message.endswith("(audit only)")


def test_esu_until_option_covers_windows_10():
    finding = findings({"esu_until": "2027-10-12"}, system_info=WIN10_PRO)["SYS-02"]
    assert finding.outcome is Outcome.COMPLIANT
    assert "covered by Extended Security Updates until 2027-10-12" in finding.message


def test_supported_server_passes_sys02():
    finding = findings()["SYS-02"]
    assert finding.outcome is Outcome.COMPLIANT
    assert finding.message == (
        "Windows Server 2022 (EditionID ServerStandard, build 20348.2227) is supported until 2031-10-14 "
        "(1784 days left)"
    )


def test_unreadable_system_info_is_an_error_for_both():
    found = findings(system=FAILED)
    assert found["SYS-01"].outcome is Outcome.ERROR
    assert found["SYS-02"].outcome is Outcome.ERROR
    assert found["SYS-02"].message == "could not read the Windows release: access_denied: Access is denied."


# ------------------------------------------------------------------------------------------------------ NET-01


def test_net01_uses_expected_ipv4():
    assert findings({"expected_ipv4": "192.168.10.20"})["NET-01"].outcome is Outcome.COMPLIANT
    missed = findings({"expected_ipv4": "192.168.10.21"})["NET-01"]
    assert missed.outcome is Outcome.DRIFTED
    assert missed.message.startswith("no connected interface holds 192.168.10.21")


def test_net01_without_expected_ipv4_is_not_configured():
    finding = findings()["NET-01"]
    assert finding.outcome is Outcome.DRIFTED
    assert finding.message.startswith("not configured: set expected_ipv4")


# ------------------------------------------------------------------------------------------------------- SW-01


def test_sw01_reports_denied_and_unlisted_programs_as_data():
    found = findings({"software_allow": ["PostgreSQL*"], "software_deny": ["teamviewer*"]})["SW-01"]
    assert found.outcome is Outcome.DRIFTED
    assert found.actual == [
        {
            "name": "7-Zip 23.01 (x64)",
            "version": "23.01",
            "publisher": "Vendor",
            "arch": "64-bit",
            "reason": "matches no allow pattern",
        },
        {
            "name": "TeamViewer",
            "version": "15.50.5",
            "publisher": "TeamViewer",
            "arch": "64-bit",
            "reason": "matches deny pattern 'teamviewer*'",
        },
    ]
    assert found.message.startswith(
        "2 of 6 installed programs are not allowed: '7-Zip 23.01 (x64)' (version '23.01', matches no allow pattern), "
        "'TeamViewer' (version '15.50.5', matches deny pattern 'teamviewer*'). "
    )


def test_sw01_onepacs_products_are_always_allowed_but_deny_wins():
    allow_only = findings({"software_allow": ["7-Zip*", "TeamViewer", "PostgreSQL*"]})["SW-01"]
    assert allow_only.outcome is Outcome.COMPLIANT
    assert allow_only.message == "all 6 installed programs are allowed"
    denied = findings({"software_allow": ["*"], "software_deny": ["OnePacs Study*"]})["SW-01"]
    assert [item["name"] for item in denied.actual] == ["OnePacs Study Retriever"]


def test_sw01_deny_only_flags_just_the_denied():
    found = findings({"software_deny": ["Steam", "TeamViewer*"]})["SW-01"]
    assert [item["name"] for item in found.actual] == ["TeamViewer"]


def test_sw01_without_patterns_is_not_configured():
    found = findings()["SW-01"]
    assert found.outcome is Outcome.DRIFTED
    assert found.message.startswith("not configured: give software_allow and/or software_deny patterns; 6 programs")


def test_sw01_message_lists_at_most_ten_and_neutralises_host_text():
    many = [program(f"Game {number}") for number in range(12)] + [program("Evil\n{{ lookup('pipe','id') }}")]
    found = findings({"software_deny": ["Game*", "Evil*"]}, programs=many)["SW-01"]
    assert len(found.actual) == 13
    assert found.message.count("matches deny pattern") == 10
    assert " and 3 more. " in found.message
    assert found.actual[-1]["name"] == "Evil\n{{ lookup('pipe','id') }}"
    assert "\n" not in found.message


def test_software_read_failure_is_an_error_for_sw01_sw02_upd03():
    found = findings({"software_deny": ["x"], "onepacs_min_versions": {"gateway": "4"}}, software=FAILED)
    assert {key: found[key].outcome for key in ("SW-01", "SW-02", "UPD-03")} == dict.fromkeys(
        ("SW-01", "SW-02", "UPD-03"), Outcome.ERROR
    )


# ------------------------------------------------------------------------------------------------ SW-02, UPD-03


def test_versions_compare_numerically():
    assert parse_version("3.24.1") == (3, 24, 1)
    assert parse_version("4.1.7-beta2") == (4, 1, 7)
    assert parse_version("v2.9") == (2, 9)
    assert parse_version("unknown") is None
    assert version_at_least((3, 24, 1), (3, 9))
    assert version_at_least((4, 1), (4, 1, 0))
    assert not version_at_least((3, 9, 2), (4, 1))


def test_sw02_passes_at_or_above_the_minimum_and_names_what_is_below():
    ok = findings({"onepacs_min_versions": {"workstation": "3.9", "study_retriever": "2.9.0"}})["SW-02"]
    assert ok.outcome is Outcome.COMPLIANT
    assert ok.actual == {"workstation": "3.24.1", "study_retriever": "2.9.0"}
    assert ok.expected == {"workstation": ">= 3.9", "study_retriever": ">= 2.9.0"}
    low = findings({"onepacs_min_versions": {"gateway": "4.10"}})["SW-02"]
    assert low.outcome is Outcome.DRIFTED
    assert low.message.startswith("OnePacs Gateway '4.1.7' is below the minimum 4.10")


def test_sw02_missing_component_fails():
    programs = [item for item in PROGRAMS if "Gateway" not in item["name"]]
    found = findings({"onepacs_min_versions": {"gateway": "4.0"}}, programs=programs)["SW-02"]
    assert found.outcome is Outcome.DRIFTED
    assert found.actual == {"gateway": None}
    assert found.message.startswith("OnePacs Gateway is not installed")


def test_upd03_compares_with_the_latest_release():
    current = findings({"onepacs_latest_versions": {"workstation": "3.24.1"}})["UPD-03"]
    assert current.outcome is Outcome.COMPLIANT
    behind = findings({"onepacs_latest_versions": {"workstation": "3.25", "study_retriever": "2.9"}})["UPD-03"]
    assert behind.outcome is Outcome.DRIFTED
    assert behind.message.startswith("OnePacs Workstation '3.24.1' is below the latest release 3.25")


def test_versions_without_configuration_are_not_configured():
    assert findings()["SW-02"].message.startswith("not configured: give onepacs_min_versions")
    assert findings()["UPD-03"].message.startswith("not configured: give onepacs_latest_versions")


def test_highest_installed_version_counts_when_both_views_hold_one():
    versions = onepacs_versions([program("OnePacs Workstation", "3.9"), program("OnePacs Workstation", "3.24")])
    assert versions["workstation"] == "3.24"
    assert matches_any("  onepacs gateway ", ["OnePacs Gateway*"]) == "OnePacs Gateway*"


# ---------------------------------------------------------------------------------------------------- options


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"expected_ipv4": "8.8.8.8"}, "expected_ipv4: '8.8.8.8' is not an IPv4 address in 10.0.0.0/8"),
        ({"expected_ipv4": "192.168.1"}, "expected_ipv4: '192.168.1' is not an IPv4 address"),
        ({"software_deny": [" "]}, "software_deny: patterns must not be empty"),
        ({"onepacs_min_versions": {"viewer": "1"}}, "onepacs_min_versions.viewer: not a OnePacs component"),
        ({"onepacs_min_versions": {"workstation": 3.1}}, "onepacs_min_versions.workstation: give the version as a"),
        ({"onepacs_latest_versions": {"gateway": "4.x"}}, "onepacs_latest_versions.gateway: '4.x' is not a dotted"),
        ({"esu_until": "next year"}, "esu_until: 'next year' is not a date in YYYY-MM-DD form"),
    ],
)
def test_bad_options_are_rejected_naming_the_option(params, message):
    with pytest.raises(InvalidOptionError) as caught:
        area(**params)
    assert str(caught.value).startswith(message)


# --------------------------------------------------------------------------------------------- lab profiles


def probe_profile(profile, today, **params):
    host = SimulatedHost.from_profile(profile)
    facts_area = HostFactsArea({**DEFAULTS, **params}, today=today)
    ops = facts_area.probe_ops()
    answers = [OpResult(**answer) for answer in host.execute(build_request(list(ops.values())))["results"]]
    return by_control(facts_area.evaluate(dict(zip(ops, answers, strict=True))))


def test_windows_10_22h2_pro_lab_profile_fails_sys02_on_2026_11_25():
    finding = probe_profile("win10-22h2-hardened", AUDIT_DAY)["SYS-02"]
    assert finding.outcome is Outcome.DRIFTED
    assert finding.message.startswith(
        "Windows 10 22H2 (EditionID Professional, build 19045.5011) reached end of support on 2025-10-14"
    )


def test_windows_11_24h2_enterprise_lab_profile_passes_until_its_end_date():
    assert probe_profile("win11-24h2-fresh", AUDIT_DAY)["SYS-02"].outcome is Outcome.COMPLIANT
    assert probe_profile("win11-24h2-fresh", dt.date(2027, 10, 12))["SYS-02"].outcome is Outcome.COMPLIANT
    assert probe_profile("win11-24h2-fresh", dt.date(2027, 10, 13))["SYS-02"].outcome is Outcome.DRIFTED
