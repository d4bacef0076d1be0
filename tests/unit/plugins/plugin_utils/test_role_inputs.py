from __future__ import annotations

import pytest

from ansible_collections.onepacs.baseline.plugins.plugin_utils._role_inputs import (
    InvalidRoleInputError,
    check_area_settings,
    check_unknown_variables,
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
