from __future__ import annotations

import pytest

from ansible_collections.onepacs.baseline.plugins.plugin_utils._findings import Outcome
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._transport import OpResult
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._account_policy import OPTIONS, AccountPolicyArea
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._area import InvalidOptionError
from control_results import by_control

DEFAULTS = {name: spec["default"] for name, spec in OPTIONS.items()}
# [System Access] of a fresh Windows 10 as secedit exports it (lockout off: no duration keys).
FRESH = {
    "MinimumPasswordAge": 0,
    "MaximumPasswordAge": 42,
    "MinimumPasswordLength": 0,
    "PasswordComplexity": 0,
    "PasswordHistorySize": 0,
    "LockoutBadCount": 0,
    "RequireLogonToChangePassword": 0,
    "ForceLogoffWhenHourExpire": 0,
    "NewAdministratorName": "Administrator",
    "NewGuestName": "Guest",
    "ClearTextPassword": 0,
    "LSAAnonymousNameLookup": 0,
    "EnableAdminAccount": 0,
    "EnableGuestAccount": 1,
}
HARDENED = {
    **FRESH,
    "MinimumPasswordAge": 1,
    "MaximumPasswordAge": 90,
    "MinimumPasswordLength": 14,
    "PasswordComplexity": 1,
    "PasswordHistorySize": 24,
    "LockoutBadCount": 5,
    "LockoutDuration": 15,
    "ResetLockoutCount": 15,
}
WORKGROUP = {"part_of_domain": False, "domain": "WORKGROUP"}


def results(access, system=None):
    return {
        "secpol": OpResult(ok=True, value={"system_access": access}),
        "system": OpResult(ok=True, value=system or WORKGROUP),
    }


def findings(access, params=None, system=None):
    area = AccountPolicyArea({**DEFAULTS, **(params or {})})
    return by_control(area.evaluate(results(access, system)))


def ops(finding):
    return [change.op for change in finding.changes]


def test_probe_exports_the_policy_and_reads_domain_membership_in_one_request():
    probe = AccountPolicyArea(DEFAULTS).probe_ops()
    assert probe == {"secpol": {"op": "secpol.export"}, "system": {"op": "system.info"}}


def test_fresh_client_drifts_with_one_template_per_control():
    found = findings(FRESH)
    assert {key: f.outcome for key, f in found.items()} == {
        "PWD-01": Outcome.DRIFTED,
        "PWD-02": Outcome.DRIFTED,
        "PWD-03": Outcome.COMPLIANT,
        "PWD-04": Outcome.DRIFTED,
        "PWD-05": Outcome.DRIFTED,
        "PWD-06": Outcome.COMPLIANT,
    }
    assert ops(found["PWD-01"]) == [{"op": "secpol.configure", "system_access": {"PasswordComplexity": 1}}]
    assert ops(found["PWD-02"]) == [{"op": "secpol.configure", "system_access": {"MinimumPasswordLength": 14}}]
    assert ops(found["PWD-04"]) == [{"op": "secpol.configure", "system_access": {"PasswordHistorySize": 24}}]
    assert found["PWD-01"].message == "PasswordComplexity is 0 (password complexity off)"
    assert found["PWD-02"].changes[0].before == 0


def test_lockout_keys_are_written_together_in_one_template():
    found = findings(FRESH)["PWD-05"]
    assert ops(found) == [
        {
            "op": "secpol.configure",
            "system_access": {"LockoutBadCount": 10, "LockoutDuration": 15, "ResetLockoutCount": 15},
        }
    ]
    assert found.actual == {"LockoutBadCount": 0, "LockoutDuration": None, "ResetLockoutCount": None}
    assert found.message == ("LockoutBadCount 0, LockoutDuration not set, ResetLockoutCount not set: lockout is off")


def test_hardened_host_complies_without_changes():
    assert all(f.outcome is Outcome.COMPLIANT and not f.changes for f in findings(HARDENED).values())


def test_stricter_host_values_pass_and_are_kept():
    strict = {
        **HARDENED,
        "MinimumPasswordLength": 20,
        "MaximumPasswordAge": 30,
        "LockoutBadCount": 3,
        "LockoutDuration": -1,
        "ResetLockoutCount": 60,
    }
    found = findings(strict)
    assert all(f.outcome is Outcome.COMPLIANT for f in found.values())


@pytest.mark.parametrize("age", [-1, 0, 400])
def test_passwords_that_never_expire_or_live_too_long_fail_and_get_the_option_value(age):
    found = findings({**HARDENED, "MaximumPasswordAge": age}, {"maximum_password_age_days": 180})["PWD-03"]
    assert found.outcome is Outcome.DRIFTED
    assert ops(found) == [{"op": "secpol.configure", "system_access": {"MaximumPasswordAge": 180}}]
    assert found.expected == "1..180"
    assert ("never expires" in found.message) is (age <= 0)


def test_short_lockout_windows_keep_the_compliant_count_and_raise_the_windows():
    found = findings({**HARDENED, "LockoutBadCount": 10, "LockoutDuration": 10, "ResetLockoutCount": 10})["PWD-05"]
    assert found.changes[0].after == {"LockoutBadCount": 10, "LockoutDuration": 15, "ResetLockoutCount": 15}
    assert found.message.endswith(
        ": lockout lasts 10 minutes (less than 15); the bad-attempt counter resets after 10 minutes (less than 15)"
    )


