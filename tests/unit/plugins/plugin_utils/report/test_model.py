"""The report document: records joined with the catalog, outcomes, scores, clinics, ranking, waivers."""

from __future__ import annotations

import datetime as dt
import json
from collections import OrderedDict

import pytest
from markupsafe import Markup

from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._model import (
    BaselineRun,
    HostInput,
    build_host,
    score,
)
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._values import plain
from report_documents import CATALOG, TODAY, report_document

RUN = {"id": "20260516T091500Z", "title": "t"}


def records(baseline: str = "gateway", statuses: dict[str, str] | None = None) -> list[dict]:
    statuses = statuses or {}
    return [
        {
            "id": control.id,
            "title": control.title,
            "status": statuses.get(control.id, "pass"),
            "expected": control.expected,
            "actual": {"value": 1},
            "changed": False,
            "message": f"{control.id} message",
        }
        for control in CATALOG.for_baseline(baseline)
    ]


def host(name: str, clinics=("clinic_a",), outcome="audited", statuses=None, **extra) -> HostInput:
    return HostInput(
        name=name,
        clinics=tuple(clinics),
        runs=(BaselineRun("gateway", outcome, extra.pop("task", None), extra.pop("message", None), True),),
        records={"gateway": extra.pop("records", records(statuses=statuses))},
        **extra,
    )


def document(*hosts: HostInput) -> dict:
    return report_document(RUN, hosts)


def test_records_are_joined_with_the_catalog_in_catalog_order():
    entry = build_host(host("gw", records=list(reversed(records()))), CATALOG, TODAY)
    assert [control["id"] for control in entry["controls"]] == [c.id for c in CATALOG.for_baseline("gateway")]
    first = entry["controls"][0]
    control = CATALOG.get(first["id"])
    assert first["area"] == control.area
    assert first["severity"] == control.severity
    assert first["hipaa"] == list(control.hipaa)
    assert first["remediation"] == control.remediation
    assert first["practice"] == control.expected


def test_score_counts_compliant_against_failing_and_ignores_not_applicable():
    assert score({"pass": 3, "excepted": 1, "fail": 1, "not_applicable": 10}) == 80.0
    assert score({"manual_attested": 1, "manual_missing": 1, "error": 2}) == 25.0
    assert score({"not_applicable": 4}) is None


def test_host_tallies_failing_controls_by_severity():
    high = next(c.id for c in CATALOG.for_baseline("gateway") if c.severity == "high")
    low = next(c.id for c in CATALOG.for_baseline("gateway") if c.severity == "low")
    entry = build_host(host("gw", statuses={high: "fail", low: "manual_missing"}), CATALOG, TODAY)
    assert entry["failing"] == 2
    assert entry["failing_by_severity"] == {"high": 1, "medium": 0, "low": 1}
    assert entry["counts"]["fail"] == 1
    assert entry["outcome"] == "audited"
    assert entry["check_mode"] is True


def test_unknown_statuses_become_errors_and_unknown_controls_keep_their_record():
    raw = [
        {"id": "PWR-01", "status": "owned", "message": "m"},
        {"id": "ZZ-99", "title": "<b>from the host</b>", "status": "fail", "message": "m"},
        "not a record",
        {"status": "pass"},
    ]
    entry = build_host(host("gw", records=raw), CATALOG, TODAY)
    by_id = {control["id"]: control for control in entry["controls"]}
    assert set(by_id) == {"PWR-01", "ZZ-99"}
    assert by_id["PWR-01"]["status"] == "error"
    assert "unknown status 'owned'" in by_id["PWR-01"]["message"]
    assert by_id["ZZ-99"]["title"] == "<b>from the host</b>"
    assert by_id["ZZ-99"]["severity"] is None
    assert by_id["ZZ-99"]["area"] == "other"


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [
        (("audited",), "audited"),
        (("audited", "failed"), "failed"),
        (("failed", "unreachable"), "unreachable"),
        (("incomplete", "audited"), "incomplete"),
    ],
)
def test_the_worst_baseline_outcome_is_the_hosts(outcomes, expected):
    runs = tuple(BaselineRun(f"b{index}", outcome, message="why") for index, outcome in enumerate(outcomes))
    entry = build_host(HostInput("gw", runs=runs), CATALOG, TODAY)
    assert entry["outcome"] == expected
    assert [problem["outcome"] for problem in entry["problems"]] == [o for o in outcomes if o != "audited"]


def test_an_unreachable_host_without_records_keeps_its_cause():
    entry = build_host(host("gw", outcome="unreachable", message="connection refused", records=[]), CATALOG, TODAY)
    assert entry["controls"] == []
    assert entry["score"] is None
    assert entry["problems"] == [
        {"baseline": "gateway", "outcome": "unreachable", "task": None, "message": "connection refused"}
    ]


def test_an_incomplete_baseline_explains_itself():
    entry = build_host(host("gw", outcome="incomplete", records=[]), CATALOG, TODAY)
    assert "did not finish" in entry["problems"][0]["message"]


