"""Write one report run: the trend against the previous run and over the last runs, all four files for the fleet
and for each clinic (clinics/<clinic>/), then the manifest that chains this run to the previous one.

Shared by the compliance_report action plugin and scripts/merge_reports.py, so a merged report is written exactly
like a single one.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._clinic import CLINICS_DIR, clinic_document, clinic_folder
from ._csv import render_csv
from ._history import HISTORY_RUNS, history
from ._html import render_html
from ._junit import render_junit
from ._manifest import MANIFEST, build_manifest
from ._model import SCHEMA_VERSION
from ._store import DOCUMENT, previous_document, publish, recent_documents, reserve_run
from ._trend import compare

FILES = (DOCUMENT, "compliance.csv", "compliance.html", "junit.xml")


def _files(document: Mapping[str, Any], page: str, links: Mapping[str, Mapping[str, str]]) -> dict[str, bytes]:
    return {
        DOCUMENT: render_json(document),
        "compliance.csv": render_csv(document),
        "compliance.html": render_html(document, page=page, links=links),
        "junit.xml": render_junit(document),
    }


def _host_links(document: Mapping[str, Any]) -> dict[str, str]:
    """Where each host's details are, from the fleet page: its (first) clinic's page."""
    links: dict[str, str] = {}
    for clinic in document["clinics"]:
        folder = clinic_folder(clinic["name"])
        for index, name in enumerate(sorted(clinic["members"]), start=1):
            links.setdefault(name, f"{CLINICS_DIR}/{folder}/compliance.html#host-{index}")
    return links


def run_files(document: dict[str, Any], previous: Mapping[str, Any] | None) -> dict[str, bytes]:
    """Every file of the run but the manifest: the fleet's, then each clinic's under clinics/<clinic>/."""
    links = {
        "hosts": _host_links(document),
        "clinics": {
            clinic["name"] or "": f"{CLINICS_DIR}/{clinic_folder(clinic['name'])}/compliance.html"
            for clinic in document["clinics"]
        },
    }
    files = _files(document, "fleet", links)
    for clinic in document["clinics"]:
        folder = f"{CLINICS_DIR}/{clinic_folder(clinic['name'])}"
        for name, content in _files(clinic_document(document, clinic, previous), "clinic", {}).items():
            files[f"{folder}/{name}"] = content
    return files


def render_json(document: Mapping[str, Any]) -> bytes:
    """compliance.json's bytes: UTF-8, compact, keys in document order (stable between runs). Not indented: an
    indent makes Python's json fall back to its pure-Python encoder, which took most of the time of writing a
    1,000-host report (scripts/benchmark_report.py); `python -m json.tool` indents it for reading."""
    return (json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def write_report(document: dict[str, Any], base: Path, keep: int = 0) -> Path:
    """Claim a run folder (its name becomes the run id), add the trend against the previous run that shares a
    host, write the four files and point `latest` at them; the folder's path."""
    previous = previous_document(base, SCHEMA_VERSION, {host["name"] for host in document["hosts"]})
    recent = recent_documents(base, SCHEMA_VERSION, HISTORY_RUNS - 1)
    folder = reserve_run(base, document["run"]["id"])
    try:
        document["run"]["id"] = folder.name
        document["trend"] = compare(previous, document)
        document["trend"]["history"] = history(recent, document)
        files = run_files(document, previous)
        files[MANIFEST] = build_manifest(folder, files)
        return publish(folder, files, keep)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
