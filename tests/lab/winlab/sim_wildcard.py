"""PowerShell wildcard semantics, for the -Name parameters that take them, so the lab is never kinder than Windows.

Get-/Enable-/Disable-/Set-NetFirewallRule -Name, Get-Service -Name and Stop-Service -Name treat their argument as a
pattern: `*` any run of characters, `?` one character, `[abc]` / `[a-z]` one of a set, a backtick escapes the next
character, and matching ignores case
(https://learn.microsoft.com/en-us/powershell/module/microsoft.powershell.core/about/about_wildcards). An agent that
passes a name from the host to such a parameter therefore acts on every object the name matches as a pattern; the
simulator's handlers use `matching` wherever the agent relies on the cmdlet to find objects by name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_SPECIAL = "*?["


def contains_wildcards(text: str) -> bool:
    """WildcardPattern.ContainsWildcardCharacters: an unescaped *, ? or [."""
    escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif char == "`":
            escaped = True
        elif char in _SPECIAL:
            return True
    return False


def _regex(pattern: str) -> re.Pattern[str]:
    parts, index = [], 0
    while index < len(pattern):
        char = pattern[index]
        if char == "`" and index + 1 < len(pattern):
            parts.append(re.escape(pattern[index + 1]))
            index += 2
            continue
        if char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        elif char == "[":
            close = pattern.find("]", index + 1)
            if close == -1:
                parts.append(re.escape(char))
            else:
                body = pattern[index + 1 : close].replace("\\", "\\\\")
                parts.append(f"[{body}]")
                index = close
        else:
            parts.append(re.escape(char))
        index += 1
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def matching(pattern: str, names: Iterable[str]) -> list[str]:
    """The names a -Name argument selects, as the cmdlet does: the pattern matched against each whole name."""
    regex = _regex(pattern)
    return [name for name in names if regex.fullmatch(name)]
