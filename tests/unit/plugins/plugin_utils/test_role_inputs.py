from __future__ import annotations

import datetime as dt

import pytest

from ansible_collections.onepacs.baseline.plugins.plugin_utils._catalog import load_catalog
from ansible_collections.onepacs.baseline.plugins.plugin_utils._exceptions import HostIdentity
from ansible_collections.onepacs.baseline.plugins.plugin_utils._role_inputs import (
    InputProblems,
    InvalidRoleInputError,
    check_area_settings,
    check_unknown_variables,
    shared_inputs,
    shared_variable_errors,
)

VARIABLES = {"inactivity_timeout_seconds": "onepacs_gateway_security_options_inactivity_timeout_seconds"}


def test_valid_settings_pass():
    check_area_settings("win_security_options", {"inactivity_timeout_seconds": 600}, VARIABLES)


def test_an_out_of_range_value_names_the_role_variable():
    with pytest.raises(InvalidRoleInputError, match=r"^onepacs_gateway_security_options_inactivity_timeout_seconds: "):
        check_area_settings("win_security_options", {"inactivity_timeout_seconds": 5000}, VARIABLES)


def test_a_wrong_type_names_the_role_variable():
    with pytest.raises(InvalidRoleInputError, match=r"^onepacs_gateway_security_options_inactivity_timeout_seconds: "):
        check_area_settings("win_security_options", {"inactivity_timeout_seconds": "soon"}, VARIABLES)


def test_an_unknown_option_or_module_is_refused():
    with pytest.raises(InvalidRoleInputError, match="hibernate is not an option of win_power"):
        check_area_settings("win_power", {"hibernate": False}, {})
    with pytest.raises(InvalidRoleInputError, match="'win_nothing' is not a control module"):
        check_area_settings("win_nothing", {}, {})


def test_a_misspelt_role_variable_is_named_with_a_guess():
    declared = ["onepacs_gateway_power_hibernation", "onepacs_gateway_enforce"]
    defined = ["ansible_host", "onepacs_gateway_enforce", "onepacs_gateway_power_hibernaton", "onepacs_exceptions"]
    with pytest.raises(InvalidRoleInputError) as caught:
        check_unknown_variables(defined, "onepacs_gateway_", declared)
    assert str(caught.value) == (
        "onepacs_gateway_power_hibernaton: not a variable of this role "
        "(did you mean onepacs_gateway_power_hibernation?)"
    )


def test_variables_of_other_prefixes_are_not_checked():
    check_unknown_variables(["onepacs_report_dir", "onepacs_workstation_x"], "onepacs_gateway_", [])


# ------------------------------------------------------------------ merged, scoped waivers and attestations

TODAY = dt.date(2026, 6, 1)
WAIVER = {"id": "SEC-01", "reason": "kiosk autologon", "approver": "ciso", "expires": "2026-12-31"}
ATTESTED = {"id": "MAN-04", "attested_by": "j.doe", "date": "2026-05-01", "evidence": "ticket 42"}
KIOSK = HostIdentity("ns-kiosk01", frozenset({"workstations", "clinic_northside"}))
GATEWAY = HostIdentity("ns-gw01", frozenset({"gateways", "clinic_northside"}))


def _inputs(variables, host=KIOSK, max_days=365):
    problems = InputProblems()
    inputs = shared_inputs(variables, load_catalog(), host, today=TODAY, max_days=max_days, problems=problems)
    return inputs, problems.errors


def test_a_host_scoped_waiver_covers_its_host_only():
    variables = {"onepacs_exceptions_clinic_northside": [WAIVER | {"hosts": ["ns-kiosk*"]}]}
    assert set(_inputs(variables, KIOSK)[0].exceptions) == {"SEC-01"}
    assert _inputs(variables, GATEWAY)[0].exceptions == {}


def test_a_group_scoped_waiver_covers_the_group_members_only():
    variables = {"onepacs_exceptions": [WAIVER | {"groups": ["workstations"]}]}
    assert set(_inputs(variables, KIOSK)[0].exceptions) == {"SEC-01"}
    assert _inputs(variables, GATEWAY)[0].exceptions == {}


