"""The report directory: one folder per run named by its id, a `latest` pointer, and the previous run for trends.

    <dir>/20260516T091500Z/{compliance.json, compliance.csv, compliance.html, junit.xml, manifest.json}
    <dir>/20260516T091500Z/clinics/<clinic>/{compliance.json, .csv, .html, junit.xml}   (that clinic's hosts only)
    <dir>/latest -> 20260516T091500Z      (a relative symlink; latest.txt holding the name where a share has none)
    <dir>/changes/<run id>-<baselines>.json   (change records of enforcing runs, report/_changes.py)

Several writers may share a directory (job slices): a run claims its folder with an exclusive mkdir (a run of the
same second gets -2, -3, ...), every file is written under a temporary name and renamed into place, and `latest` is
replaced atomically. Only folders named like run ids are ever pruned.

Reports name every host and its weaknesses, so folders this code creates are 0750 and files 0640, whatever the
umask: the controller's user and its group (an auditors' group, say) read them, other local users do not. A folder
that already exists keeps the mode its owner gave it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

#: Overrides the default report directory for every playbook (onepacs_report_dir still wins).
REPORT_DIR_ENV = "ONEPACS_REPORT_DIR"
LATEST = "latest"
LATEST_FILE = "latest.txt"
DOCUMENT = "compliance.json"
FOLDER_MODE = 0o750
FILE_MODE = 0o640
_RUN_DIR = re.compile(r"^(?P<stamp>\d{8}T\d{6}Z)(?:-(?P<n>\d+))?$")


def default_report_dir(environ: Mapping[str, str], home: Path) -> Path:
    """Where reports go when onepacs_report_dir is not set: $ONEPACS_REPORT_DIR, else the user's data directory
    ($XDG_DATA_HOME/onepacs/reports, ~/.local/share/onepacs/reports). Never inside the collection: a reinstall
    replaces that directory, with the history and the trend."""
    if environ.get(REPORT_DIR_ENV):
        return Path(environ[REPORT_DIR_ENV]).expanduser()
    data = Path(environ["XDG_DATA_HOME"]) if environ.get("XDG_DATA_HOME") else home / ".local" / "share"
    return data / "onepacs" / "reports"


def _run_key(name: str) -> tuple[str, int]:
    match = _RUN_DIR.match(name)
    return (match.group("stamp"), int(match.group("n") or 1)) if match else (name, 0)


def run_dirs(base: Path) -> list[Path]:
    """The run folders under base, oldest first."""
    if not base.is_dir():
        return []
    found = [path for path in base.iterdir() if path.is_dir() and _RUN_DIR.match(path.name)]
    return sorted(found, key=lambda path: _run_key(path.name))


def _make_folder(path: Path) -> None:
    """mkdir with FOLDER_MODE whatever the umask; FileExistsError when it exists."""
    path.mkdir(mode=FOLDER_MODE)
    path.chmod(FOLDER_MODE)


def _make_folders(path: Path) -> None:
    """The missing folders of path, each FOLDER_MODE (mkdir(parents=True) would give the parents the umask's)."""
    for folder in [*reversed(path.parents), path]:
        with contextlib.suppress(FileExistsError):
            _make_folder(folder)


def write_private(path: Path, content: bytes) -> None:
    """Write a new file with FILE_MODE whatever the umask (an existing one is replaced)."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), FILE_MODE)
    with os.fdopen(descriptor, "wb") as stream:
        os.fchmod(descriptor, FILE_MODE)
        stream.write(content)


def reserve_run(base: Path, run_id: str) -> Path:
    """Create and return the run's folder: base/run_id, or run_id-2, -3, ... when that is taken."""
    _make_folders(base)
    number = 1
    while True:
        folder = base / (run_id if number == 1 else f"{run_id}-{number}")
        try:
            _make_folder(folder)
        except FileExistsError:
            number += 1
            continue
        return folder


def latest_dir(base: Path) -> Path | None:
    """The folder `latest` points at (symlink, else latest.txt), when it still holds a run."""
    link = base / LATEST
    name = None
    if link.is_symlink():
        name = os.readlink(link)
    elif (base / LATEST_FILE).is_file():
        name = (base / LATEST_FILE).read_text(encoding="utf-8").strip()
    if name and _RUN_DIR.match(Path(name).name) and (base / Path(name).name).is_dir():
        return base / Path(name).name
    return None


def recent_documents(base: Path, schema_version: int, count: int) -> list[dict[str, Any]]:
    """The newest `count` readable compliance.json documents of the schema version in base, oldest first."""
    found: list[dict[str, Any]] = []
    for folder in reversed(run_dirs(base)):
        if len(found) >= count:
            break
        try:
            document = json.loads((folder / DOCUMENT).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(document, dict) and document.get("schema_version") == schema_version:
            found.append(document)
    return list(reversed(found))


def previous_document(base: Path, schema_version: int, hosts: Collection[str] | None = None) -> dict[str, Any] | None:
    """The newest readable compliance.json of the schema version in base (latest first) that shares a host with
    `hosts` (any, when None): another slice's report of other hosts is no baseline for a trend."""
    candidates = [latest_dir(base), *reversed(run_dirs(base))]
    for folder in candidates:
        if folder is None:
            continue
        try:
            document = json.loads((folder / DOCUMENT).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(document, dict) or document.get("schema_version") != schema_version:
            continue
        names = {host.get("name") for host in document.get("hosts") or [] if isinstance(host, dict)}
        if hosts is None or names & set(hosts):
            return document
    return None


def publish(folder: Path, files: Mapping[str, bytes], keep: int = 0) -> Path:
    """Write the files (names relative to the folder, sub-folders allowed) into the reserved run folder, in order,
    point `latest` at it, keep the newest `keep` runs (0: all)."""
    for name, content in files.items():
        target = folder / name
        _make_folders(target.parent)
        temporary = target.with_name(f".{target.name}.partial")
        write_private(temporary, content)
        temporary.replace(target)
    base = folder.parent
    _point_latest(base, folder.name)
    if keep > 0:
        for old in run_dirs(base)[:-keep]:
            if old != folder:
                shutil.rmtree(old, ignore_errors=True)
    return folder


def _point_latest(base: Path, run_id: str) -> None:
    link = base / LATEST
    if link.exists() and not link.is_symlink():
        _write_latest_file(base, run_id)  # someone's own folder or file: never replaced
        return
    temporary = base / f".{LATEST}.{run_id}"
    try:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        temporary.symlink_to(run_id, target_is_directory=True)
        temporary.replace(link)
    except OSError:  # a share without symbolic links
        with contextlib.suppress(OSError):
            temporary.unlink()
        _write_latest_file(base, run_id)
        return
    with contextlib.suppress(FileNotFoundError):
        (base / LATEST_FILE).unlink()


def _write_latest_file(base: Path, run_id: str) -> None:
    temporary = base / f".{LATEST_FILE}.{run_id}"
    write_private(temporary, (run_id + "\n").encode("utf-8"))
    temporary.replace(base / LATEST_FILE)
