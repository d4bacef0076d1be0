from __future__ import annotations

import json

import pytest

from agent_messages import REGISTRY_NO_VALUE, registry_answer
from ansible_collections.onepacs.baseline.plugins.plugin_utils._findings import Outcome
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._transport import OpResult
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._area import InvalidOptionError
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._security_options import (
    DNS_CLIENT_POLICY_KEY,
    LSA_KEY,
    RECOVERY_CONSOLE_KEY,
    SMB_SERVER_KEY,
    SYSTEM_POLICY_KEY,
    WDIGEST_KEY,
    WINLOGON_KEY,
    SecurityOptionsArea,
)
from control_results import by_control

DEFAULTS = {"inactivity_timeout_seconds": 900}
PASSWORD = "Gateway2019!"

#: (path, name) -> registry.get value of a hardened host.
HARDENED = {
    (RECOVERY_CONSOLE_KEY, "SecurityLevel"): 0,
    (WINLOGON_KEY, "AutoAdminLogon"): "0",
    (WINLOGON_KEY, "DefaultPassword"): None,
    (SMB_SERVER_KEY, "SMB1"): 0,
    (DNS_CLIENT_POLICY_KEY, "EnableMulticast"): 0,
    (WDIGEST_KEY, "UseLogonCredential"): 0,
    (LSA_KEY, "RestrictAnonymousSAM"): 1,
    (LSA_KEY, "RestrictAnonymous"): 1,
    (SYSTEM_POLICY_KEY, "InactivityTimeoutSecs"): 900,
}
#: A server2019-fresh-like host: every control drifted.
FRESH = {
    **HARDENED,
    (RECOVERY_CONSOLE_KEY, "SecurityLevel"): 1,
    (WINLOGON_KEY, "AutoAdminLogon"): "1",
    (WINLOGON_KEY, "DefaultPassword"): PASSWORD,
    (SMB_SERVER_KEY, "SMB1"): None,
    (DNS_CLIENT_POLICY_KEY, "EnableMulticast"): None,
    (WDIGEST_KEY, "UseLogonCredential"): None,
    (LSA_KEY, "RestrictAnonymous"): 0,
    (SYSTEM_POLICY_KEY, "InactivityTimeoutSecs"): None,
}


def registry_value(data):
    if data is None:
        return REGISTRY_NO_VALUE
    return registry_answer(data, "String" if isinstance(data, str) else "DWord")


def probe(area, values):
    """Answer the area's probe ops from a (path, name) -> data table, as the agent would."""
    results = {}
    for key, op in area.probe_ops().items():
        assert op["op"] == "registry.get"
        results[key] = OpResult(ok=True, value=registry_value(values[(op["path"], op["name"])]))
    return results


def findings(values, params=None):
    area = SecurityOptionsArea({**DEFAULTS, **(params or {})})
    return by_control(area.evaluate(probe(area, values)))


def test_one_finding_per_control_from_registry_reads_only():
    area = SecurityOptionsArea(DEFAULTS)
    assert {op["op"] for op in area.probe_ops().values()} == {"registry.get"}
    assert len(area.probe_ops()) == len(HARDENED)
    assert list(findings(HARDENED)) == ["SEC-01", "SEC-02", "SEC-03", "SEC-04", "SEC-05", "SEC-06", "LCK-01"]


def test_hardened_host_complies_without_changes():
    found = findings(HARDENED)
    assert {f.outcome for f in found.values()} == {Outcome.COMPLIANT}
    assert found["SEC-02"].message == "AutoAdminLogon is '0'; DefaultPassword is absent"


def test_fresh_host_drifts_everywhere_with_the_exact_fixes():
    found = findings(FRESH)
    assert {f.outcome for f in found.values()} == {Outcome.DRIFTED}
    assert [c.op for c in found["SEC-01"].changes] == [
        {"op": "registry.set", "path": RECOVERY_CONSOLE_KEY, "name": "SecurityLevel", "type": "DWord", "data": 0}
    ]
    assert [c.op for c in found["SEC-02"].changes] == [
        {"op": "registry.set", "path": WINLOGON_KEY, "name": "AutoAdminLogon", "type": "String", "data": "0"},
        {"op": "registry.remove", "path": WINLOGON_KEY, "name": "DefaultPassword"},
    ]
    assert [c.op["data"] for c in found["SEC-03"].changes] == [0]
    assert [c.op["name"] for c in found["SEC-06"].changes] == ["RestrictAnonymous"]
    assert [c.op for c in found["LCK-01"].changes] == [
        {
            "op": "registry.set",
            "path": SYSTEM_POLICY_KEY,
            "name": "InactivityTimeoutSecs",
            "type": "DWord",
            "data": 900,
        }
    ]


