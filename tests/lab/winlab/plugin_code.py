"""The collection's own Python modules the lab reads its contract from (the protocol, the framing).

Under pytest the ansible_collections namespace is on sys.path (the .collections link); the lab daemon may run with
only tests/lab on it, so the namespace is then mapped onto this checkout. Either way the lab reads the same files
the controller does, never a copy of them.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

_NAMESPACE = "ansible_collections.onepacs.baseline"
#: The checkout this lab belongs to: tests/lab/winlab/ is three folders below it.
_CHECKOUT = Path(__file__).resolve().parents[3]


def plugin_module(dotted: str) -> ModuleType:
    """The module plugins.<dotted> of this collection, e.g. plugin_module("plugin_utils.agent._protocol")."""
    name = f"{_NAMESPACE}.plugins.{dotted}"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if not _NAMESPACE.startswith(exc.name or "-"):
            raise
    _map_namespace_onto_checkout()
    return importlib.import_module(name)


def _map_namespace_onto_checkout() -> None:
    parts = _NAMESPACE.split(".")
    for depth in range(1, len(parts) + 1):
        package = ".".join(parts[:depth])
        if package not in sys.modules:
            module = ModuleType(package)
            module.__path__ = [str(_CHECKOUT)] if depth == len(parts) else []
            sys.modules[package] = module
