from __future__ import annotations

import re

import pytest

from ansible_collections.onepacs.baseline.plugins.plugin_utils._findings import Outcome
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._transport import OpResult
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._area import Connection, InvalidOptionError
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._local_accounts import (
    ADMINISTRATORS_SID,
    OPTIONS,
    LocalAccountsArea,
)
from control_results import by_control

DEFAULTS = {name: spec["default"] for name, spec in OPTIONS.items()}
MACHINE = "S-1-5-21-4016283745-2231190527-1873302664"
COMPUTER = "RD01"
NOW = "2026-03-01T12:00:00Z"
RECENT = "2026-02-27T08:00:00Z"  # 2 days before NOW
OLD = "2025-08-01T08:00:00Z"  # 212 days before NOW
DOMAIN_GROUP = "S-1-5-21-1004336348-1177238915-682003330-512"
#: A deleted local account: the machine's own prefix, no account behind it.
ORPHAN = f"{MACHINE}-1108"
#: SIDs that do not resolve now but are not local: a domain group while no domain controller answers, an Entra ID
#: role on an Entra-joined PC (the "Azure AD Joined Device Local Administrator" role SID shape).
UNRESOLVED_DOMAIN = "S-1-5-21-1004336348-1177238915-682003330-1108"
ENTRA_ROLE = "S-1-12-1-2933642706-1140411811-3206117518-3398853457"
ENFORCE_ALL = {"administrators_mode": "enforce", "unused_accounts_mode": "enforce"}
LAB = Connection(user="labadmin", port=5985)


def sid(rid):
    return f"{MACHINE}-{rid}"


def user(rid, name, enabled=True, last_logon=RECENT, password_last_set=OLD):
    return {
        "sid": sid(rid),
        "name": name,
        "full_name": "",
        "enabled": enabled,
        "last_logon": last_logon,
        "password_last_set": password_last_set,
    }


def member(member_sid, name, member_class="User"):
    return {"sid": member_sid, "name": name, "class": member_class}


def local(rid, name):
    return member(sid(rid), f"{COMPUTER}\\{name}")


# A workstation like the win10-22h2-fresh lab profile, dated against NOW.
USERS = [
    user(500, "Administrator", enabled=False, last_logon=None),
    user(501, "Guest", enabled=True, last_logon=None, password_last_set=None),
    user(503, "DefaultAccount", enabled=False, last_logon=None, password_last_set=None),
    user(1001, "labadmin"),
    user(1002, "reading"),
    user(1003, "dr.patel"),
    user(1004, "olduser", last_logon=OLD),
]
ADMINS = [local(500, "Administrator"), local(1001, "labadmin"), local(1002, "reading")]


def results(users=USERS, admins=ADMINS, now=NOW):
    return {
        "users": OpResult(ok=True, value={"computer_name": COMPUTER, "now": now, "users": users}),
        "administrators": OpResult(
            ok=True, value={"sid": ADMINISTRATORS_SID, "name": "Administrators", "members": admins}
        ),
    }


def evaluate(params=None, connection=LAB, **probe):
    area = LocalAccountsArea({**DEFAULTS, **(params or {})}, connection)
    return by_control(area.evaluate(results(**probe)))


def ops(finding):
    return [change.op for change in finding.changes]


def disable(rid):
    return {"op": "accounts.disable", "sid": sid(rid)}


def remove(member_sid):
    return {"op": "accounts.remove_member", "group": ADMINISTRATORS_SID, "member": member_sid}


def test_probe_reads_users_and_administrators_by_sid():
    assert LocalAccountsArea(DEFAULTS).probe_ops() == {
        "users": {"op": "accounts.users"},
        "administrators": {"op": "accounts.group_members", "sid": "S-1-5-32-544"},
    }


def test_defaults_audit_everything_but_the_guest():
    found = evaluate()
    assert {key: f.outcome for key, f in found.items()} == {
        "ACC-01": Outcome.DRIFTED,
        "ACC-02": Outcome.DRIFTED,
        "ACC-03": Outcome.DRIFTED,
        "ACC-04": Outcome.DRIFTED,
        "ACC-05": Outcome.COMPLIANT,
    }
    assert ops(found["ACC-02"]) == [disable(501)]
    assert [found[key].changes for key in ("ACC-01", "ACC-03", "ACC-04", "ACC-05")] == [(), (), (), ()]


# ------------------------------------------------------------------------------------------------ ACC-01


