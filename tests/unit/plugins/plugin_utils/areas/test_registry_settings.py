from __future__ import annotations

import pytest

from agent_messages import REGISTRY_NO_VALUE, registry_answer
from ansible_collections.onepacs.baseline.plugins.plugin_utils._findings import Outcome
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._transport import OpResult
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._registry_settings import (
    ABSENT,
    Missing,
    RegistryControl,
    RegistrySetting,
    compare_settings,
    probe_ops,
    read_all,
)

KEY = r"HKLM:\SOFTWARE\Test"


def ok(result):
    return OpResult(ok=True, value=result)


SMB1 = RegistrySetting(KEY, "SMB1", wanted=0, default=1, default_label="on")
SECRET = RegistrySetting(KEY, "DefaultPassword", wanted=ABSENT, kind="String", secret=True)


def test_probe_op_is_a_registry_get_keyed_case_insensitively():
    assert SMB1.probe_op() == {"op": "registry.get", "path": KEY, "name": "SMB1"}
    # Windows names are case-insensitive: two spellings of one value are probed once.
    upper = RegistrySetting(KEY.upper(), "smb1", wanted=0)
    assert upper.key == SMB1.key
    assert list(probe_ops([SMB1, upper])) == [SMB1.key]


@pytest.mark.parametrize(
    ("missing", "default", "compliant"),
    [
        (Missing.DRIFT, 0, False),  # must be set explicitly, even when Windows' default would comply
        (Missing.DEFAULT, 0, True),
        (Missing.DEFAULT, 1, False),
        (Missing.COMPLIANT, None, True),
    ],
)
def test_how_an_absent_value_counts(missing, default, compliant):
    setting = RegistrySetting(KEY, "X", wanted=0, missing=missing, default=default)
    assert setting.read(REGISTRY_NO_VALUE).compliant is compliant


def test_absent_value_shows_the_windows_default_and_is_fixed_by_a_set_with_read_back():
    reading = SMB1.read(REGISTRY_NO_VALUE)
    assert (reading.compliant, reading.effective, reading.actual) == (False, 1, 1)
    assert reading.describe() == "SMB1 is not set (Windows default: on)"
    change = reading.change()
    assert change.op == {"op": "registry.set", "path": KEY, "name": "SMB1", "type": "DWord", "data": 0}
    assert (change.setting, change.before, change.after) == ("SMB1", None, 0)
    assert change.verify(registry_answer(0)) == (True, 0)
    assert change.verify(registry_answer(1)) == (False, 1)
    assert change.verify({"exists": False}) == (False, None)


def test_a_value_of_another_kind_never_complies_and_its_read_back_fails():
    reading = SMB1.read(registry_answer("0", "String"))
    assert reading.compliant is False
    assert reading.describe() == "SMB1 is '0' as String, not DWord"
    assert reading.change().verify(registry_answer("0", "String"))[0] is False


def test_strings_are_quoted_so_reg_sz_and_dword_read_differently():
    setting = RegistrySetting(KEY, "AutoAdminLogon", wanted="0", kind="String")
    assert setting.read(registry_answer("1", "String")).describe() == "AutoAdminLogon is '1'"
    assert setting.read(registry_answer("0", "String")).compliant is True


def test_accepts_decides_compliance_and_wanted_is_what_the_fix_writes():
    setting = RegistrySetting(KEY, "Timeout", wanted=900, accepts=lambda seconds: 1 <= seconds <= 900)
    assert setting.read(registry_answer(300)).compliant is True
    assert setting.read(registry_answer(0)).compliant is False
    assert setting.read(registry_answer(1200)).change().after == 900


def test_a_secret_is_never_kept_shown_or_diffed():
    reading = SECRET.read(registry_answer("Hunter2!", "String"))
    assert reading.data is None
    assert (reading.compliant, reading.actual) == (False, "present")
    assert reading.describe() == "DefaultPassword is present (its data is not shown)"
    change = reading.change()
    assert change.op == {"op": "registry.remove", "path": KEY, "name": "DefaultPassword"}
    assert (change.before, change.after) == ("present", "absent")
    assert "Hunter2!" not in repr(reading) + repr(change.before) + repr(change.after) + change.setting
    assert change.verify({"existed": True, "exists": False}) == (True, "absent")
    assert change.verify({"existed": True, "exists": True}) == (False, "present")


def test_a_value_that_must_be_absent_complies_when_absent():
    reading = SECRET.read(REGISTRY_NO_VALUE)
    assert (reading.compliant, reading.actual, reading.change()) == (True, "absent", None)
    assert reading.describe() == "DefaultPassword is absent"


def test_a_compliant_reading_has_no_change():
    assert SMB1.read(registry_answer(0)).change() is None


def test_invalid_descriptions_are_refused():
    with pytest.raises(ValueError, match="kind"):
        RegistrySetting(KEY, "X", wanted=0, kind="Dword")
    with pytest.raises(ValueError, match="Windows default"):
        RegistrySetting(KEY, "X", wanted=0, missing=Missing.DEFAULT)


def test_read_all_names_the_value_that_could_not_be_read():
    results = {SMB1.key: OpResult(ok=False, code="access_denied", error="Requested registry access is not allowed.")}
    assert read_all([SMB1], results) == (
        [],
        rf"could not read {KEY}\SMB1: access_denied: Requested registry access is not allowed.",
    )


def test_compare_settings_of_several_values_maps_names_and_fixes_only_the_drifted_ones():
    autologon = RegistrySetting(KEY, "AutoAdminLogon", wanted="0", kind="String", missing=Missing.DEFAULT, default="0")
    results = {autologon.key: ok(registry_answer("0", "String")), SECRET.key: ok(registry_answer("pw", "String"))}
    finding = compare_settings("SEC-02", (autologon, SECRET), results, note="change it")
    assert finding.outcome is Outcome.DRIFTED
    assert finding.expected == {"AutoAdminLogon": "0", "DefaultPassword": "absent"}
    assert finding.actual == {"AutoAdminLogon": "0", "DefaultPassword": "present"}
    assert [change.op["op"] for change in finding.changes] == ["registry.remove"]
    assert finding.message == "AutoAdminLogon is '0'; DefaultPassword is present (its data is not shown); change it"


def test_compare_settings_of_one_value_uses_the_value_itself_and_drops_the_note_when_compliant():
    finding = compare_settings(
        "SEC-03", (SMB1,), {SMB1.key: ok(registry_answer(0))}, note="restart", reboot_required=True
    )
    assert (finding.outcome, finding.expected, finding.actual) == (Outcome.COMPLIANT, 0, 0)
    assert (finding.message, finding.reboot_required) == ("SMB1 is 0", False)


def test_a_registry_control_row_probes_and_evaluates_its_values():
    control = RegistryControl("SEC-03", (SMB1,), reboot_required=True)
    assert control.probe_ops() == {SMB1.key: SMB1.probe_op()}
    finding = control.evaluate({SMB1.key: ok(REGISTRY_NO_VALUE)})
    assert (finding.outcome, finding.reboot_required) == (Outcome.DRIFTED, True)
    error = control.evaluate({SMB1.key: OpResult(ok=False, code="failed", error="boom")})
    assert (error.outcome, error.expected) == (Outcome.ERROR, 0)
