"""The trend against the previous run and the gate that can stop a run after the report is written."""

from __future__ import annotations

import pytest

from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._gate import evaluate
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._model import (
    BaselineRun,
    HostInput,
)
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._trend import compare
from report_documents import CATALOG, gateway_records, report_document

HIGH = next(c.id for c in CATALOG.for_baseline("gateway") if c.severity == "high")
MEDIUM = next(c.id for c in CATALOG.for_baseline("gateway") if c.severity == "medium")
LOW = next(c.id for c in CATALOG.for_baseline("gateway") if c.severity == "low")


def report(run_id: str, hosts: dict[str, dict[str, str] | None]) -> dict:
    """hosts: name -> {control id: status} (others pass), or None for an unreachable host."""
    inputs = []
    for name, statuses in hosts.items():
        if statuses is None:
            inputs.append(HostInput(name, runs=(BaselineRun("gateway", "unreachable", message="refused"),)))
        else:
            runs = (BaselineRun("gateway", "audited"),)
            inputs.append(HostInput(name, runs=runs, records={"gateway": gateway_records(statuses)}))
    return report_document({"id": run_id}, inputs)


def test_no_previous_run_gives_an_empty_trend():
    trend = compare(None, report("r1", {"a": {HIGH: "fail"}}))
    assert trend == {
        "previous_run": None,
        "newly_failing": [],
        "newly_fixed": [],
        "hosts_added": [],
        "hosts_removed": [],
    }


def test_newly_failing_and_newly_fixed_controls():
    before = report("r1", {"a": {HIGH: "fail", LOW: "pass"}, "b": {}, "gone": {}})
    after = report("r2", {"a": {HIGH: "pass", LOW: "fail"}, "b": {MEDIUM: "manual_missing"}, "new": {HIGH: "fail"}})
    trend = compare(before, after)
    assert trend["previous_run"] == "r1"
    assert [
        (change["host"], change["id"], change["previous_status"], change["status"]) for change in trend["newly_failing"]
    ] == sorted([("a", LOW, "pass", "fail"), ("b", MEDIUM, "pass", "manual_missing")])
    assert [(change["host"], change["id"]) for change in trend["newly_fixed"]] == [("a", HIGH)]
    assert trend["hosts_added"] == ["new"]
    assert trend["hosts_removed"] == ["gone"]


def test_a_host_unreachable_in_one_run_is_neither_fixed_nor_failing():
    trend = compare(report("r1", {"a": {HIGH: "fail"}}), report("r2", {"a": None}))
    assert trend["newly_failing"] == trend["newly_fixed"] == []
    trend = compare(report("r1", {"a": None}), report("r2", {"a": {HIGH: "fail"}}))
    assert trend["newly_failing"] == trend["newly_fixed"] == []


def test_the_same_records_give_no_trend():
    records = {"a": {HIGH: "fail"}, "b": {LOW: "error"}}
    trend = compare(report("r1", records), report("r2", records))
    assert trend["newly_failing"] == trend["newly_fixed"] == trend["hosts_added"] == trend["hosts_removed"] == []


FLEET = {"high": {HIGH: "fail"}, "medium": {MEDIUM: "fail"}, "low": {LOW: "fail"}, "missing": {HIGH: "manual_missing"}}


@pytest.mark.parametrize(
    ("fail_on", "stopped"),
    [
        ("none", set()),
        ("high", {"high"}),
        ("medium", {"high", "medium"}),
        ("low", {"high", "medium", "low"}),
        ("fail", {"high", "medium", "low"}),
    ],
)
def test_the_gate_stops_hosts_at_or_above_the_severity(fail_on, stopped):
    gate = evaluate(report("r", {**FLEET, "clean": {}}), fail_on, ["fail"], fail_on_unaudited=True)
    assert set(gate["hosts"]) == stopped
    assert gate["failed"] is bool(stopped)
    if stopped:
        assert f"fail_on={fail_on}" in gate["message"]


def test_the_gate_counts_only_the_chosen_statuses():
    gate = evaluate(report("r", FLEET), "high", ["fail", "manual_missing"], fail_on_unaudited=False)
    assert set(gate["hosts"]) == {"high", "missing"}
    assert gate["hosts"]["missing"] == [f"{HIGH} (high) manual_missing: m"]


def test_the_gate_stops_unaudited_hosts_with_their_cause_unless_told_not_to():
    document = report("r", {"down": None, "clean": {}})
    gate = evaluate(document, "none", ["fail"], fail_on_unaudited=True)
    assert gate["hosts"] == {"down": ["could not be audited (unreachable): gateway: refused"]}
    assert evaluate(document, "none", ["fail"], fail_on_unaudited=False)["failed"] is False


def test_an_unknown_threshold_is_refused():
    with pytest.raises(ValueError, match="fail_on"):
        evaluate(report("r", {}), "critical", ["fail"], fail_on_unaudited=False)