def test_allowlist_matches_names_case_insensitively_sids_and_local_qualifiers():
    allowed = ["LABADMIN", sid(1002), ".\\dr.patel", f"{COMPUTER.lower()}\\olduser"]
    assert evaluate({"allowed_accounts": allowed})["ACC-01"].outcome is Outcome.COMPLIANT


def test_a_qualifier_of_another_domain_does_not_allow_a_local_account():
    found = evaluate({"allowed_accounts": ["labadmin", "reading", "dr.patel", "CORP\\olduser"]})["ACC-01"]
    assert found.outcome is Outcome.DRIFTED
    assert found.message.startswith("enabled local accounts not on the allow list: olduser; audit only")


def test_unlisted_accounts_are_named_and_builtins_by_their_rid():
    users = [*USERS[:1], user(500, "Administrator"), *USERS[2:]][1:]
    found = evaluate({"allowed_accounts": ["labadmin", "reading", "dr.patel"]}, users=users)["ACC-01"]
    assert found.message.startswith(
        "enabled local accounts not on the allow list: Administrator (built-in Administrator, RID 500), olduser;"
    )
    assert found.actual == ["Administrator", "dr.patel", "labadmin", "olduser", "reading"]


def test_the_guest_is_left_to_acc_02_and_an_empty_allowlist_is_pointed_out():
    found = evaluate()["ACC-01"]
    assert "Guest" not in found.message
    assert found.message.endswith("(allowed_accounts is empty)")


# ------------------------------------------------------------------------------------------------ ACC-02


def test_an_enabled_guest_is_disabled_by_sid_and_read_back():
    found = evaluate()["ACC-02"]
    assert found.message == "the built-in Guest account (Guest, RID 501) is enabled"
    change = found.changes[0]
    assert (change.before, change.after) == (True, False)
    assert change.verify({"sid": sid(501), "name": "Guest", "enabled": False}) == (True, False)


def test_a_localized_guest_is_found_by_its_rid():
    users = [user(501, "Invité", enabled=False, last_logon=None), *USERS[2:]]
    found = evaluate(users=users)["ACC-02"]
    assert found.outcome is Outcome.COMPLIANT
    assert found.message == "the built-in Guest account (Invité, RID 501) is disabled"


def test_no_guest_is_not_applicable():
    assert evaluate(users=USERS[2:])["ACC-02"].outcome is Outcome.NOT_APPLICABLE


# ------------------------------------------------------------------------------------------------ ACC-03


def test_administrators_audit_by_default_names_the_others_and_removes_nothing():
    found = evaluate()["ACC-03"]
    assert found.outcome is Outcome.DRIFTED
    assert not found.changes
    assert found.message == (
        "members of Administrators not on the allow list: labadmin, reading; audit only (administrators_mode: "
        "audit): nothing is removed"
    )


def test_the_builtin_administrator_is_always_allowed_because_windows_cannot_remove_it():
    found = evaluate({"allowed_administrators": ["labadmin", "reading"]})["ACC-03"]
    assert found.outcome is Outcome.COMPLIANT


def test_enforce_removes_each_other_member_by_sid_including_orphans_and_domain_groups():
    admins = [*ADMINS, member(ORPHAN, "", ""), member(DOMAIN_GROUP, "CORP\\Domain Admins", "Group")]
    found = evaluate({"administrators_mode": "enforce", "allowed_administrators": ["labadmin"]}, admins=admins)
    acc03 = found["ACC-03"]
    assert ops(acc03) == [remove(sid(1002)), remove(ORPHAN), remove(DOMAIN_GROUP)]
    assert f"{ORPHAN} (orphaned SID: a local account that no longer exists)" in acc03.message
    assert acc03.changes[0].verify({"group": ADMINISTRATORS_SID, "member": sid(1002), "is_member": False})[0]


@pytest.mark.parametrize("entry", ["Domain Admins", "corp\\domain admins", DOMAIN_GROUP.lower()])
def test_domain_principals_are_allowed_by_bare_name_qualified_name_or_sid(entry):
    admins = [*ADMINS, member(DOMAIN_GROUP, "CORP\\Domain Admins", "Group")]
    params = {"allowed_administrators": ["labadmin", "reading", entry]}
    assert evaluate(params, admins=admins)["ACC-03"].outcome is Outcome.COMPLIANT


def test_an_unreadable_group_is_an_error_for_acc_03_only():
    probe = results()
    probe["administrators"] = OpResult(ok=False, code="not_found", error="Group S-1-5-32-544 was not found.")
    found = by_control(LocalAccountsArea(DEFAULTS, LAB).evaluate(probe))
    assert found["ACC-03"].outcome is Outcome.ERROR
    assert found["ACC-01"].outcome is Outcome.DRIFTED


