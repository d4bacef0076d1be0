"""compliance.html: one self-contained page (no external CSS, JS or fonts; clinics are often offline).

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

TEMPLATE = "compliance.html.j2"
WORST_CONTROLS = 15
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
    environment.filters.update(as_text=as_text, label=label, band=band)
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
    }


def _context(document: Mapping[str, Any]) -> dict[str, Any]:
    safeguards = document["hipaa_safeguards"]
    hosts = document["hosts"]
    views = [_host_view(index, host, safeguards) for index, host in enumerate(hosts, start=1)]
    clinics = [(clinic["name"] or NO_CLINIC, clinic) for clinic in document["clinics"]]
    return {
        "document": document,
        "run": document["run"],
        "summary": document["summary"],
        "trend": document["trend"],
        "statuses": STATUS_ORDER,
        "fleet_segments": status_segments(document["summary"]["counts"], CHART_WIDTH),
        "chart_width": CHART_WIDTH,
        "row_height": ROW_HEIGHT,
        "clinics": clinics,
        "clinic_bars": score_bars([(name, clinic["score"]) for name, clinic in clinics], CHART_WIDTH, ROW_HEIGHT),
        "host_views": views,
        "anchors": {view["host"]["name"]: view["anchor"] for view in views},
        "unaudited": [view for view in views if view["host"]["problems"]],
        "worst": [control for control in document["controls"] if control["failing_hosts"]][:WORST_CONTROLS],
    }


def render_html(document: Mapping[str, Any]) -> bytes:
    """The HTML file's bytes (UTF-8)."""
    template = _environment().get_template(TEMPLATE)
    return template.render(_context(document)).encode("utf-8")
