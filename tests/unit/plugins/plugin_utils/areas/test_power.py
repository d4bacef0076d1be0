from __future__ import annotations

import pytest

from agent_messages import REGISTRY_NO_KEY, registry_answer
from ansible_collections.onepacs.baseline.plugins.plugin_utils._findings import Outcome
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._transport import OpResult
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._area import InvalidOptionError
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._power import (
    HIBERBOOT_KEY,
    STANDBY_IDLE,
    STANDBY_POLICY_KEY,
    SUB_SLEEP,
    PowerArea,
)
from control_results import by_control

DEFAULTS = {"standby_timeout_ac_minutes": 0, "hibernation": False, "fast_startup": False}


def probe(ac=3600, hibernate=True, policy=REGISTRY_NO_KEY, hiberboot=None):
    """Probe results shaped as the agent returns them (values of the server2022-desktop-fresh lab profile)."""
    hiberboot = registry_answer(1) if hiberboot is None else hiberboot
    power = {
        "scheme": "381b4222-f694-41f0-9685-ff5bb260df2e",
        "scheme_name": "Balanced",
        "values": [{"subgroup": SUB_SLEEP, "setting": STANDBY_IDLE, "ac": ac, "dc": 900}],
        "hibernate_enabled": hibernate,
    }
    return {
        "power": OpResult(ok=True, value=power),
        "standby_policy": OpResult(ok=True, value=policy),
        "hiberboot": OpResult(ok=True, value=hiberboot),
    }


def findings_by_id(params=None, **probe_args):
    area = PowerArea({**DEFAULTS, **(params or {})})
    return by_control(area.evaluate(probe(**probe_args)))


def test_probe_is_three_read_only_ops():
    ops = PowerArea(DEFAULTS).probe_ops()
    assert [op["op"] for op in ops.values()] == ["power.query", "registry.get", "registry.get"]
    assert ops["power"]["settings"] == [{"subgroup": SUB_SLEEP, "setting": STANDBY_IDLE}]


def test_fresh_host_drifts_on_all_three_with_the_exact_fixes():
    found = findings_by_id()
    assert {key: f.outcome for key, f in found.items()} == {
        "PWR-01": Outcome.DRIFTED,
        "PWR-02": Outcome.DRIFTED,
        "PWR-03": Outcome.DRIFTED,
    }
    assert [c.op for c in found["PWR-01"].changes] == [
        {"op": "power.set", "subgroup": SUB_SLEEP, "setting": STANDBY_IDLE, "ac": 0}
    ]
    assert [c.op for c in found["PWR-02"].changes] == [{"op": "power.hibernate", "enabled": False}]
    assert [c.op for c in found["PWR-03"].changes] == [
        {"op": "registry.set", "path": HIBERBOOT_KEY, "name": "HiberbootEnabled", "type": "DWord", "data": 0}
    ]
    assert found["PWR-01"].message == "standby timeout on AC is 3600 s (from the active power scheme)"


def test_hardened_host_complies_without_changes():
    found = findings_by_id(ac=0, hibernate=False, hiberboot=registry_answer(0))
    assert all(f.outcome is Outcome.COMPLIANT and not f.changes for f in found.values())


def test_group_policy_value_wins_over_the_scheme_and_is_fixed_too():
    found = findings_by_id(ac=0, policy=registry_answer(1200))["PWR-01"]
    assert (found.outcome, found.actual) == (Outcome.DRIFTED, 1200)
    assert [c.op["path"] for c in found.changes] == [STANDBY_POLICY_KEY]
    assert found.message.endswith("(from the group policy)")


def test_compliant_policy_masks_a_drifted_scheme():
    found = findings_by_id(ac=600, policy=registry_answer(0))["PWR-01"]
    assert found.outcome is Outcome.COMPLIANT


def test_missing_hiberboot_value_means_windows_default_on():
    found = findings_by_id(hiberboot=REGISTRY_NO_KEY)["PWR-03"]
    assert (found.outcome, found.actual, found.changes[0].before) == (Outcome.DRIFTED, 1, None)
    assert found.message == "HiberbootEnabled is not set (Windows default: on)"


def test_custom_timeout_is_in_minutes():
    found = findings_by_id({"standby_timeout_ac_minutes": 30}, ac=1800)["PWR-01"]
    assert (found.outcome, found.expected) == (Outcome.COMPLIANT, 1800)


def test_negative_timeout_is_rejected_naming_the_option():
    with pytest.raises(InvalidOptionError, match=r"^standby_timeout_ac_minutes: "):
        PowerArea({**DEFAULTS, "standby_timeout_ac_minutes": -5})


def test_a_failed_probe_op_is_an_error_finding_for_its_controls_only():
    results = probe()
    results["power"] = OpResult(ok=False, code="not_supported", error="Invalid namespace root\\cimv2\\power")
    found = by_control(PowerArea(DEFAULTS).evaluate(results))
    assert found["PWR-01"].outcome is Outcome.ERROR
    assert found["PWR-01"].message == (
        "could not read the standby timeout: not_supported: Invalid namespace root\\cimv2\\power"
    )
    assert found["PWR-02"].outcome is Outcome.ERROR
    assert found["PWR-03"].outcome is Outcome.DRIFTED


def test_read_back_of_each_change_matches_the_set_op_result_shape():
    found = findings_by_id(policy=registry_answer(60))
    power_set, policy_set = found["PWR-01"].changes
    assert power_set.verify({"scheme": "x", "subgroup": SUB_SLEEP, "setting": STANDBY_IDLE, "ac": 0, "dc": 0}) == (
        True,
        0,
    )
    assert policy_set.verify(registry_answer(60)) == (False, 60)
    assert found["PWR-02"].changes[0].verify({"hibernate_enabled": False}) == (True, False)
    assert found["PWR-03"].changes[0].verify({"exists": False}) == (False, None)
