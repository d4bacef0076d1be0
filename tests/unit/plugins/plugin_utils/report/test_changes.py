"""The end-of-play summary and the change record's host entries (report/_changes.py)."""

from __future__ import annotations

import json

from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._changes import (
    collect_changes,
    summary_lines,
    write_change_record,
)


def record(control_id: str, status: str) -> dict:
    return {"id": control_id, "title": control_id, "status": status, "expected": 0, "actual": 1, "message": "m"}


HOSTVARS = {
    "gw": {
        "onepacs_gateway_controls": [
            record("PWR-01", "fixed"),
            record("PWR-02", "excepted"),
            record("PWR-03", "fail"),
            record("MAN-04", "manual_attested"),
            record("MAN-05", "manual_missing"),
            record("FW-01", "error"),
        ],
        "onepacs_gateway_failed_areas": [],
    },
    "pc": {"onepacs_gateway_guard": {"failed": True, "msg": "pc does not look like a gateway: it runs a client OS"}},
    "clean": {"onepacs_workstation_controls": [record("PWR-01", "pass")]},
    "untouched": {"ansible_host": "10.0.0.9"},
}


def test_one_line_per_host_refusals_first_without_excepted_or_attested_controls():
    lines = summary_lines(collect_changes(HOSTVARS, HOSTVARS))
    assert lines == [
        "pc: REFUSED: pc does not look like a gateway: it runs a client OS",
        "gw: 2 still failing: FW-01, PWR-03 | 1 attestations missing | 1 fixed",
        "clean: compliant",
    ]


def test_the_change_record_keeps_what_was_fixed_and_is_never_overwritten(tmp_path):
    hosts = collect_changes(HOSTVARS, ["gw"])
    run = {"id": "20260516T091500Z", "baselines": ["gateway"]}
    first = write_change_record(tmp_path, run, hosts)
    second = write_change_record(tmp_path, run, hosts)
    assert first != second
    assert first.name == "20260516T091500Z-gateway.json"
    document = json.loads(first.read_text())
    assert [control["id"] for control in document["hosts"][0]["fixed"]] == ["PWR-01"]
    assert document["hosts"][0]["still_failing"][0]["actual"] == 1
