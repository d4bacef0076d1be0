"""The control catalog (controls.yml) as typed, validated, immutable objects.

This is the only module that parses controls.yml: action plugins, roles and the report ask it for controls, so a
control's title, kind, applicability, HIPAA mapping and remediation text live in exactly one place. The file's schema
is documented in its header; this module enforces it on load and names the control and field of a bad entry.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, NoReturn

import yaml

from ._paths import CATALOG

DEFAULT_CATALOG_PATH = CATALOG
SCHEMA_VERSION = 1

BASELINES = ("gateway", "workstation")
KINDS = ("enforce", "audit", "manual")
OS_FAMILIES = ("server", "client")
#: Most severe first, so a report can rank by index.
SEVERITIES = ("high", "medium", "low")
CONTROL_AREAS = (
    "power",
    "software",
    "network",
    "antivirus",
    "encryption",
    "system",
    "updates",
    "services",
    "security_options",
    "firewall",
    "accounts",
    "password_policy",
    "audit_policy",
    "event_log",
    "physical",
    "organisational",
)
#: Manual controls cannot be read from a host, so one module evaluates all of them from inventory attestations.
ATTESTATION_MODULE = "win_attestations"
TITLE_MAX_LENGTH = 90

_ID_PATTERN = re.compile(r"^[A-Z]{2,3}-\d{2}$")
_MODULE_PATTERN = re.compile(r"^win_[a-z][a-z0-9_]*$")
_TOP_LEVEL_FIELDS = ("schema_version", "seeds", "hipaa_safeguards", "controls")
_CONTROL_FIELDS = (
    "id",
    "title",
    "area",
    "module",
    "baselines",
    "kind",
    "enforce_opt_in",
    "applies_to",
    "severity",
    "hipaa",
    "seed",
    "expected",
    "mechanism",
    "remediation",
)
_APPLIES_TO_FIELDS = ("physical_only", "os")
_SEED_FIELDS = ("doc", "quote")


@dataclass(frozen=True)
class SeedRef:
    """One seed line a control serves: the seed document's key and a verbatim substring of that line."""

    doc: str
    quote: str


@dataclass(frozen=True)
class Control:
    """One control of the catalog. ``physical_only`` holds the baselines on which only physical machines are in
    scope (empty: virtual machines are in scope everywhere)."""

    id: str
    title: str
    area: str
    module: str
    baselines: tuple[str, ...]
    kind: str
    enforce_opt_in: bool
    physical_only: tuple[str, ...]
    os: tuple[str, ...]
    severity: str
    hipaa: tuple[str, ...]
    seed: tuple[SeedRef, ...]
    expected: str
    mechanism: str
    remediation: str

    @property
    def enforced_by_default(self) -> bool:
        """True when a normal (non-check) run changes the host for this control without the user opting in."""
        return self.kind == "enforce" and not self.enforce_opt_in

    def inapplicable_reason(self, baseline: str, *, os_family: str | None, is_virtual: bool | None) -> str | None:
        """Why this control does not apply to a host evaluated under ``baseline``, or None when it applies.

        ``os_family`` is "server" or "client" and ``is_virtual`` tells whether the host is a virtual machine; None
        means the fact is unknown (not probed), and an unknown fact never makes a control inapplicable.
        """
        if baseline not in BASELINES:
            raise ValueError(f"unknown baseline {baseline!r}; expected one of {', '.join(BASELINES)}")
        if os_family is not None and os_family not in OS_FAMILIES:
            raise ValueError(f"unknown OS family {os_family!r}; expected one of {', '.join(OS_FAMILIES)}")
        if baseline not in self.baselines:
            return f"{self.id} is not part of the {baseline} baseline"
        if os_family is not None and os_family not in self.os:
            return f"{self.id} applies to {' and '.join(self.os)} Windows only; this host runs {os_family} Windows"
        if is_virtual and baseline in self.physical_only:
            return f"{self.id} applies to physical machines only on the {baseline} baseline; this host is virtual"
        return None


