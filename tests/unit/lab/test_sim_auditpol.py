"""auditpol.get / auditpol.set in the simulator: subcategories by GUID only, one side at a time, not_found for a
subcategory the host lacks."""

from __future__ import annotations

import pytest

from sim_requests import run_one, value_of

LOGON = "0cce9215-69ae-11d9-bed3-505054503030"
ACCOUNT_LOCKOUT = "0cce9217-69ae-11d9-bed3-505054503030"
UNKNOWN = "11111111-2222-3333-4444-555555555555"


def test_get_answers_in_asked_order_in_the_protocols_guid_form_whatever_form_was_asked(server):
    value = value_of(server, {"op": "auditpol.get", "guids": ["{0CCE9217-69AE-11D9-BED3-505054503030}", LOGON]})
    assert value == {
        "subcategories": [
            {"guid": ACCOUNT_LOCKOUT, "success": True, "failure": False},
            {"guid": LOGON, "success": True, "failure": True},
        ]
    }


def test_get_without_guids_lists_every_subcategory(server):
    subcategories = value_of(server, {"op": "auditpol.get"})["subcategories"]
    assert len(subcategories) == len(server.state["auditpol"]) == 59
    assert all(entry["guid"] == entry["guid"].lower() and "{" not in entry["guid"] for entry in subcategories)


def test_get_of_an_unknown_subcategory_is_not_found_and_a_non_guid_is_invalid(server):
    assert run_one(server, {"op": "auditpol.get", "guids": [UNKNOWN]})["code"] == "not_found"
    result = run_one(server, {"op": "auditpol.get", "guids": ["Logon"]})
    assert (result["code"], result["error"].startswith("argument 'guids'")) == ("invalid_argument", True)


def test_set_changes_only_the_given_side_and_reads_back(server):
    value = value_of(server, {"op": "auditpol.set", "guid": ACCOUNT_LOCKOUT, "failure": True})
    assert value == {"guid": ACCOUNT_LOCKOUT, "success": True, "failure": True}
    value = value_of(server, {"op": "auditpol.set", "guid": ACCOUNT_LOCKOUT, "success": False})
    assert value == {"guid": ACCOUNT_LOCKOUT, "success": False, "failure": True}
    assert value_of(server, {"op": "auditpol.get", "guids": [ACCOUNT_LOCKOUT]})["subcategories"] == [value]


@pytest.mark.parametrize(
    ("op", "code"),
    [
        ({"op": "auditpol.set", "guid": LOGON}, "invalid_argument"),
        ({"op": "auditpol.set", "guid": UNKNOWN, "success": True}, "not_found"),
        ({"op": "auditpol.set", "guid": "Logon", "success": True}, "invalid_argument"),
        ({"op": "auditpol.set", "guid": LOGON, "success": "enable"}, "invalid_argument"),
    ],
)
def test_set_errors(server, op, code):
    before = server.snapshot()
    assert run_one(server, op)["code"] == code
    assert server.snapshot() == before
