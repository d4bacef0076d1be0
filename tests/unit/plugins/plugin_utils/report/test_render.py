"""Rendering: JSON (schema), CSV, JUnit and HTML from one document; host text stays text in every format."""

from __future__ import annotations

import copy
import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import jsonschema
import pytest

from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._csv import COLUMNS, cell, render_csv
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._html import render_html
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._junit import render_junit
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._model import (
    BaselineRun,
    HostInput,
)
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._outputs import render_json
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._schema import JSON_SCHEMA, problems
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._trend import compare
from report_documents import CATALOG, report_document

SCRIPT = "<script>alert(1)</script>"
RUN = {
    "id": "20260516T091500Z",
    "title": "Fleet <report>",
    "generated_at": "2026-05-16T09:15:00Z",
    "date": "2026-05-16",
    "collection_version": "0.1.0",
    "ansible_version": "2.19.0",
    "inventory_sources": ["/inv.yml"],
    "limit": None,
    "mode": "check",
    "merged_from": [],
}


def _records(statuses: dict[str, str], message: str = "ok") -> list[dict]:
    return [
        {
            "id": control.id,
            "title": control.title,
            "status": statuses.get(control.id, "pass"),
            "expected": ["allowed"],
            "actual": {"programs": [SCRIPT]} if control.id == "SW-01" else 1,
            "changed": False,
            "message": message if control.id != "SW-01" else f"not allowed: {SCRIPT}",
        }
        for control in CATALOG.for_baseline("gateway")
    ]


def fleet() -> dict:
    hosts = [
        HostInput(
            "gw-north",
            ("clinic_north",),
            (BaselineRun("gateway", "audited", check_mode=True),),
            {"gateway": _records({"SW-01": "fail", "PWR-02": "fail"}, message='=HYPERLINK("http://x")\x00')},
            exceptions=[{"id": "PWR-02", "reason": SCRIPT, "approver": "cto", "expires": "2026-01-31"}],
            attestations=[
                {"id": "MAN-04", "attested_by": "ops", "date": "2025-01-10", "evidence": "e", "valid_days": 30}
            ],
        ),
        HostInput(
            "gw-down",
            ("clinic_south",),
            (BaselineRun("gateway", "unreachable", "probe", "gw-down: connection refused", True),),
        ),
        HostInput(
            "gw-bad",
            ("clinic_south",),
            (BaselineRun("gateway", "failed", "Validate", "onepacs_exceptions[0].id: 'PWR-99' is unknown", True),),
        ),
    ]
    document = report_document(RUN, hosts)
    document["trend"] = compare(None, document)
    return document


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend(attrs)

    def handle_data(self, data):
        self.text.append(data)


def parsed_html(document: dict, page: str = "clinic") -> _Collector:
    """The page parsed; a clinic's page by default, which carries every host's details."""
    collector = _Collector()
    collector.feed(render_html(document, page=page).decode("utf-8"))
    return collector


def test_the_document_matches_its_json_schema_and_can_be_merged():
    document = json.loads(render_json(fleet()))
    jsonschema.validate(document, JSON_SCHEMA)
    assert problems(document) == []


def test_the_schema_rejects_what_merging_cannot_use():
    document = fleet()
    broken = copy.deepcopy(document)
    broken["schema_version"] = 99
    north = next(host for host in broken["hosts"] if host["name"] == "gw-north")
    del north["controls"][0]["status"]
    found = problems(broken)
    assert any("schema_version" in problem for problem in found)
    assert any("gw-north" in problem for problem in found)


def test_html_shows_host_text_as_text_and_runs_no_script():
    html = render_html(fleet(), page="clinic").decode("utf-8")
    collector = parsed_html(fleet())
    assert "script" not in collector.tags
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert SCRIPT in "".join(collector.text)  # what the reader sees
    assert "Fleet &lt;report&gt;" in html
    assert "default-src 'none'" in html


@pytest.mark.parametrize("page", ["fleet", "clinic"])
def test_html_is_self_contained(page):
    collector = parsed_html(fleet(), page)
    assert not {"link", "img", "iframe", "object", "embed"} & set(collector.tags)
    # links stay inside the run folder: anchors, or relative paths to a clinic's page
    external = [
        value
        for name, value in collector.attributes
        if name in {"src", "href"} and (":" in value or value.startswith(("/", "..")))
    ]
    assert external == []
    styles = re.findall(r"<style>(.*?)</style>", render_html(fleet()).decode(), flags=re.S)
    assert styles
    assert not any(re.search(r"url\(|@import|https?:", style) for style in styles)


