"""Profile validation (winlab.sim_schema): the fields the simulator ops read, including the optional ones authors
added later (backup, updates.wu_history, MDM enrollments, lab-only switches), fail to load when wrongly typed, with a
message that names the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from winlab import sim_access, sim_ops_defender, sim_ops_eventlog, sim_ops_secpol, sim_ops_software, sim_ops_system
from winlab import sim_schema as schema
from winlab.simulator import ProfileError, SimulatedHost, list_profiles, load_profile

ENROLLMENT_KEY = "HKLM:\\SOFTWARE\\Microsoft\\Enrollments\\{5B8E1C3A-7D24-4F69-A0B1-C2D3E4F5A6B7}"
POWER_KEY = "HKLM:\\SYSTEM\\CurrentControlSet\\Control\\Power"
SECURITY_LOG_KEY = "HKLM:\\SYSTEM\\CurrentControlSet\\Services\\EventLog\\Security"
UPDATE_ID = "2b9f0c4e-7d51-4a8e-9c36-0e5f1d7a2b84"
#: A host with every section the checks below touch: Wi-Fi, BitLocker volume C:, an Ethernet and a Wi-Fi adapter.
BASE = "win11-24h2-fresh"


def write_profile(directory: Path, data: dict, name: str = "host") -> Path:
    path = directory / f"{name}.json"
    path.write_text(json.dumps({"extends": BASE, **data}), encoding="utf-8")
    return path


def load_problems(directory: Path, data: dict) -> str:
    """The ProfileError message of a profile that must not load."""
    with pytest.raises(ProfileError) as excinfo:
        load_profile(write_profile(directory, data))
    return str(excinfo.value)


def wu_entry(**fields) -> dict:
    return {"Date": "now-1d", "Operation": "Installation", "ResultCode": "Succeeded", "UpdateID": UPDATE_ID, **fields}


BACKUP = {
    "feature_installed": True,
    "LastSuccessfulBackupTime": "now-1d",
    "LastBackupTime": "now-1d",
    "LastBackupResultHR": 0,
    "NumberOfVersions": 3,
}

WRONGLY_TYPED = {
    "wu_history not a list": ({"updates": {"wu_history": {"KB1": {}}}}, "updates.wu_history: expected a list"),
    "wu_history Date not a timestamp": (
        {"updates": {"wu_history": [wu_entry(Date="yesterday")]}},
        "updates.wu_history[0].Date: expected a timestamp",
    ),
    "wu_history Date missing": (
        {"updates": {"wu_history": [{"Title": "no date"}]}},
        "updates.wu_history[0].Date",
    ),
    "wu_history Operation": (
        {"updates": {"wu_history": [wu_entry(Operation="Install")]}},
        "updates.wu_history[0].Operation: expected Installation, Uninstallation, Other, got 'Install'",
    ),
    "wu_history ResultCode": (
        {"updates": {"wu_history": [wu_entry(ResultCode=2)]}},
        "updates.wu_history[0].ResultCode",
    ),
    "wu_history UpdateID": (
        {"updates": {"wu_history": [wu_entry(UpdateID="KB5034441")]}},
        "updates.wu_history[0].UpdateID: expected a GUID",
    ),
    "wu_history Categories": (
        {"updates": {"wu_history": [wu_entry(Categories="Security Updates")]}},
        "updates.wu_history[0].Categories: expected a list of GUIDs",
    ),
    "wu_error": ({"updates": {"wu_error": 2147942405}}, "updates.wu_error"),
    "backup not a map": ({"backup": True}, "section 'backup': expected a map, got True"),
    "backup feature_installed": ({"backup": {**BACKUP, "feature_installed": "yes"}}, "backup.feature_installed"),
    "backup feature_installed missing": ({"backup": {"NumberOfVersions": 1}}, "backup.feature_installed"),
    "backup LastSuccessfulBackupTime": (
        {"backup": {**BACKUP, "LastSuccessfulBackupTime": "last week"}},
        "backup.LastSuccessfulBackupTime: expected a timestamp",
    ),
    "backup LastBackupTime": ({"backup": {**BACKUP, "LastBackupTime": 1}}, "backup.LastBackupTime"),
    "backup LastBackupResultHR": (
        {"backup": {**BACKUP, "LastBackupResultHR": "0x80070070"}},
        "backup.LastBackupResultHR: expected an HRESULT",
    ),
    "backup NumberOfVersions": ({"backup": {**BACKUP, "NumberOfVersions": -1}}, "backup.NumberOfVersions"),
    "Enrollments ProviderID": (
        {"registry": {ENROLLMENT_KEY: {"ProviderID": {"type": "DWord", "data": 1}}}},
        f"registry: {ENROLLMENT_KEY} value 'ProviderID': expected a String value (system.mdm_enrollments reads it)",
    ),
    "Enrollments EnrollmentState": (
        {"registry": {ENROLLMENT_KEY: {"ProviderID": "MS DM Server", "EnrollmentState": "1"}}},
        "value 'EnrollmentState': expected a DWord or QWord value",
    ),
    "HibernateEnabled": ({"registry": {POWER_KEY: {"HibernateEnabled": "0"}}}, "value 'HibernateEnabled'"),
    "event log MaxSize": (
        {"registry": {SECURITY_LOG_KEY: {"MaxSize": {"type": "QWord", "data": 201326592}}}},
        "value 'MaxSize': expected a DWord value (eventlog.get reads it), got QWord",
    ),
    "signature_source_reachable": (
        {"defender": {"signature_source_reachable": "no"}},
        "defender.signature_source_reachable: expected true or false, got 'no'",
    ),
    "AntivirusSignatureLastUpdated": (
        {"defender": {"status": {"AntivirusSignatureLastUpdated": "2024-01-31"}}},
        "defender.status.AntivirusSignatureLastUpdated",
    ),
    "AntivirusSignatureVersion": (
        {"defender": {"status": {"AntivirusSignatureVersion": "latest"}}},
        "defender.status.AntivirusSignatureVersion",
    ),
    "AMRunningMode": ({"defender": {"status": {"AMRunningMode": "Passive"}}}, "defender.status.AMRunningMode"),
    "ScanScheduleDay": ({"defender": {"preferences": {"ScanScheduleDay": 9}}}, "defender.preferences.ScanScheduleDay"),
    "ScanScheduleTime": (
        {"defender": {"preferences": {"ScanScheduleTime": "2am"}}},
        "defender.preferences.ScanScheduleTime",
    ),
    "Removable": (
        {"bitlocker": {"volumes": {"C:": {"Removable": "no"}}}},
        "bitlocker.volumes.C:.Removable: expected true or false",
    ),
    "HardwareTestPending": (
        {"bitlocker": {"volumes": {"C:": {"HardwareTestPending": 1}}}},
        "bitlocker.volumes.C:.HardwareTestPending",
    ),
    "VolumeStatus": (
        {"bitlocker": {"volumes": {"C:": {"VolumeStatus": "FullyEncryted"}}}},
        "bitlocker.volumes.C:.VolumeStatus",
    ),
    "KeyProtectorId": (
        {"bitlocker": {"volumes": {"C:": {"KeyProtector": [{"KeyProtectorType": "Tpm"}]}}}},
        "bitlocker.volumes.C:.KeyProtector[0].KeyProtectorId",
    ),
    "TpmReady": ({"tpm": {"TpmReady": "true"}}, "tpm.TpmReady"),
    "firewall rule Group": (
        {"firewall": {"rules": {"WINRM-HTTP-In-TCP": {"Group": 28752}}}},
        "firewall.rules.WINRM-HTTP-In-TCP.Group: expected a string",
    ),
    "firewall rule RemoteAddress": (
        {"firewall": {"rules": {"WINRM-HTTP-In-TCP": {"RemoteAddress": "LocalSubnet"}}}},
        "firewall.rules.WINRM-HTTP-In-TCP.RemoteAddress",
    ),
    "firewall profile LogAllowed": (
        {"firewall": {"profiles": {"Public": {"LogAllowed": "yes"}}}},
        "firewall.profiles.Public.LogAllowed",
    ),
    "account PasswordNeverExpires": (
        {"accounts": {"users": {"1001": {"PasswordNeverExpires": "no"}}}},
        "accounts.users.1001.PasswordNeverExpires",
    ),
    "account PasswordLastSet": (
        {"accounts": {"users": {"1001": {"PasswordLastSet": 30}}}},
        "accounts.users.1001.PasswordLastSet: expected a timestamp",
    ),
    "account LastLogon": (
        {"accounts": {"users": {"1001": {"LastLogon": "2024-01-31 10:00"}}}},
        "accounts.users.1001.LastLogon",
    ),
    "Privilege Rights not a map": (
        {"secpol": {"Privilege Rights": ["SeNetworkLogonRight"]}},
        "secpol.Privilege Rights: expected a map",
    ),
    "service DelayedAutoStart": (
        {"services": {"WinRM": {"DelayedAutoStart": "yes"}}},
        "services.WinRM.DelayedAutoStart",
    ),
    "IPv4Address PrefixLength": (
        {"network": {"interfaces": {"Ethernet": {"IPv4Address": [{"IPAddress": "10.0.0.5", "PrefixLength": "24"}]}}}},
        "network.interfaces.Ethernet.IPv4Address[0].PrefixLength",
    ),
    "DNSServer": ({"network": {"interfaces": {"Ethernet": {"DNSServer": "10.0.0.1"}}}}, "Ethernet.DNSServer"),
    "wlan interfaces not a map": (
        {"network": {"wlan": {"interfaces": [{"SSID": "clinic"}]}}},
        "network.wlan.interfaces: expected a map",
    ),
    "wlan SSID": ({"network": {"wlan": {"interfaces": {"Wi-Fi": {"SSID": 5}}}}}, "network.wlan.interfaces.Wi-Fi.SSID"),
}


@pytest.mark.parametrize("case", sorted(WRONGLY_TYPED))
def test_a_wrongly_typed_field_fails_to_load_naming_the_field(tmp_path, case):
    patch, expected = WRONGLY_TYPED[case]
    message = load_problems(tmp_path, patch)
    assert "is incomplete" in message
    assert expected in message, message


def test_every_problem_is_listed_in_one_load(tmp_path):
    message = load_problems(
        tmp_path,
        {
            "backup": {"feature_installed": 1},
            "defender": {"signature_source_reachable": "maybe"},
            "updates": {"wu_error": 5},
        },
    )
    for field in ("backup.feature_installed", "defender.signature_source_reachable", "updates.wu_error"):
        assert field in message


def test_correctly_typed_optional_fields_load_and_reach_the_ops(tmp_path):
    path = write_profile(
        tmp_path,
        {
            "backup": BACKUP,
            "updates": {
                "wu_history": [
                    wu_entry(Operation="Other", ResultCode="SucceededWithErrors", Categories=[UPDATE_ID]),
                ],
                "wu_error": None,
            },
            "registry": {
                ENROLLMENT_KEY: {
                    "ProviderID": "MS DM Server",
                    "UPN": "rd02@clinic2.example",
                    "EnrollmentState": {"type": "DWord", "data": 1},
                    "EnrollmentType": {"type": "QWord", "data": 6},
                }
            },
            "defender": {"signature_source_reachable": False},
            "bitlocker": {"volumes": {"C:": {"Removable": False, "HardwareTestPending": True}}},
            "firewall": {"rules": {"WINRM-HTTP-In-TCP": {"Group": "@FirewallAPI.dll,-30267"}}},
            "services": {"WinRM": {"DelayedAutoStart": True}},
        },
    )
    host = SimulatedHost(load_profile(path))
    results = host.execute(
        {
            "v": 1,
            "ops": [
                {"op": "system.backup"},
                {"op": "updates.history"},
                {"op": "system.mdm_enrollments"},
                {"op": "bitlocker.volumes"},
                {"op": "firewall.rules"},
            ],
        }
    )["results"]
    assert all(result["ok"] for result in results), results
    backup, updates, enrollments, volumes, rules = (result["value"] for result in results)
    assert backup["installed"] is True
    assert backup["versions"] == 3
    assert updates["history"][0]["operation"] == "other"
    assert updates["history"][0]["result"] == "succeeded_with_errors"
    assert enrollments["enrollments"][0]["enrollment_type"] == 6
    (volume,) = volumes["volumes"]
    assert volume["hardware_test_pending"] is True
    (winrm,) = [rule for rule in rules["rules"] if rule["name"] == "WINRM-HTTP-In-TCP"]
    assert winrm["group"] == "@FirewallAPI.dll,-30267"


def test_the_enrollments_rule_applies_to_direct_subkeys_only(tmp_path):
    deeper = ENROLLMENT_KEY + "\\FirstSync"
    path = write_profile(tmp_path, {"registry": {deeper: {"EnrollmentState": "not read by the op"}}})
    assert load_profile(path)["registry"][deeper]["EnrollmentState"]["data"] == "not read by the op"


@pytest.mark.parametrize("name", list_profiles())
def test_bundled_profiles_and_their_snapshots_validate_clean(name):
    host = SimulatedHost.from_profile(name)
    assert schema.validate_state(host.snapshot()) == []


def test_validate_state_reports_instead_of_raising_on_malformed_optional_parts():
    state = load_profile(BASE)
    state["secpol"]["Privilege Rights"] = ["SeNetworkLogonRight"]
    state["network"]["wlan"]["interfaces"] = ["Wi-Fi"]
    state["updates"]["wu_history"] = "none"
    state["backup"] = []
    problems = schema.validate_state(state)
    assert len(problems) == 4, problems


def test_the_schema_names_the_same_keys_as_the_ops():
    assert schema.DEFENDER_REALTIME_POLICY_KEY == sim_ops_defender.REALTIME_POLICY_KEY
    assert schema.SAM_KEY == sim_ops_secpol.SAM_KEY
    assert schema.ENROLLMENTS_KEY == sim_ops_system.ENROLLMENTS_KEY
    assert schema.CLASSIC_EVENT_LOGS_KEY == sim_ops_eventlog.CLASSIC_LOGS_KEY
    assert schema.EVENT_CHANNELS_KEY == sim_ops_eventlog.CHANNELS_KEY
    assert schema.UNINSTALL_KEY == sim_ops_software.UNINSTALL_64
    assert schema.UNINSTALL_32_ON_64_KEY == sim_ops_software.UNINSTALL_32_ON_64
    assert schema.UAC_POLICY_KEY == sim_access._UAC_KEY
