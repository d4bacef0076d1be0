"""The agent protocol as data: protocol/_common.yml plus one protocol/<family>.yml per op family.

Loading checks every op against the schema _common.yml documents, so a misspelt key or a range on a string is an
error naming the file, the op and the argument, not a check that silently never runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from .._paths import PROTOCOL_DIR

#: The JSON types an argument may have ("any": the op checks the value itself).
ARG_TYPES = frozenset({"string", "int", "bool", "list", "dict", "any"})
_ARG_KEYS = frozenset({"type", "required", "choices", "min", "max"})
_OP_KEYS = frozenset({"description", "mutates", "args", "returns"})


@dataclass(frozen=True)
class ArgSpec:
    """One declared argument of an op: its JSON type, whether it may be omitted, and the values it may take
    (choices for a string, an inclusive min..max for an int; None where the protocol sets no limit)."""

    type: str
    required: bool
    choices: tuple[str, ...] | None = None
    minimum: int | None = None
    maximum: int | None = None


def op_family(op_name: str) -> str:
    """'registry.get' -> 'registry': the op family names the protocol file and the agent file that serve the op."""
    return op_name.split(".", 1)[0]


#: agent/<family>_write.ps1 holds the handlers of the family's mutating ops; it is sent only with a request that
#: writes, so a read-only request never carries Set-MpPreference and the like, which antimalware scanning (AMSI) may
#: flag.
WRITE_FILE_SUFFIX = "_write"


def agent_file(op_name: str) -> str:
    """The stem of the agent file that holds op_name's handler: '<family>', or '<family>_write' for a mutating op."""
    spec = load_protocol()["ops"].get(op_name) or {}
    return op_family(op_name) + (WRITE_FILE_SUFFIX if spec.get("mutates") else "")


def agent_files_for(op_names: Iterable[str]) -> frozenset[str]:
    """The agent files a request needs besides core: each op's own file, and its family's read file, whose helpers
    the write handlers use."""
    files: set[str] = set()
    for name in op_names:
        files.update({op_family(name), agent_file(name)})
    return frozenset(files)


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _require_mapping(where: str, spec: Any, allowed: frozenset[str], example: str) -> None:
    """ValueError naming `where` unless spec is a mapping with no key outside `allowed`."""
    if not isinstance(spec, Mapping):
        raise ValueError(f"{where}: must be a mapping such as {example}")
    unknown = sorted(set(spec) - allowed)
    if unknown:
        raise ValueError(f"{where}: unknown keys {unknown} (allowed: {sorted(allowed)})")


def _arg_spec(where: str, spec: Any) -> ArgSpec:
    """The ArgSpec of one `args:` entry; ValueError naming `where` for anything the schema does not allow."""
    _require_mapping(where, spec, _ARG_KEYS, "{type: string, required: true}")
    arg_type, required = spec.get("type"), spec.get("required")
    if arg_type not in ARG_TYPES:
        raise ValueError(f"{where}: type must be one of {sorted(ARG_TYPES)}, got {arg_type!r}")
    if not isinstance(required, bool):
        raise ValueError(f"{where}: required must be true or false, got {required!r}")
    choices = spec.get("choices")
    if choices is not None and (
        arg_type != "string" or not choices or not all(isinstance(choice, str) for choice in choices)
    ):
        raise ValueError(f"{where}: choices must be a non-empty list of strings on a string argument")
    minimum, maximum = spec.get("min"), spec.get("max")
    for key, bound in (("min", minimum), ("max", maximum)):
        if bound is not None and (arg_type != "int" or not _is_whole(bound)):
            raise ValueError(f"{where}: {key} must be a whole number on an int argument, got {bound!r}")
    if minimum is not None and maximum is not None and minimum > maximum:
        raise ValueError(f"{where}: min {minimum} is above max {maximum}")
    return ArgSpec(arg_type, required, tuple(choices) if choices is not None else None, minimum, maximum)


def _check_op(where: str, spec: Any) -> None:
    _require_mapping(where, spec, _OP_KEYS, "{description: ..., mutates: false, args: {}, returns: {}}")
    if not isinstance(spec.get("mutates"), bool):
        raise ValueError(f"{where}: mutates must be true or false")
    args = spec.get("args")
    if not isinstance(args, Mapping):
        raise ValueError(f"{where}: args must be a mapping ({{}} for none)")
    for arg_name, arg in args.items():
        _arg_spec(f"{where} argument {arg_name!r}", arg)


def read_protocol(directory: Path) -> dict[str, Any]:
    """{"version": int, "error_codes": {...}, "ops": {name: spec}} from the protocol files in directory; an op must
    sit in its own family's file and follow the schema of _common.yml (ValueError naming the file, op and argument)."""
    document = yaml.safe_load((directory / "_common.yml").read_text(encoding="utf-8"))
    ops: dict[str, Any] = {}
    for path in sorted(directory.glob("[a-z]*.yml")):
        for name, spec in (yaml.safe_load(path.read_text(encoding="utf-8")).get("ops") or {}).items():
            if op_family(name) != path.stem:
                raise ValueError(f"{path.name}: op {name!r} belongs in {op_family(name)}.yml")
            _check_op(f"{path.name}: op {name!r}", spec)
            ops[name] = spec
    document["ops"] = ops
    return document


@cache
def load_protocol() -> dict[str, Any]:
    """The collection's protocol (protocol/*.yml beside the agent), read once."""
    return read_protocol(PROTOCOL_DIR)


@cache
def op_args(op_name: str) -> dict[str, ArgSpec]:
    """The declared arguments of an op, in protocol order; KeyError for an op the protocol does not list."""
    return {
        name: _arg_spec(f"{op_name} argument {name!r}", spec)
        for name, spec in load_protocol()["ops"][op_name]["args"].items()
    }


def op_families() -> list[str]:
    return sorted(path.stem for path in PROTOCOL_DIR.glob("[a-z]*.yml"))
