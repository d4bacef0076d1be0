"""The agent against the protocol and the bootstrap, read by parsing it with tree-sitter-powershell.

The agent is agent/core.ps1 plus one agent/<area>.ps1 per protocol area and one agent/<area>_write.ps1 per area with
mutating ops; the controller sends core and the files a request uses, and core finds an op's handler by name (op
'registry.get' -> function Invoke-OpRegistryGet). So: every read op of protocol/<area>.yml has its handler in
agent/<area>.ps1, every mutating op in agent/<area>_write.ps1, and there is no other handler; no cmdlet that writes
travels in a read file; core has the entry point and no handler; no function is defined twice across the files (a
request loads them together); nothing but definitions at script level (they are dot-sourced); ASCII only.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

import pytest

from ansible_collections.onepacs.baseline.plugins.plugin_utils._paths import AGENT_DIR
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent import _framing
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._protocol import (
    WRITE_FILE_SUFFIX,
    agent_file,
    areas,
    load_protocol,
)
from powershell import function_names, top_level_statements

ENTRY_POINT = "Invoke-OnePacsAgent"
# The op-name pattern Get-OnePacsOpHandler in core.ps1 accepts.
OP_NAME = re.compile(r"^[a-z][a-z0-9]*\.[a-z][a-z0-9_]*$")


def handler_name(op: str) -> str:
    """The PowerShell function that handles op, by core.ps1's naming rule."""
    return "Invoke-Op" + "".join(word[:1].upper() + word[1:] for word in re.split(r"[._]", op) if word)


def handler_mismatches(ops: Iterable[str], source: str) -> list[str]:
    """Ops of the area without a handler in source, and handlers in source for no op of the area."""
    wanted = {handler_name(op).lower(): op for op in ops}
    defined = {name.lower(): name for name in function_names(source) if name.lower().startswith("invoke-op")}
    return [
        f"no handler {handler_name(op)} for op {op!r}" for key, op in sorted(wanted.items()) if key not in defined
    ] + [f"handler {name} for no op of this area" for key, name in sorted(defined.items()) if key not in wanted]


def script_level_side_effects(source: str) -> list[str]:
    return [
        f"line {statement.line}: {statement.text}"
        for statement in top_level_statements(source)
        if statement.node_type != "function_statement"
    ]


def non_ascii_positions(data: bytes) -> list[str]:
    return [
        f"{line_number}:{column}"
        for line_number, line in enumerate(data.split(b"\n"), start=1)
        for column, byte in enumerate(line, start=1)
        if byte > 0x7F
    ]


def source(part: str) -> str:
    return (AGENT_DIR / f"{part}.ps1").read_text(encoding="ascii", errors="replace")


AGENT_FILES = sorted(path.stem for path in AGENT_DIR.glob("*.ps1"))
OPS = load_protocol()["ops"]


#: Cmdlets and methods that change a host; none may travel in a request that only reads (antimalware scanning flags
#: some of them, e.g. Add-MpPreference -ExclusionPath, and one blocked file fails every op it holds).
WRITING_COMMANDS = re.compile(
    r"\b(Set|Add|Remove|Enable|Disable|New|Update)-(MpPreference|MpSignature|NetFirewall\w*|BitLocker\w*|"
    r"LocalUser|LocalGroupMember|Service|ItemProperty)\b|\.(SetValue|DeleteValue|CreateSubKey)\(|/configure\b",
    re.IGNORECASE,
)


def agent_files_by_protocol() -> list[str]:
    return sorted({"core", *areas(), *(agent_file(op) for op in OPS)})


def test_agent_files_are_core_one_per_protocol_area_and_one_per_area_that_writes():
    assert agent_files_by_protocol() == AGENT_FILES


@pytest.mark.parametrize("part", sorted({agent_file(op) for op in OPS}))
def test_every_op_has_its_handler_in_its_file_and_there_is_no_other(part):
    ops = [op for op in OPS if agent_file(op) == part]
    assert ops
    assert handler_mismatches(ops, source(part)) == []


@pytest.mark.parametrize("area", areas())
def test_a_read_file_holds_no_command_that_writes(area):
    assert writing_commands(source(area)) == []


def writing_commands(text: str) -> list[str]:
    code = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    return sorted({match.group(0) for match in WRITING_COMMANDS.finditer(code)})


def test_a_write_in_a_read_file_is_detected():
    assert writing_commands("function X {\n    Add-MpPreference -ExclusionPath $p # Set-MpPreference\n}") == [
        "Add-MpPreference"
    ]
    assert WRITE_FILE_SUFFIX == "_write"


def test_every_op_name_is_one_the_dispatcher_accepts():
    assert [op for op in OPS if not OP_NAME.match(op)] == []


def test_core_has_the_entry_point_and_the_dispatcher_but_no_handler():
    names = function_names(source("core"))
    assert ENTRY_POINT in names
    assert "Get-OnePacsOpHandler" in names
    assert [name for name in names if name.lower().startswith("invoke-op")] == []


def test_no_function_is_defined_twice_across_the_agent_files():
    counts = Counter(name.lower() for part in AGENT_FILES for name in function_names(source(part)))
    assert sorted(name for name, count in counts.items() if count > 1) == []


@pytest.mark.parametrize("part", AGENT_FILES)
def test_dot_sourcing_only_defines_functions(part):
    assert script_level_side_effects(source(part)) == []


@pytest.mark.parametrize("part", AGENT_FILES)
def test_agent_files_are_pure_ascii_and_hold_no_request_separator(part):
    assert non_ascii_positions((AGENT_DIR / f"{part}.ps1").read_bytes()) == []
    # The bootstrap splits stdin at the first separator and core at the first file tag: either inside an agent
    # file, even in a comment, would cut the agent short.
    assert _framing.REQUEST_SEPARATOR not in source(part)
    assert _framing.FILE_TAG not in source(part)


def test_core_writes_the_controllers_result_markers():
    assert f"'{_framing.RESULT_BEGIN}'" in source("core")
    assert f"'{_framing.RESULT_END}'" in source("core")


# The checks above must be able to fail: each is run on a small area file that breaks it.

_SMALL_AREA = """
function Invoke-OpAreaGet {
    param($Op)
}
function Invoke-OpAreaAddExclusion {
    param($Op)
}
function Get-AreaHelper {
}
"""


def test_naming_rule_matches_core():
    assert handler_name("registry.get") == "Invoke-OpRegistryGet"
    assert handler_name("defender.add_exclusion") == "Invoke-OpDefenderAddExclusion"
    assert "Invoke-Op" in source("core")


def test_small_area_passes():
    assert handler_mismatches({"area.get", "area.add_exclusion"}, _SMALL_AREA) == []
    assert script_level_side_effects(_SMALL_AREA) == []


def test_a_missing_handler_is_detected():
    assert handler_mismatches({"area.get", "area.add_exclusion", "area.set"}, _SMALL_AREA) == [
        "no handler Invoke-OpAreaSet for op 'area.set'"
    ]


def test_a_handler_for_no_op_is_detected():
    assert handler_mismatches({"area.get"}, _SMALL_AREA) == ["handler Invoke-OpAreaAddExclusion for no op of this area"]


def test_a_script_level_command_is_a_side_effect():
    broken = _SMALL_AREA + "Set-Item -Path Env:X -Value 1\n$counter = 0\n"
    assert script_level_side_effects(broken) == ["line 10: Set-Item -Path Env:X -Value 1", "line 11: $counter = 0"]


def test_non_ascii_bytes_are_located():
    assert non_ascii_positions("ok\n# caf\u00e9\n".encode()) == ["2:6", "2:7"]
