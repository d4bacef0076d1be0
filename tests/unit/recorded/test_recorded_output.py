"""Recorded real output (tests/data/recorded/<tool>/, each file's origin in the folder's SOURCE.md) against the
lab's answers and the controller's parsing.

The agent's own parsing runs only on Windows; where a test reads a recorded file the way the agent does, it names
the agent function whose rules it applies.
"""

from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ansible_collections.onepacs.baseline.plugins.plugin_utils._findings import Outcome
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._transport import OpResult
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._account_policy import OPTIONS, AccountPolicyArea
from winlab.sim_ops_defender import DEFENDER_SECURITY_CENTER_GUID
from winlab.simulator import SimulatedHost

RECORDED = Path(__file__).resolve().parents[2] / "data" / "recorded"
RECORDINGS = sorted(path for path in RECORDED.rglob("*") if path.is_file() and path.name != "SOURCE.md")


def recording(relative: str) -> str:
    return (RECORDED / relative).read_text(encoding="utf-8")


def run_one(host: SimulatedHost, op: dict) -> dict:
    return host.execute({"v": 1, "ops": [op]})["results"][0]


@pytest.mark.parametrize("path", RECORDINGS, ids=lambda path: str(path.relative_to(RECORDED)))
def test_every_recording_names_its_public_source(path: Path) -> None:
    sources = (path.parent / "SOURCE.md").read_text(encoding="utf-8")
    assert re.search(rf"^\| {re.escape(path.name)} \| [^|]*https://", sources, re.MULTILINE), path


# ---- secedit /export ----------------------------------------------------------------------------------------------


def system_access(text: str) -> dict[str, int | str]:
    """The rules of ConvertFrom-OnePacsSystemAccess and ConvertFrom-OnePacsInfValue (agent/secpol.ps1): the lines of
    [System Access], 'Name = value', a quoted value is a string without its quotes, others are integers."""
    values: dict[str, int | str] = {}
    in_section = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            in_section = stripped == "[System Access]"
            continue
        if not in_section or "=" not in stripped[1:]:
            continue
        name, raw = (part.strip() for part in stripped.split("=", 1))
        values[name] = raw[1:-1] if raw.startswith('"') and raw.endswith('"') else int(raw)
    return values


FRESH = system_access(recording("secedit/fresh-windows-system-access.inf"))
LOCKOUT = system_access(recording("secedit/lockout-set-system-access.inf"))


@pytest.mark.parametrize("profile", ["win10-22h2-fresh", "server2022-desktop-fresh", "server2019-fresh"])
def test_the_labs_fresh_export_has_the_recorded_keys_and_value_types(profile: str) -> None:
    exported = run_one(SimulatedHost.from_profile(profile), {"op": "secpol.export"})["value"]["system_access"]
    assert sorted(exported) == sorted(FRESH)
    assert {name: type(value) for name, value in exported.items()} == {
        name: type(value) for name, value in FRESH.items()
    }


def test_without_a_lockout_threshold_secedit_writes_no_lockout_windows() -> None:
    assert FRESH["LockoutBadCount"] == 0
    assert "LockoutDuration" not in FRESH
    assert "ResetLockoutCount" not in FRESH
    assert LOCKOUT["LockoutBadCount"] == 10
    assert {"LockoutDuration", "ResetLockoutCount"} <= set(LOCKOUT)


def test_the_lab_writes_the_lockout_windows_once_a_threshold_is_set() -> None:
    host = SimulatedHost.from_profile("server2022-desktop-fresh")
    template = {"LockoutBadCount": 10, "ResetLockoutCount": 10, "LockoutDuration": 10}
    exported = run_one(host, {"op": "secpol.configure", "system_access": template})["value"]["system_access"]
    assert {name: exported[name] for name in template} == template
    assert set(LOCKOUT) - {"AllowAdministratorLockout"} <= set(exported)


