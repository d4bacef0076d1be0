from __future__ import annotations

import datetime as dt
import re

import pytest

from ansible_collections.onepacs.baseline.plugins.plugin_utils._exceptions import (
    ControlException,
    InvalidExceptionError,
    parse_exceptions,
)

KNOWN = {"PWR-01", "PWR-02"}
VALID = {"id": "PWR-02", "reason": "imaging tool", "approver": "ciso", "expires": "2027-03-31"}


def test_valid_list_is_indexed_by_control_id():
    parsed = parse_exceptions([VALID], KNOWN)
    assert parsed == {"PWR-02": ControlException("PWR-02", "imaging tool", "ciso", dt.date(2027, 3, 31))}


def test_yaml_dates_are_accepted():
    parsed = parse_exceptions([{**VALID, "expires": dt.date(2027, 3, 31)}], KNOWN)
    assert parsed["PWR-02"].expires == dt.date(2027, 3, 31)


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ("PWR-02", "onepacs_exceptions: expected a list of exceptions, got str"),
        (["PWR-02"], "onepacs_exceptions[0]: expected a mapping with id, reason, approver, expires"),
        ([{**VALID, "expires": "31/03/2027"}], "onepacs_exceptions[0].expires: '31/03/2027' is not a date"),
        ([{**VALID, "id": "PWR-99"}], "onepacs_exceptions[0].id: 'PWR-99' is not a control id of the catalog"),
        ([{**VALID, "reason": " "}], "onepacs_exceptions[0].reason: is required"),
        ([{k: v for k, v in VALID.items() if k != "approver"}], "onepacs_exceptions[0].approver: is required"),
        ([VALID, {**VALID, "id": "PWR-01", "color": "red"}], "onepacs_exceptions[1]: unknown field(s) color"),
        ([VALID, VALID], "onepacs_exceptions[1].id: a second exception for PWR-02"),
    ],
)
def test_every_problem_names_the_variable_entry_and_field(entries, message):
    with pytest.raises(InvalidExceptionError, match=re.escape(message)):
        parse_exceptions(entries, KNOWN, variable="onepacs_exceptions")