# ------------------------------------------------------------------------------------------------ ACC-04


def test_unused_accounts_are_listed_with_their_age_and_disabled_only_with_the_opt_in():
    audit = evaluate()["ACC-04"]
    assert audit.actual == ["olduser"]
    assert audit.message == (
        "enabled accounts unused for more than 90 days: olduser (last logon 212 days ago); audit only "
        "(unused_accounts_mode: audit): nothing is disabled"
    )
    assert not audit.changes
    assert ops(evaluate({"unused_accounts_mode": "enforce"})["ACC-04"]) == [disable(1004)]


def test_never_logged_on_accounts_are_dated_by_their_password_and_undated_ones_are_not_judged():
    users = [
        *USERS[:4],
        user(1005, "temp", last_logon=None, password_last_set=OLD),
        user(1006, "newhire", last_logon=None, password_last_set=RECENT),
        user(1007, "mustchange", last_logon=None, password_last_set=None),
    ]
    found = evaluate({"unused_accounts_mode": "enforce"}, users=users)["ACC-04"]
    assert found.actual == ["temp"]
    assert ops(found) == [disable(1005)]
    assert "temp (never logged on, password set 212 days ago)" in found.message
    assert found.message.endswith("; not judged (never logged on, no password date): mustchange")


def test_ages_use_the_hosts_clock_and_the_option():
    found = evaluate({"unused_account_days": 300}, now="2026-03-01T12:00:00Z")["ACC-04"]
    assert found.outcome is Outcome.COMPLIANT
    later = evaluate({"unused_account_days": 300}, now="2026-06-01T12:00:00Z")["ACC-04"]
    assert later.actual == ["olduser"]


def test_disabled_accounts_and_the_guest_are_never_unused():
    users = [user(501, "Guest", last_logon=OLD), user(1004, "olduser", enabled=False, last_logon=OLD)]
    assert evaluate(users=users, admins=[])["ACC-04"].outcome is Outcome.COMPLIANT


# ------------------------------------------------------------------------------------------------ ACC-05


@pytest.mark.parametrize(
    ("name", "enabled", "outcome"),
    [
        ("Administrator", True, Outcome.DRIFTED),
        ("Administrateur", True, Outcome.DRIFTED),
        ("clinicadm", True, Outcome.COMPLIANT),
        ("Administrator", False, Outcome.COMPLIANT),
    ],
)
def test_builtin_administrator_must_be_disabled_or_renamed(name, enabled, outcome):
    users = [user(500, name, enabled=enabled), *USERS[1:]]
    found = evaluate(users=users)["ACC-05"]
    assert found.outcome is outcome
    assert found.actual == {"name": name, "enabled": enabled}
    assert not found.changes


def test_default_names_are_an_option():
    users = [user(500, "Beheerder"), *USERS[1:]]
    found = evaluate({"default_administrator_names": ["Administrator", "Beheerder"]}, users=users)["ACC-05"]
    assert found.outcome is Outcome.DRIFTED
    assert found.message.startswith("the built-in Administrator (RID 500) is enabled and still has its default name")


# ------------------------------------------------------------------------------------------------ lockout guards
# Each test fails if its guard is taken out of _LockoutGuard.


@pytest.mark.parametrize("connecting", ["labadmin", "LabAdmin", ".\\labadmin", f"{COMPUTER}\\labadmin"])
def test_the_connecting_account_is_never_removed_from_administrators(connecting):
    found = evaluate(ENFORCE_ALL, connection=Connection(user=connecting))["ACC-03"]
    assert ops(found) == [remove(sid(1002))]
    assert found.outcome is Outcome.DRIFTED
    assert "labadmin is not removed: it is the account this play connects as (lockout guard)" in found.message


def test_the_connecting_account_is_never_disabled_when_it_looks_unused():
    users = [*USERS[:3], user(1001, "labadmin", last_logon=OLD), *USERS[4:]]
    found = evaluate(ENFORCE_ALL, users=users)["ACC-04"]
    assert ops(found) == [disable(1004)]
    assert "labadmin is not disabled: it is the account this play connects as (lockout guard)" in found.message


def test_the_last_enabled_administrator_is_never_removed():
    # The controller connects with a domain account that is not a local member; both local admins are unlisted.
    found = evaluate(ENFORCE_ALL, connection=Connection(user="CORP\\ansible"))["ACC-03"]
    assert ops(found) == [remove(sid(1001))]
    assert "reading is not removed: it is the last enabled member of Administrators (lockout guard)" in found.message


