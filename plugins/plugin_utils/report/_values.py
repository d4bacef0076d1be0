"""Copy untrusted values (host records, inventory) into plain JSON types before any report sees them.

Ansible hands facts over as its own str, dict and list subclasses (tagged, unsafe, lazy); a value that carried an
``__html__`` method would even be trusted by Jinja2's autoescaping. Copying into exact built-in types removes all
of that, makes the document serializable, and keeps its key order stable. Every string is cleaned on the way
(_host_text.py: terminal escapes, NUL and lone surrogates made visible, sizes capped), so no host's text can stop
a writer or reach a terminal raw, whatever path it took into hostvars.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Iterator, Mapping, Set
from typing import Any

from .._host_text import MAX_ITEMS, MAX_MESSAGE_CHARS, clean_text

#: Deeper structures are cut: records are shallow, and a hostile fact must not exhaust the recursion limit.
MAX_DEPTH = 32


def read_variable(variables: Any, name: str) -> Any:
    """One of a host's variables; None when it is missing or does not render, so one host's mistake stays its own."""
    try:
        return variables.get(name)
    except Exception:  # a template in this host's own variables that does not render
        return None


def named_hosts(hostvars: Any, names: Iterable[Any]) -> Iterator[tuple[str, Any]]:
    """Each named host with its variables, sorted by name once each; a name no longer in inventory is passed over."""
    for name in sorted({text(name) for name in names}):
        try:
            variables = hostvars[name]
        except Exception:  # not in inventory (any more)
            continue
        yield name, variables


def text(value: Any) -> str:
    """An exact ``str`` for a scalar (empty for None); other values as their plain JSON text is not wanted here."""
    if value is None:
        return ""
    if isinstance(value, str):
        return clean_text(value, MAX_MESSAGE_CHARS)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(plain(value))


def plain(value: Any, depth: int = 0) -> Any:
    """The value as exact JSON types: dict (string keys), list, str, int, float (finite), bool or None."""
    if value is None or type(value) in (bool, int):
        return value
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return clean_text(value, MAX_MESSAGE_CHARS)
    if isinstance(value, bytes):
        return clean_text(value.decode("utf-8", errors="replace"), MAX_MESSAGE_CHARS)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if depth >= MAX_DEPTH:
        return "..."
    if isinstance(value, Mapping):
        return {text(key): plain(item, depth + 1) for key, item in list(value.items())[:MAX_ITEMS]}
    if isinstance(value, list | tuple):
        return [plain(item, depth + 1) for item in value[:MAX_ITEMS]]
    if isinstance(value, Set):
        return sorted((plain(item, depth + 1) for item in list(value)[:MAX_ITEMS]), key=repr)
    return clean_text(str(value), MAX_MESSAGE_CHARS)
