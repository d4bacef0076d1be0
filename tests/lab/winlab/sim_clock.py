"""The lab's wall clock: the one place simulated hosts read the time, so a test can hold it still.

Two simulated hosts that run the same ops a second apart would otherwise differ in every timestamp an op writes
(a signature update's time, say), and a test comparing them would pass or fail by where a second boundary falls.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

#: The moment the clock is held at, or None while it runs (process-wide, like a real host's clock).
_HELD_AT: list[datetime] = []


def now() -> datetime:
    """The current UTC time, or the moment the clock is held at."""
    return _HELD_AT[-1] if _HELD_AT else datetime.now(UTC)


@contextmanager
def held(at: datetime | None = None) -> Iterator[datetime]:
    """Hold the lab clock at `at` (default: now) for the duration of the block."""
    _HELD_AT.append(at or datetime.now(UTC))
    try:
        yield _HELD_AT[-1]
    finally:
        _HELD_AT.pop()