def test_default_password_data_never_leaves_the_area():
    found = findings(FRESH)["SEC-02"]
    shown = json.dumps(
        [found.expected, found.actual, found.message, [(c.setting, c.before, c.after, c.op) for c in found.changes]]
    )
    assert PASSWORD not in shown
    assert found.actual == {"AutoAdminLogon": "1", "DefaultPassword": "present"}
    assert "DefaultPassword is present (its data is not shown)" in found.message
    assert found.message.endswith("must be treated as disclosed: change it")


def test_smb1_fix_needs_a_reboot_and_absent_smb1_is_drift():
    found = findings(FRESH)["SEC-03"]
    assert found.reboot_required is True
    assert found.actual == 1
    assert found.message.startswith("SMB1 is not set (Windows default: 1 (SMBv1 on")
    assert findings(HARDENED)["SEC-03"].reboot_required is False


def test_wdigest_must_be_set_explicitly_although_windows_defaults_to_off():
    found = findings(FRESH)["SEC-05"]
    assert (found.outcome, found.actual) == (Outcome.DRIFTED, 0)


def test_absent_values_with_a_compliant_windows_default_comply():
    values = {**HARDENED, (RECOVERY_CONSOLE_KEY, "SecurityLevel"): None, (LSA_KEY, "RestrictAnonymousSAM"): None}
    values[(WINLOGON_KEY, "AutoAdminLogon")] = None
    found = findings(values)
    assert found["SEC-01"].outcome is Outcome.COMPLIANT
    assert found["SEC-02"].outcome is Outcome.COMPLIANT
    assert found["SEC-06"].outcome is Outcome.COMPLIANT


@pytest.mark.parametrize(
    ("seconds", "outcome"),
    [
        (1, Outcome.COMPLIANT),
        (600, Outcome.COMPLIANT),
        (900, Outcome.COMPLIANT),
        (901, Outcome.DRIFTED),
        (0, Outcome.DRIFTED),
    ],
)
def test_inactivity_limit_between_one_second_and_the_option(seconds, outcome):
    found = findings({**HARDENED, (SYSTEM_POLICY_KEY, "InactivityTimeoutSecs"): seconds})["LCK-01"]
    assert found.outcome is outcome
    assert found.expected == "1-900 seconds"


def test_inactivity_option_tightens_the_limit_and_the_fix_writes_it():
    found = findings(HARDENED, {"inactivity_timeout_seconds": 600})["LCK-01"]
    assert found.outcome is Outcome.DRIFTED
    assert (found.changes[0].before, found.changes[0].after) == (900, 600)


@pytest.mark.parametrize("seconds", [0, -1, 901])
def test_inactivity_option_out_of_range_is_rejected_naming_the_option(seconds):
    with pytest.raises(InvalidOptionError, match=r"^inactivity_timeout_seconds: must be between 1 and 900"):
        SecurityOptionsArea({"inactivity_timeout_seconds": seconds})


def test_a_value_of_the_wrong_kind_is_drift_rewritten_with_the_right_kind():
    area = SecurityOptionsArea(DEFAULTS)
    results = probe(area, HARDENED)
    for key, op in area.probe_ops().items():
        if op["name"] == "AutoAdminLogon":
            results[key] = OpResult(ok=True, value={"key_exists": True, "exists": True, "type": "DWord", "data": 0})
    found = by_control(area.evaluate(results))["SEC-02"]
    assert found.outcome is Outcome.DRIFTED
    assert found.changes[0].op["type"] == "String"


def test_a_failed_read_is_an_error_for_its_control_only():
    area = SecurityOptionsArea(DEFAULTS)
    results = probe(area, HARDENED)
    for key, op in area.probe_ops().items():
        if op["name"] == "RestrictAnonymous":
            results[key] = OpResult(ok=False, code="access_denied", error="Requested registry access is not allowed.")
    found = by_control(area.evaluate(results))
    assert found["SEC-06"].outcome is Outcome.ERROR
    assert found["SEC-06"].message == (
        rf"could not read {LSA_KEY}\RestrictAnonymous: access_denied: Requested registry access is not allowed."
    )
    assert {f.outcome for cid, f in found.items() if cid != "SEC-06"} == {Outcome.COMPLIANT}
