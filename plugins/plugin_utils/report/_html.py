"""compliance.html: one self-contained page (no external CSS, JS or fonts; clinics are often offline).

Two pages share the template: the fleet page (summary, clinics worst first, hosts, worst controls; host details
are linked, not repeated, so it stays small at 1,000 hosts) and a clinic's page (an executive first page for
people who do not read control ids, then every host's details). Both print to a clean PDF (the @media print rules).

Rendered from templates/compliance.html.j2 by Jinja2 with autoescaping on, so every value from a host (a
software DisplayName, an account name, a firewall rule name) is text, never markup. The page carries no script at
all, and its Content-Security-Policy forbids scripts besides, so even a mistake in a template could not run one.
This module only prepares what the template shows: groupings, charts and labels.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from typing import Any

import jinja2

from .._paths import REPORT_TEMPLATES
from ._artifacts import NO_CLINIC
from ._charts import STATUS_ORDER, band, score_bars, status_segments
from ._readable import readable, sentence

TEMPLATE = "compliance.html.j2"
WORST_CONTROLS = 15
TOP_RISKS = 5
EXPIRING_DAYS = 30
PAGES = ("fleet", "clinic")
CHART_WIDTH = 560.0
ROW_HEIGHT = 22.0


def as_text(value: Any) -> str:
    """A record value as display text: strings as they are, anything else as sorted, indented JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1)


def label(value: Any) -> str:
    """security_options -> Security options; manual_missing -> manual missing."""
    words = str(value).replace("_", " ")
    return words[:1].upper() + words[1:]


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(REPORT_TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters.update(as_text=as_text, label=label, band=band, readable=readable, sentence=sentence)
    return environment


def _grouped(controls: Sequence[Mapping[str, Any]], key: str) -> list[tuple[str, list[Mapping[str, Any]]]]:
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for control in controls:
        groups.setdefault(control[key], []).append(control)
    return list(groups.items())


def _by_safeguard(
    controls: Sequence[Mapping[str, Any]], safeguards: Mapping[str, str]
) -> list[tuple[str, str, list[Mapping[str, Any]]]]:
    groups: dict[str, list[Mapping[str, Any]]] = {citation: [] for citation in safeguards}
    unmapped: list[Mapping[str, Any]] = []
    for control in controls:
        for citation in control["hipaa"]:
            groups.setdefault(citation, []).append(control)
        if not control["hipaa"]:
            unmapped.append(control)
    result = [(citation, safeguards.get(citation, ""), members) for citation, members in groups.items() if members]
    if unmapped:
        result.append(("", "no HIPAA safeguard mapped", unmapped))
    return result


def _host_view(index: int, host: Mapping[str, Any], safeguards: Mapping[str, str]) -> dict[str, Any]:
    return {
        "host": host,
        "anchor": f"host-{index}",
        "segments": status_segments(host["counts"], CHART_WIDTH),
        "by_area": _grouped(host["controls"], "area"),
        "by_safeguard": _by_safeguard(host["controls"], safeguards),
        "failing": [control for control in host["controls"] if control["failing"]],
        "unconfigured": [control for control in host["controls"] if control.get("needs_configuration")],
    }


def _open_waivers(hosts: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every active exception of the hosts, soonest expiry first."""
    waivers = [
        {**exception, "host": host["name"]}
        for host in hosts
        for exception in host["exceptions"]
        if exception.get("state") == "active"
    ]
    return sorted(waivers, key=lambda waiver: (str(waiver.get("expires")), waiver["host"], str(waiver.get("id"))))


def _top_risks(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The failing controls that matter most, in words: severity first, then how many hosts fail them."""
    ranks = {"high": 0, "medium": 1, "low": 2}
    failing = [entry for entry in document["controls"] if entry["failing_hosts"]]
    ordered = sorted(failing, key=lambda entry: (ranks.get(entry["severity"] or "", 3), -len(entry["failing_hosts"])))
    return [
        {
            "title": entry["title"],
            "id": entry["id"],
            "severity": entry["severity"],
            "hosts": len(entry["failing_hosts"]),
            "of": entry["evaluated"],
            "remediation": entry["remediation"],
        }
        for entry in ordered[:TOP_RISKS]
    ]


def _trend_points(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    history = (document.get("trend") or {}).get("history") or {}
    return list(history.get("fleet") or [])


def _trend_bars(points: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Columns of the score trend chart, oldest to newest (height 60 for 100%)."""
    width = 34.0
    return [
        {
            "x": index * (width + 8),
            "height": round(0.6 * point["score"], 1) if point.get("score") is not None else 0.0,
            "score": point.get("score"),
            "date": point.get("date") or "",
            "band": band(point.get("score")),
            "width": width,
        }
        for index, point in enumerate(points)
    ]


def _context(document: Mapping[str, Any], page: str, links: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    safeguards = document["hipaa_safeguards"]
    hosts = document["hosts"]
    views = [_host_view(index, host, safeguards) for index, host in enumerate(hosts, start=1)]
    clinics = [(clinic["name"] or NO_CLINIC, clinic) for clinic in document["clinics"]]
    anchors = {view["host"]["name"]: f"#{view['anchor']}" for view in views}
    fleet_links = links.get("hosts") or {}
    host_links = {name: fleet_links.get(name, "") for name in anchors} if page == "fleet" else anchors
    points = _trend_points(document)
    return {
        "page": page,
        "document": document,
        "run": document["run"],
        "summary": document["summary"],
        "trend": document["trend"],
        "statuses": STATUS_ORDER,
        "fleet_segments": status_segments(document["summary"]["counts"], CHART_WIDTH),
        "chart_width": CHART_WIDTH,
        "row_height": ROW_HEIGHT,
        "clinics": clinics,
        "clinic_links": {name: (links.get("clinics") or {}).get(clinic["name"] or "") for name, clinic in clinics},
        "clinic_bars": score_bars([(name, clinic["score"]) for name, clinic in clinics], CHART_WIDTH, ROW_HEIGHT),
        "host_views": views,
        "anchors": host_links,
        "unaudited": [view for view in views if view["host"]["problems"]],
        "input_problems": [view for view in views if view["host"].get("input_errors")],
        "worst": [control for control in document["controls"] if control["failing_hosts"]][:WORST_CONTROLS],
        "top_risks": _top_risks(document),
        "waivers": _open_waivers(hosts),
        "missing_attestations": sorted(
            {
                control["id"] + " " + control["title"]
                for host in hosts
                for control in host["controls"]
                if control["status"] == "manual_missing"
            }
        ),
        "trend_points": points,
        "trend_bars": _trend_bars(points),
    }


def render_html(
    document: Mapping[str, Any], *, page: str = "fleet", links: Mapping[str, Mapping[str, str]] | None = None
) -> bytes:
    """The HTML file's bytes (UTF-8): the fleet page, or a clinic's page (page="clinic") with its executive page
    and every host's details. links: where the fleet page sends a host ("hosts") and a clinic ("clinics")."""
    if page not in PAGES:
        raise ValueError(f"page: {page!r} is not one of {', '.join(PAGES)}")
    template = _environment().get_template(TEMPLATE)
    return template.render(_context(document, page, links or {})).encode("utf-8")
