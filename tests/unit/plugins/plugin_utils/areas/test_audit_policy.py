from __future__ import annotations

import pytest

from agent_messages import REGISTRY_NO_KEY, registry_answer
from ansible_collections.onepacs.baseline.plugins.plugin_utils._findings import Outcome
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._transport import OpResult
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._area import InvalidOptionError
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._audit_policy import (
    AUDIT_REQUIREMENTS,
    EVENTLOG_POLICY_KEY,
    LSA_KEY,
    AuditPolicyArea,
    describe_sides,
    subcategory_change,
)
from control_results import by_control

DEFAULTS = {"security_log_min_size_kb": 196608}
LOGON = "0cce9215-69ae-11d9-bed3-505054503030"
ACCOUNT_LOCKOUT = "0cce9217-69ae-11d9-bed3-505054503030"
OTHER_LOGON = "0cce921c-69ae-11d9-bed3-505054503030"
#: The GUIDs of the catalog entry of LOG-01 (checked against Microsoft's list of advanced audit subcategories).
CATALOG_GUIDS = {
    "Credential Validation": "0cce923f-69ae-11d9-bed3-505054503030",
    "Logon": "0cce9215-69ae-11d9-bed3-505054503030",
    "Logoff": "0cce9216-69ae-11d9-bed3-505054503030",
    "Account Lockout": "0cce9217-69ae-11d9-bed3-505054503030",
    "Special Logon": "0cce921b-69ae-11d9-bed3-505054503030",
    "Other Logon/Logoff Events": "0cce921c-69ae-11d9-bed3-505054503030",
    "Group Membership": "0cce9249-69ae-11d9-bed3-505054503030",
    "Sensitive Privilege Use": "0cce9228-69ae-11d9-bed3-505054503030",
    "User Account Management": "0cce9235-69ae-11d9-bed3-505054503030",
    "Security Group Management": "0cce9237-69ae-11d9-bed3-505054503030",
    "Other Account Management Events": "0cce923a-69ae-11d9-bed3-505054503030",
}


def subcategories(**overrides):
    """auditpol.get entries: every requirement met exactly, with per-GUID (success, failure) overrides."""
    entries = []
    for requirement in AUDIT_REQUIREMENTS:
        success, failure = overrides.get(requirement.guid, (requirement.success, requirement.failure))
        entries.append({"guid": requirement.guid, "success": success, "failure": failure})
    return {"subcategories": entries}


def probe(audit=None, override=None, log_bytes=201326592, log_policy=None):
    return {
        "auditpol": OpResult(ok=True, value=subcategories() if audit is None else audit),
        "override": OpResult(ok=True, value=registry_answer(1) if override is None else override),
        "log": OpResult(
            ok=True,
            value={
                "name": "Security",
                "max_size_bytes": log_bytes,
                "log_mode": "Circular",
                "enabled": True,
                "log_file_path": r"%SystemRoot%\System32\Winevt\Logs\Security.evtx",
            },
        ),
        "log_policy": OpResult(ok=True, value=REGISTRY_NO_KEY if log_policy is None else log_policy),
    }


def findings(params=None, **probe_args):
    area = AuditPolicyArea({**DEFAULTS, **(params or {})})
    return by_control(area.evaluate(probe(**probe_args)))


def test_requirements_are_the_catalog_subcategories_by_guid():
    assert {requirement.name: requirement.guid for requirement in AUDIT_REQUIREMENTS} == CATALOG_GUIDS


def test_probe_is_one_auditpol_get_by_guid_two_registry_reads_and_the_log():
    ops = AuditPolicyArea(DEFAULTS).probe_ops()
    assert ops["auditpol"] == {"op": "auditpol.get", "guids": list(CATALOG_GUIDS.values())}
    assert ops["override"] == {"op": "registry.get", "path": LSA_KEY, "name": "SCENoApplyLegacyAuditPolicy"}
    assert ops["log"] == {"op": "eventlog.get", "name": "Security"}
    assert ops["log_policy"] == {"op": "registry.get", "path": EVENTLOG_POLICY_KEY, "name": "MaxSize"}


def test_hardened_host_complies():
    found = findings()
    assert {f.outcome for f in found.values()} == {Outcome.COMPLIANT}
    assert found["LOG-01"].message == (
        "all 11 subcategories audit at least what the baseline asks; SCENoApplyLegacyAuditPolicy is 1"
    )
    assert found["LOG-02"].message == (
        "the Security log's maximum size is 196608 KB (201326592 bytes; no group policy sets it)"
    )


def test_auditing_more_than_asked_complies():
    everything = {requirement.guid: (True, True) for requirement in AUDIT_REQUIREMENTS}
    assert findings(audit=subcategories(**everything))["LOG-01"].outcome is Outcome.COMPLIANT


def test_the_fix_adds_only_the_missing_sides():
    audit = subcategories(**{LOGON: (True, False), ACCOUNT_LOCKOUT: (True, False), OTHER_LOGON: (False, False)})
    found = findings(audit=audit)["LOG-01"]
    assert found.outcome is Outcome.DRIFTED
    assert [change.op for change in found.changes] == [
        {"op": "auditpol.set", "guid": LOGON, "failure": True},
        {"op": "auditpol.set", "guid": ACCOUNT_LOCKOUT, "failure": True},
        {"op": "auditpol.set", "guid": OTHER_LOGON, "success": True, "failure": True},
    ]
    # Account Lockout keeps its success auditing: nothing is ever turned off.
    lockout = found.changes[1]
    assert (lockout.setting, lockout.before, lockout.after) == (
        "audit Account Lockout",
        "success",
        "success and failure",
    )
    assert found.actual["Other Logon/Logoff Events"] == "no auditing"
    assert found.expected["Account Lockout"] == "at least failure"
    assert found.message == (
        "Logon audits success, needs success and failure; Account Lockout audits success, needs success and failure; "
        "Other Logon/Logoff Events audits no auditing, needs success and failure"
    )


