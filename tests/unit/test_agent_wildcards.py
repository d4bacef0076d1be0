"""Names from the host never reach a -Name parameter that takes wildcards (read from the agent's source).

Get-/Enable-/Disable-/Set-NetFirewallRule -Name, Get-Service -Name and Stop-Service -Name treat their argument as a
pattern (about_Wildcards); a rule named 'WINRM*' passed there would also stand for the WinRM rules. The agent hands
these cmdlets the objects it found by exact name; Get-NetFirewallRule -Name is only asked for a name that holds no
wildcard character (Find-OnePacsFirewallRule). The lab test tests/integration/test_firewall_lockout.py
(test_a_rule_named_like_a_wildcard_is_disabled_alone) shows the effect end to end; this test keeps the source so.
"""

from __future__ import annotations

import re

import pytest

from ansible_collections.onepacs.baseline.plugins.plugin_utils._paths import AGENT_DIR

#: Cmdlets whose -Name takes wildcards, and that the agent may only call with a literal or an object.
WILDCARD_NAME_CMDLETS = (
    "Enable-NetFirewallRule",
    "Disable-NetFirewallRule",
    "Set-NetFirewallRule",
    "Remove-NetFirewallRule",
    "Get-Service",
    "Stop-Service",
    "Start-Service",
    "Restart-Service",
    "Set-Service",
)
CALL_WITH_VARIABLE_NAME = re.compile(
    r"\b(" + "|".join(re.escape(name) for name in WILDCARD_NAME_CMDLETS) + r")\b[^\n]*?-Name\s+\$", re.IGNORECASE
)
GET_RULE_BY_NAME = re.compile(r"\bGet-NetFirewallRule\b[^\n]*?-Name\s+\$", re.IGNORECASE)


def code_lines(text: str) -> list[tuple[int, str]]:
    return [(number, line) for number, line in enumerate(text.splitlines(), 1) if not line.lstrip().startswith("#")]


@pytest.mark.parametrize("path", sorted(AGENT_DIR.glob("*.ps1")), ids=lambda path: path.name)
def test_no_wildcard_name_parameter_gets_a_variable(path):
    offenders = [
        f"{path.name}:{number}: {line.strip()}"
        for number, line in code_lines(path.read_text(encoding="ascii"))
        if CALL_WITH_VARIABLE_NAME.search(line)
    ]
    assert offenders == []


def test_get_netfirewallrule_by_name_only_after_the_wildcard_check():
    # Only the write handlers look a rule up by name (agent/firewall_write.ps1); no read file does.
    assert not any(
        GET_RULE_BY_NAME.search(line)
        for path in AGENT_DIR.glob("*.ps1")
        if path.name != "firewall_write.ps1"
        for _number, line in code_lines(path.read_text(encoding="ascii"))
    )
    text = (AGENT_DIR / "firewall_write.ps1").read_text(encoding="ascii")
    calls = [number for number, line in code_lines(text) if GET_RULE_BY_NAME.search(line)]
    assert len(calls) == 1, calls
    lines = text.splitlines()
    guard = [number for number, line in enumerate(lines, 1) if "ContainsWildcardCharacters($Name)" in line]
    assert guard
    assert guard[0] < calls[0] <= guard[0] + 5
