"""Record values and findings as people read them, for the HTML pages (the JSON keeps the raw values).

A compliance officer reads "Attestation: none", not `{"attestation": null}`, and "Enforcement would change
fast startup from on to off", not `would set HiberbootEnabled: 1 -> 0`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

#: Deeper values are summarised: a cell is not the place for a whole tree.
MAX_DEPTH = 3
_CHANGE = re.compile(r"(?P<setting>[^;:]+?): (?P<before>.+?) -> (?P<after>[^;]+)")


def words(key: Any) -> str:
    """security_options -> Security options; standby_timeout_ac_minutes -> Standby timeout ac minutes."""
    text = str(key).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def readable(value: Any, depth: int = 0) -> str:
    """A value as short text: none/yes/no, lists joined by commas, mappings as "Key: value" lines."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return value if value.strip() else "(empty)"
    if depth >= MAX_DEPTH:
        return "..."
    if isinstance(value, Mapping):
        if not value:
            return "none"
        separator = "\n" if depth == 0 else ", "
        return separator.join(f"{words(key)}: {readable(item, depth + 1)}" for key, item in value.items())
    if isinstance(value, Sequence):
        if not value:
            return "none"
        parts = [readable(item, depth + 1) for item in value]
        return ("\n" if depth == 0 and any(isinstance(item, Mapping) for item in value) else ", ").join(parts)
    return str(value)


def _value_words(raw: str) -> str:
    """A repr from the engine ('on', 1, None, True) in plain words."""
    text = raw.strip()
    plain = {"None": "none", "True": "yes", "False": "no", "''": "(empty)", '""': "(empty)"}
    if text in plain:
        return plain[text]
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _changes_sentence(changes: str) -> str:
    parts = [
        f"{match.group('setting').strip()} from {_value_words(match.group('before'))} to "
        f"{_value_words(match.group('after'))}"
        for match in _CHANGE.finditer(changes)
    ]
    if not parts:
        return changes
    return ", and ".join([", ".join(parts[:-1]), parts[-1]] if len(parts) > 1 else parts)


def sentence(message: str) -> str:
    """A control's message as a sentence: "would set A: x -> y" becomes "Enforcement would change A from x to y"."""
    text = message.strip()
    if not text:
        return ""
    text = re.sub(
        r"drifted; enforcement is off \(would set (?P<changes>.+)\)$",
        lambda match: f"Enforcement is off for this area; it would change {_changes_sentence(match['changes'])}",
        text,
    )
    text = re.sub(
        r"(?:^|; )would set (?P<changes>.+?)(?=; would still fail:|$)",
        lambda match: f". Enforcement would change {_changes_sentence(match['changes'])}",
        text,
    )
    text = text.replace("; would still fail:", ". It would still fail:")
    text = text.lstrip(". ").strip()
    text = re.sub(r";\s+", ". ", text) if ";" in text and len(text) > 80 else text
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?", ")")) else text + "."
