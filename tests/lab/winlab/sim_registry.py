"""The simulated registry: a tree of keys holding typed values, with the Windows rules that matter to the agent.

State shape (state["registry"]): a flat map from key path to that key's values; a key's parent keys exist
implicitly, and an empty map is a key with no values:

    {"HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate\\AU": {
        "NoAutoUpdate": {"type": "DWord", "data": 0},
        "": {"type": "String", "data": "the key's default value"}}}

Rules kept here, as Windows and the agent (agent/core.ps1, .NET RegistryKey API) apply them:
- key and value names compare case-insensitively; a name keeps the spelling it was created with;
- paths: "HKLM:\\X", "HKLM\\X", "HKEY_LOCAL_MACHINE\\X", "Registry::HKEY_LOCAL_MACHINE\\X" (any "...::" prefix), for
  HKLM, HKCU, HKU, HKCR and HKCC; stored as "<short hive>:\\<key>";
- a value holds one RegistryValueKind; writing it with another kind replaces it (RegistryKey.SetValue);
- data must already be of the kind: String/ExpandString a string (stored unexpanded), MultiString a list of
  strings, Binary base64, DWord 0..2^32-1 and QWord 0..2^64-1 (whole numbers; read back unsigned, as regedit
  shows them);
- registry_access (state["registry_access"], {key path: "read" | "none"}) denies access under a key the way
  Windows does for HKLM:\\SECURITY or a tamper-protected Defender key; values cannot live on a hive root and no
  new key can be created directly under HKLM or HKU.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from winlab.sim_errors import OpError

VALUE_KINDS = ("String", "ExpandString", "MultiString", "DWord", "QWord", "Binary")

#: Hive names the agent accepts (long and short, any case, an optional trailing colon) -> the short name stored.
_HIVES = {
    "HKEY_LOCAL_MACHINE": "HKLM",
    "HKLM": "HKLM",
    "HKEY_CURRENT_USER": "HKCU",
    "HKCU": "HKCU",
    "HKEY_USERS": "HKU",
    "HKU": "HKU",
    "HKEY_CLASSES_ROOT": "HKCR",
    "HKCR": "HKCR",
    "HKEY_CURRENT_CONFIG": "HKCC",
    "HKCC": "HKCC",
}
_NATIVE_HIVE_NAMES = {
    "HKLM": "HKEY_LOCAL_MACHINE",
    "HKCU": "HKEY_CURRENT_USER",
    "HKU": "HKEY_USERS",
    "HKCR": "HKEY_CLASSES_ROOT",
    "HKCC": "HKEY_CURRENT_CONFIG",
}
#: Hives under which Windows refuses to create a new top-level key (only its own subtrees exist there).
_CLOSED_HIVES = frozenset({"HKLM", "HKU"})
_ACCESS_LEVELS = ("full", "read", "none")

_INTEGER_LIMITS = {"DWord": 2**32 - 1, "QWord": 2**64 - 1}


class RegistryPathError(ValueError):
    """A string that is not a registry path the agent would accept."""


@dataclass(frozen=True)
class KeyPath:
    """A parsed registry key path: hive short name and key name segments (empty for the hive root)."""

    hive: str
    segments: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.hive}:\\" + "\\".join(self.segments)

    @property
    def folded(self) -> str:
        """Case-folded identity: two paths name the same key when these are equal."""
        return str(self).upper()

    @property
    def native(self) -> str:
        """The path as .NET error messages spell it (HKEY_LOCAL_MACHINE\\...)."""
        return "\\".join((_NATIVE_HIVE_NAMES[self.hive], *self.segments))

    def prefix(self, length: int) -> KeyPath:
        """The ancestor (or self) with the first `length` segments."""
        return KeyPath(self.hive, self.segments[:length])


def parse_key_path(path: Any) -> KeyPath:
    """Parse a registry path the way the agent does (see the module docstring); raises RegistryPathError."""
    if not isinstance(path, str) or not path:
        raise RegistryPathError(f"not a registry path: {path!r}")
    _, provider, rest = path.partition("::")
    text = rest if provider else path
    hive_name, _, tail = text.partition("\\")
    hive = _HIVES.get(hive_name.rstrip(":").upper())
    if hive is None:
        raise RegistryPathError(f"{path!r} is not a registry path (expected e.g. HKLM:\\SOFTWARE\\...)")
    return KeyPath(hive, tuple(segment for segment in tail.split("\\") if segment))


def convert_data(kind: str, data: Any) -> Any:
    """Check request data against `kind` as the agent does and return its stored (read-back) form; raises
    ValueError describing why the data does not fit."""
    if kind not in VALUE_KINDS:
        raise ValueError(f"{kind!r} is not one of {', '.join(VALUE_KINDS)}")
    if kind in ("String", "ExpandString"):
        if not isinstance(data, str):
            raise ValueError(f"{kind} data must be a string, got {data!r}")
        return data
    if kind == "MultiString":
        if not (isinstance(data, list) and all(isinstance(item, str) for item in data)):
            raise ValueError(f"MultiString data must be a list of strings, got {data!r}")
        return list(data)
    if kind == "Binary":
        if not isinstance(data, str):
            raise ValueError(f"Binary data must be a base64 string, got {data!r}")
        try:
            raw = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"Binary data must be a base64 string, got {data!r}") from None
        return base64.b64encode(raw).decode("ascii")
    number = whole_number(data)
    limit = _INTEGER_LIMITS[kind]
    if number is None:
        raise ValueError(f"{kind} data must be an integer, got {data!r}")
    if not 0 <= number <= limit:
        raise ValueError(f"{number} does not fit a {kind}: it must be between 0 and {limit}")
    return number


def whole_number(value: Any) -> int | None:
    """An int for a JSON whole number (1 or 1.0, as ConvertFrom-Json hands both to the agent), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def normalise_value(spec: Any) -> dict:
    """A profile's value spec in stored form. Explicit {"type", "data"} works for every kind; shorthand: a string
    is String, an int DWord, a list of strings MultiString. Raises ValueError."""
    if isinstance(spec, dict):
        if set(spec) != {"type", "data"}:
            raise ValueError(f"a value needs exactly 'type' and 'data', got {sorted(spec)}")
        kind = spec["type"]
        return {"type": kind, "data": convert_data(kind, spec["data"])}
    if isinstance(spec, bool):
        raise ValueError("a bare true/false is ambiguous: write {'type': 'DWord', 'data': 0 or 1}")
    if isinstance(spec, str):
        return {"type": "String", "data": spec}
    if isinstance(spec, int):
        return {"type": "DWord", "data": convert_data("DWord", spec)}
    if isinstance(spec, list) and all(isinstance(item, str) for item in spec):
        return {"type": "MultiString", "data": list(spec)}
    raise ValueError(f"cannot tell the kind of {spec!r}: write {{'type': ..., 'data': ...}}")


