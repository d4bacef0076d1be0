"""Profiles: JSON files that describe a Windows host's starting state (format in tests/lab/PROFILES.md).

A profile may `"extends"` one profile or a list of them (applied left to right, then the file itself) so a hardened
variant states only its differences. Layers merge like a JSON merge patch (RFC 7396): maps merge key by key, any
other value replaces, null deletes. The registry section merges by Windows rules instead (key and value names
case-insensitive; null on a key deletes its subkeys too). Bundled profiles live in winlab/profiles/; names starting
with "_" are building blocks that list_profiles() does not offer as hosts.

Every file is applied as a patch in one flat sequence (its parents' files first, depth first, left to right; a file
reached twice is applied once, at its first place), never resolved on its own first: resolving a building block
against nothing would drop its nulls, so `"DefaultPassword": null` in _hardened-common could not delete the password
a host profile's other parent set.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from winlab.sim_registry import overlay_registry
from winlab.sim_schema import prepare_state, validate_state

PROFILE_DIR = Path(__file__).resolve().parent / "profiles"

#: Sections whose strings are Windows data verbatim, never relative timestamps.
_LITERAL_SECTIONS = frozenset({"registry", "registry_access"})
_RELATIVE_TIME = re.compile(r"^now(?:-(\d+)([dhm]))?$")
_TIME_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


class ProfileError(ValueError):
    """A profile that cannot be found, parsed, merged or that describes an incomplete host."""


def list_profiles() -> list[str]:
    """Names of the bundled host profiles (file stems), sorted; "_" building blocks are left out."""
    return sorted(path.stem for path in PROFILE_DIR.glob("*.json") if not path.stem.startswith("_"))


def load_profile(name_or_path: str | Path, *, now: datetime | None = None) -> dict:
    """A host state from a bundled profile name or a path to a JSON file, with "extends" resolved, relative
    timestamps ("now-30d") turned into UTC timestamps relative to `now`, canonical spellings applied and the result
    validated. A snapshot written to a file loads back unchanged. Raises ProfileError with the reason."""
    path = _locate(name_or_path, relative_to=None)
    layers = _linearise(path, chain=(), seen=set())
    merged = _apply_layers(layers)
    description = merged.pop("description", "")
    origin = merged.pop("profile", None)
    state = _resolve_timestamps(merged, now or datetime.now(UTC))
    try:
        prepare_state(state)
    except ValueError as exc:
        raise ProfileError(f"profile {path.stem!r}: {exc}") from None
    if isinstance(origin, dict) and isinstance(origin.get("name"), str):
        # A saved snapshot (SimulatedHost.snapshot() written to a file) keeps the profile it started from.
        state["profile"] = origin
    else:
        lineage = list(dict.fromkeys(layer.path.stem for layer in layers))
        state["profile"] = {"name": path.stem, "description": description, "lineage": lineage}
    problems = validate_state(state)
    if problems:
        listing = "\n  - ".join(problems)
        raise ProfileError(f"profile {path.stem!r} ({path}) is incomplete:\n  - {listing}")
    return state


def merge_layers(base: dict, overlay: dict) -> dict:
    """`overlay` applied to `base` as described in the module docstring; neither argument is modified."""
    return _merge(base, overlay, top_level=True)


def _merge(base: dict, overlay: dict, *, top_level: bool = False) -> dict:
    """Deep merge; at the top level the registry overlays by key path (overlay_registry), below it plainly."""
    result = copy.deepcopy(base)
    for key, value in overlay.items():
        if top_level and key == "registry" and isinstance(value, dict):
            result[key] = overlay_registry(result.get(key) or {}, value)
        elif value is None:
            result.pop(key, None)
        elif isinstance(value, dict):
            current = result.get(key)
            result[key] = _merge(current if isinstance(current, dict) else {}, value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def _locate(reference: str | Path, relative_to: Path | None) -> Path:
    if isinstance(reference, str) and not _looks_like_path(reference):
        path = PROFILE_DIR / f"{reference}.json"
        if not path.is_file():
            raise ProfileError(f"no bundled profile {reference!r}; bundled: {', '.join(list_profiles())}")
        return path
    path = Path(reference)
    if not path.is_absolute() and relative_to is not None:
        path = relative_to / path
    if not path.is_file():
        raise ProfileError(f"profile file {str(path)!r} does not exist")
    return path


def _looks_like_path(reference: str) -> bool:
    return reference.endswith(".json") or "/" in reference or "\\" in reference


@dataclass(frozen=True)
class _Layer:
    """One profile file's own content (without "extends"), applied as a patch."""

    path: Path
    data: dict


def _linearise(path: Path, chain: tuple[Path, ...], seen: set[Path]) -> list[_Layer]:
    """The files to apply for `path`, in order: each parent's files (depth first, left to right), then the file
    itself. A file already in the sequence (a shared ancestor) is not applied again."""
    real = path.resolve()
    if real in chain:
        cycle = " -> ".join(item.stem for item in (*chain, real))
        raise ProfileError(f"profile 'extends' cycle: {cycle}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ProfileError(f"profile {str(path)!r} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ProfileError(f"profile {str(path)!r} must hold a JSON object")
    parents = data.pop("extends", None)
    if isinstance(parents, str):
        parents = [parents]
    if parents is not None and not (isinstance(parents, list) and all(isinstance(p, str) for p in parents)):
        raise ProfileError(f"profile {str(path)!r}: 'extends' must be a profile name, a path, or a list of them")
    layers: list[_Layer] = []
    for parent in parents or []:
        layers.extend(_linearise(_locate(parent, path.parent), (*chain, real), seen))
    if real not in seen:
        seen.add(real)
        layers.append(_Layer(path, data))
    return layers


def _apply_layers(layers: list[_Layer]) -> dict:
    """The layers merged in order onto an empty state. "description" belongs to its file: only the last layer's
    (the profile asked for) is kept."""
    merged: dict = {}
    for index, layer in enumerate(layers):
        is_asked_for = index == len(layers) - 1
        data = layer.data if is_asked_for else {key: value for key, value in layer.data.items() if key != "description"}
        try:
            merged = merge_layers(merged, data)
        except ValueError as exc:
            raise ProfileError(f"profile {str(layer.path)!r}: {exc}") from None
    return merged


def _resolve_timestamps(state: dict, now: datetime) -> dict:
    return {key: (value if key in _LITERAL_SECTIONS else _resolve_value(value, now)) for key, value in state.items()}


def _resolve_value(value: Any, now: datetime) -> Any:
    if isinstance(value, dict):
        return {key: _resolve_value(item, now) for key, item in value.items()}
    if isinstance(value, list):
        return [_resolve_value(item, now) for item in value]
    if isinstance(value, str):
        match = _RELATIVE_TIME.match(value)
        if match:
            moment = now
            if match.group(1):
                moment = now - timedelta(**{_TIME_UNITS[match.group(2)]: int(match.group(1))})
            return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value
