"""Domain-joined lab hosts: domain SIDs resolve only while the domain controller is reachable, Entra ID SIDs never,
and WinRM logons as .\\user, COMPUTER\\user, DOMAIN\\user and user@domain mean what Windows makes of them."""

from __future__ import annotations

import pytest

from winlab.simulator import SimulatedHost

ADMINISTRATORS = "S-1-5-32-544"
DOMAIN_SID = "S-1-5-21-3623811015-3361044348-30300820"
ENTRA_ROLE = "S-1-12-1-2933642706-1140411811-3206117518-3398853457"


def members(host):
    (result,) = host.execute({"v": 1, "ops": [{"op": "accounts.group_members", "sid": ADMINISTRATORS}]})["results"]
    assert result["ok"], result
    return {entry["sid"]: entry["name"] for entry in result["value"]["members"]}


@pytest.fixture
def host():
    return SimulatedHost.from_profile("win11-24h2-domain-joined", name="rd02")


def away(host):
    host.state["accounts"]["domain"]["controller_reachable"] = False
    return host


def test_domain_members_resolve_while_the_domain_controller_answers(host):
    names = members(host)
    assert names[f"{DOMAIN_SID}-512"] == "CLINIC\\Domain Admins"
    assert names[ENTRA_ROLE] == ""  # Entra ID SIDs never resolve on the host


def test_domain_members_do_not_resolve_without_the_domain_controller(host):
    names = members(away(host))
    assert names[f"{DOMAIN_SID}-512"] == ""
    assert names[f"{DOMAIN_SID}-1120"] == ""


@pytest.mark.parametrize("logon", ["labadmin", ".\\labadmin", "RD02\\labadmin", "rd02\\LABADMIN"])
def test_local_logon_forms(host, logon):
    assert host.admits(logon, 5985) == (True, "admitted")


@pytest.mark.parametrize("logon", ["CLINIC\\svc-ansible", "svc-ansible@clinic.local", "clinic\\SVC-ANSIBLE"])
def test_a_domain_administrator_logs_on_through_its_domain_group_only_while_the_controller_answers(host, logon):
    assert host.admits(logon, 5985) == (True, "admitted")
    admitted, reason = away(host).admits(logon, 5985)
    assert admitted is False
    assert "no domain controller of CLINIC is reachable" in reason


def test_a_domain_name_for_a_local_account_is_not_the_local_account(host):
    admitted, reason = host.admits("CLINIC\\labadmin", 5985)
    assert admitted is False
    assert "no such domain account" in reason
    assert host.admits("OTHER\\labadmin", 5985)[0] is False


def test_removing_the_domain_group_removes_the_domain_account_s_rights(host):
    group = host.state["accounts"]["groups"][ADMINISTRATORS]
    group["Members"].remove(f"{DOMAIN_SID}-512")
    admitted, reason = host.admits("CLINIC\\svc-ansible", 5985)
    assert admitted is False
    assert "not a member of Administrators" in reason


def test_a_domain_account_is_not_filtered_by_uac_remote_restrictions(host):
    host.state["registry"]["HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System"][
        "LocalAccountTokenFilterPolicy"
    ] = {"type": "DWord", "data": 0}
    assert host.admits("labadmin", 5985)[0] is False
    assert host.admits("CLINIC\\svc-ansible", 5985) == (True, "admitted")
