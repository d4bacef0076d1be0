"""GUID spellings: powercfg prints scheme and setting GUIDs lower case without braces, auditpol prints subcategory
GUIDs upper case in braces. The simulator stores each in its tool's spelling and accepts the forms .NET parses.
The protocol returns GUIDs lower case without braces."""

from __future__ import annotations

import re

_HEX = "[0-9a-fA-F]"
_DASHED = re.compile(rf"^({_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}})$")
_BARE = re.compile(rf"^({_HEX}{{8}})({_HEX}{{4}})({_HEX}{{4}})({_HEX}{{4}})({_HEX}{{12}})$")
_WRAPPERS = (("{", "}"), ("(", ")"))


def power_guid(text: object) -> str:
    """A GUID as powercfg spells it ("381b4222-f694-41f0-9685-ff5bb260df2e"); raises ValueError if not a GUID."""
    return _bare(text).lower()


def audit_guid(text: object) -> str:
    """A GUID as auditpol spells it ("{0CCE9215-69AE-11D9-BED3-505054503030}"); raises ValueError if not a GUID."""
    return "{" + _bare(text).upper() + "}"


def _bare(text: object) -> str:
    """The 8-4-4-4-12 form of a GUID written as [Guid]::TryParse accepts it: dashed, in braces or parentheses,
    or 32 bare hex digits."""
    if not isinstance(text, str):
        raise ValueError(f"not a GUID: {text!r}")
    inner = text.strip()
    for opening, closing in _WRAPPERS:
        if inner.startswith(opening) and inner.endswith(closing):
            inner = inner[1:-1]
            break
    dashed = _DASHED.match(inner)
    if dashed:
        return dashed.group(1)
    bare = _BARE.match(inner)
    if bare:
        return "-".join(bare.groups())
    raise ValueError(f"not a GUID: {text!r}")
