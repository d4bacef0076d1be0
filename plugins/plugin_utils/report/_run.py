"""A report's run metadata: id and time, collection and Ansible versions, inventory, limit and check/enforce mode.

This is the part of a report that differs between two runs over an unchanged fleet (with `trend`); everything else
is a function of the hosts' records, so two audits of the same fleet give the same report apart from it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from .._paths import COLLECTION_ROOT
from ._values import plain

RUN_ID_FORMAT = "%Y%m%dT%H%M%SZ"


def new_run_id(now: dt.datetime) -> str:
    """The run's id and folder name: its UTC start, to the second (20260516T091500Z); sorts by time."""
    return now.astimezone(dt.UTC).strftime(RUN_ID_FORMAT)


def collection_version(root: Path = COLLECTION_ROOT) -> str | None:
    """The collection's version: MANIFEST.json when installed, galaxy.yml in a source tree, else None."""
    try:
        manifest = root / "MANIFEST.json"
        if manifest.is_file():
            return str(json.loads(manifest.read_text(encoding="utf-8"))["collection_info"]["version"])
        galaxy = root / "galaxy.yml"
        if galaxy.is_file():
            return str(yaml.safe_load(galaxy.read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError, TypeError, yaml.YAMLError):
        return None
    return None


def mode(hosts: Iterable[Mapping[str, Any]]) -> str | None:
    """check, enforce or mixed: how the baseline plays ran (check_mode of each host's baselines); None unknown."""
    modes = {host["check_mode"] for host in hosts if host.get("check_mode") is not None}
    if not modes:
        return None
    if len(modes) > 1:
        return "mixed"
    return "check" if modes.pop() else "enforce"


def run_metadata(
    *,
    run_id: str,
    now: dt.datetime,
    today: dt.date,
    title: str,
    hosts: Sequence[Mapping[str, Any]],
    inventory_sources: Any = None,
    limit: Any = None,
    ansible_version: str | None = None,
    merged_from: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The `run` object of a report document (docs/report-schema.md)."""
    sources = plain(inventory_sources)
    if isinstance(sources, str):
        sources = [sources]
    return {
        "id": run_id,
        "title": title,
        "generated_at": now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "date": today.isoformat(),
        "collection_version": collection_version(),
        "ansible_version": ansible_version,
        "inventory_sources": sources or [],
        "limit": plain(limit) or None,
        "mode": mode(hosts),
        "merged_from": [plain(item) for item in merged_from],
    }
