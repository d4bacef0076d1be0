"""The read-only system.* fact ops win_host_facts adds: firmware, TPM, MDM enrolment, backup, latest update."""

from __future__ import annotations

from datetime import UTC, datetime

from sim_requests import value_of
from winlab.simulator import SimulatedHost, load_profile


def test_firmware_secure_boot_on_uefi_and_none_on_bios():
    assert value_of(SimulatedHost.from_profile("server2019-fresh"), {"op": "system.firmware"}) == {
        "firmware_type": "UEFI",
        "secure_boot": False,
    }
    assert value_of(SimulatedHost.from_profile("server2019-hardened"), {"op": "system.firmware"})["secure_boot"] is True
    assert value_of(SimulatedHost.from_profile("win10-22h2-x86-fresh"), {"op": "system.firmware"}) == {
        "firmware_type": "BIOS",
        "secure_boot": None,
    }


def test_tpm_present_and_absent():
    assert value_of(SimulatedHost.from_profile("win10-22h2-x86-fresh"), {"op": "system.tpm"}) == {
        "present": True,
        "ready": False,
        "enabled": True,
        "activated": False,
        "manufacturer": "IFX",
        "spec_version": "1.2, 2, 3",
    }
    absent = value_of(SimulatedHost.from_profile("server2022-desktop-fresh"), {"op": "system.tpm"})
    assert (absent["present"], absent["spec_version"]) == (False, "")


def test_mdm_enrollments_are_subkeys_with_a_provider_id():
    fresh = SimulatedHost.from_profile("win11-24h2-fresh")
    assert value_of(fresh, {"op": "system.mdm_enrollments"}) == {"enrollments": []}
    host = SimulatedHost.from_profile("win11-24h2-hardened")
    host.state["registry"]["HKLM:\\SOFTWARE\\Microsoft\\Enrollments\\Context"] = {"Other": "x"}
    assert value_of(host, {"op": "system.mdm_enrollments"}) == {
        "enrollments": [
            {
                "key": "{5B8E1C3A-7D24-4F69-A0B1-C2D3E4F5A6B7}",
                "provider_id": "MS DM Server",
                "upn": "rd02@clinic2.example",
                "enrollment_state": 1,
                "enrollment_type": 6,
            }
        ]
    }


def test_backup_summary_and_no_feature():
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    fresh = SimulatedHost(load_profile("server2019-fresh", now=now))
    assert value_of(fresh, {"op": "system.backup"}) == {
        "installed": True,
        "last_success": "2026-09-22T12:00:00Z",
        "last_attempt": "2026-11-24T12:00:00Z",
        "last_result_hr": -2147024784,
        "versions": 12,
    }
    none = value_of(SimulatedHost.from_profile("win10-22h2-fresh"), {"op": "system.backup"})
    assert none == {
        "installed": False,
        "last_success": None,
        "last_attempt": None,
        "last_result_hr": None,
        "versions": None,
    }


def test_latest_hotfix_is_the_newest_dated_update():
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    host = SimulatedHost(load_profile("server2022-desktop-hardened", now=now))
    assert value_of(host, {"op": "system.latest_hotfix"}) == {
        "hotfix_id": "KB5044281",
        "installed_on": "2026-11-16",
        "count": 7,
    }
    host.state["updates"]["history"] = {"KB1": {"Description": "Update", "InstalledOn": None}}
    assert value_of(host, {"op": "system.latest_hotfix"}) == {"hotfix_id": None, "installed_on": None, "count": 1}