def test_subcategory_change_reads_back_from_the_auditpol_set_result():
    requirement = next(r for r in AUDIT_REQUIREMENTS if r.guid == LOGON)
    change = subcategory_change(requirement, success=False, failure=True)
    assert change.op == {"op": "auditpol.set", "guid": LOGON, "success": True}
    assert change.verify({"guid": LOGON, "success": True, "failure": True}) == (True, "success and failure")
    assert change.verify({"guid": LOGON, "success": False, "failure": True}) == (False, "failure")
    assert subcategory_change(requirement, success=True, failure=True) is None


@pytest.mark.parametrize(("override", "shown"), [(REGISTRY_NO_KEY, "is not set"), (registry_answer(0), "is 0")])
def test_subcategory_override_must_be_one(override, shown):
    found = findings(override=override)["LOG-01"]
    assert found.outcome is Outcome.DRIFTED
    assert [change.op for change in found.changes] == [
        {"op": "registry.set", "path": LSA_KEY, "name": "SCENoApplyLegacyAuditPolicy", "type": "DWord", "data": 1}
    ]
    assert found.message == (
        f"SCENoApplyLegacyAuditPolicy {shown}, so the legacy category policy can override the subcategories"
    )


def test_a_failed_or_incomplete_audit_policy_read_is_an_error():
    results = probe()
    results["auditpol"] = OpResult(ok=False, code="access_denied", error="auditpol.exe /backup exited with code 5")
    found = by_control(AuditPolicyArea(DEFAULTS).evaluate(results))
    assert found["LOG-01"].outcome is Outcome.ERROR
    assert found["LOG-01"].message == (
        "could not read the audit policy: access_denied: auditpol.exe /backup exited with code 5"
    )
    assert found["LOG-02"].outcome is Outcome.COMPLIANT
    partial = {"subcategories": subcategories()["subcategories"][1:]}
    message = findings(audit=partial)["LOG-01"].message
    assert message == "the audit policy has no entry for Credential Validation {0cce923f-69ae-11d9-bed3-505054503030}"


def test_small_log_is_raised_to_the_option_in_bytes():
    found = findings(log_bytes=20971520)["LOG-02"]
    assert (found.outcome, found.actual, found.expected) == (Outcome.DRIFTED, "20480 KB", "at least 196608 KB")
    (change,) = found.changes
    assert change.op == {"op": "eventlog.set", "name": "Security", "max_size_bytes": 196608 * 1024}
    assert (change.before, change.after) == (20971520, 201326592)
    assert change.verify({"name": "Security", "max_size_bytes": 201326592}) == (True, 201326592)


def test_a_larger_log_is_left_alone():
    assert findings(log_bytes=1073741824)["LOG-02"].outcome is Outcome.COMPLIANT


def test_the_group_policy_value_wins_over_the_logs_own_size():
    found = findings(log_bytes=20971520, log_policy=registry_answer(196608))["LOG-02"]
    assert (found.outcome, found.actual) == (Outcome.COMPLIANT, "196608 KB")
    assert found.message == (
        "the group policy sets the Security log to 196608 KB (its own setting, 20480 KB, does not apply)"
    )


def test_a_small_group_policy_value_fails_even_with_a_large_own_size_and_is_fixed_in_kb():
    found = findings(log_bytes=201326592, log_policy=registry_answer(20480))["LOG-02"]
    assert found.outcome is Outcome.DRIFTED
    assert [change.op for change in found.changes] == [
        {"op": "registry.set", "path": EVENTLOG_POLICY_KEY, "name": "MaxSize", "type": "DWord", "data": 196608}
    ]


def test_both_sources_too_small_are_both_fixed():
    found = findings(log_bytes=20971520, log_policy=registry_answer(32768))["LOG-02"]
    assert [change.op["op"] for change in found.changes] == ["eventlog.set", "registry.set"]


def test_the_minimum_is_an_option():
    found = findings({"security_log_min_size_kb": 1048576})["LOG-02"]
    assert found.outcome is Outcome.DRIFTED
    assert found.changes[0].after == 1048576 * 1024


@pytest.mark.parametrize("size", [20416, 196600, 4194304, 0])
def test_sizes_windows_would_not_keep_are_rejected_naming_the_option(size):
    with pytest.raises(InvalidOptionError, match=r"^security_log_min_size_kb: must be a multiple of 64 KB"):
        AuditPolicyArea({"security_log_min_size_kb": size})


def test_a_failed_log_read_is_an_error_for_log_02_only():
    results = probe()
    results["log"] = OpResult(ok=False, code="not_found", error="there is no event log named 'Security'")
    found = by_control(AuditPolicyArea(DEFAULTS).evaluate(results))
    assert found["LOG-02"].outcome is Outcome.ERROR
    assert found["LOG-01"].outcome is Outcome.COMPLIANT


def test_describe_sides():
    assert [describe_sides(s, f) for s, f in ((1, 1), (1, 0), (0, 1), (0, 0))] == [
        "success and failure",
        "success",
        "failure",
        "no auditing",
    ]
