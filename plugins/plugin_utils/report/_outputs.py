"""Write one report run: the trend against the previous run, then all four files into a new run folder.

Shared by the compliance_report action plugin and scripts/merge_reports.py, so a merged report is written exactly
like a single one.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._csv import render_csv
from ._html import render_html
from ._junit import render_junit
from ._model import SCHEMA_VERSION
from ._store import DOCUMENT, previous_document, publish, reserve_run
from ._trend import compare

FILES = (DOCUMENT, "compliance.csv", "compliance.html", "junit.xml")


def render_json(document: Mapping[str, Any]) -> bytes:
    """compliance.json's bytes: UTF-8, indented, keys in document order (stable between runs)."""
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def write_report(document: dict[str, Any], base: Path, keep: int = 0) -> Path:
    """Claim a run folder (its name becomes the run id), add the trend against the previous run that shares a
    host, write the four files and point `latest` at them; the folder's path."""
    previous = previous_document(base, SCHEMA_VERSION, {host["name"] for host in document["hosts"]})
    folder = reserve_run(base, document["run"]["id"])
    try:
        document["run"]["id"] = folder.name
        document["trend"] = compare(previous, document)
        files = {
            DOCUMENT: render_json(document),
            "compliance.csv": render_csv(document),
            "compliance.html": render_html(document),
            "junit.xml": render_junit(document),
        }
        return publish(folder, files, keep)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