@pytest.mark.parametrize("name", ["secedit/fresh-windows-system-access.inf", "secedit/lockout-set-system-access.inf"])
def test_the_controller_judges_a_recorded_export_without_error(name: str) -> None:
    access = system_access(recording(name))
    area = AccountPolicyArea({option: spec["default"] for option, spec in OPTIONS.items()})
    findings = area.evaluate(
        {
            "secpol": OpResult(ok=True, value={"system_access": access}),
            "system": OpResult(ok=True, value={"part_of_domain": False, "domain": "WORKGROUP"}),
        }
    )
    assert findings
    assert [finding.control_id for finding in findings if finding.outcome is Outcome.ERROR] == []


# ---- auditpol /backup ---------------------------------------------------------------------------------------------

AUDITPOL = ["auditpol/win2019-backup-excerpt.csv", "auditpol/dc-backup-excerpt.csv"]
INCLUSION = {"No Auditing": 0, "Success": 1, "Failure": 2, "Success and Failure": 3}


@pytest.mark.parametrize("name", AUDITPOL)
def test_recorded_setting_values_encode_success_and_failure_as_bits(name: str) -> None:
    rows = list(csv.DictReader(recording(name).splitlines()))
    assert rows
    assert all(row["Policy Target"] == "System" for row in rows)
    assert {row["Subcategory GUID"]: int(row["Setting Value"]) for row in rows} == {
        row["Subcategory GUID"]: INCLUSION[row["Inclusion Setting"]] for row in rows
    }


@pytest.mark.parametrize("name", AUDITPOL)
def test_the_lab_knows_every_recorded_subcategory(name: str) -> None:
    rows = list(csv.DictReader(recording(name).splitlines()))
    answer = run_one(SimulatedHost.from_profile("server2019-fresh"), {"op": "auditpol.get"})["value"]
    known = {entry["guid"] for entry in answer["subcategories"]}
    assert {row["Subcategory GUID"].strip("{}").lower() for row in rows} <= known


# ---- Defender status ----------------------------------------------------------------------------------------------


def listed_properties(text: str) -> dict[str, str]:
    """'Name : value' lines of a PowerShell list display."""
    return {
        name.strip(): value.strip()
        for name, _sep, value in (line.partition(":") for line in text.splitlines()[1:])
        if name.strip()
    }


def test_a_stopped_defender_reports_the_running_mode_the_lab_uses() -> None:
    recorded = listed_properties(recording("defender/msft-mpcomputerstatus-not-running.txt"))
    assert (recorded["AMServiceEnabled"], recorded["AMRunningMode"]) == ("False", "Not running")
    host = SimulatedHost.from_profile("win10-22h2-fresh")
    host.state["defender"]["status"]["AMServiceEnabled"] = False
    status = run_one(host, {"op": "defender.status"})["value"]
    assert (status["am_service_enabled"], status["am_running_mode"]) == (False, recorded["AMRunningMode"])


# ---- Security Center ----------------------------------------------------------------------------------------------


def test_security_center_does_not_exist_on_windows_server_and_says_so_in_the_local_language() -> None:
    recorded = recording("securitycenter2/server2022-invalid-namespace.txt")
    assert "Espace de noms non valide" in recorded  # localised text: the agent maps the CIM code, never the text
    result = run_one(SimulatedHost.from_profile("server2022-desktop-fresh"), {"op": "defender.products"})
    assert result["code"] == "not_supported"


def test_defenders_security_center_guid_is_the_recorded_one() -> None:
    assert "instanceGuid={" in recording("securitycenter2/client-defender-and-fsecure.txt")
    sources = recording("securitycenter2/SOURCE.md")
    assert DEFENDER_SECURITY_CENTER_GUID.lower() in sources.lower()
    products = run_one(SimulatedHost.from_profile("win10-22h2-fresh"), {"op": "defender.products"})["value"]
    assert [product["instance_guid"].lower() for product in products["products"]] == [
        DEFENDER_SECURITY_CENTER_GUID.lower()
    ]


# ---- BitLocker -----------------------------------------------------------------------------------------------------