@pytest.mark.parametrize("connecting", ["CORP\\ansible", "ansible@corp.example", "ansible"])
def test_a_domain_principal_is_never_removed_while_the_controller_is_not_a_local_account(connecting):
    # The controller may be an administrator only through CORP\Domain Admins, which the host cannot expand.
    admins = [*ADMINS, member(DOMAIN_GROUP, "CORP\\Domain Admins", "Group"), member(ORPHAN, "", "")]
    params = {**ENFORCE_ALL, "allowed_administrators": ["labadmin", "reading"]}
    found = evaluate(params, connection=Connection(user=connecting), admins=admins)["ACC-03"]
    assert ops(found) == [remove(ORPHAN)]
    assert (
        "CORP\\Domain Admins is not removed: the connecting account is not itself an enabled, direct member of "
        "Administrators and may hold its rights through it (lockout guard)"
    ) in found.message


def test_a_domain_principal_is_removed_when_the_controller_is_a_local_administrator():
    admins = [*ADMINS, member(DOMAIN_GROUP, "CORP\\Domain Admins", "Group")]
    params = {**ENFORCE_ALL, "allowed_administrators": ["labadmin", "reading"]}
    found = evaluate(params, connection=Connection(user=f"{COMPUTER}\\labadmin"), admins=admins)["ACC-03"]
    assert ops(found) == [remove(DOMAIN_GROUP)]


def test_the_last_enabled_administrator_is_never_disabled():
    users = [*USERS[:3], user(1001, "labadmin", last_logon=OLD), user(1002, "reading", last_logon=OLD)]
    found = evaluate(ENFORCE_ALL, connection=Connection(user="CORP\\ansible"), users=users)
    assert ops(found["ACC-04"]) == [disable(1001)]
    assert "reading is not disabled: it is the last enabled member of Administrators" in found["ACC-04"].message


def test_the_guard_counts_the_changes_planned_before_it():
    # ACC-04 disables labadmin first, so ACC-03 may no longer remove reading, the last enabled administrator.
    users = [*USERS[:3], user(1001, "labadmin", last_logon=OLD), *USERS[4:]]
    params = {**ENFORCE_ALL, "allowed_administrators": ["labadmin"]}
    found = evaluate(params, connection=Connection(user="CORP\\ansible"), users=users)
    assert ops(found["ACC-04"]) == [disable(1001), disable(1004)]
    assert not found["ACC-03"].changes
    assert "reading is not removed: it is the last enabled member of Administrators" in found["ACC-03"].message


def test_an_unknown_connecting_account_protects_every_administrator_but_not_the_guest():
    users = [*USERS[:3], user(1001, "labadmin", last_logon=OLD), *USERS[4:]]
    found = evaluate(ENFORCE_ALL, connection=Connection(), users=users)
    assert ops(found["ACC-02"]) == [disable(501)]
    assert ops(found["ACC-03"]) == []
    assert ops(found["ACC-04"]) == [disable(1004)]
    assert "the connecting account is unknown and could be this administrator" in found["ACC-03"].message
    assert "labadmin is not disabled: the connecting account is unknown" in found["ACC-04"].message


def test_without_the_administrators_membership_no_account_is_disabled():
    probe = results()
    probe["administrators"] = OpResult(ok=False, code="failed", error="RPC server unavailable")
    area = LocalAccountsArea({**DEFAULTS, **ENFORCE_ALL}, LAB)
    found = by_control(area.evaluate(probe))
    assert not found["ACC-02"].changes
    assert not found["ACC-04"].changes
    assert "the members of Administrators could not be read" in found["ACC-02"].message


def test_a_workstation_whose_only_administrator_is_the_connecting_account_stays_manageable():
    users = [
        user(500, "Administrator", enabled=False, last_logon=None),
        user(501, "Guest", enabled=True, last_logon=None, password_last_set=None),
        user(1001, "labadmin", last_logon=OLD),
    ]
    admins = [local(500, "Administrator"), local(1001, "labadmin")]
    found = evaluate(ENFORCE_ALL, users=users, admins=admins)
    planned = [op for finding in found.values() for op in ops(finding)]
    assert planned == [disable(501)]
    assert found["ACC-03"].outcome is Outcome.DRIFTED
    assert found["ACC-04"].outcome is Outcome.DRIFTED


# ------------------------------------------------------------------------------------------------ errors, options


