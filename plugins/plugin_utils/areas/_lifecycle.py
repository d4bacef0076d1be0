"""Windows support lifecycle (SYS-02): is the host's Windows release still in Microsoft support on a given day?

The dates are data (lifecycle.yml, next to this module), so a new release or a changed date is a data change with
its source. A host is matched by OS family, build and, on client Windows, the servicing class of its EditionID
(Home/Pro, Enterprise/Education, LTSC, IoT LTSC), because the same build ends on different dates per edition.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .._paths import LIFECYCLE_TABLE

DEFAULT_TABLE_PATH = LIFECYCLE_TABLE
FAMILIES = ("server", "client")
EDITION_CLASSES = ("home_pro", "enterprise", "ltsc", "iot_ltsc")
_RELEASE_FIELDS = {"name", "family", "build", "class", "ends", "esu_until"}


@dataclass(frozen=True)
class Release:
    """One row of the table: a Windows release (and, on client Windows, servicing class) and its end dates."""

    name: str
    family: str
    build: str
    edition_class: str | None
    ends: dt.date
    esu_until: dt.date | None = None


@dataclass(frozen=True)
class LifecycleTable:
    reviewed: dt.date
    edition_classes: Mapping[str, str]  # EditionID, case-folded -> class
    releases: tuple[Release, ...]

    def candidates(self, family: str, build: str) -> list[Release]:
        return [release for release in self.releases if release.family == family and release.build == build]


@dataclass(frozen=True)
class SupportVerdict:
    """SYS-02's answer for one host on one day."""

    supported: bool
    release: Release | None
    message: str
    actual: dict[str, Any]


class LifecycleTableError(ValueError):
    """lifecycle.yml does not have the documented shape; the message names the entry."""


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise LifecycleTableError(f"{where}: {value!r} is not a YYYY-MM-DD date")


def _release(raw: Any, index: int) -> Release:
    where = f"releases[{index}]"
    if not isinstance(raw, dict):
        raise LifecycleTableError(f"{where}: must be a mapping")
    unknown = set(raw) - _RELEASE_FIELDS
    if unknown:
        raise LifecycleTableError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    family = raw.get("family")
    if family not in FAMILIES:
        raise LifecycleTableError(f"{where}.family: must be one of {', '.join(FAMILIES)}")
    edition_class = raw.get("class")
    if family == "client" and edition_class not in EDITION_CLASSES:
        raise LifecycleTableError(f"{where}.class: client releases need one of {', '.join(EDITION_CLASSES)}")
    if family == "server" and edition_class is not None:
        raise LifecycleTableError(f"{where}.class: server releases have one date for every edition")
    build = raw.get("build")
    if not isinstance(build, str) or not build.isdigit():
        raise LifecycleTableError(f'{where}.build: must be a quoted build number such as "19045"')
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise LifecycleTableError(f"{where}.name: required")
    ends = _date(raw.get("ends"), f"{where}.ends")
    esu_until = None if raw.get("esu_until") is None else _date(raw["esu_until"], f"{where}.esu_until")
    if esu_until is not None and esu_until <= ends:
        raise LifecycleTableError(f"{where}.esu_until: must be after ends")
    return Release(name, family, build, edition_class, ends, esu_until)


def parse_table(document: Any) -> LifecycleTable:
    """A validated LifecycleTable from the loaded YAML document; raises LifecycleTableError."""
    if not isinstance(document, dict):
        raise LifecycleTableError("the top level must be a mapping")
    classes: dict[str, str] = {}
    for edition_class, edition_ids in (document.get("edition_classes") or {}).items():
        if edition_class not in EDITION_CLASSES:
            raise LifecycleTableError(f"edition_classes.{edition_class}: not one of {', '.join(EDITION_CLASSES)}")
        for edition_id in edition_ids:
            if edition_id.casefold() in classes:
                raise LifecycleTableError(f"edition_classes: {edition_id} is listed twice")
            classes[edition_id.casefold()] = edition_class
    releases = tuple(_release(raw, index) for index, raw in enumerate(document.get("releases") or []))
    seen: set[tuple[str, str, str | None]] = set()
    for release in releases:
        identity = (release.family, release.build, release.edition_class)
        if identity in seen:
            raise LifecycleTableError(f"releases: {release.name} ({release.edition_class or 'all editions'}) twice")
        seen.add(identity)
    return LifecycleTable(_date(document.get("reviewed"), "reviewed"), classes, releases)


