"""Lists in messages stay short: the first items and "and N more". The full list belongs in the record's `actual`.

A host with thousands of firewall rules or accounts would otherwise put all of them in one message (a 3,000-rule
host gave a 383,775-character FW-03 message), which the report, the terminal and AWX all carry.
"""

from __future__ import annotations

from collections.abc import Iterable

#: How many items a message names before "and N more".
MESSAGE_ITEMS = 10


def capped(items: Iterable[str], separator: str = "; ", limit: int = MESSAGE_ITEMS) -> str:
    """The items joined, at most `limit` of them, then "and N more" for the rest."""
    listed = list(items)
    shown = separator.join(listed[:limit])
    if len(listed) <= limit:
        return shown
    return f"{shown}{separator}and {len(listed) - limit} more"
