from __future__ import annotations

import datetime as dt
import re

import pytest

from agent_messages import REGISTRY_NO_KEY, registry_answer
from ansible_collections.onepacs.baseline.plugins.plugin_utils._findings import Outcome
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._transport import OpResult
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._area import InvalidOptionError
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._update_policy import (
    AU_POLICY_KEY,
    DEFINITION_UPDATES,
    HISTORY_LIMIT,
    UpdatePolicyArea,
    installed_updates,
)
from control_results import by_control

TODAY = dt.date(2024, 6, 1)
DEFAULTS = {"scheduled_install_day": 0, "scheduled_install_time": 3, "max_update_age_days": 45}
SECURITY_UPDATES = "0fa1201d-4330-4fa8-8ae9-b877473b6441"
COMPLIANT_AU = {"NoAutoUpdate": 0, "AUOptions": 4, "ScheduledInstallDay": 0, "ScheduledInstallTime": 3}


def days_ago(days):
    return (TODAY - dt.timedelta(days=days)).isoformat()


def hotfix(kb, days, description="Security Update"):
    return {"id": kb, "description": description, "installed_on": days_ago(days) if days is not None else None}


def wu(title, days, categories=(SECURITY_UPDATES,), operation="install", result="succeeded"):
    return {
        "date": f"{days_ago(days)}T02:14:09Z",
        "operation": operation,
        "result": result,
        "title": title,
        "update_id": "c1a7e5d9-3b2f-4e86-a0d4-7f9b6c2e1a53",
        "categories": list(categories),
    }


def history(hotfixes=(), entries=(), error=None):
    return {"hotfixes": list(hotfixes), "history": list(entries), "history_error": error}


def registry_value(data):
    return REGISTRY_NO_KEY if data is None else registry_answer(data)


def evaluate(au=None, updates=None, params=None):
    area = UpdatePolicyArea({**DEFAULTS, **(params or {})}, today=TODAY)
    au = COMPLIANT_AU if au is None else au
    updates = history([hotfix("KB5037771", 10)]) if updates is None else updates
    results = {}
    for key, op in area.probe_ops().items():
        if op["op"] == "registry.get":
            assert op["path"] == AU_POLICY_KEY
            results[key] = OpResult(ok=True, value=registry_value(au.get(op["name"])))
        else:
            results[key] = updates if isinstance(updates, OpResult) else OpResult(ok=True, value=updates)
    return by_control(area.evaluate(results))


def test_probe_reads_the_four_au_values_and_the_update_history():
    ops = list(UpdatePolicyArea(DEFAULTS).probe_ops().values())
    assert [op.get("name") for op in ops if op["op"] == "registry.get"] == list(COMPLIANT_AU)
    assert ops[-1] == {"op": "updates.history", "limit": HISTORY_LIMIT}


def test_compliant_host():
    found = evaluate()
    assert found["UPD-01"].outcome is Outcome.COMPLIANT
    assert found["UPD-02"].outcome is Outcome.COMPLIANT
    assert found["UPD-02"].message == "the newest update is 10 days old: KB5037771 on 2024-05-22 (hotfix list)"


def test_notify_only_policy_is_fixed_value_by_value():
    found = evaluate(au={"NoAutoUpdate": 0, "AUOptions": 2})["UPD-01"]
    assert found.outcome is Outcome.DRIFTED
    assert [(c.op["name"], c.before, c.after) for c in found.changes] == [
        ("AUOptions", 2, 4),
        ("ScheduledInstallDay", None, 0),
        ("ScheduledInstallTime", None, 3),
    ]
    assert all(c.op["op"] == "registry.set" and c.op["type"] == "DWord" for c in found.changes)
    assert found.actual == {
        "NoAutoUpdate": 0,
        "AUOptions": 2,
        "ScheduledInstallDay": None,
        "ScheduledInstallTime": None,
    }


def test_no_policy_at_all_is_drift_and_every_value_is_written():
    found = evaluate(au={})["UPD-01"]
    assert [c.op["name"] for c in found.changes] == list(COMPLIANT_AU)
    assert found.message.startswith("NoAutoUpdate is not set (Windows default: 0); AUOptions is not set;")


