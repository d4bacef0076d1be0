"""Merge several reports (compliance.json of job slices, or of audits run per clinic) into one document.

Host entries are taken as they are; the fleet and clinic summaries, the control ranking and the run metadata are
computed again over all of them. A host present in several inputs keeps the entry of the newest run (by
`generated_at`, later input on a tie), and is named in the returned list of duplicates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from .._catalog import Catalog
from ._model import assemble
from ._run import run_metadata


def merge(
    documents: Sequence[Mapping[str, Any]],
    catalog: Catalog,
    *,
    run_id: str,
    now: dt.datetime,
    title: str,
    ansible_version: str | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """(merged document without trend, names of hosts found in more than one input)."""
    chosen: dict[str, tuple[str, Mapping[str, Any]]] = {}
    duplicates: set[str] = set()
    for document in documents:
        generated = str(document["run"].get("generated_at") or "")
        for host in document["hosts"]:
            previous = chosen.get(host["name"])
            if previous is not None:
                duplicates.add(host["name"])
                if previous[0] > generated:
                    continue
            chosen[host["name"]] = (generated, host)
    hosts = [host for _key, host in chosen.values()]
    sources = sorted(
        {str(source) for document in documents for source in document["run"].get("inventory_sources") or []}
    )
    merged_from = [
        {
            "id": document["run"].get("id"),
            "generated_at": document["run"].get("generated_at"),
            "limit": document["run"].get("limit"),
            "hosts": len(document["hosts"]),
        }
        for document in documents
    ]
    dates = sorted(str(document["run"].get("date") or "") for document in documents)
    run = run_metadata(
        run_id=run_id,
        now=now,
        today=dt.date.fromisoformat(dates[-1]) if dates and dates[-1] else now.date(),
        title=title,
        hosts=hosts,
        inventory_sources=sources,
        ansible_version=ansible_version,
        merged_from=merged_from,
    )
    return assemble(run, hosts, catalog), sorted(duplicates)