def test_html_lists_every_host_unaudited_hosts_with_cause_and_expired_waivers_with_date():
    document = fleet()
    text = " ".join("".join(parsed_html(document).text).split())
    for name in ("gw-north", "gw-down", "gw-bad"):
        assert name in text
    assert "gw-down: connection refused" in text
    assert "onepacs_exceptions[0].id: 'PWR-99' is unknown" in text
    assert "expired on 2026-01-31" in text  # the exception
    assert "expired on 2025-02-09" in text  # the attestation
    assert "clinic_north" in text
    assert "164.308(a)(7) Contingency plan" in text  # grouped by HIPAA safeguard


def test_html_draws_inline_svg_charts():
    collector = parsed_html(fleet())
    assert collector.tags.count("svg") >= 3
    assert "rect" in collector.tags


def test_csv_has_a_row_per_host_and_control_plus_unaudited_hosts_and_no_formulas():
    text = render_csv(fleet()).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == COLUMNS
    controls = len(CATALOG.for_baseline("gateway"))
    assert len([row for row in rows if row["host"] == "gw-north"]) == controls
    down = [row for row in rows if row["host"] == "gw-down"]
    assert down == [down[0]]
    assert down[0]["status"] == "unreachable"
    assert down[0]["control_id"] == ""
    assert "gw-down: connection refused" in down[0]["message"]
    assert "(task: probe)" in down[0]["message"]
    bad = [row for row in rows if row["host"] == "gw-bad"]
    assert bad[0]["status"] == "failed"
    assert "PWR-99" in bad[0]["message"]
    power = next(row for row in rows if row["host"] == "gw-north" and row["control_id"] == "PWR-02")
    assert power["message"].startswith("'=HYPERLINK")
    assert power["remediation"] == CATALOG.get("PWR-02").remediation
    assert power["expected"] == '["allowed"]'


def test_csv_cells_never_start_a_formula():
    for value in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert cell(value).startswith("'")
    assert cell("plain") == "plain"
    assert cell({"b": 1, "a": 2}) == '{"a": 2, "b": 1}'
    assert cell(None) == ""
    assert cell(True) == "true"


def test_junit_has_a_case_per_host_and_control_and_errors_for_unaudited_hosts():
    root = ET.fromstring(render_junit(fleet()))
    suites = {suite.get("name"): suite for suite in root.iter("testsuite")}
    assert set(suites) == {"gw-north", "gw-down", "gw-bad"}
    north = suites["gw-north"]
    assert len(north.findall("testcase")) == 1 + len(CATALOG.for_baseline("gateway"))
    failures = {case.get("name").split()[0] for case in north.findall("testcase") if case.find("failure") is not None}
    assert {"SW-01", "PWR-02"} <= failures
    down = suites["gw-down"].find("testcase")
    assert down.get("name") == "audit"
    assert "gw-down: connection refused" in down.find("error").get("message")
    assert suites["gw-down"].get("errors") == "1"
    assert int(root.get("tests")) == sum(int(suite.get("tests")) for suite in suites.values())
    assert "\x00" not in render_junit(fleet()).decode("utf-8")


def test_every_output_is_identical_for_the_same_records():
    first, second = fleet(), fleet()
    for render in (render_json, render_csv, render_junit, render_html):
        assert render(first) == render(second)
    assert render_html(first, page="clinic") == render_html(second, page="clinic")


def test_the_fleet_page_links_host_details_instead_of_repeating_them():
    links = {"hosts": {"gw-north": "clinics/clinic_north/compliance.html#host-1"}, "clinics": {}}
    html = render_html(fleet(), page="fleet", links=links).decode("utf-8")
    assert 'href="clinics/clinic_north/compliance.html#host-1"' in html
    assert "Controls by area" not in html
    assert "Controls by area" in render_html(fleet(), page="clinic").decode("utf-8")


def test_card_counts_agree_with_the_badges():
    html = render_html(fleet(), page="fleet").decode("utf-8")
    for status in ("fail", "manual_missing", "error"):
        card = re.search(rf'id="card-{status}"><div class="value">(\d+)<', html)
        badge = re.search(rf'id="badge-{status}">[^<:]*: (\d+)<', html)
        assert card, status
        assert badge, status
        assert card.group(1) == badge.group(1), status


def test_values_are_shown_in_words_not_json():
    html = render_html(fleet(), page="clinic").decode("utf-8")
    # SW-01's actual {"programs": ["<script>..."]} reads as a labelled list, escaped
    assert '<div class="value">Programs: &lt;script&gt;alert(1)&lt;/script&gt;</div>' in html
    assert "{&#34;programs&#34;" not in html
    assert '{"programs"' not in html


def test_outputs_other_than_json_and_html_carry_no_run_metadata():
    first, second = fleet(), fleet()
    second["run"] = {**second["run"], "id": "20260517T000000Z", "generated_at": "2026-05-17T00:00:00Z"}
    assert render_csv(first) == render_csv(second)
    assert render_junit(first) == render_junit(second)
