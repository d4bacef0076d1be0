"""The "did you mean" hint of input errors: the closest known name, or the catalog id a user meant to type."""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection

# MAN-4, man-04, MAN04, "MAN 4": a family and a number, however they were written.
_LOOSE_CONTROL_ID = re.compile(r"^\s*(?P<family>[A-Za-z]{2,3})[\s_-]*0*(?P<number>\d{1,2})\s*$")


def closest(name: str, known: Collection[str], cutoff: float = 0.8) -> str | None:
    """The known name closest to name, when one is close enough to be a typo of it."""
    matches = difflib.get_close_matches(name, sorted(known), n=1, cutoff=cutoff)
    return matches[0] if matches else None


def control_id_hint(value: str, known_ids: Collection[str]) -> str:
    """' (did you mean MAN-04?)' for MAN-4, or '' when nothing in the catalog is close."""
    loose = _LOOSE_CONTROL_ID.match(value)
    guess = None
    if loose:
        normalised = f"{loose.group('family').upper()}-{int(loose.group('number')):02d}"
        guess = normalised if normalised in known_ids else None
    guess = guess or closest(value.upper(), known_ids, cutoff=0.75)
    return f" (did you mean {guess}?)" if guess else ""


def name_hint(name: str, known: Collection[str]) -> str:
    """' (did you mean onepacs_exceptions?)' for a misspelt variable name, or ''."""
    guess = closest(name, known)
    return f" (did you mean {guess}?)" if guess else ""
