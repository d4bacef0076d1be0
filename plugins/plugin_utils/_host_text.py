"""Text from a host made harmless where it enters a record, a task result or a report.

A host (hostile, compromised, or just odd) chooses every string it sends: program, account and rule names, registry
values, error texts. Such a string must not be able to

- drive the controller's terminal: ESC, CSI and the other C0/C1 control characters could clear the screen, move the
  cursor and print a fake "ALL CONTROLS PASS"; a carriage return could overwrite a line; bidirectional overrides
  could reorder what a reader sees;
- break a writer: the agent escapes every UTF-16 unit as \\uXXXX, so Windows can send a lone surrogate, which no
  UTF-8 encoder accepts; NUL bytes break CSV and HTML readers;
- exhaust memory or disk: one 50 MB registry value, or a list of millions of entries.

So each such character is written out visibly as an escape (ESC becomes the four characters ``\\x1b``, a lone
surrogate ``\\ud800``); a Windows line end (CR LF) becomes LF, tab and LF stay; strings, lists and mappings are cut
at fixed sizes with a note saying how much was left out. Clean text stays exactly as it was.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

#: One string from a host: longer than any name, path or setting the controls compare.
MAX_TEXT_CHARS = 4096
#: A record's message or a task's msg, which may quote several host strings.
MAX_MESSAGE_CHARS = 16384
#: Entries of one list or mapping (a host with 3,000 firewall rules fits).
MAX_ITEMS = 10000
#: Nesting; records are shallow, and a hostile value must not exhaust the recursion limit.
MAX_DEPTH = 32

# C0 controls but tab and LF, DEL and the C1 controls (0x9B is a one-byte CSI), the bidirectional embeddings,
# overrides and isolates, and UTF-16 surrogates (only ever lone ones in a Python str).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean_text(value: str, limit: int = MAX_TEXT_CHARS) -> str:
    """The string with control characters, terminal escapes, bidi controls and lone surrogates made visible, cut
    at `limit` characters."""
    text = str.__str__(value)
    note = ""
    if len(text) > limit:
        note = f"... [{len(text) - limit} more characters]"
        text = text[:limit]
    text = text.replace("\r\n", "\n")
    return _UNSAFE.sub(_visible, text) + note


def clean_value(value: Any, limit: int = MAX_TEXT_CHARS, depth: int = 0) -> Any:
    """The value with every string (keys too) cleaned and every list and mapping cut at MAX_ITEMS; other scalars as
    they are. Tuples and sets become lists."""
    if isinstance(value, str):
        return clean_text(value, limit)
    if value is None or isinstance(value, bool | int | float):
        return value
    if depth >= MAX_DEPTH:
        return "[nested too deeply]"
    if isinstance(value, Mapping):
        items = list(value.items())
        cleaned = {clean_text(str(key)): clean_value(item, limit, depth + 1) for key, item in items[:MAX_ITEMS]}
        if len(items) > MAX_ITEMS:
            cleaned["..."] = f"[{len(items) - MAX_ITEMS} more entries]"
        return cleaned
    if isinstance(value, list | tuple | set | frozenset):
        entries = list(value)
        cleaned_list = [clean_value(item, limit, depth + 1) for item in entries[:MAX_ITEMS]]
        if len(entries) > MAX_ITEMS:
            cleaned_list.append(f"[{len(entries) - MAX_ITEMS} more items]")
        return cleaned_list
    return clean_text(str(value), limit)


#: Task result keys Ansible prints (msg on failure, warnings always, diff with --diff) that can quote host text.
PRINTED_RESULT_KEYS = ("msg", "warnings", "diff")


def clean_result(result: dict[str, Any]) -> dict[str, Any]:
    """The task result with the keys Ansible prints cleaned in place (records are cleaned when they are made)."""
    for key in PRINTED_RESULT_KEYS:
        if key in result:
            result[key] = clean_value(result[key], MAX_MESSAGE_CHARS)
    return result
