from __future__ import annotations

import datetime as dt

import pytest

from ansible_collections.onepacs.baseline.plugins.plugin_utils._catalog import load_catalog
from ansible_collections.onepacs.baseline.plugins.plugin_utils._engine import (
    HostProfile,
    Policy,
    conclude,
    decide,
    pending_changes,
)
from ansible_collections.onepacs.baseline.plugins.plugin_utils._exceptions import ControlException
from ansible_collections.onepacs.baseline.plugins.plugin_utils._findings import Change, Finding
from ansible_collections.onepacs.baseline.plugins.plugin_utils._records import Status
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._transport import OpResult

TODAY = dt.date(2026, 11, 25)
CATALOG = load_catalog()


def change(before=1, after=0, setting="HiberbootEnabled"):
    return Change(
        setting=setting,
        before=before,
        after=after,
        op={"op": "registry.set", "path": "HKLM:\\X", "name": setting, "type": "DWord", "data": after},
        read_back=lambda value: value["data"],
    )


def drifted(control_id="PWR-03", changes=None):
    return Finding.compare(
        control_id, expected=0, actual=1, compliant=False, changes=(change(),) if changes is None else changes
    )


def policy(**overrides):
    values = {"today": TODAY, "check_mode": False, "enforce": True}
    values.update(overrides)
    return Policy(**values)


def exception(control_id="PWR-03", expires=dt.date(2027, 1, 31)):
    return {control_id: ControlException(control_id, "vendor tool", "ciso@clinic.example", expires)}


def one(findings, pol, apply_results=None, apply_error=None):
    decisions = decide(findings, CATALOG, pol)
    return decisions, conclude(decisions, apply_results, apply_error)


def test_compliant_is_pass_and_unchanged():
    finding = Finding.compare("PWR-03", expected=0, actual=0, compliant=True, changes=(change(),), message="ok")
    decisions, (record,) = one([finding], policy())
    assert (record.status, record.changed, record.message) == (Status.PASS, False, "ok")
    assert pending_changes(decisions) == []


def test_check_mode_reports_fail_and_would_change_without_applying():
    decisions, (record,) = one([drifted()], policy(check_mode=True))
    assert (record.status, record.changed) == (Status.FAIL, True)
    assert record.message == "would set HiberbootEnabled: 1 -> 0"
    assert pending_changes(decisions) == []


def test_enforce_applies_and_a_verified_read_back_is_fixed():
    decisions = decide([drifted()], CATALOG, policy())
    assert [c.op["data"] for c in pending_changes(decisions)] == [0]
    (record,) = conclude(decisions, [OpResult(ok=True, value={"exists": True, "data": 0})])
    assert (record.status, record.changed, record.actual) == (Status.FIXED, True, 0)
    assert record.message == "set HiberbootEnabled: 1 -> 0"


def test_a_read_back_that_differs_is_an_error_not_fixed():
    _, (record,) = one([drifted()], policy(), [OpResult(ok=True, value={"exists": True, "data": 1})])
    assert record.status is Status.ERROR
    assert record.message == "HiberbootEnabled: wrote 0 but read back 1"


def test_a_failed_set_op_is_an_error_with_its_cause():
    failed = OpResult(ok=False, code="access_denied", error="Requested registry access is not allowed.")
    _, (record,) = one([drifted()], policy(), [failed])
    assert record.status is Status.ERROR
    assert record.message == "HiberbootEnabled: access_denied: Requested registry access is not allowed."


def test_a_lost_connection_after_the_write_is_an_error_and_never_fixed():
    _, (record,) = one([drifted()], policy(), apply_error="connection dropped")
    assert (record.status, record.changed) == (Status.ERROR, False)
    assert "not confirmed (connection dropped)" in record.message


def test_enforce_off_reports_fail_without_changes():
    decisions, (record,) = one([drifted()], policy(enforce=False))
    assert (record.status, record.changed) == (Status.FAIL, False)
    assert record.message.startswith("drifted; enforcement is off")
    assert pending_changes(decisions) == []


def test_drift_without_a_fix_is_fail_with_the_finding_message():
    finding = Finding.compare("PWR-03", expected=0, actual=1, compliant=False, message="audit only")
    _, (record,) = one([finding], policy())
    assert (record.status, record.message) == (Status.FAIL, "audit only")


