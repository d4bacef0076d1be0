"""software.installed in the simulator: both uninstall views, what Programs and Features leaves out, 32-bit hosts."""

from __future__ import annotations

import pytest

from sim_requests import run_one, value_of
from winlab.simulator import SimulatedHost

UNINSTALL = "HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall"
UNINSTALL_WOW = "HKLM:\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall"


def installed(host):
    return value_of(host, {"op": "software.installed"})


def names(value):
    return [(program["name"], program["arch"]) for program in value["programs"]]


@pytest.fixture
def gateway():
    return SimulatedHost.from_profile("server2022-desktop-fresh")


def test_both_views_64_bit_first(gateway):
    value = installed(gateway)
    assert ("TeamViewer", "64-bit") in names(value)
    assert ("OnePacs Gateway", "32-bit") in names(value)
    arches = [program["arch"] for program in value["programs"]]
    assert arches == sorted(arches, key=lambda arch: arch != "64-bit")
    gateway_entry = next(program for program in value["programs"] if program["name"] == "OnePacs Gateway")
    assert gateway_entry == {
        "key": "{6E1F2C4B-9A3D-4E8B-B7C1-0D5A9F3E2B71}",
        "name": "OnePacs Gateway",
        "version": "4.1.7",
        "publisher": "OnePacs LLC",
        "install_location": "C:\\onepacs\\",
        "arch": "32-bit",
    }
    assert value["unreadable"] == []


def test_entries_programs_and_features_hides_are_left_out(gateway):
    registry = gateway.state["registry"]
    registry[f"{UNINSTALL}\\{{11111111-0000-0000-0000-000000000001}}"] = {
        "DisplayName": {"type": "String", "data": "Microsoft Update Health Tools"},
        "SystemComponent": {"type": "DWord", "data": 1},
    }
    registry[f"{UNINSTALL}\\KB123456"] = {
        "DisplayName": {"type": "String", "data": "Security Update for Office"},
        "ParentKeyName": {"type": "String", "data": "Office16"},
    }
    registry[f"{UNINSTALL}\\Orphan"] = {"UninstallString": {"type": "String", "data": "x.exe"}}
    registry[f"{UNINSTALL_WOW}\\Blank"] = {"DisplayName": {"type": "String", "data": "  "}}
    registry[f"{UNINSTALL}\\Tool\\Sub"] = {}  # Tool exists only as a parent key: no values, not listed
    registry[f"{UNINSTALL}\\Dword Version"] = {
        "DisplayName": {"type": "String", "data": "Odd"},
        "DisplayVersion": {"type": "DWord", "data": 7},
    }
    listed = names(installed(gateway))
    assert not [name for name, _ in listed if "Health" in name or "Office" in name or not name.strip()]
    odd = next(program for program in installed(gateway)["programs"] if program["name"] == "Odd")
    assert odd["version"] == "7"


def test_32_bit_windows_has_one_32_bit_view():
    host = SimulatedHost.from_profile("win10-22h2-x86-fresh")
    listed = names(installed(host))
    assert ("OnePacs Gateway", "32-bit") in listed
    assert {arch for _, arch in listed} == {"32-bit"}


def test_a_denied_subkey_is_reported_unreadable_and_a_denied_view_fails_the_op(gateway):
    gateway.state["registry_access"][f"{UNINSTALL}\\TeamViewer"] = "none"
    value = installed(gateway)
    assert value["unreadable"] == ["TeamViewer"]
    assert "TeamViewer" not in [name for name, _ in names(value)]
    gateway.state["registry_access"][UNINSTALL] = "none"
    result = run_one(gateway, {"op": "software.installed"})
    assert (result["ok"], result["code"]) == (False, "access_denied")


def test_takes_no_arguments(gateway):
    result = run_one(gateway, {"op": "software.installed", "view": "64"})
    assert result["code"] == "invalid_argument"