def test_clinics_and_hosts_without_a_clinic_are_summarized():
    report = document(
        host("a1", statuses={"PWR-01": "fail"}),
        host("a2"),
        host("b1", clinics=("clinic_b",), outcome="unreachable", records=[]),
        host("solo", clinics=()),
    )
    clinics = {clinic["name"]: clinic for clinic in report["clinics"]}
    # worst first: a clinic with a host not audited, then the lowest score
    assert list(clinics) == ["clinic_b", "clinic_a", None]
    assert clinics["clinic_a"]["members"] == ["a1", "a2"]
    assert clinics["clinic_a"]["hosts"] == 2
    assert clinics["clinic_a"]["failing"] == 1
    assert clinics["clinic_b"]["outcomes"]["unreachable"] == 1
    assert clinics[None]["members"] == ["solo"]
    assert report["summary"]["hosts"] == 4
    assert report["summary"]["outcomes"] == {"unreachable": 1, "failed": 0, "incomplete": 0, "audited": 3}


def test_controls_are_ranked_by_failing_hosts_then_severity():
    report = document(
        host("a", statuses={"PWR-03": "fail", "PWR-01": "fail"}),
        host("b", statuses={"PWR-03": "fail"}),
    )
    ranking = report["controls"]
    assert ranking[0]["id"] == "PWR-03"
    assert ranking[0]["failing_hosts"] == ["a", "b"]
    assert ranking[1]["id"] == "PWR-01"
    assert all(not entry["failing_hosts"] for entry in ranking[2:])


def test_expired_exceptions_and_attestations_are_failing_with_their_dates():
    exceptions = [
        {"id": "PWR-02", "reason": "vendor", "approver": "cto", "expires": "2026-01-31"},
        {"id": "PWR-03", "reason": "r", "approver": "a", "expires": "2027-01-01"},
        {"id": "PWR-01", "reason": "r", "approver": "a", "expires": "31/12/2026"},
    ]
    attestations = [
        {"id": "MAN-04", "attested_by": "ops", "date": "2025-01-10", "evidence": "photo", "valid_days": 30},
        {"id": "MAN-04", "attested_by": "old", "date": "2024-01-10", "evidence": "e"},
        {"id": "MAN-05", "attested_by": "ops", "date": "2026-05-01", "evidence": "ticket 7"},
    ]
    statuses = {"PWR-02": "fail", "PWR-03": "excepted", "MAN-04": "manual_missing", "MAN-05": "manual_attested"}
    entry = build_host(host("gw", statuses=statuses, exceptions=exceptions, attestations=attestations), CATALOG, TODAY)
    by_id = {item["id"]: item for item in entry["exceptions"]}
    assert by_id["PWR-02"] | {"state": "expired", "expires": "2026-01-31", "failing": True} == by_id["PWR-02"]
    assert by_id["PWR-02"]["control_status"] == "fail"
    assert by_id["PWR-03"]["state"] == "active"
    assert by_id["PWR-03"]["failing"] is False
    assert by_id["PWR-01"]["state"] == "invalid"
    attested = {item["id"]: item for item in entry["attestations"]}
    assert attested["MAN-04"]["attested_by"] == "ops"  # the newest one, as the module keeps it
    assert attested["MAN-04"]["state"] == "expired"
    assert attested["MAN-04"]["valid_until"] == "2025-02-09"
    assert attested["MAN-04"]["failing"] is True
    assert attested["MAN-05"]["state"] == "current"
    assert attested["MAN-05"]["valid_until"] == "2027-05-01"


def test_waivers_that_are_not_lists_are_ignored():
    entry = build_host(host("gw", exceptions="oops", attestations={"id": "MAN-04"}), CATALOG, TODAY)
    assert entry["exceptions"] == []
    assert entry["attestations"] == []


class _TaggedStr(str):
    def __html__(self) -> str:  # what a value Jinja would trust looks like
        return str(self)


def test_values_are_copied_into_exact_json_types():
    value = OrderedDict(
        a=_TaggedStr("<x>"), b=(1, 2.5, float("nan")), c={3}, d=dt.date(2026, 1, 2), e=Markup("<i>"), f=b"\xff"
    )
    copied = plain(value)
    # exact types, not subclasses: a str subclass could carry markup-safe or trust tags into templates
    assert copied.__class__ is dict
    assert copied["a"].__class__ is str
    assert copied["e"].__class__ is str
    assert copied == {"a": "<x>", "b": [1, 2.5, "nan"], "c": [3], "d": "2026-01-02", "e": "<i>", "f": "\ufffd"}
    json.dumps(copied)


def test_deep_structures_are_cut():
    deep: list = []
    cursor = deep
    for _ in range(100):
        cursor.append([])
        cursor = cursor[0]
    assert "..." in json.dumps(plain(deep))


def test_a_control_that_needs_configuration_is_apart_and_not_counted_against_the_score():
    gateway = records(statuses={"PWR-02": "fail"})
    unconfigured = "not configured: set expected_ipv4 to the address reserved for the gateway"
    for record in gateway:
        if record["id"] == "NET-01":
            record.update(status="fail", message=unconfigured)
    entry = build_host(host("gw", records=gateway), CATALOG, TODAY)
    net = next(control for control in entry["controls"] if control["id"] == "NET-01")
    assert net["needs_configuration"] is True
    assert net["failing"] is False
    assert entry["needs_configuration"] == 1
    assert entry["counts"]["fail"] == 1  # PWR-02 only
    assert entry["failing"] == sum(entry["counts"][status] for status in ("fail", "manual_missing", "error"))
    evaluated = sum(entry["counts"][status] for status in entry["counts"] if status != "not_applicable")
    assert entry["score"] == round(100 * (evaluated - 1) / evaluated, 1)
