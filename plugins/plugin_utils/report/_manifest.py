"""Tamper evidence for the report store: each run folder's manifest.json holds the SHA-256 of every file of the run
and the SHA-256 of the previous run's manifest, so the runs form a hash chain.

    {"run": "20260516T091500Z", "algorithm": "sha256", "previous_run": "20260509T091500Z",
     "previous_manifest_sha256": "9f2c...", "files": {"compliance.json": "ab12...", "clinics/x/compliance.html": ...}}

Changing a file breaks its hash; rewriting the file's hash in its manifest breaks the next run's link; deleting a
run breaks the link of the one after it. verify() checks all of it (scripts/verify_reports.py). What it cannot
show: an attacker who rewrites every manifest from the changed run to the newest - keep a copy of the newest
manifest's hash elsewhere (the job log or the ticket of the audit) to close that gap.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._store import run_dirs

MANIFEST = "manifest.json"
ALGORITHM = "sha256"


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def previous_manifest(folder: Path) -> Path | None:
    """The manifest of the newest run before folder (by run id) that has one."""
    earlier = [path for path in run_dirs(folder.parent) if path.name < folder.name]
    for path in reversed(earlier):
        if (path / MANIFEST).is_file():
            return path / MANIFEST
    return None


def build_manifest(folder: Path, files: Mapping[str, bytes]) -> bytes:
    """manifest.json's bytes for a run folder about to hold files."""
    previous = previous_manifest(folder)
    document = {
        "run": folder.name,
        "algorithm": ALGORITHM,
        "previous_run": previous.parent.name if previous else None,
        "previous_manifest_sha256": digest(previous.read_bytes()) if previous else None,
        "files": {name: digest(content) for name, content in sorted(files.items())},
    }
    return (json.dumps(document, indent=2) + "\n").encode("utf-8")


def _listed_files(folder: Path) -> set[str]:
    return {
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and path.name != MANIFEST and not path.name.startswith(".")
    }


def _load(path: Path) -> dict[str, Any] | None:
    try:
        document = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) and isinstance(document.get("files"), dict) else None


def verify(base: Path) -> tuple[list[str], list[str]]:
    """(problems, notes) for every run folder under base, oldest first. Any problem means the store was changed
    after it was written (or a run was removed); notes are expected situations (runs older than manifests, the
    first run after pruning)."""
    problems: list[str] = []
    notes: list[str] = []
    runs = run_dirs(base)
    seen_manifest = False
    for index, folder in enumerate(runs):
        path = folder / MANIFEST
        if not path.is_file():
            (problems if seen_manifest else notes).append(f"{folder.name}: no {MANIFEST}")
            continue
        seen_manifest = True
        manifest = _load(path)
        if manifest is None:
            problems.append(f"{folder.name}: {MANIFEST} is not a manifest")
            continue
        for name, expected in sorted(manifest["files"].items()):
            target = folder / name
            if not target.is_file():
                problems.append(f"{folder.name}: {name} is missing")
            elif digest(target.read_bytes()) != expected:
                problems.append(f"{folder.name}: {name} was changed (SHA-256 differs from the manifest)")
        for name in sorted(_listed_files(folder) - set(manifest["files"])):
            problems.append(f"{folder.name}: {name} is not in the manifest (added after the run)")
        previous_name = manifest.get("previous_run")
        if previous_name is None:
            if any((earlier / MANIFEST).is_file() for earlier in runs[:index]):
                problems.append(f"{folder.name}: names no previous run, but an earlier run has a manifest")
            continue
        previous = base / str(previous_name) / MANIFEST
        if not previous.is_file():
            if any((earlier / MANIFEST).is_file() for earlier in runs[:index]):
                problems.append(f"{folder.name}: its previous run {previous_name} is missing")
            else:
                notes.append(f"{folder.name}: chain starts after {previous_name} (pruned or moved)")
            continue
        if digest(previous.read_bytes()) != manifest.get("previous_manifest_sha256"):
            problems.append(f"{folder.name}: the manifest of {previous_name} was changed (chain link differs)")
    return problems, notes
