"""The agent protocol as data: protocol/_common.yml plus one protocol/<family>.yml per op family."""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml

from .._paths import PROTOCOL_DIR


def op_family(op_name: str) -> str:
    """'registry.get' -> 'registry': the op family names the protocol file and the agent file that serve the op."""
    return op_name.split(".", 1)[0]


@cache
def load_protocol() -> dict[str, Any]:
    """{"version": int, "error_codes": {...}, "ops": {name: spec}}; an op must sit in its own family's file."""
    document = yaml.safe_load((PROTOCOL_DIR / "_common.yml").read_text(encoding="utf-8"))
    ops: dict[str, Any] = {}
    for path in sorted(PROTOCOL_DIR.glob("[a-z]*.yml")):
        for name, spec in (yaml.safe_load(path.read_text(encoding="utf-8")).get("ops") or {}).items():
            if op_family(name) != path.stem:
                raise ValueError(f"{path.name}: op {name!r} belongs in {op_family(name)}.yml")
            ops[name] = spec
    document["ops"] = ops
    return document


def op_families() -> list[str]:
    return sorted(path.stem for path in PROTOCOL_DIR.glob("[a-z]*.yml"))