def normalise_store(store: Mapping[str, Any]) -> dict:
    """A registry section in canonical form: parsed key paths (keys that differ only in case merged), every value
    explicit. Idempotent. Raises ValueError naming the key or value at fault."""
    canonical: dict[str, dict] = {}
    spelling: dict[str, str] = {}
    for raw_path, values in store.items():
        try:
            key = parse_key_path(raw_path)
        except RegistryPathError as exc:
            raise ValueError(f"registry: {exc}") from None
        if not isinstance(values, dict):
            raise ValueError(f"registry key {raw_path!r}: expected a map of values, got {values!r}")
        stored_path = spelling.setdefault(key.folded, str(key))
        target = canonical.setdefault(stored_path, {})
        for name, spec in values.items():
            if _find_name(target, name) is not None:
                raise ValueError(f"registry key {raw_path!r}: value {name!r} is given twice")
            try:
                target[name] = normalise_value(spec)
            except ValueError as exc:
                raise ValueError(f"registry key {raw_path!r}, value {name!r}: {exc}") from None
    return canonical


def overlay_registry(base: Mapping[str, Any], overlay: Mapping[str, Any]) -> dict:
    """Apply a profile's registry section on top of its parent's: keys match case-insensitively, values merge per
    name, null deletes a value, or a key with all its subkeys (as Remove-Item -Recurse). Specs stay as written."""
    result: dict[str, dict] = {}
    index: dict[str, str] = {}
    for raw_path, values in base.items():
        key = parse_key_path(raw_path)
        index[key.folded] = str(key)
        result[str(key)] = dict(values)
    for raw_path, values in overlay.items():
        key = parse_key_path(raw_path)
        if values is None:
            doomed = [path for folded, path in index.items() if _is_same_or_below(folded, key.folded)]
            for path in doomed:
                del result[path]
                del index[path.upper()]
            continue
        if not isinstance(values, dict):
            raise ValueError(f"registry key {raw_path!r}: expected a map of values or null, got {values!r}")
        stored_path = index.setdefault(key.folded, str(key))
        target = result.setdefault(stored_path, {})
        for name, spec in values.items():
            existing = _find_name(target, name)
            if spec is None:
                if existing is not None:
                    del target[existing]
            else:
                target[existing if existing is not None else name] = spec
    return result


def _is_same_or_below(folded: str, ancestor_folded: str) -> bool:
    return folded == ancestor_folded or folded.startswith(ancestor_folded.rstrip("\\") + "\\")


def _find_name(values: Mapping[str, Any], name: str) -> str | None:
    folded = name.upper()
    for existing in values:
        if existing.upper() == folded:
            return existing
    return None