def test_active_exception_is_excepted_and_not_enforced():
    decisions, (record,) = one([drifted()], policy(exceptions=exception()))
    assert record.status is Status.EXCEPTED
    assert record.message == "excepted until 2027-01-31 (approved by ciso@clinic.example): vendor tool"
    assert pending_changes(decisions) == []


def test_exception_is_active_through_its_last_day():
    _, (record,) = one([drifted()], policy(exceptions=exception(expires=TODAY)))
    assert record.status is Status.EXCEPTED


def test_expired_exception_fails_with_the_date_and_a_warning_and_is_not_enforced():
    decisions, (record,) = one([drifted()], policy(exceptions=exception(expires=dt.date(2026, 11, 24))))
    assert record.status is Status.FAIL
    assert record.message == "exception expired on 2026-11-24; not enforced until the exception is renewed or removed"
    assert decisions[0].warnings == (f"PWR-03: {record.message}",)
    assert pending_changes(decisions) == []


def test_expired_exception_on_a_compliant_host_passes_with_a_warning():
    finding = Finding.compare("PWR-03", expected=0, actual=0, compliant=True)
    decisions, (record,) = one([finding], policy(exceptions=exception(expires=dt.date(2025, 1, 1))))
    assert record.status is Status.PASS
    assert "the exception can be removed" in decisions[0].warnings[0]


def test_physical_only_control_is_not_applicable_on_a_virtual_host():
    finding = Finding.compare("MAN-01", expected="attested", actual=None, compliant=False)
    _, (record,) = one([finding], policy(host=HostProfile(is_virtual=True, os_family="server")))
    assert record.status is Status.NOT_APPLICABLE
    assert record.message == "MAN-01 applies to physical machines only on the gateway baseline; this host is virtual"


def test_baseline_decides_physical_only_applicability():
    host = HostProfile(is_virtual=True, os_family="client")
    finding = Finding.compare("ENC-01", expected="encrypted", actual="off", compliant=False)
    _, (on_workstation,) = one([finding], policy(host=host, baseline="workstation"))
    _, (on_gateway,) = one([finding], policy(host=HostProfile(is_virtual=True, os_family="server"), baseline="gateway"))
    assert on_workstation.status is Status.FAIL
    assert on_gateway.status is Status.NOT_APPLICABLE


def test_error_finding_stays_an_error_whatever_the_policy():
    _, (record,) = one([Finding.error("PWR-01", "could not read")], policy(exceptions=exception("PWR-01")))
    assert (record.status, record.message) == (Status.ERROR, "could not read")


def test_results_map_back_to_their_controls_in_order():
    findings = [drifted("PWR-01", (change(setting="a"), change(setting="b"))), drifted("PWR-03")]
    decisions = decide(findings, CATALOG, policy())
    values = [
        OpResult(ok=True, value={"data": 0}),
        OpResult(ok=True, value={"data": 9}),
        OpResult(ok=True, value={"data": 0}),
    ]
    first, second = conclude(decisions, values)
    assert (first.status, first.message) == (Status.ERROR, "b: wrote 0 but read back 9")
    assert second.status is Status.FIXED


def test_unknown_control_id_in_a_finding_is_a_programming_error():
    with pytest.raises(KeyError):
        decide([drifted("NOPE-99")], CATALOG, policy())


def test_a_partly_refused_fix_is_fail_with_what_was_set_and_what_remains():
    finding = Finding.compare(
        "ACC-03", expected=["a"], actual=["a", "b", "c"], compliant=False, changes=(change(),), residual="c is kept"
    )
    _, (checked,) = one([finding], policy(check_mode=True))
    assert checked.message == "would set HiberbootEnabled: 1 -> 0; would still fail: c is kept"
    _, (record,) = one([finding], policy(), [OpResult(ok=True, value={"data": 0})])
    assert (record.status, record.changed) == (Status.FAIL, True)
    assert record.message == "set HiberbootEnabled: 1 -> 0; still failing: c is kept"


def test_a_message_names_ten_changes_then_how_many_more():
    many = tuple(change(setting=f"rule {number}") for number in range(3000))
    decisions, (record,) = one([drifted(changes=many)], policy(check_mode=True))
    assert record.message.startswith("would set rule 0: 1 -> 0; rule 1: 1 -> 0;")
    assert record.message.endswith("; rule 9: 1 -> 0; and 2990 more")
    assert len(record.message) < 300
    assert pending_changes(decisions) == []