def test_lists_of_every_level_are_merged_and_the_most_specific_entry_wins():
    variables = {
        "onepacs_exceptions": [WAIVER | {"id": "PWR-02"}],
        "onepacs_exceptions_clinic_northside": [WAIVER],
        "onepacs_exceptions_host": [WAIVER | {"hosts": ["ns-kiosk01"], "reason": "this kiosk only"}],
        "onepacs_attestations_clinic": [ATTESTED],
    }
    inputs, errors = _inputs(variables)
    assert errors == []
    assert sorted(inputs.exceptions) == ["PWR-02", "SEC-01"]
    assert inputs.exceptions["SEC-01"].reason == "this kiosk only"
    assert set(inputs.attestations) == {"MAN-04"}
    assert inputs.sources["onepacs_exceptions"] == [
        "onepacs_exceptions",
        "onepacs_exceptions_clinic_northside",
        "onepacs_exceptions_host",
    ]


def test_every_problem_of_a_host_is_reported_with_its_entry_and_field():
    variables = {
        "onepacs_exceptions": [
            WAIVER | {"id": "MAN-4"},
            WAIVER | {"expires": "2099-12-31"},
            {"id": "PWR-02"},
            WAIVER | {"id": "PWR-02"},
        ],
        "onepacs_attestations_clinic": [ATTESTED | {"valid_days": 400}, ATTESTED | {"hosts": []}],
    }
    inputs, errors = _inputs(variables)
    assert errors == [
        "onepacs_exceptions[0].id: 'MAN-4' is not a control id of the catalog (did you mean MAN-04?)",
        "onepacs_exceptions[1].expires: 2099-12-31 is more than 365 days away (the longest a waiver may run; "
        "latest allowed today is 2027-06-01)",
        "onepacs_exceptions[2].reason: is required",
        "onepacs_attestations_clinic[0].valid_days: 400 is more than 365 days (the longest an attestation may "
        "stay current; onepacs_max_waiver_days)",
        "onepacs_attestations_clinic[1].hosts: expected a non-empty list of names",
    ]
    assert list(inputs.exceptions) == ["PWR-02"]  # the good entry is kept


def test_the_maximum_waiver_length_is_configurable():
    variables = {"onepacs_exceptions": [WAIVER | {"expires": "2028-01-01"}]}
    assert _inputs(variables, max_days=365)[1] != []
    assert _inputs(variables, max_days=730)[1] == []


def test_two_equally_specific_waivers_for_one_control_are_ambiguous():
    variables = {"onepacs_exceptions": [WAIVER], "onepacs_exceptions_clinic": [WAIVER | {"approver": "other"}]}
    errors = _inputs(variables)[1]
    assert errors == [
        "onepacs_exceptions_clinic[0].id: a second exception for SEC-01 as specific as onepacs_exceptions[0] "
        "covers this host (narrow one of them with hosts: or groups:)"
    ]


@pytest.mark.parametrize(
    ("name", "guess"),
    [
        ("onepacs_exception", "onepacs_exceptions"),
        ("onepacs_attestation", "onepacs_attestations"),
        ("onepacs_max_waiver_day", "onepacs_max_waiver_days"),
        ("onepacs_exception_kiosk", "onepacs_exceptions"),
    ],
)
def test_a_misspelt_shared_variable_is_caught_with_a_guess(name, guess):
    errors = shared_variable_errors(["ansible_host", "onepacs_exceptions_clinic", "onepacs_report_dir", name])
    assert len(errors) == 1
    assert errors[0].startswith(f"{name}: not a variable of the baseline roles")
    assert f"did you mean {guess}" in errors[0]


def test_unrelated_onepacs_variables_are_left_alone():
    assert shared_variable_errors(["onepacs_site_contact", "onepacs_gateway_x", "onepacs_audit_status"]) == []