class Registry:
    """Windows registry semantics over a canonical registry store (the live state["registry"] map)."""

    def __init__(self, store: dict, access: Mapping[str, str] | None = None) -> None:
        self._store = store
        self._access = [(parse_key_path(path), level) for path, level in (access or {}).items()]
        for key, level in self._access:
            if level not in _ACCESS_LEVELS:
                raise ValueError(f"registry_access {key}: {level!r} is not one of {', '.join(_ACCESS_LEVELS)}")

    def key_exists(self, key: KeyPath) -> bool:
        """Whether the key exists: a hive root, a stored key, or the parent of a stored key."""
        if not key.segments:
            return True
        return any(_is_same_or_below(path.upper(), key.folded) for path in self._store)

    def read(self, key: KeyPath, name: str) -> tuple[bool, dict | None]:
        """(key exists, stored value or None). Raises OpError access_denied where reading is not allowed."""
        if self._access_level(key) == "none":
            raise OpError("access_denied", f"Requested registry access is not allowed. ({key.native})")
        stored = self._stored_path(key)
        if stored is None:
            return self.key_exists(key), None
        values = self._store[stored]
        found = _find_name(values, name)
        return True, (dict(values[found]) if found is not None else None)

    def write(self, key: KeyPath, name: str, kind: str, data: Any) -> None:
        """Set a value (already converted with convert_data), creating the key path. Raises OpError."""
        self._check_writable(key)
        if not key.segments:
            raise OpError("access_denied", f"Access to the registry key '{key.native}' is denied.")
        if key.hive in _CLOSED_HIVES and not self.key_exists(key.prefix(1)):
            raise OpError("access_denied", f"Access to the registry key '{key.prefix(1).native}' is denied.")
        stored = self._stored_path(key)
        if stored is None:
            stored = str(self._existing_spelling(key))
            self._store[stored] = {}
        values = self._store[stored]
        existing = _find_name(values, name)
        values[existing if existing is not None else name] = {"type": kind, "data": data}

    def delete(self, key: KeyPath, name: str) -> bool:
        """Remove a value; whether it existed. A missing key or value is no error, and needs no write access (the
        agent opens the key for writing only when there is something to delete). Raises OpError."""
        _, value = self.read(key, name)
        if value is None:
            return False
        self._check_writable(key)
        stored = self._stored_path(key)
        values = self._store[stored]
        del values[_find_name(values, name)]
        return True

    def value(self, path: str, name: str) -> dict | None:
        """A stored value by profile-style path, ignoring access rules (for facts Windows reads as SYSTEM)."""
        key = parse_key_path(path)
        stored = self._stored_path(key)
        if stored is None:
            return None
        found = _find_name(self._store[stored], name)
        return self._store[stored][found] if found is not None else None

    def value_names(self, path: str) -> list[str]:
        """The value names of a key by profile-style path ([] when the key is absent), ignoring access rules."""
        stored = self._stored_path(parse_key_path(path))
        return list(self._store[stored]) if stored is not None else []

    def _stored_path(self, key: KeyPath) -> str | None:
        folded = key.folded
        for path in self._store:
            if path.upper() == folded:
                return path
        return None

    def _existing_spelling(self, key: KeyPath) -> KeyPath:
        """The key path with each segment spelled as an existing key already spells it (new segments as given)."""
        spelled: list[str] = []
        stored_paths = [parse_key_path(path) for path in self._stored_with_hive(key.hive)]
        for depth, segment in enumerate(key.segments):
            wanted = [part.upper() for part in (*spelled, segment)]
            match = next(
                (
                    other.segments[depth]
                    for other in stored_paths
                    if len(other.segments) > depth and [part.upper() for part in other.segments[: depth + 1]] == wanted
                ),
                segment,
            )
            spelled.append(match)
        return KeyPath(key.hive, tuple(spelled))

    def _stored_with_hive(self, hive: str) -> Iterable[str]:
        prefix = f"{hive}:\\".upper()
        return [path for path in self._store if path.upper().startswith(prefix)]

    def _access_level(self, key: KeyPath) -> str:
        level, depth = "full", -1
        for rule_key, rule_level in self._access:
            if _is_same_or_below(key.folded, rule_key.folded) and len(rule_key.segments) > depth:
                level, depth = rule_level, len(rule_key.segments)
        return level

    def _check_writable(self, key: KeyPath) -> None:
        if self._access_level(key) != "full":
            raise OpError("access_denied", f"Access to the registry key '{key.native}' is denied.")


def registry_of(state: dict) -> Registry:
    """The Registry over a host state's registry section and access rules."""
    return Registry(state.setdefault("registry", {}), state.get("registry_access"))