def test_too_many_attempts_is_lowered_and_a_long_duration_is_kept():
    found = findings({**HARDENED, "LockoutBadCount": 50, "LockoutDuration": 60, "ResetLockoutCount": 30})["PWD-05"]
    assert found.outcome is Outcome.DRIFTED
    assert found.changes[0].after == {"LockoutBadCount": 10, "LockoutDuration": 60, "ResetLockoutCount": 30}


def test_reset_window_longer_than_the_duration_is_brought_within_it():
    found = findings({**HARDENED, "LockoutDuration": 20, "ResetLockoutCount": 30})["PWD-05"]
    assert found.outcome is Outcome.DRIFTED
    assert found.message.endswith("resets after 30 minutes (longer than the lockout)")
    assert found.changes[0].after == {"LockoutBadCount": 5, "LockoutDuration": 20, "ResetLockoutCount": 15}


def test_a_short_duration_makes_a_kept_reset_window_too_long_so_both_move():
    found = findings({**HARDENED, "LockoutDuration": 10, "ResetLockoutCount": 20}, {"lockout_reset_minutes": 15})
    assert found["PWD-05"].changes[0].after == {"LockoutBadCount": 5, "LockoutDuration": 15, "ResetLockoutCount": 15}


def test_thresholds_come_from_the_options():
    params = {
        "minimum_password_length": 12,
        "password_history_size": 10,
        "lockout_threshold": 5,
        "lockout_duration_minutes": 30,
        "lockout_reset_minutes": 30,
    }
    access = {**HARDENED, "MinimumPasswordLength": 12, "PasswordHistorySize": 10}
    found = findings(access, params)
    assert found["PWD-02"].outcome is Outcome.COMPLIANT
    assert found["PWD-04"].outcome is Outcome.COMPLIANT
    assert found["PWD-05"].changes[0].after == {"LockoutBadCount": 5, "LockoutDuration": 30, "ResetLockoutCount": 30}


def test_a_length_above_14_says_it_needs_the_relax_policy():
    found = findings(HARDENED, {"minimum_password_length": 16})["PWD-02"]
    assert found.outcome is Outcome.DRIFTED
    assert "Relax minimum password length limits" in found.message


def test_reversible_encryption_on_is_turned_off():
    found = findings({**HARDENED, "ClearTextPassword": 1})["PWD-06"]
    assert ops(found) == [{"op": "secpol.configure", "system_access": {"ClearTextPassword": 0}}]
    assert found.message == "ClearTextPassword is 1 (reversible password encryption on)"


def test_domain_member_is_reported_but_never_changed_locally():
    found = findings(FRESH, system={"part_of_domain": True, "domain": "clinic.example"})
    drifted = [f for f in found.values() if f.outcome is Outcome.DRIFTED]
    assert len(drifted) == 4
    assert all(not f.changes for f in drifted)
    assert all("member of the domain clinic.example" in f.message for f in drifted)
    assert all("fix it in the domain's GPO" in f.message for f in drifted)


def test_an_unreadable_domain_membership_does_not_block_the_local_fix():
    area = AccountPolicyArea(DEFAULTS)
    found = area.evaluate(
        {
            "secpol": OpResult(ok=True, value={"system_access": FRESH}),
            "system": OpResult(ok=False, code="failed", error="WMI repository corrupt"),
        }
    )
    assert all(f.changes for f in found if f.outcome is Outcome.DRIFTED)


def test_a_failed_export_is_an_error_for_every_control():
    area = AccountPolicyArea(DEFAULTS)
    found = area.evaluate(
        {
            "secpol": OpResult(ok=False, code="access_denied", error="secedit.exe needs an elevated administrator"),
            "system": OpResult(ok=True, value=WORKGROUP),
        }
    )
    assert [f.outcome for f in found] == [Outcome.ERROR] * 6
    assert found[0].message == (
        "could not export the security policy: access_denied: secedit.exe needs an elevated administrator"
    )


def test_read_back_takes_the_written_keys_from_the_exported_section():
    found = findings(FRESH)
    after = {"system_access": HARDENED}
    assert found["PWD-02"].changes[0].verify(after) == (True, 14)
    assert found["PWD-05"].changes[0].verify(after) == (
        False,
        {"LockoutBadCount": 5, "LockoutDuration": 15, "ResetLockoutCount": 15},
    )
    applied = {"system_access": {**FRESH, "LockoutBadCount": 10, "LockoutDuration": 15, "ResetLockoutCount": 15}}
    assert found["PWD-05"].changes[0].verify(applied)[0] is True


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"minimum_password_length": 0}, "minimum_password_length: must be between 1 and 128"),
        ({"maximum_password_age_days": 1000}, "maximum_password_age_days: must be between 1 and 999"),
        ({"password_history_size": 25}, "password_history_size: must be between 1 and 24"),
        ({"lockout_threshold": 0}, "lockout_threshold: must be between 1 and 999"),
        ({"lockout_reset_minutes": 30}, "lockout_reset_minutes: must not exceed lockout_duration_minutes"),
    ],
)
def test_out_of_range_options_are_rejected_naming_the_option(params, message):
    with pytest.raises(InvalidOptionError, match=f"^{message}"):
        AccountPolicyArea({**DEFAULTS, **params})