def test_unreadable_users_are_an_error_for_every_control():
    probe = results()
    probe["users"] = OpResult(ok=False, code="access_denied", error="Access is denied.")
    found = LocalAccountsArea(DEFAULTS, LAB).evaluate(probe)
    assert [f.outcome for f in found] == [Outcome.ERROR] * 5
    assert found[0].message == "could not read the local accounts: access_denied: Access is denied."


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"unused_account_days": 0}, "unused_account_days: must be 1 or more days"),
        ({"allowed_accounts": ["labadmin", " "]}, "allowed_accounts[1]: an empty name"),
        ({"allowed_administrators": [""]}, "allowed_administrators[0]: an empty name"),
    ],
)
def test_bad_options_are_rejected_naming_the_option(params, message):
    with pytest.raises(InvalidOptionError, match=f"^{re.escape(message)}"):
        LocalAccountsArea({**DEFAULTS, **params})


@pytest.mark.parametrize("unresolved", [UNRESOLVED_DOMAIN, ENTRA_ROLE])
def test_an_unresolved_sid_that_is_not_a_local_account_is_reported_and_never_removed(unresolved):
    admins = [*ADMINS, member(unresolved, "", ""), member(ORPHAN, "", "")]
    found = evaluate({**ENFORCE_ALL, "allowed_administrators": ["labadmin", "reading"]}, admins=admins)["ACC-03"]
    assert ops(found) == [remove(ORPHAN)]
    assert f"{unresolved} (unresolved" in found.message
    assert "it may be a domain or Entra ID group through which administrators hold their rights" in found.message
    assert "orphaned" not in found.message.split(unresolved, 1)[1].split(";", 1)[0]


def test_an_unresolved_sid_can_be_allowed_by_sid():
    admins = [*ADMINS, member(ENTRA_ROLE, "", "")]
    params = {**ENFORCE_ALL, "allowed_administrators": ["labadmin", "reading", ENTRA_ROLE]}
    assert evaluate(params, admins=admins)["ACC-03"].changes == ()


def test_a_local_group_is_not_removed_when_the_controller_may_be_an_administrator_only_through_it():
    nested = member(sid(1010), f"{COMPUTER}\\ClinicAdmins", "Group")
    admins = [local(500, "Administrator"), local(1002, "reading"), nested]
    found = evaluate({**ENFORCE_ALL, "allowed_administrators": ["reading"]}, admins=admins)["ACC-03"]
    assert remove(sid(1010)) not in ops(found)
    assert (
        "ClinicAdmins is not removed: the connecting account is not itself an enabled, direct member" in found.message
    )


def test_without_the_built_in_administrator_no_sid_is_provably_local_so_none_is_orphaned():
    users = [entry for entry in USERS if not entry["sid"].endswith("-500")]
    admins = [local(1001, "labadmin"), local(1002, "reading"), member(ORPHAN, "", "")]
    found = evaluate({**ENFORCE_ALL, "allowed_administrators": ["labadmin", "reading"]}, users=users, admins=admins)
    assert found["ACC-03"].changes == ()


def test_names_compare_case_insensitively_without_other_folding():
    users = [*USERS, user(1005, "Straße")]
    admins = [*ADMINS, local(1005, "Straße")]
    params = {"allowed_administrators": ["labadmin", "reading", "STRASSE"]}
    assert evaluate(params, users=users, admins=admins)["ACC-03"].outcome.value == "drifted"
    params = {"allowed_administrators": ["labadmin", "reading", "STRAßE"]}
    assert evaluate(params, users=users, admins=admins)["ACC-03"].outcome.value == "compliant"


def test_a_domain_controller_has_no_local_account_controls():
    area = LocalAccountsArea({**DEFAULTS, **ENFORCE_ALL}, LAB)
    probe = results()
    probe["users"] = OpResult(ok=True, value={**probe["users"].value, "product_type": 2})
    found = area.evaluate(probe)
    assert {finding.outcome.value for finding in found} == {"not_applicable"}
    assert all("domain controller" in finding.message for finding in found)
    assert all(finding.changes == () for finding in found)


def test_many_administrators_are_listed_briefly_and_fully_in_actual():
    extra = [user(2000 + index, f"tech{index}") for index in range(40)]
    admins = [*ADMINS, *(local(2000 + index, f"tech{index}") for index in range(40))]
    found = evaluate({"allowed_administrators": ["labadmin", "reading"]}, users=[*USERS, *extra], admins=admins)
    acc03 = found["ACC-03"]
    assert "tech9, and 30 more" in acc03.message
    assert len(acc03.actual) == 43
