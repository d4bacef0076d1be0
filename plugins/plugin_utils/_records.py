"""Control records: the one shape every module returns for every control it evaluated (docs/architecture.md,
"Result").

A record is where host text enters what Ansible prints, registers and hands to the report, so every text field is
cleaned on the way in (_host_text.py: terminal escapes and lone surrogates made visible, sizes capped).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ._host_text import MAX_MESSAGE_CHARS, clean_text, clean_value


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    FIXED = "fixed"
    NOT_APPLICABLE = "not_applicable"
    EXCEPTED = "excepted"
    MANUAL_ATTESTED = "manual_attested"
    MANUAL_MISSING = "manual_missing"
    ERROR = "error"


@dataclass(frozen=True)
class ControlRecord:
    """What a module found (and did) for one control on one host."""

    id: str
    title: str
    status: Status
    expected: Any
    actual: Any
    changed: bool
    message: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "title", clean_text(str(self.title)))
        object.__setattr__(self, "expected", clean_value(self.expected))
        object.__setattr__(self, "actual", clean_value(self.actual))
        object.__setattr__(self, "message", clean_text(str(self.message), MAX_MESSAGE_CHARS))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "status": str(self.status),
            "expected": self.expected,
            "actual": self.actual,
            "changed": self.changed,
            "message": self.message,
        }


def summarize(records: Iterable[ControlRecord]) -> dict[str, int]:
    """Counts per status, every status present (zero included) so reports and assertions need no defaults."""
    counts = Counter(str(record.status) for record in records)
    return {str(status): counts.get(str(status), 0) for status in Status}