def test_an_encrypted_system_volume_reads_as_the_recorded_one() -> None:
    row = recording("bitlocker/get-bitlockervolume-table.txt").splitlines()[-1]
    volume_type, mount_point, _capacity, status, percentage = row.split()[:5]
    protectors = re.search(r"\{([^}]*)\}", row)
    assert protectors is not None
    protection = row.rsplit("}", 1)[1].strip()
    volume = run_one(SimulatedHost.from_profile("win11-24h2-hardened"), {"op": "bitlocker.volumes"})["value"][
        "volumes"
    ][0]
    assert (volume["volume_type"], volume["mount_point"], volume["volume_status"]) == (volume_type, mount_point, status)
    assert (volume["encryption_percentage"], volume["protection_status"]) == (int(percentage), protection)
    assert [protector["type"] for protector in volume["key_protectors"]] == protectors.group(1).split(", ")


# ---- WLAN profiles ------------------------------------------------------------------------------------------------

#: authEncryption values of the WLAN profile schema (wlan/SOURCE.md).
WLAN_AUTHENTICATIONS = {"open", "shared", "WPA", "WPAPSK", "WPA2", "WPA2PSK", "WPA3", "WPA3SAE", "WPA3ENT192", "OWE"}
WLAN_ENCRYPTIONS = {"none", "WEP", "TKIP", "AES", "GCMP256"}


def wlan_profile(text: str) -> dict[str, str]:
    """ConvertFrom-OnePacsWlanProfileXml's rules (agent/network.ps1): child elements by local name, whatever the
    profile's XML namespace; "" for an absent one; the key material is never read."""

    def local(element: ET.Element | None, name: str) -> ET.Element | None:
        if element is None:
            return None
        return next((child for child in element if child.tag.rsplit("}", 1)[-1] == name), None)

    def text_of(element: ET.Element | None, name: str) -> str:
        child = local(element, name)
        return (child.text or "").strip() if child is not None else ""

    root = ET.fromstring(text.encode("ascii"))
    auth = local(local(local(root, "MSM"), "security"), "authEncryption")
    return {
        "name": text_of(root, "name"),
        "ssid": text_of(local(local(root, "SSIDConfig"), "SSID"), "name"),
        "authentication": text_of(auth, "authentication"),
        "encryption": text_of(auth, "encryption"),
        "connection_mode": text_of(root, "connectionMode"),
    }


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("wlan/wpa2-personal-profile-sample.xml", ("SampleWPA2PSK", "WPA2PSK", "AES", "auto")),
        ("wlan/eap-aka-profile-sample-excerpt.xml", ("SampleEapAka", "WPA2", "AES", "manual")),
    ],
)
def test_recorded_wlan_profiles_read_as_the_agent_reads_them(name: str, expected: tuple[str, ...]) -> None:
    parsed = wlan_profile(recording(name))
    assert (parsed["ssid"], parsed["authentication"], parsed["encryption"], parsed["connection_mode"]) == expected


def test_the_labs_wlan_profiles_have_the_recorded_shape_and_vocabulary() -> None:
    recorded = wlan_profile(recording("wlan/wpa2-personal-profile-sample.xml"))
    for profile in ("win11-24h2-fresh", "win11-24h2-hardened"):
        answer = run_one(SimulatedHost.from_profile(profile), {"op": "network.wlan"})["value"]
        assert answer["profiles"], profile
        for entry in answer["profiles"]:
            assert sorted(entry) == sorted(recorded)
            assert entry["authentication"] in WLAN_AUTHENTICATIONS
            assert entry["encryption"] in WLAN_ENCRYPTIONS
            assert entry["connection_mode"] in {"auto", "manual"}


# ---- local accounts -----------------------------------------------------------------------------------------------


def test_the_builtin_administrator_of_a_fresh_client_is_disabled_as_recorded() -> None:
    row = recording("accounts/get-localuser-administrator.txt").splitlines()[2].split()
    name, enabled = row[0], row[1] == "True"
    users = run_one(SimulatedHost.from_profile("win10-22h2-fresh"), {"op": "accounts.users"})["value"]["users"]
    administrator = next(user for user in users if user["sid"].endswith("-500"))
    assert (administrator["name"], administrator["enabled"]) == (name, enabled)