@functools.cache
def load_table(path: Path = DEFAULT_TABLE_PATH) -> LifecycleTable:
    """The lifecycle table shipped with the collection (cached)."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        return parse_table(document)
    except LifecycleTableError as exc:
        raise LifecycleTableError(f"{path}: {exc}") from None


def os_family(system_info: Mapping[str, Any]) -> str:
    """'client' for ProductType 1 (workstation), 'server' for 2 (domain controller) and 3 (server)."""
    return "client" if int(system_info["product_type"]) == 1 else "server"


def _match(table: LifecycleTable, family: str, build: str, edition_id: str) -> tuple[Release | None, str]:
    """The release row for the host and a note on how it was matched ("" for an exact match)."""
    candidates = table.candidates(family, build)
    if family == "server" or not candidates:
        return (candidates[0] if candidates else None), ""
    edition_class = table.edition_classes.get(edition_id.casefold())
    if edition_class is not None:
        exact = [release for release in candidates if release.edition_class == edition_class]
        return (exact[0] if exact else None), ""
    earliest = min(candidates, key=lambda release: release.ends)
    note = f"EditionID {edition_id!r} is not in the lifecycle table; assumed the earliest end date of build {build}"
    return earliest, note


def support_verdict(
    system_info: Mapping[str, Any],
    today: dt.date,
    esu_until: dt.date | None = None,
    table: LifecycleTable | None = None,
) -> SupportVerdict:
    """Whether the host described by a system.info result is in support on `today`.

    `esu_until` is the last day the host's Extended Security Updates licence covers (from inventory); it counts
    only for releases Microsoft offers ESU for, and never beyond the last ESU date.
    """
    table = table or load_table()
    family = os_family(system_info)
    build = str(system_info.get("current_build") or "")
    edition_id = str(system_info.get("edition_id") or "")
    ubr = system_info.get("ubr")
    shown = f"EditionID {edition_id or '(none)'}, build {build}{f'.{ubr}' if ubr else ''}"
    actual: dict[str, Any] = {
        "release": None,
        "edition_id": edition_id,
        "build": build,
        "display_version": system_info.get("display_version") or "",
        "end_of_support": None,
    }
    release, note = _match(table, family, build, edition_id)
    if release is None:
        message = (
            f"{family} Windows ({shown}) is not in the lifecycle table (reviewed {table.reviewed.isoformat()}): "
            "its support cannot be confirmed; upgrade to a listed release, update the collection, or record an "
            "exception"
        )
        return SupportVerdict(False, None, message, actual)

    actual.update(release=release.name, end_of_support=release.ends.isoformat())
    described = f"{release.name} ({shown})"
    notes = [note] if note else []
    if today <= release.ends:
        days = (release.ends - today).days
        message = f"{described} is supported until {release.ends.isoformat()} ({days} days left)"
        return SupportVerdict(True, release, "; ".join([message, *notes]), actual)

    ended = f"{described} reached end of support on {release.ends.isoformat()}"
    if release.esu_until is None:
        if esu_until is not None:
            notes.append("esu_until is ignored: Microsoft offers no Extended Security Updates for this release")
        return SupportVerdict(False, release, "; ".join([f"{ended}; upgrade to a supported release", *notes]), actual)
    if esu_until is None:
        offer = (
            f"Extended Security Updates can cover it until {release.esu_until.isoformat()} at the latest: if this "
            "host has an ESU licence, set esu_until to the last day it covers"
        )
        return SupportVerdict(
            False, release, "; ".join([f"{ended}; upgrade to a supported release", offer, *notes]), actual
        )
    covered = min(esu_until, release.esu_until)
    if esu_until > release.esu_until:
        notes.append(f"esu_until {esu_until.isoformat()} is capped at the last ESU date {covered.isoformat()}")
    actual["esu_until"] = covered.isoformat()
    if today <= covered:
        days = (covered - today).days
        message = f"{ended}; covered by Extended Security Updates until {covered.isoformat()} ({days} days left)"
        return SupportVerdict(True, release, "; ".join([message, *notes]), actual)
    message = f"{ended}; its Extended Security Updates coverage ended on {covered.isoformat()}"
    return SupportVerdict(False, release, "; ".join([message, *notes]), actual)
