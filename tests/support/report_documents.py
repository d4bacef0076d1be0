"""Report documents for the report tests: built from host inputs as compliance_report builds them, on a fixed day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from ansible_collections.onepacs.baseline.plugins.plugin_utils._catalog import load_catalog
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._model import HostInput, assemble, build_host

CATALOG = load_catalog()
#: The day the report tests audit on.
TODAY = dt.date(2026, 5, 16)


def gateway_records(statuses: Mapping[str, str], message: str = "m") -> list[dict[str, Any]]:
    """A record for every gateway control of the catalog: the given status, "pass" for the others."""
    return [
        {"id": control.id, "title": control.title, "status": statuses.get(control.id, "pass"), "message": message}
        for control in CATALOG.for_baseline("gateway")
    ]


def report_document(run: Mapping[str, Any], hosts: Iterable[HostInput], today: dt.date = TODAY) -> dict[str, Any]:
    """The report document of these hosts for this run."""
    return assemble(run, [build_host(host, CATALOG, today) for host in hosts], CATALOG)
