"""Whole numbers from user variables, which arrive as an int or as its text (a quoted YAML value, an extra var on
the command line). A bool is refused although Python counts it as an int: `true` is never meant as 1."""

from __future__ import annotations

from typing import Any


def whole_number(value: Any) -> int | None:
    """The value as an int; None when it is not a whole number (a bool, a float, a list, other text)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    try:
        return int(value)
    except ValueError:
        return None