def test_schedule_options_are_what_complies_and_what_the_fix_writes():
    found = evaluate(params={"scheduled_install_day": 1, "scheduled_install_time": 22})["UPD-01"]
    assert found.expected == {"NoAutoUpdate": 0, "AUOptions": 4, "ScheduledInstallDay": 1, "ScheduledInstallTime": 22}
    assert [(c.op["name"], c.after) for c in found.changes] == [
        ("ScheduledInstallDay", 1),
        ("ScheduledInstallTime", 22),
    ]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"scheduled_install_day": 8}, "scheduled_install_day: must be 0 (every day) or 1-7"),
        ({"scheduled_install_day": -1}, "scheduled_install_day: "),
        ({"scheduled_install_time": 24}, "scheduled_install_time: must be an hour from 0 to 23"),
        ({"scheduled_install_time": -1}, "scheduled_install_time: "),
        ({"max_update_age_days": 0}, "max_update_age_days: must be 1 or more days"),
    ],
)
def test_out_of_range_options_are_rejected_naming_the_option(params, message):
    with pytest.raises(InvalidOptionError, match=f"^{re.escape(message)}"):
        UpdatePolicyArea({**DEFAULTS, **params})


def test_stale_host_fails_as_audit_only_with_no_change():
    found = evaluate(updates=history([hotfix("KB5034129", 128), hotfix("KB5012170", 300)]))["UPD-02"]
    assert found.outcome is Outcome.DRIFTED
    assert found.changes == ()
    assert found.actual == "last update 128 days ago (2024-01-25)"
    assert found.message == (
        "the newest update is 128 days old: KB5034129 on 2024-01-25 (hotfix list); the limit is 45 days. "
        "Not enforced: this module only audits UPD-02, run Windows Update"
    )


def test_the_limit_is_inclusive_and_an_option():
    assert evaluate(updates=history([hotfix("KB1", 45)]))["UPD-02"].outcome is Outcome.COMPLIANT
    assert evaluate(updates=history([hotfix("KB1", 46)]))["UPD-02"].outcome is Outcome.DRIFTED
    found = evaluate(updates=history([hotfix("KB1", 46)]), params={"max_update_age_days": 60})["UPD-02"]
    assert (found.outcome, found.expected) == (Outcome.COMPLIANT, "an update installed in the last 60 days")


def test_windows_update_history_counts_when_newer_than_the_hotfix_list():
    updates = history([hotfix("KB5034129", 128)], [wu("2024-05 Cumulative Update (KB5037771)", 12)])
    found = evaluate(updates=updates)["UPD-02"]
    assert found.outcome is Outcome.COMPLIANT
    assert found.message.endswith("2024-05 Cumulative Update (KB5037771) on 2024-05-20 (Windows Update)")


def test_definition_updates_failed_installs_and_uninstalls_do_not_count():
    entries = [
        wu("Security Intelligence Update - KB2267602", 1, categories=(DEFINITION_UPDATES.upper(),)),
        wu("2024-05 Cumulative Update (KB5037768)", 5, result="failed"),
        wu("2024-04 Cumulative Update (KB5036892)", 6, operation="uninstall"),
    ]
    found = evaluate(updates=history([hotfix("KB5034129", 128)], entries))["UPD-02"]
    assert found.outcome is Outcome.DRIFTED
    assert "KB5034129" in found.message


def test_succeeded_with_errors_counts_as_installed():
    updates = installed_updates(history(entries=[wu("KB1", 3, result="succeeded_with_errors")]))
    assert [update.installed_on for update in updates] == [dt.date(2024, 5, 29)]


def test_undated_and_malformed_dates_are_ignored_never_guessed():
    updates = history([hotfix("KB1", None), {"id": "KB2", "description": "", "installed_on": "15.01.2024"}])
    found = evaluate(updates=updates)["UPD-02"]
    assert (found.outcome, found.actual) == (Outcome.DRIFTED, "no installed update found")
    assert found.message.startswith("the host reports no installed update;")


def test_an_unreadable_windows_update_history_is_said_and_the_hotfix_list_still_decides():
    updates = history([hotfix("KB5037771", 10)], error="the Windows Update history could not be read: 0x80070005")
    found = evaluate(updates=updates)["UPD-02"]
    assert found.outcome is Outcome.COMPLIANT
    assert found.message.endswith(
        "(the Windows Update history could not be read: 0x80070005; judged from the hotfix list alone)"
    )


def test_a_future_install_date_counts_as_today():
    assert evaluate(updates=history([hotfix("KB1", -2)]))["UPD-02"].message.startswith("the newest update is 0 days")


def test_a_failed_history_op_is_an_error_for_upd_02_only():
    found = evaluate(updates=OpResult(ok=False, code="failed", error="Invalid class"))
    assert found["UPD-02"].outcome is Outcome.ERROR
    assert found["UPD-02"].message == "could not read the update history: failed: Invalid class"
    assert found["UPD-01"].outcome is Outcome.COMPLIANT


def test_without_a_pinned_date_the_controllers_today_is_used():
    assert UpdatePolicyArea(DEFAULTS).today == dt.date.today()
