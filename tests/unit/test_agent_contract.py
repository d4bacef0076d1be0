"""agent.ps1 against protocol.yml and the bootstrap's expectations, read by parsing the agent with
tree-sitter-powershell: one handler per protocol op and none other, handlers that exist, an entry point, ASCII
only, and nothing but definitions at script level (the bootstrap dot-sources the file)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import pytest
import yaml
from support.powershell import HandlerEntry, function_names, handler_table, top_level_statements

from ansible_collections.onepacs.baseline.plugins.plugin_utils import _framing

REPO_ROOT = Path(__file__).resolve().parents[2]
AGENT_PATH = REPO_ROOT / "plugins" / "plugin_utils" / "agent.ps1"
PROTOCOL_PATH = REPO_ROOT / "plugins" / "plugin_utils" / "protocol.yml"

HANDLER_TABLE_VARIABLE = "OnePacsOpHandlers"
ENTRY_POINT = "Invoke-OnePacsAgent"


def protocol_ops(protocol_text: str) -> set[str]:
    """Op names listed in protocol.yml."""
    return set(yaml.safe_load(protocol_text)["ops"])


def handler_mismatches(ops: Iterable[str], entries: Iterable[HandlerEntry]) -> list[str]:
    """Protocol ops without a handler and handlers for ops the protocol does not list; [] when they agree."""
    expected = set(ops)
    handled = {entry.op for entry in entries}
    return [f"no handler for protocol op {op!r}" for op in sorted(expected - handled)] + [
        f"handler for {op!r}, which protocol.yml does not list" for op in sorted(handled - expected)
    ]


def duplicate_handlers(entries: Iterable[HandlerEntry]) -> list[str]:
    """Ops listed twice; PowerShell rejects duplicate (case-insensitive) keys in a hashtable literal at run time."""
    counts = Counter(entry.op.lower() for entry in entries)
    return sorted(op for op, count in counts.items() if count > 1)


def undefined_handlers(source: str, entries: Iterable[HandlerEntry]) -> list[str]:
    """Table entries whose value is not a function defined in the same file."""
    defined = {name.lower() for name in function_names(source)}
    return [
        f"line {entry.line}: {entry.op!r} -> {entry.function!r}"
        for entry in entries
        if entry.function is None or entry.function.lower() not in defined
    ]


def script_level_side_effects(source: str) -> list[str]:
    """Script-level statements other than function definitions and the one handler-table assignment."""
    problems = []
    for statement in top_level_statements(source):
        if statement.node_type == "function_statement":
            continue
        if statement.assigned_variable is not None and statement.assigned_variable.lower() == "onepacsophandlers":
            continue
        problems.append(f"line {statement.line}: {statement.text}")
    return problems


def non_ascii_positions(data: bytes) -> list[str]:
    """line:column of every byte outside ASCII."""
    return [
        f"{line_number}:{column}"
        for line_number, line in enumerate(data.split(b"\n"), start=1)
        for column, byte in enumerate(line, start=1)
        if byte > 0x7F
    ]


@pytest.fixture(scope="module")
def agent_source() -> str:
    return AGENT_PATH.read_text(encoding="ascii", errors="replace")


@pytest.fixture(scope="module")
def agent_handlers(agent_source: str) -> list[HandlerEntry]:
    return handler_table(agent_source, HANDLER_TABLE_VARIABLE)


@pytest.fixture(scope="module")
def ops() -> set[str]:
    return protocol_ops(PROTOCOL_PATH.read_text(encoding="utf-8"))


def test_protocol_lists_ops(ops: set[str]) -> None:
    assert ops
    assert all("." in op for op in ops)


def test_every_protocol_op_has_a_handler_and_there_is_no_other(
    ops: set[str], agent_handlers: list[HandlerEntry]
) -> None:
    assert handler_mismatches(ops, agent_handlers) == []


def test_no_op_is_listed_twice(agent_handlers: list[HandlerEntry]) -> None:
    assert duplicate_handlers(agent_handlers) == []


def test_every_handler_is_a_function_of_the_agent(agent_source: str, agent_handlers: list[HandlerEntry]) -> None:
    assert undefined_handlers(agent_source, agent_handlers) == []


def test_agent_defines_the_entry_point_the_bootstrap_calls(agent_source: str) -> None:
    assert ENTRY_POINT in function_names(agent_source)


def test_agent_defines_each_function_once(agent_source: str) -> None:
    counts = Counter(name.lower() for name in function_names(agent_source))
    assert sorted(name for name, count in counts.items() if count > 1) == []


def test_dot_sourcing_the_agent_only_defines(agent_source: str) -> None:
    assert script_level_side_effects(agent_source) == []


def test_agent_is_pure_ascii() -> None:
    assert non_ascii_positions(AGENT_PATH.read_bytes()) == []


def test_agent_writes_the_controllers_result_markers(agent_source: str) -> None:
    assert f"'{_framing.RESULT_BEGIN}'" in agent_source
    assert f"'{_framing.RESULT_END}'" in agent_source


def test_agent_does_not_contain_the_request_separator(agent_source: str) -> None:
    # The bootstrap splits stdin at the first separator: one inside the agent would cut the agent short.
    assert _framing.REQUEST_SEPARATOR not in agent_source


# The checks above must be able to fail: each is run on a small agent that breaks it.

_SMALL_AGENT = """
function Invoke-OnePacsAgent {
    param([string]$RequestJson)
}
function Invoke-OpA {
    param($Op)
}
function Invoke-OpB {
    param($Op)
}
$OnePacsOpHandlers = @{
    'area.a' = 'Invoke-OpA'
    'area.b' = ${function:Invoke-OpB}
}
"""


def test_small_agent_passes_every_check() -> None:
    entries = handler_table(_SMALL_AGENT)

    assert [(entry.op, entry.function) for entry in entries] == [("area.a", "Invoke-OpA"), ("area.b", "Invoke-OpB")]
    assert handler_mismatches({"area.a", "area.b"}, entries) == []
    assert duplicate_handlers(entries) == []
    assert undefined_handlers(_SMALL_AGENT, entries) == []
    assert script_level_side_effects(_SMALL_AGENT) == []


def test_a_protocol_op_without_handler_is_detected() -> None:
    source = _SMALL_AGENT.replace("    'area.b' = ${function:Invoke-OpB}\n", "")

    assert handler_mismatches({"area.a", "area.b"}, handler_table(source)) == ["no handler for protocol op 'area.b'"]


def test_a_handler_for_an_unlisted_op_is_detected() -> None:
    mismatches = handler_mismatches({"area.a"}, handler_table(_SMALL_AGENT))

    assert mismatches == ["handler for 'area.b', which protocol.yml does not list"]


def test_a_duplicate_op_is_detected() -> None:
    source = _SMALL_AGENT.replace("'area.b' =", "'Area.A' =")

    assert duplicate_handlers(handler_table(source)) == ["area.a"]


def test_a_handler_naming_a_missing_function_is_detected() -> None:
    source = _SMALL_AGENT.replace("'area.a' = 'Invoke-OpA'", "'area.a' = 'Invoke-OpMissing'")

    assert undefined_handlers(source, handler_table(source)) == ["line 12: 'area.a' -> 'Invoke-OpMissing'"]


def test_a_computed_key_is_rejected() -> None:
    source = _SMALL_AGENT.replace("'area.a' =", '"$area.a" =')

    with pytest.raises(ValueError, match="not a static string"):
        handler_table(source)


def test_a_missing_handler_table_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"one script-level assignment"):
        handler_table(_SMALL_AGENT.replace("$OnePacsOpHandlers", "$OtherTable"))


def test_a_table_built_inside_a_function_is_not_the_handler_table() -> None:
    source = "function Get-Table {\n    $OnePacsOpHandlers = @{ 'area.a' = 'Invoke-OpA' }\n}\n"

    with pytest.raises(ValueError, match=r"one script-level assignment"):
        handler_table(source)


def test_a_script_level_command_is_a_side_effect() -> None:
    source = _SMALL_AGENT + "Set-Item -Path Env:X -Value 1\n$counter = 0\n"

    assert script_level_side_effects(source) == ["line 15: Set-Item -Path Env:X -Value 1", "line 16: $counter = 0"]


def test_non_ascii_bytes_are_located() -> None:
    assert non_ascii_positions("ok\n# caf\u00e9\n".encode()) == ["2:6", "2:7"]