class Catalog:
    """All controls in catalog order, with lookups by id, module and baseline."""

    def __init__(
        self,
        controls: tuple[Control, ...],
        seeds: Mapping[str, str],
        hipaa_safeguards: Mapping[str, str],
        schema_version: int = SCHEMA_VERSION,
    ) -> None:
        self.controls = controls
        self.seeds: Mapping[str, str] = MappingProxyType(dict(seeds))
        self.hipaa_safeguards: Mapping[str, str] = MappingProxyType(dict(hipaa_safeguards))
        self.schema_version = schema_version
        self._by_id = {control.id: control for control in controls}

    def get(self, control_id: str) -> Control:
        """The control with this id; KeyError naming the id when the catalog has none."""
        try:
            return self._by_id[control_id]
        except KeyError:
            raise KeyError(f"unknown control id {control_id!r}: not in the control catalog") from None

    def __contains__(self, control_id: object) -> bool:
        return control_id in self._by_id

    def __iter__(self) -> Iterator[Control]:
        return iter(self.controls)

    def __len__(self) -> int:
        return len(self.controls)

    def ids(self) -> list[str]:
        """Every control id, in catalog order."""
        return [control.id for control in self.controls]

    def modules(self) -> list[str]:
        """Every module that evaluates at least one control, in order of first appearance."""
        return list(dict.fromkeys(control.module for control in self.controls))

    def for_module(self, name: str) -> list[Control]:
        """The controls a module evaluates, in catalog order; KeyError for a module that evaluates none, which is
        almost always a typo in the caller."""
        controls = [control for control in self.controls if control.module == name]
        if not controls:
            raise KeyError(f"no control in the catalog is evaluated by module {name!r}")
        return controls

    def for_baseline(self, name: str) -> list[Control]:
        """The controls of a baseline ("gateway" or "workstation"), in catalog order."""
        if name not in BASELINES:
            raise KeyError(f"unknown baseline {name!r}; expected one of {', '.join(BASELINES)}")
        return [control for control in self.controls if name in control.baselines]


@functools.lru_cache(maxsize=8)
def load_catalog(path: Path | None = None) -> Catalog:
    """Load and validate the catalog (default: controls.yml next to this module); cached, since every task
    loads it. Raises ValueError naming the control id and field of the first bad entry."""
    catalog_path = DEFAULT_CATALOG_PATH if path is None else Path(path)
    text = catalog_path.read_text(encoding="utf-8")
    try:
        document = yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        raise ValueError(f"{catalog_path}: not valid YAML: {exc}") from exc
    try:
        return _parse_catalog(document)
    except _CatalogError as exc:
        raise ValueError(f"{catalog_path}: {exc}") from None


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate mapping keys, which plain YAML resolves silently to the last one."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        if len(mapping) < len(node.value):
            seen: set[Any] = set()
            for key_node, _value_node in node.value:
                key = self.construct_object(key_node, deep=True)
                if key in seen:
                    raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
                seen.add(key)
        return mapping


class _CatalogError(Exception):
    """A schema violation; load_catalog turns it into a ValueError that names the file."""


def _parse_catalog(document: object) -> Catalog:
    if not isinstance(document, dict):
        raise _CatalogError("the top level must be a mapping")
    _check_fields(document, _TOP_LEVEL_FIELDS, "top level")
    if document["schema_version"] != SCHEMA_VERSION:
        raise _CatalogError(f"field 'schema_version' must be {SCHEMA_VERSION}, got {document['schema_version']!r}")
    seeds = _string_mapping(document["seeds"], "seeds")
    safeguards = _string_mapping(document["hipaa_safeguards"], "hipaa_safeguards")
    raw_controls = document["controls"]
    if not isinstance(raw_controls, list) or not raw_controls:
        raise _CatalogError("field 'controls' must be a non-empty list")

    controls: list[Control] = []
    seen_ids: set[str] = set()
    for index, raw in enumerate(raw_controls):
        control = _parse_control(raw, index, seeds, safeguards)
        if control.id in seen_ids:
            raise _CatalogError(f"control {control.id}: field 'id' is not unique")
        seen_ids.add(control.id)
        controls.append(control)
    return Catalog(tuple(controls), seeds, safeguards, document["schema_version"])


def _parse_control(raw: object, index: int, seeds: Mapping[str, str], safeguards: Mapping[str, str]) -> Control:
    if not isinstance(raw, dict):
        raise _CatalogError(f"control #{index + 1}: must be a mapping")
    raw_id = raw.get("id")
    label = f"control {raw_id}" if isinstance(raw_id, str) and raw_id else f"control #{index + 1} (no id)"
    fields = _Fields(raw, label)
    fields.require(_CONTROL_FIELDS)

    control_id = fields.text("id")
    if not _ID_PATTERN.match(control_id):
        fields.fail("id", f"{control_id!r} does not match {_ID_PATTERN.pattern}")
    kind = fields.choice("kind", KINDS)
    module = fields.text("module")
    if not _MODULE_PATTERN.match(module):
        fields.fail("module", f"{module!r} does not match {_MODULE_PATTERN.pattern}")
    if (kind == "manual") != (module == ATTESTATION_MODULE):
        fields.fail("module", f"manual controls, and only they, are evaluated by {ATTESTATION_MODULE}")
    enforce_opt_in = fields.boolean("enforce_opt_in")
    if enforce_opt_in and kind != "enforce":
        fields.fail("enforce_opt_in", "may be true only for kind enforce")
    baselines = fields.subset("baselines", BASELINES)
    physical_only, os_families = _parse_applies_to(fields.mapping("applies_to"), label, baselines)
    hipaa = fields.subset("hipaa", tuple(safeguards), allow_empty=True)
    title = fields.text("title")
    if len(title) > TITLE_MAX_LENGTH:
        fields.fail("title", f"is longer than {TITLE_MAX_LENGTH} characters")

    return Control(
        id=control_id,
        title=title,
        area=fields.choice("area", CONTROL_AREAS),
        module=module,
        baselines=baselines,
        kind=kind,
        enforce_opt_in=enforce_opt_in,
        physical_only=physical_only,
        os=os_families,
        severity=fields.choice("severity", SEVERITIES),
        hipaa=hipaa,
        seed=_parse_seed(raw["seed"], label, seeds),
        expected=fields.text("expected"),
        mechanism=fields.text("mechanism"),
        remediation=fields.text("remediation"),
    )


