"""The simulated Windows host: profiles, the op contract with protocol.yml, Windows semantics of each op, and the
admits() lockout oracle."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._protocol import load_protocol
from sim_requests import assert_error, run_one, value_of
from winlab.sim_profiles import PROFILE_DIR, merge_layers
from winlab.sim_schema import REQUIRED_SECTIONS
from winlab.simulator import OPS, ProfileError, SimulatedHost, list_profiles, load_profile

PROTOCOL = load_protocol()

REQUIRED_PROFILES = {
    "server2022-desktop-fresh",
    "server2022-desktop-hardened",
    "server2022-core-fresh",
    "server2022-core-hardened",
    "server2019-fresh",
    "server2019-hardened",
    "win10-22h2-fresh",
    "win10-22h2-hardened",
    "win11-24h2-fresh",
    "win11-24h2-hardened",
}
HARDENED = sorted(name for name in REQUIRED_PROFILES if name.endswith("-hardened"))

BALANCED = "381b4222-f694-41f0-9685-ff5bb260df2e"
HIGH_PERFORMANCE = "8c5e7fda-e8bf-4a96-9a85-a6e23a8c635c"
SUB_SLEEP = "238c9fa8-0aad-41ed-83f4-97be242c8f20"
STANDBYIDLE = "29f6c1db-86da-48c5-9fdb-f2b67b1f44da"
SUB_VIDEO = "7516b95f-f776-4464-8c53-06167f40cc99"
VIDEOIDLE = "3c0bc021-c8a8-4e07-a973-6b14cbcb2b7e"
UNKNOWN_GUID = "11111111-2222-3333-4444-555555555555"

POWER_KEY = "HKLM:\\SYSTEM\\CurrentControlSet\\Control\\Power"
HIBERBOOT_KEY = "HKLM:\\SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Power"
CURRENT_VERSION = "HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion"
UAC_KEY = "HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System"
TEST_KEY = "HKLM:\\SOFTWARE\\OnePacsLab\\Test"


def reg_get(host: SimulatedHost, path: str, name: str) -> dict:
    return value_of(host, {"op": "registry.get", "path": path, "name": name})


def reg_set(host: SimulatedHost, path: str, name: str, kind: str, data) -> dict:
    return run_one(host, {"op": "registry.set", "path": path, "name": name, "type": kind, "data": data})


@pytest.fixture
def client() -> SimulatedHost:
    return SimulatedHost.from_profile("win10-22h2-fresh")


def write_profile(directory: Path, name: str, data: dict) -> Path:
    path = directory / f"{name}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------------------------- bundled profiles


def test_every_required_profile_is_bundled_and_building_blocks_are_not_listed():
    names = list_profiles()
    assert set(names) >= REQUIRED_PROFILES
    assert not [name for name in names if name.startswith("_")]
    assert names == sorted(names)


@pytest.mark.parametrize("name", list_profiles())
def test_bundled_profile_loads_complete_and_reachable_by_the_lab_account(name):
    state = load_profile(name)
    assert set(REQUIRED_SECTIONS) <= set(state)
    assert state["profile"]["name"] == name
    assert state["profile"]["description"]
    host = SimulatedHost(state, name=name)
    info = value_of(host, {"op": "system.info"})
    assert all((info["edition_id"], info["installation_type"], info["current_build"], info["ubr"]))
    assert info["machine_sid"] == state["accounts"]["machine_sid"]
    assert host.admits("labadmin", 5985) == (True, "admitted")
    assert host.admits("labadmin", 5986) == (True, "admitted")
    users = state["accounts"]["users"]
    assert users["1001"]["Name"] == "labadmin"
    assert users["1001"]["Enabled"] is True
    assert users["500"]["Name"] == "Administrator"
    admins = state["accounts"]["groups"]["S-1-5-32-544"]["Members"]
    assert f"{state['accounts']['machine_sid']}-1001" in admins
    rules = state["firewall"]["rules"]
    assert rules["WINRM-HTTP-In-TCP"]["LocalPort"] == ["5985"]
    assert rules["WINRM-HTTPS-In-TCP"]["LocalPort"] == ["5986"]
    assert any(rule_name.startswith("CoreNet-") for rule_name in rules)
    json.dumps(state)  # the live state must stay JSON-serialisable


@pytest.mark.parametrize(
    ("name", "build", "edition", "installation_type", "product_type"),
    [
        ("server2022-desktop-fresh", "20348", "ServerStandard", "Server", 3),
        ("server2022-core-fresh", "20348", "ServerDatacenter", "Server Core", 3),
        ("server2019-fresh", "17763", "ServerStandard", "Server", 3),
        ("win10-22h2-fresh", "19045", "Professional", "Client", 1),
        ("win11-24h2-fresh", "26100", "Enterprise", "Client", 1),
    ],
)
def test_profiles_carry_real_release_facts(name, build, edition, installation_type, product_type):
    info = value_of(SimulatedHost.from_profile(name), {"op": "system.info"})
    assert (info["current_build"], info["edition_id"], info["installation_type"], info["product_type"]) == (
        build,
        edition,
        installation_type,
        product_type,
    )


def test_server_2019_has_no_display_version_so_release_id_is_reported():
    host = SimulatedHost.from_profile("server2019-fresh")
    assert reg_get(host, CURRENT_VERSION, "DisplayVersion")["exists"] is False
    assert value_of(host, {"op": "system.info"})["display_version"] == "1809"


@pytest.mark.parametrize("name", HARDENED)
def test_hardened_profiles_meet_the_power_and_core_baseline(name):
    host = SimulatedHost.from_profile(name)
    power = value_of(host, {"op": "power.query", "settings": [{"subgroup": SUB_SLEEP, "setting": STANDBYIDLE}]})
    assert power["values"][0]["ac"] == 0
    assert power["hibernate_enabled"] is False
    assert reg_get(host, HIBERBOOT_KEY, "HiberbootEnabled")["data"] == 0
    state = host.state
    assert state["accounts"]["users"]["501"]["Enabled"] is False
    for profile in state["firewall"]["profiles"].values():
        assert (profile["Enabled"], profile["DefaultInboundAction"], profile["LogBlocked"]) == (True, "Block", True)
        assert profile["LogMaxSizeKilobytes"] >= 16384
    access = state["secpol"]["System Access"]
    assert access["MinimumPasswordLength"] >= 14
    assert access["PasswordHistorySize"] >= 24
    assert reg_get(host, "HKLM:\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters", "SMB1")["data"] == 0


def test_fresh_profiles_drift_the_way_real_hosts_do():
    desktop = SimulatedHost.from_profile("server2022-desktop-fresh")
    power = value_of(desktop, {"op": "power.query", "settings": [{"subgroup": SUB_SLEEP, "setting": STANDBYIDLE}]})
    assert power["scheme"] == BALANCED
    assert power["values"][0]["ac"] == 3600
    assert power["hibernate_enabled"] is True
    client = SimulatedHost.from_profile("win10-22h2-fresh")
    power = value_of(client, {"op": "power.query", "settings": [{"subgroup": SUB_SLEEP, "setting": STANDBYIDLE}]})
    assert (power["values"][0]["ac"], power["hibernate_enabled"]) == (1800, True)
    assert reg_get(client, HIBERBOOT_KEY, "HiberbootEnabled")["data"] == 1
    assert client.state["accounts"]["users"]["501"]["Enabled"] is True


def test_lab_has_a_physical_server_and_a_32_bit_host():
    physical = [
        name for name in list_profiles() if name.startswith("server") and not load_profile(name)["system"]["is_virtual"]
    ]
    assert physical
    x86 = SimulatedHost.from_profile("win10-22h2-x86-fresh")
    assert value_of(x86, {"op": "system.info"})["architecture"] == "32-bit"
    assert not [key for key in x86.state["registry"] if "WOW6432NODE" in key.upper()]
    postgres = reg_get(x86, "HKLM:\\SOFTWARE\\PostgreSQL\\Installations\\postgresql-9.6", "Base Directory")
    assert postgres["data"] == "C:\\Program Files\\PostgreSQL\\9.6"


def test_relative_timestamps_resolve_against_now():
    now = datetime(2030, 6, 15, 12, 0, tzinfo=UTC)
    state = load_profile("server2022-core-fresh", now=now)
    assert state["accounts"]["users"]["1001"]["LastLogon"] == "2030-06-15T12:00:00Z"
    installed = datetime.strptime(state["updates"]["history"]["KB5033118"]["InstalledOn"], "%Y-%m-%dT%H:%M:%SZ")
    assert now.replace(tzinfo=None) - installed == timedelta(days=180)


# --------------------------------------------------------------------------------------- extends and file profiles


def test_profile_from_an_arbitrary_path_with_an_extends_chain(tmp_path):
    write_profile(
        tmp_path,
        "clinic-base",
        {
            "extends": "server2022-core-fresh",
            "description": "clinic base",
            "registry": {
                "hklm:\\software\\microsoft\\windows nt\\currentversion": {"UBR": {"type": "DWord", "data": 9999}},
                "HKLM:\\SOFTWARE\\WOW6432Node\\PostgreSQL": None,
                "HKLM:\\SYSTEM\\CurrentControlSet\\Control\\Power": {"HibernateEnabled": None},
            },
            "services": {"Spooler": None, "Custom": {"DisplayName": "Custom", "StartMode": "Auto", "State": "Running"}},
        },
    )
    leaf = write_profile(
        tmp_path,
        "clinic-leaf",
        {
            "extends": "./clinic-base.json",
            "description": "leaf",
            "powershell": {"language_mode": "ConstrainedLanguage"},
            "defender": {"preferences": {"ExclusionPath": ["D:\\dicom"]}},
        },
    )
    for reference in (leaf, str(leaf)):
        state = load_profile(reference)
        assert state["profile"]["lineage"][-3:] == ["server2022-core-fresh", "clinic-base", "clinic-leaf"]
        assert state["profile"]["description"] == "leaf"
    host = SimulatedHost(state)
    assert host.language_mode == "ConstrainedLanguage"
    assert value_of(host, {"op": "system.info"})["ubr"] == 9999
    # the case-insensitive overlay replaced the value instead of adding a second CurrentVersion key
    assert len([key for key in state["registry"] if key.upper() == CURRENT_VERSION.upper()]) == 1
    assert not [key for key in state["registry"] if key.upper().startswith("HKLM:\\SOFTWARE\\WOW6432NODE\\POSTGRESQL")]
    assert reg_get(host, POWER_KEY, "HibernateEnabled")["exists"] is False
    assert "Spooler" not in state["services"]
    assert state["services"]["WinRM"]["State"] == "Running"
    assert state["defender"]["preferences"]["ExclusionPath"] == ["D:\\dicom"]
    assert state["defender"]["preferences"]["ScanScheduleDay"] == 0


def test_a_snapshot_written_to_a_file_loads_back_as_the_same_host(tmp_path):
    host = SimulatedHost.from_profile("server2019-hardened", name="gw3")
    reg_set(host, TEST_KEY, "Marker", "QWord", 2**40)
    saved = tmp_path / "gw3.json"
    saved.write_text(json.dumps(host.snapshot()), encoding="utf-8")
    assert load_profile(saved) == host.snapshot()
    assert load_profile(saved)["profile"]["name"] == "server2019-hardened"


def test_extends_cycle_is_reported(tmp_path):
    write_profile(tmp_path, "a", {"extends": "./b.json"})
    write_profile(tmp_path, "b", {"extends": "./a.json"})
    with pytest.raises(ProfileError, match="cycle"):
        load_profile(tmp_path / "a.json")


def test_profile_errors_name_the_problem(tmp_path):
    with pytest.raises(ProfileError, match="no bundled profile"):
        load_profile("server1999")
    with pytest.raises(ProfileError, match="does not exist"):
        load_profile(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(ProfileError, match="not valid JSON"):
        load_profile(broken)
    incomplete = write_profile(
        tmp_path, "incomplete", {"extends": "win11-24h2-fresh", "accounts": {"users": {"501": None}}, "tpm": None}
    )
    with pytest.raises(ProfileError) as excinfo:
        load_profile(incomplete)
    assert "RID 501" in str(excinfo.value)
    assert "section 'tpm'" in str(excinfo.value)
    bad_value = write_profile(
        tmp_path,
        "bad-value",
        {"extends": "win11-24h2-fresh", "registry": {TEST_KEY: {"X": {"type": "DWord", "data": 2**40}}}},
    )
    with pytest.raises(ProfileError, match="does not fit a DWord"):
        load_profile(bad_value)


def test_is_virtual_must_agree_with_what_the_agent_would_detect(tmp_path):
    physical_vmware = write_profile(
        tmp_path, "odd", {"extends": "server2022-desktop-fresh", "system": {"is_virtual": False}}
    )
    with pytest.raises(ProfileError, match="is_virtual"):
        load_profile(physical_vmware)
    bare_metal = write_profile(
        tmp_path,
        "metal",
        {
            "extends": "server2022-desktop-fresh",
            "system": {"is_virtual": False, "manufacturer": "HPE", "model": "ProLiant DL20 Gen10"},
        },
    )
    assert load_profile(bare_metal)["system"]["is_virtual"] is False


WINLOGON_KEY = "HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon"


def test_a_null_in_a_building_block_deletes_what_an_earlier_parent_set(tmp_path):
    write_profile(
        tmp_path,
        "_no-autologon",
        {
            "description": "building block",
            "registry": {WINLOGON_KEY: {"DefaultPassword": None, "AutoAdminLogon": "0"}},
            "services": {"Steam Client Service": None},
        },
    )
    # a block reached through another block, as _hardened-workstation reaches _hardened-common
    write_profile(tmp_path, "_workstation", {"extends": "./_no-autologon.json", "description": "building block"})
    host = write_profile(tmp_path, "rd09", {"extends": ["win10-22h2-fresh", "./_workstation.json"]})
    fresh = load_profile("win10-22h2-fresh")
    assert "DefaultPassword" in fresh["registry"][WINLOGON_KEY]
    assert "Steam Client Service" in fresh["services"]
    state = load_profile(host)
    assert "DefaultPassword" not in state["registry"][WINLOGON_KEY]
    assert state["registry"][WINLOGON_KEY]["AutoAdminLogon"]["data"] == "0"
    assert "Steam Client Service" not in state["services"]
    assert state["profile"]["lineage"][-3:] == ["_no-autologon", "_workstation", "rd09"]
    assert state["profile"]["description"] == ""


@pytest.mark.parametrize("name", HARDENED)
def test_hardened_common_deletes_the_stored_autologon_password_in_every_profile_extending_it(name):
    state = load_profile(name)
    assert "_hardened-common" in state["profile"]["lineage"]
    assert "DefaultPassword" not in state["registry"].get(WINLOGON_KEY, {})
    own_file = json.loads((PROFILE_DIR / f"{name}.json").read_text(encoding="utf-8"))
    assert "DefaultPassword" not in json.dumps(own_file), "the null in _hardened-common is enough"


def test_a_shared_ancestor_is_applied_once_so_a_later_parent_does_not_undo_an_earlier_one(tmp_path):
    write_profile(
        tmp_path, "_base", {"services": {"Custom": {"DisplayName": "C", "StartMode": "Auto", "State": "Running"}}}
    )
    write_profile(tmp_path, "_stops", {"extends": "./_base.json", "services": {"Custom": {"State": "Stopped"}}})
    write_profile(tmp_path, "_disables", {"extends": "./_base.json", "services": {"Custom": {"StartMode": "Disabled"}}})
    host = write_profile(tmp_path, "both", {"extends": ["server2022-core-fresh", "./_stops.json", "./_disables.json"]})
    state = load_profile(host)
    assert state["services"]["Custom"] == {"DisplayName": "C", "StartMode": "Disabled", "State": "Stopped"}
    assert state["profile"]["lineage"][-4:] == ["_base", "_stops", "_disables", "both"]


def test_merge_layers_is_a_merge_patch_that_leaves_inputs_alone():
    base = {"a": {"x": 1, "y": [1, 2]}, "b": 1, "c": {"keep": True}}
    overlay = {"a": {"y": [3], "z": {"n": None, "m": 1}}, "b": None, "d": 4}
    merged = merge_layers(base, overlay)
    assert merged == {"a": {"x": 1, "y": [3], "z": {"m": 1}}, "c": {"keep": True}, "d": 4}
    assert base == {"a": {"x": 1, "y": [1, 2]}, "b": 1, "c": {"keep": True}}


# ------------------------------------------------------------------------------------------ the protocol contract


def test_every_protocol_op_is_in_the_dispatch_table_and_nothing_else():
    assert set(OPS) == set(PROTOCOL["ops"])


@pytest.mark.parametrize("name", sorted(PROTOCOL["ops"]))
def test_op_arguments_match_protocol_yml(name):
    declared = PROTOCOL["ops"][name]
    op = OPS[name]
    assert op.mutates == declared["mutates"]
    expected = {
        arg: (spec["type"], spec.get("required", True), tuple(spec["choices"]) if "choices" in spec else None)
        for arg, spec in (declared.get("args") or {}).items()
    }
    actual = {arg: (spec.type, spec.required, spec.choices) for arg, spec in op.args.items()}
    assert actual == expected


def test_a_request_that_is_not_an_object_raises(server):
    with pytest.raises(ValueError, match="JSON object"):
        server.execute([{"op": "system.info"}])


@pytest.mark.parametrize("request_", [{}, {"v": 1}, {"v": 1, "ops": {"op": "system.info"}}])
def test_a_request_without_an_ops_list_gets_a_response_level_error(server, request_):
    response = server.execute(request_)
    assert response["results"] == []
    assert response["code"] == "invalid_argument"
    assert '"ops"' in response["error"]


@pytest.mark.parametrize("version", [None, 2, "1", True])
def test_a_request_of_another_version_fails_every_op(server, version):
    request = {"ops": [{"op": "system.info"}, {"op": "power.query", "settings": []}]}
    if version is not None:
        request["v"] = version
    results = server.execute(request)["results"]
    assert len(results) == 2
    for result in results:
        assert_error(result, "invalid_argument", "version")


def test_results_come_in_order_and_one_failure_does_not_stop_the_rest(server):
    response = server.execute(
        {
            "v": 1,
            "ops": [
                {"op": "registry.get", "path": CURRENT_VERSION, "name": "EditionID"},
                {"op": "no.such_op"},
                {"name": "x"},
                {"op": "registry.get", "path": CURRENT_VERSION},
                {"op": "registry.get", "path": CURRENT_VERSION, "name": "EditionID", "extra": 1},
                {"op": "registry.get", "path": CURRENT_VERSION, "name": 5},
                "system.info",
                {"op": "system.info"},
            ],
        }
    )
    assert response["v"] == 1
    assert "code" not in response
    results = response["results"]
    assert len(results) == 8
    assert results[0]["value"]["data"] == "ServerStandard"
    assert_error(results[1], "unknown_op", "no.such_op")
    assert_error(results[2], "invalid_argument", "'op'")
    assert_error(results[3], "invalid_argument", "'name'")
    assert_error(results[4], "invalid_argument", "'extra'")
    assert_error(results[5], "invalid_argument", "'name'")
    assert_error(results[6], "invalid_argument", "JSON object")
    assert results[7]["ok"] is True
    json.dumps(response)


def test_results_are_copies_not_views_of_the_state(server):
    info = value_of(server, {"op": "power.query", "settings": [{"subgroup": SUB_SLEEP, "setting": STANDBYIDLE}]})
    info["values"][0]["ac"] = 12345
    again = value_of(server, {"op": "power.query", "settings": [{"subgroup": SUB_SLEEP, "setting": STANDBYIDLE}]})
    assert again["values"][0]["ac"] == 3600


def test_an_unexpected_exception_becomes_a_failed_result(server):
    server.state["power"]["schemes"] = None
    result = run_one(server, {"op": "power.query", "settings": []})
    assert_error(result, "failed")


# ------------------------------------------------------------------------------------------------------ registry


def test_registry_get_reports_missing_keys_and_values_as_data(server):
    assert reg_get(server, CURRENT_VERSION, "EditionID") == {
        "key_exists": True,
        "exists": True,
        "type": "String",
        "data": "ServerStandard",
    }
    assert reg_get(server, CURRENT_VERSION, "NoSuchValue") == {
        "key_exists": True,
        "exists": False,
        "type": None,
        "data": None,
    }
    assert reg_get(server, "HKLM:\\SOFTWARE\\NoSuchVendor\\Product", "X")["key_exists"] is False
    assert reg_get(server, "HKLM:\\SOFTWARE\\Microsoft\\Windows NT", "X")["key_exists"] is True  # implicit parent


def test_registry_names_are_case_insensitive_and_provider_paths_work(server):
    for path in (
        "hklm:\\software\\microsoft\\WINDOWS NT\\currentversion",
        "Registry::HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion",
        "Microsoft.PowerShell.Core\\Registry::HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\",
        "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion",
        "HKLM\\SOFTWARE\\\\Microsoft\\Windows NT\\CurrentVersion",
    ):
        assert reg_get(server, path, "editionid")["data"] == "ServerStandard"


@pytest.mark.parametrize("path", ["C:\\Windows", "SOFTWARE\\X", "Registry::HKEY_NOWHERE\\X", "HKXX:\\X", ""])
def test_registry_rejects_what_is_not_a_registry_path(server, path):
    assert_error(run_one(server, {"op": "registry.get", "path": path, "name": "X"}), "invalid_argument", "'path'")


def test_registry_set_creates_the_key_path_and_reads_back(server):
    result = reg_set(server, TEST_KEY + "\\Deeper", "Level", "DWord", 7)
    assert result == {"ok": True, "value": {"key_exists": True, "exists": True, "type": "DWord", "data": 7}}
    assert reg_get(server, TEST_KEY, "Level")["key_exists"] is True
    assert reg_get(server, TEST_KEY.lower() + "\\DEEPER", "level")["data"] == 7


def test_registry_set_reuses_the_existing_spelling_of_keys_and_values(server):
    reg_set(server, "hklm:\\software\\microsoft\\windows nt\\currentversion\\NewSub", "v", "String", "x")
    assert "HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\NewSub" in server.state["registry"]
    reg_set(server, CURRENT_VERSION, "editionid", "String", "ServerDatacenter")
    values = server.state["registry"][CURRENT_VERSION]
    assert "EditionID" in values
    assert "editionid" not in values


def test_registry_set_with_another_type_replaces_the_value(server):
    reg_set(server, TEST_KEY, "Mode", "String", "1")
    assert reg_set(server, TEST_KEY, "Mode", "DWord", 1)["value"]["type"] == "DWord"
    assert reg_get(server, TEST_KEY, "Mode") == {"key_exists": True, "exists": True, "type": "DWord", "data": 1}


@pytest.mark.parametrize(
    ("kind", "data", "stored"),
    [
        ("DWord", 0, 0),
        ("DWord", 5.0, 5),
        ("DWord", 2**31, 2**31),
        ("DWord", 4294967295, 4294967295),
        ("QWord", 2**64 - 1, 2**64 - 1),
        ("String", "", ""),
        ("ExpandString", "%SystemRoot%\\x", "%SystemRoot%\\x"),
        ("MultiString", [], []),
        ("MultiString", ["a", "b"], ["a", "b"]),
        ("Binary", "AQID", "AQID"),
        ("Binary", "", ""),
    ],
)
def test_registry_set_stores_data_of_the_kind(server, kind, data, stored):
    result = reg_set(server, TEST_KEY, "V", kind, data)
    assert result["ok"], result
    assert result["value"]["data"] == stored
    assert reg_get(server, TEST_KEY, "V")["type"] == kind


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("DWord", 4294967296),
        ("DWord", -1),
        ("DWord", "5"),
        ("DWord", 1.5),
        ("DWord", True),
        ("QWord", 2**64),
        ("String", 5),
        ("ExpandString", ["a"]),
        ("MultiString", "one"),
        ("MultiString", ["a", 1]),
        ("Binary", "not base64!"),
        ("Binary", [1, 2]),
    ],
)
def test_registry_set_rejects_data_the_kind_cannot_hold(server, kind, data):
    assert_error(reg_set(server, TEST_KEY, "V", kind, data), "invalid_argument", "'data'")
    assert reg_get(server, TEST_KEY, "V")["key_exists"] is False  # nothing was written, not even the key


def test_registry_set_checks_type_and_requires_data(server):
    assert_error(reg_set(server, TEST_KEY, "V", "REG_DWORD", 1), "invalid_argument", "'type'")
    assert_error(reg_set(server, TEST_KEY, "V", "DWord", None), "invalid_argument", "'data'")


def test_registry_refuses_what_windows_refuses(server):
    security = run_one(server, {"op": "registry.get", "path": "HKLM:\\SECURITY\\Policy", "name": "X"})
    assert_error(security, "access_denied")
    defender = "HKLM:\\SOFTWARE\\Microsoft\\Windows Defender\\Exclusions\\Paths"
    assert_error(reg_set(server, defender, "C:\\onepacs", "DWord", 0), "access_denied")
    assert_error(reg_set(server, "HKLM:\\MyVendor", "X", "DWord", 0), "access_denied")
    assert_error(reg_set(server, "HKLM:\\", "X", "DWord", 0), "access_denied")
    assert reg_set(server, "HKCU:\\Software\\Lab", "X", "DWord", 0)["ok"] is True


def test_registry_remove_deletes_a_value_never_the_key(server):
    reg_set(server, TEST_KEY, "Gone", "String", "x")
    assert value_of(server, {"op": "registry.remove", "path": TEST_KEY, "name": "gone"}) == {
        "existed": True,
        "exists": False,
    }
    assert reg_get(server, TEST_KEY, "Gone") == {"key_exists": True, "exists": False, "type": None, "data": None}
    assert value_of(server, {"op": "registry.remove", "path": TEST_KEY, "name": "Gone"}) == {
        "existed": False,
        "exists": False,
    }
    assert value_of(server, {"op": "registry.remove", "path": TEST_KEY + "\\Nope", "name": "X"})["existed"] is False
    protected = "HKLM:\\SOFTWARE\\Microsoft\\Windows Defender"
    server.state["registry"][protected] = {"DisableAntiSpyware": {"type": "DWord", "data": 0}}
    assert_error(
        run_one(server, {"op": "registry.remove", "path": protected, "name": "DisableAntiSpyware"}), "access_denied"
    )
    # nothing to delete needs no write access
    assert value_of(server, {"op": "registry.remove", "path": protected, "name": "Absent"})["existed"] is False


def test_constructor_normalises_shorthand_registry_values():
    host = SimulatedHost({"registry": {"Registry::HKEY_LOCAL_MACHINE\\SOFTWARE\\X": {"S": "text", "D": 3, "M": ["a"]}}})
    assert host.state["registry"] == {
        "HKLM:\\SOFTWARE\\X": {
            "S": {"type": "String", "data": "text"},
            "D": {"type": "DWord", "data": 3},
            "M": {"type": "MultiString", "data": ["a"]},
        }
    }
    assert run_one(host, {"op": "registry.get", "path": "HKLM:\\SOFTWARE\\X", "name": "d"})["value"]["data"] == 3


# --------------------------------------------------------------------------------------------------------- power


def test_power_query_answers_in_asked_order_with_null_for_unknown_settings(server):
    value = value_of(
        server,
        {
            "op": "power.query",
            "settings": [
                {"subgroup": SUB_VIDEO, "setting": VIDEOIDLE},
                {"subgroup": SUB_SLEEP, "setting": UNKNOWN_GUID},
                {"subgroup": "{" + SUB_SLEEP.upper() + "}", "setting": STANDBYIDLE.upper()},
            ],
        },
    )
    assert value["scheme"] == BALANCED
    assert value["scheme_name"] == "Balanced"
    assert value["values"] == [
        {"subgroup": SUB_VIDEO, "setting": VIDEOIDLE, "ac": 600, "dc": 300},
        {"subgroup": SUB_SLEEP, "setting": UNKNOWN_GUID, "ac": None, "dc": None},
        {"subgroup": SUB_SLEEP, "setting": STANDBYIDLE, "ac": 3600, "dc": 1800},
    ]
    assert value["hibernate_enabled"] is True


@pytest.mark.parametrize("settings", [[1], [{"subgroup": SUB_SLEEP}], [{"subgroup": "sleep", "setting": STANDBYIDLE}]])
def test_power_query_rejects_malformed_settings(server, settings):
    assert_error(run_one(server, {"op": "power.query", "settings": settings}), "invalid_argument", "'settings'")


def test_power_set_changes_the_active_scheme_only(server):
    result = value_of(server, {"op": "power.set", "subgroup": SUB_SLEEP, "setting": STANDBYIDLE, "ac": 0})
    assert result == {"scheme": BALANCED, "subgroup": SUB_SLEEP, "setting": STANDBYIDLE, "ac": 0, "dc": 1800}
    result = value_of(server, {"op": "power.set", "subgroup": SUB_SLEEP, "setting": STANDBYIDLE, "dc": 60})
    assert (result["ac"], result["dc"]) == (0, 60)
    other = server.state["power"]["schemes"]["a1841308-3541-4fab-bc81-f71556f20b4a"]["settings"][SUB_SLEEP]
    assert other[STANDBYIDLE]["ac"] == 1800
    query = value_of(server, {"op": "power.query", "settings": [{"subgroup": SUB_SLEEP, "setting": STANDBYIDLE}]})
    assert query["values"][0]["ac"] == 0


def test_power_setting_lookup_ignores_the_subgroup_like_cim_but_powercfg_does_not(server):
    query = value_of(server, {"op": "power.query", "settings": [{"subgroup": SUB_VIDEO, "setting": STANDBYIDLE}]})
    assert (query["values"][0]["subgroup"], query["values"][0]["ac"]) == (SUB_VIDEO, 3600)
    result = run_one(server, {"op": "power.set", "subgroup": SUB_VIDEO, "setting": STANDBYIDLE, "ac": 0})
    assert_error(result, "failed", "powercfg")
    assert server.state["power"]["schemes"][BALANCED]["settings"][SUB_SLEEP][STANDBYIDLE]["ac"] == 3600


def test_power_set_accepts_whole_floats_as_ints(server):
    result = value_of(server, {"op": "power.set", "subgroup": SUB_SLEEP, "setting": STANDBYIDLE, "ac": 0.0})
    assert result["ac"] == 0
    assert isinstance(result["ac"], int)
    assert_error(
        run_one(server, {"op": "power.set", "subgroup": SUB_SLEEP, "setting": STANDBYIDLE, "ac": 1.5}),
        "invalid_argument",
        "'ac'",
    )


def test_power_set_follows_a_non_default_active_scheme():
    host = SimulatedHost.from_profile("server2019-fresh")
    result = value_of(host, {"op": "power.set", "subgroup": SUB_VIDEO, "setting": VIDEOIDLE, "ac": 0, "dc": 0})
    assert result["scheme"] == HIGH_PERFORMANCE
    assert host.state["power"]["schemes"][BALANCED]["settings"][SUB_VIDEO][VIDEOIDLE]["ac"] == 600


@pytest.mark.parametrize(
    ("args", "code", "mentions"),
    [
        ({"subgroup": SUB_SLEEP, "setting": STANDBYIDLE}, "invalid_argument", "'ac'"),
        ({"subgroup": SUB_SLEEP, "setting": STANDBYIDLE, "ac": -1}, "invalid_argument", "'ac'"),
        ({"subgroup": SUB_SLEEP, "setting": STANDBYIDLE, "dc": 2**32}, "invalid_argument", "'dc'"),
        ({"subgroup": SUB_SLEEP, "setting": STANDBYIDLE, "ac": True}, "invalid_argument", "'ac'"),
        ({"subgroup": "nope", "setting": STANDBYIDLE, "ac": 0}, "invalid_argument", "'subgroup'"),
        ({"setting": STANDBYIDLE, "ac": 0}, "invalid_argument", "'subgroup'"),
        ({"subgroup": SUB_SLEEP, "setting": UNKNOWN_GUID, "ac": 0}, "not_found", UNKNOWN_GUID),
    ],
)
def test_power_set_errors(server, args, code, mentions):
    assert_error(run_one(server, {"op": "power.set", **args}), code, mentions)


def test_hibernate_off_and_on_write_hibernate_enabled_in_the_registry(server):
    assert value_of(server, {"op": "power.hibernate", "enabled": False}) == {"hibernate_enabled": False}
    assert reg_get(server, POWER_KEY, "HibernateEnabled") == {
        "key_exists": True,
        "exists": True,
        "type": "DWord",
        "data": 0,
    }
    assert value_of(server, {"op": "power.query", "settings": []})["hibernate_enabled"] is False
    assert value_of(server, {"op": "power.hibernate", "enabled": True}) == {"hibernate_enabled": True}
    assert reg_get(server, POWER_KEY, "HibernateEnabled")["data"] == 1


def test_hibernate_changes_leave_fast_startup_alone(client):
    value_of(client, {"op": "power.hibernate", "enabled": False})
    assert reg_get(client, HIBERBOOT_KEY, "HiberbootEnabled")["data"] == 1


def test_hibernate_on_without_s4_support_is_not_supported():
    host = SimulatedHost.from_profile("server2022-core-fresh")
    assert_error(run_one(host, {"op": "power.hibernate", "enabled": True}), "not_supported")
    assert reg_get(host, POWER_KEY, "HibernateEnabled")["data"] == 0
    assert value_of(host, {"op": "power.hibernate", "enabled": False}) == {"hibernate_enabled": False}
    assert_error(run_one(host, {"op": "power.hibernate", "enabled": "yes"}), "invalid_argument", "'enabled'")


def test_hibernate_state_falls_back_to_the_default_value(client):
    value_of(client, {"op": "registry.remove", "path": POWER_KEY, "name": "HibernateEnabled"})
    reg_set(client, POWER_KEY, "HibernateEnabledDefault", "DWord", 0)
    assert value_of(client, {"op": "power.query", "settings": []})["hibernate_enabled"] is False
    reg_set(client, POWER_KEY, "HibernateEnabledDefault", "DWord", 1)
    assert value_of(client, {"op": "power.query", "settings": []})["hibernate_enabled"] is True


# --------------------------------------------------------------------------------------------------- system.info


def test_system_info_reads_windows_facts_from_the_registry(server):
    info = value_of(server, {"op": "system.info"})
    assert info == {
        "computer_name": "WIN-4KD2H7Q1B0E",
        "os_caption": "Microsoft Windows Server 2022 Standard",
        "product_type": 3,
        "edition_id": "ServerStandard",
        "installation_type": "Server",
        "current_build": "20348",
        "ubr": 2227,
        "display_version": "21H2",
        "architecture": "64-bit",
        "is_virtual": True,
        "manufacturer": "VMware, Inc.",
        "model": "VMware7,1",
        "machine_sid": "S-1-5-21-2847163951-1934087522-3618452098",
        "part_of_domain": False,
        "domain": "WORKGROUP",
        "powershell_version": "5.1.20348.2227",
        "language_mode": "FullLanguage",
    }
    reg_set(server, CURRENT_VERSION, "UBR", "DWord", 2849)
    reg_set(server, CURRENT_VERSION, "InstallationType", "String", "Server Core")
    info = value_of(server, {"op": "system.info"})
    assert (info["ubr"], info["installation_type"]) == (2849, "Server Core")
    assert_error(run_one(server, {"op": "system.info", "verbose": True}), "invalid_argument", "'verbose'")


def test_from_profile_names_the_computer_and_snapshot_is_a_copy():
    host = SimulatedHost.from_profile("win11-24h2-fresh", name="gw-clinic_7.lab.example")
    assert host.name == "gw-clinic_7.lab.example"
    assert value_of(host, {"op": "system.info"})["computer_name"] == "GW-CLINIC-7-LAB"
    snapshot = host.snapshot()
    snapshot["system"]["model"] = "changed"
    assert host.state["system"]["model"] == "21HD003AUS"
    assert SimulatedHost.from_profile("win11-24h2-fresh").name == "win11-24h2-fresh"


# --------------------------------------------------------------------------------------------------------- admits


def set_profile_action(host: SimulatedHost, profile: str, **fields) -> None:
    host.state["firewall"]["profiles"][profile].update(fields)


def test_firewall_blocking_without_a_covering_allow_rule_locks_the_client_out(server):
    for profile in ("Domain", "Private", "Public"):
        set_profile_action(server, profile, DefaultInboundAction="Block")
    assert server.admits("labadmin", 5985)[0] is True
    server.state["firewall"]["rules"]["WINRM-HTTP-In-TCP"]["Enabled"] = False  # the Public-profile rule
    admitted, reason = server.admits("labadmin", 5985)
    assert admitted is False
    assert "Public" in reason
    assert "5985" in reason
    assert server.admits("labadmin", 5986)[0] is True
    set_profile_action(server, "Public", Enabled=False)
    assert server.admits("labadmin", 5985)[0] is True
    set_profile_action(server, "Public", Enabled=True, DefaultInboundAction="Allow")
    assert server.admits("labadmin", 5985)[0] is True


def test_not_configured_default_inbound_action_blocks_like_windows(server):
    server.state["firewall"]["rules"]["WINRM-HTTPS-In-TCP"]["Enabled"] = False
    assert server.state["firewall"]["profiles"]["Private"]["DefaultInboundAction"] == "NotConfigured"
    admitted, reason = server.admits("labadmin", 5986)
    assert admitted is False
    assert "on the Public profile" in reason  # the category of the interface the controller's traffic arrives on


def test_port_ranges_block_rules_and_program_rules(server):
    rules = server.state["firewall"]["rules"]
    for name in ("WINRM-HTTP-In-TCP", "WINRM-HTTP-In-TCP-NoScope"):
        rules[name]["Enabled"] = False
    base = {"Direction": "Inbound", "Enabled": True, "Profile": ["Any"], "DisplayName": "x", "Program": "Any"}
    rules["app"] = {**base, "Action": "Allow", "Protocol": "TCP", "LocalPort": ["5985"], "Program": "C:\\app.exe"}
    assert server.admits("labadmin", 5985)[0] is False
    rules["range"] = {**base, "Action": "Allow", "Protocol": "TCP", "LocalPort": ["5000-6000"]}
    assert server.admits("labadmin", 5985)[0] is True
    rules["block"] = {**base, "Action": "Block", "Protocol": "TCP", "LocalPort": ["5985"]}
    admitted, reason = server.admits("labadmin", 5985)
    assert admitted is False
    assert "'block'" in reason
    rules["block"]["Protocol"] = "UDP"
    assert server.admits("labadmin", 5985)[0] is True


@pytest.mark.parametrize(
    ("username", "admitted"),
    [
        ("labadmin", True),
        ("LabAdmin", True),
        (".\\labadmin", True),
        ("WIN-4KD2H7Q1B0E\\labadmin", True),
        ("CONTOSO\\labadmin", False),
        ("nobody", False),
        ("Guest", False),
        ("temp", False),
    ],
)
def test_account_must_exist_be_enabled_and_an_administrator(server, username, admitted):
    assert server.admits(username, 5985)[0] is admitted


def test_account_refusal_reasons(server):
    server.state["accounts"]["users"]["1002"]["Enabled"] = False
    assert server.admits("pacsadmin", 5985) == (False, "account 'pacsadmin' is disabled")
    reason = server.admits("temp", 5985)[1]
    assert "not a member of Administrators" in reason
    assert "S-1-5-32-544" in reason


def test_a_stopped_winrm_service_refuses_everyone(server):
    server.state["services"]["WinRM"]["State"] = "Stopped"
    admitted, reason = server.admits("labadmin", 5985)
    assert admitted is False
    assert "WinRM" in reason


def test_uac_remote_restrictions_filter_local_admins(server):
    reg_set(server, UAC_KEY, "LocalAccountTokenFilterPolicy", "DWord", 0)
    admitted, reason = server.admits("labadmin", 5985)
    assert admitted is False
    assert "LocalAccountTokenFilterPolicy" in reason
    assert server.admits("Administrator", 5985)[0] is True
    reg_set(server, UAC_KEY, "FilterAdministratorToken", "DWord", 1)
    assert server.admits("Administrator", 5985)[0] is False
    reg_set(server, UAC_KEY, "EnableLUA", "DWord", 0)
    assert server.admits("labadmin", 5985)[0] is True


def test_network_logon_rights_are_honoured(server):
    rights = server.state["secpol"]["Privilege Rights"]
    rights["SeDenyNetworkLogonRight"] = ["*S-1-5-114"]
    admitted, reason = server.admits("labadmin", 5985)
    assert admitted is False
    assert "S-1-5-114" in reason
    rights["SeDenyNetworkLogonRight"] = ["Guest"]
    assert server.admits("labadmin", 5985)[0] is True
    rights["SeNetworkLogonRight"] = ["*S-1-5-32-551"]
    assert server.admits("labadmin", 5985)[0] is False
    rights["SeNetworkLogonRight"] = ["labadmin"]
    assert server.admits("labadmin", 5985)[0] is True


def test_registry_get_without_data_reports_existence_only():
    host = SimulatedHost.from_profile("server2019-fresh")
    winlogon = r"HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon"
    (result,) = host.execute(
        {"v": 1, "ops": [{"op": "registry.get", "path": winlogon, "name": "DefaultPassword", "data": False}]}
    )["results"]
    assert result == {"ok": True, "value": {"key_exists": True, "exists": True, "type": "String", "data": None}}
