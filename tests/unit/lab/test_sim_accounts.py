"""accounts.* in the simulator: by SID, orphaned SIDs listed, Windows' refusals, and the effect on admits()."""

from __future__ import annotations

import re

import pytest

from sim_requests import run_one, value_of
from winlab.simulator import SimulatedHost

ADMINISTRATORS = "S-1-5-32-544"
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


@pytest.fixture
def host():
    return SimulatedHost.from_profile("server2019-fresh", name="gw01")


def machine_sid(host):
    return host.state["accounts"]["machine_sid"]


def test_users_are_listed_by_sid_in_rid_order_with_utc_times_and_the_host_clock(host):
    value = value_of(host, {"op": "accounts.users"})
    assert value["computer_name"] == "GW01"
    assert TIMESTAMP.match(value["now"])
    sids = [entry["sid"] for entry in value["users"]]
    assert sids[:2] == [f"{machine_sid(host)}-500", f"{machine_sid(host)}-501"]
    tech = next(entry for entry in value["users"] if entry["name"] == "tech")
    assert tech["enabled"] is True
    assert TIMESTAMP.match(tech["last_logon"])
    guest = value["users"][1]
    assert (guest["last_logon"], guest["password_last_set"]) == (None, None)


def test_group_members_by_sid_include_an_orphaned_sid_with_no_name(host):
    value = value_of(host, {"op": "accounts.group_members", "sid": ADMINISTRATORS})
    assert value["sid"] == ADMINISTRATORS
    names = [member["name"] for member in value["members"]]
    assert names[:2] == ["GW01\\Administrator", "GW01\\labadmin"]
    orphan = value["members"][-1]
    assert orphan == {"sid": "S-1-5-21-1004336348-1177238915-682003330-1108", "name": "", "class": ""}


def test_a_localized_group_is_found_by_its_sid(host):
    host.state["accounts"]["groups"][ADMINISTRATORS]["Name"] = "Administratoren"
    assert value_of(host, {"op": "accounts.group_members", "sid": ADMINISTRATORS})["name"] == "Administratoren"


def test_well_known_members_resolve(host):
    members = value_of(host, {"op": "accounts.group_members", "sid": "S-1-5-32-545"})["members"]
    assert [member["name"] for member in members] == ["NT AUTHORITY\\INTERACTIVE", "NT AUTHORITY\\Authenticated Users"]


def test_disable_by_sid_reads_back_and_locks_the_account_out(host):
    sid = f"{machine_sid(host)}-1001"
    assert host.admits("labadmin", 5985) == (True, "admitted")
    assert value_of(host, {"op": "accounts.disable", "sid": sid}) == {"sid": sid, "name": "labadmin", "enabled": False}
    assert host.admits("labadmin", 5985) == (False, "account 'labadmin' is disabled")
    assert value_of(host, {"op": "accounts.disable", "sid": sid})["enabled"] is False


def test_remove_member_reads_back_and_takes_administrator_rights_away(host):
    sid = f"{machine_sid(host)}-1001"
    value = value_of(host, {"op": "accounts.remove_member", "group": ADMINISTRATORS, "member": sid.lower()})
    assert value == {"group": ADMINISTRATORS, "member": sid, "is_member": False}
    allowed, reason = host.admits("labadmin", 5985)
    assert (allowed, reason) == (False, f"account 'labadmin' is not a member of Administrators ({ADMINISTRATORS})")
    again = value_of(host, {"op": "accounts.remove_member", "group": ADMINISTRATORS, "member": sid})
    assert again["is_member"] is False


def test_an_orphaned_sid_can_be_removed(host):
    orphan = "S-1-5-21-1004336348-1177238915-682003330-1108"
    value = value_of(host, {"op": "accounts.remove_member", "group": ADMINISTRATORS, "member": orphan})
    assert value["is_member"] is False
    assert orphan not in host.state["accounts"]["groups"][ADMINISTRATORS]["Members"]


def test_windows_refuses_to_remove_the_builtin_administrator_from_administrators(host):
    sid = f"{machine_sid(host)}-500"
    result = run_one(host, {"op": "accounts.remove_member", "group": ADMINISTRATORS, "member": sid})
    assert (result["ok"], result["code"]) == (False, "failed")
    assert result["error"] == "Cannot perform this operation on built-in accounts."
    assert sid in host.state["accounts"]["groups"][ADMINISTRATORS]["Members"]


@pytest.mark.parametrize(
    ("op", "code", "mentions"),
    [
        ({"op": "accounts.disable", "sid": "S-1-5-21-1-2-3-1001"}, "not_found", "was not found"),
        ({"op": "accounts.disable", "sid": "labadmin"}, "invalid_argument", "argument 'sid'"),
        ({"op": "accounts.group_members", "sid": "S-1-5-32-999"}, "not_found", "Group S-1-5-32-999"),
        ({"op": "accounts.remove_member", "group": "S-1-5-32-999", "member": "S-1-5-4"}, "not_found", "Group"),
        ({"op": "accounts.remove_member", "group": ADMINISTRATORS}, "invalid_argument", "member"),
    ],
)
def test_errors_are_the_protocol_codes(host, op, code, mentions):
    result = run_one(host, op)
    assert (result["ok"], result["code"]) == (False, code)
    assert mentions in result["error"]
