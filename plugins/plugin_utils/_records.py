"""Control records: the one shape every module returns for every control it evaluated (docs/architecture.md,
"Result")."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


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