def _parse_applies_to(
    raw: dict[str, Any], label: str, baselines: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    fields = _Fields(raw, label, prefix="applies_to.")
    fields.require(_APPLIES_TO_FIELDS)
    raw_physical = raw["physical_only"]
    if isinstance(raw_physical, bool):
        physical_only = baselines if raw_physical else ()
    else:
        physical_only = fields.subset("physical_only", baselines)
    return physical_only, fields.subset("os", OS_FAMILIES)


def _parse_seed(raw: object, label: str, seeds: Mapping[str, str]) -> tuple[SeedRef, ...]:
    if not isinstance(raw, list) or not raw:
        raise _CatalogError(f"{label}: field 'seed' must be a non-empty list of {{doc, quote}} mappings")
    refs: list[SeedRef] = []
    for position, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise _CatalogError(f"{label}: field 'seed' entry {position + 1} must be a {{doc, quote}} mapping")
        fields = _Fields(entry, label, prefix=f"seed[{position + 1}].")
        fields.require(_SEED_FIELDS)
        doc = fields.choice("doc", tuple(seeds))
        quote = fields.text("quote")
        if quote != quote.strip() or "\n" in quote:
            fields.fail("quote", "must be one line without leading or trailing whitespace")
        refs.append(SeedRef(doc=doc, quote=quote))
    return tuple(refs)


def _string_mapping(raw: object, field: str) -> dict[str, str]:
    if not isinstance(raw, dict) or not raw:
        raise _CatalogError(f"field '{field}' must be a non-empty mapping")
    for key, value in raw.items():
        if not isinstance(key, str) or not isinstance(value, str) or not key or not value:
            raise _CatalogError(f"field '{field}': {key!r} must map a non-empty string to a non-empty string")
    return dict(raw)


def _check_fields(raw: Mapping[str, Any], expected: tuple[str, ...], label: str, prefix: str = "") -> None:
    missing = [name for name in expected if name not in raw]
    if missing:
        raise _CatalogError(f"{label}: field '{prefix}{missing[0]}' is missing")
    unknown = [name for name in raw if name not in expected]
    if unknown:
        raise _CatalogError(f"{label}: field '{prefix}{unknown[0]}' is not part of the schema")


class _Fields:
    """Typed access to one mapping of the catalog; every failure names the control and the field."""

    def __init__(self, raw: dict[str, Any], label: str, prefix: str = "") -> None:
        self.raw = raw
        self.label = label
        self.prefix = prefix

    def fail(self, name: str, problem: str) -> NoReturn:
        raise _CatalogError(f"{self.label}: field '{self.prefix}{name}' {problem}")

    def require(self, names: tuple[str, ...]) -> None:
        _check_fields(self.raw, names, self.label, self.prefix)

    def text(self, name: str) -> str:
        value = self.raw[name]
        if not isinstance(value, str) or not value.strip():
            self.fail(name, f"must be a non-empty string, got {value!r}")
        return value

    def boolean(self, name: str) -> bool:
        value = self.raw[name]
        if not isinstance(value, bool):
            self.fail(name, f"must be true or false, got {value!r}")
        return value

    def mapping(self, name: str) -> dict[str, Any]:
        value = self.raw[name]
        if not isinstance(value, dict):
            self.fail(name, f"must be a mapping, got {value!r}")
        return value

    def choice(self, name: str, allowed: tuple[str, ...]) -> str:
        value = self.raw[name]
        if value not in allowed:
            self.fail(name, f"is {value!r}, not one of {', '.join(allowed)}")
        return value

    def subset(self, name: str, allowed: tuple[str, ...], *, allow_empty: bool = False) -> tuple[str, ...]:
        value = self.raw[name]
        if not isinstance(value, list) or (not value and not allow_empty):
            self.fail(name, f"must be a {'' if allow_empty else 'non-empty '}list, got {value!r}")
        unknown = [item for item in value if item not in allowed]
        if unknown:
            self.fail(name, f"has {unknown[0]!r}, not one of {', '.join(allowed)}")
        if len(set(value)) != len(value):
            self.fail(name, "lists a value twice")
        return tuple(value)
