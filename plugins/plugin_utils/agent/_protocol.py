"""The agent protocol as data: protocol/_common.yml plus one protocol/<area>.yml per area of ops."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

import yaml

from .._paths import PROTOCOL_DIR


def op_area(op_name: str) -> str:
    """'registry.get' -> 'registry': the area names the protocol file and the agent file that serve the op."""
    return op_name.split(".", 1)[0]


#: agent/<area>_write.ps1 holds the handlers of the area's mutating ops; it is sent only with a request that writes, so
#: a read-only request never carries Set-MpPreference and the like, which antimalware scanning (AMSI) may flag.
WRITE_FILE_SUFFIX = "_write"


def agent_file(op_name: str) -> str:
    """The stem of the agent file that holds op_name's handler: '<area>', or '<area>_write' for a mutating op."""
    spec = load_protocol()["ops"].get(op_name) or {}
    return op_area(op_name) + (WRITE_FILE_SUFFIX if spec.get("mutates") else "")


def agent_files_for(op_names: Iterable[str]) -> frozenset[str]:
    """The agent files a request needs besides core: each op's own file, and its area's read file, whose helpers
    the write handlers use."""
    files: set[str] = set()
    for name in op_names:
        files.update({op_area(name), agent_file(name)})
    return frozenset(files)


@cache
def load_protocol() -> dict[str, Any]:
    """{"version": int, "error_codes": {...}, "ops": {name: spec}}; an op must sit in its own area's file."""
    document = yaml.safe_load((PROTOCOL_DIR / "_common.yml").read_text(encoding="utf-8"))
    ops: dict[str, Any] = {}
    for path in sorted(PROTOCOL_DIR.glob("[a-z]*.yml")):
        for name, spec in (yaml.safe_load(path.read_text(encoding="utf-8")).get("ops") or {}).items():
            if op_area(name) != path.stem:
                raise ValueError(f"{path.name}: op {name!r} belongs in {op_area(name)}.yml")
            ops[name] = spec
    document["ops"] = ops
    return document


def areas() -> list[str]:
    return sorted(path.stem for path in PROTOCOL_DIR.glob("[a-z]*.yml"))
