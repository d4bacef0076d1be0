"""The agent against the protocol and the bootstrap, read by parsing it with tree-sitter-powershell.

The agent is agent/core.ps1 plus one agent/<family>.ps1 per op family and one agent/<family>_write.ps1 per family
with mutating ops; the controller sends core and the files a request uses, and core finds an op's handler by name
(op 'registry.get' -> function Invoke-OpRegistryGet). So: every read op of protocol/<family>.yml has its handler in
agent/<family>.ps1, every mutating op in agent/<family>_write.ps1, and there is no other handler; no cmdlet that
writes travels in a read file; each handler reads exactly the arguments the protocol declares, with the declared
type, requiredness, choices and range (the protocol is the one statement of them: a check the agent makes
differently is found here); core has the entry point and no handler; no function is defined twice across the files
(a request loads them together); nothing but definitions at script level (they are dot-sourced); ASCII only.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields

import pytest

from ansible_collections.onepacs.baseline.plugins.plugin_utils._paths import AGENT_DIR
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent import _framing
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._protocol import (
    WRITE_FILE_SUFFIX,
    ArgSpec,
    agent_file,
    load_protocol,
    op_args,
    op_families,
)
from powershell import CommandCall, command_calls, function_names, top_level_statements, variable_assignments

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


@dataclass(frozen=True)
class AgentArg:
    """How a handler reads one argument: the JSON type it checks, whether it refuses an absent one (None: the
    handler decides, as Get-OnePacsStringListArg's callers do), and the choices or range it enforces."""

    type: str
    required: bool | None
    choices: tuple[str, ...] | None = None
    minimum: int | None = None
    maximum: int | None = None


#: .NET integer limits the agent writes as [type]::MaxValue.
_DOTNET_MAX_VALUE = {"int": 2**31 - 1, "long": 2**63 - 1, "uint32": 2**32 - 1, "uint64": 2**64 - 1}
_STRING_LITERAL = re.compile(r"""^'([^']*)'$|^"([^"$`]*)"$""")
_STRING_ARRAY = re.compile(r"^@\(\s*('[^']*'(?:\s*,\s*'[^']*')*)?\s*\)$")
_MAX_VALUE = re.compile(r"^\[(\w+)\]::MaxValue$", re.IGNORECASE)
_CAST = re.compile(r"^\[decimal\]", re.IGNORECASE)


def powershell_string(text: str) -> str:
    """The value of a literal string argument; ValueError for anything computed."""
    match = _STRING_LITERAL.match(text.strip())
    if match is None:
        raise ValueError(f"not a literal string: {text}")
    return match.group(1) if match.group(1) is not None else match.group(2)


def powershell_strings(text: str, assigned: Mapping[str, list[str]]) -> tuple[str, ...]:
    """The values of an @('a', 'b') argument, or of the one such array assigned to a $variable in the handler."""
    text = text.strip()
    if text.startswith("$"):
        values = assigned.get(text[1:].lower(), [])
        if len(values) != 1:
            raise ValueError(f"{text} is not assigned exactly once in the handler")
        text = values[0].strip()
    match = _STRING_ARRAY.match(text)
    if match is None:
        raise ValueError(f"not a literal list of strings: {text}")
    return tuple(re.findall(r"'([^']*)'", match.group(1) or ""))


def powershell_integer(text: str) -> int:
    """The value of an integer argument: a literal, or [T]::MaxValue of a .NET integer type, in parentheses or
    cast to [decimal] as Get-OnePacsRangedInteger's parameters are."""
    text = text.strip()
    while True:
        if text.startswith("(") and text.endswith(")"):
            text = text[1:-1].strip()
        elif _CAST.match(text):
            text = _CAST.sub("", text, count=1).strip()
        else:
            break
    maximum = _MAX_VALUE.match(text)
    if maximum is not None and maximum.group(1).lower() in _DOTNET_MAX_VALUE:
        return _DOTNET_MAX_VALUE[maximum.group(1).lower()]
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    raise ValueError(f"not an integer the test can read: {text}")


def _agent_arg(call: CommandCall, assigned: Mapping[str, list[str]]) -> AgentArg | None:
    """What one call of a core argument reader checks; None for any other command."""
    parameters = call.parameters
    required = "optional" not in parameters
    command = call.command.lower()
    if command == "get-onepacsarg":
        return AgentArg(powershell_string(parameters.get("type") or ""), required)
    if command == "get-onepacschoicearg":
        return AgentArg("string", required, choices=powershell_strings(parameters.get("choices") or "", assigned))
    if command == "get-onepacsrangedinteger":
        minimum = powershell_integer(parameters.get("minimum") or "")
        return AgentArg("int", required, minimum=minimum, maximum=powershell_integer(parameters.get("maximum") or ""))
    if command == "get-onepacsstringlistarg":
        return AgentArg("list", None)
    return None


def handler_arguments(ops: Iterable[str], source: str) -> tuple[dict[str, dict[str, AgentArg]], list[str]]:
    """op -> argument -> how its handler in source reads it (calls given the handler's own $Op), and the calls the
    test cannot read statically (a computed name, choices or range: write them as literals)."""
    handler_of = {handler_name(op).lower(): op for op in ops}
    assignments = variable_assignments(source)
    read: dict[str, dict[str, AgentArg]] = {op: {} for op in ops}
    unreadable = []
    for call in command_calls(source):
        op = handler_of.get(call.function.lower())
        if op is None or (call.parameters.get("op") or "").lower() != "$op":
            continue
        assigned = {
            variable: values for (function, variable), values in assignments.items() if function == call.function
        }
        try:
            agent_arg = _agent_arg(call, assigned)
            name = powershell_string(call.parameters.get("name") or "") if agent_arg is not None else ""
        except ValueError as exc:
            unreadable.append(f"line {call.line} ({op}): {exc}")
            continue
        if agent_arg is None:
            continue
        if read[op].get(name, agent_arg) != agent_arg:
            unreadable.append(f"line {call.line} ({op}): argument {name!r} is read twice, differently")
        read[op][name] = agent_arg
    return read, unreadable


def argument_mismatches(op: str, declared: Mapping[str, ArgSpec], read: Mapping[str, AgentArg]) -> list[str]:
    """Where the handler's reading of op's arguments differs from the protocol's declaration."""
    problems = [f"{op}: the handler never reads declared argument {name!r}" for name in declared if name not in read]
    problems += [
        f"{op}: the handler reads {name!r}, which the protocol does not declare"
        for name in read
        if name not in declared
    ]
    for name in (name for name in read if name in declared):
        for field in fields(AgentArg):
            agent_value, protocol_value = getattr(read[name], field.name), getattr(declared[name], field.name)
            if agent_value != protocol_value and not (field.name == "required" and agent_value is None):
                problems.append(
                    f"{op} {name!r}: the agent's {field.name} is {agent_value!r}, the protocol's {protocol_value!r}"
                )
    return problems


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
    return sorted({"core", *op_families(), *(agent_file(op) for op in OPS)})


def test_agent_files_are_core_one_per_protocol_area_and_one_per_area_that_writes():
    assert agent_files_by_protocol() == AGENT_FILES


@pytest.mark.parametrize("part", sorted({agent_file(op) for op in OPS}))
def test_every_op_has_its_handler_in_its_file_and_there_is_no_other(part):
    ops = [op for op in OPS if agent_file(op) == part]
    assert ops
    assert handler_mismatches(ops, source(part)) == []


@pytest.mark.parametrize("area", op_families())
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


def family_source(family: str) -> str:
    """Both agent files of an op family (the write file, where there is one, after the read file)."""
    write_file = AGENT_DIR / f"{family}{WRITE_FILE_SUFFIX}.ps1"
    return source(family) + ("\n" + source(write_file.stem) if write_file.exists() else "")


@pytest.mark.parametrize("family", op_families())
def test_every_handler_checks_its_arguments_as_the_protocol_declares_them(family):
    ops = [op for op in OPS if op.startswith(f"{family}.")]
    read, unreadable = handler_arguments(ops, family_source(family))
    assert unreadable == []
    assert [problem for op in ops for problem in argument_mismatches(op, op_args(op), read[op])] == []


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


_SMALL_HANDLER = """
function Invoke-OpAreaSet {
    param($Op)
    $modes = @('On', 'Off')
    $mode = Get-OnePacsChoiceArg -Op $Op -Name 'mode' -Choices $modes
    $level = Get-OnePacsRangedInteger -Op $Op -Name 'level' -Minimum 0 -Maximum ([decimal][uint32]::MaxValue) -Optional
    $items = Get-OnePacsStringListArg -Op $Op -Name 'items' -Default @()
    foreach ($entry in $items) {
        $inner = Get-OnePacsArg -Op $entry -Name 'not_an_argument_of_the_op' -Type 'string'
    }
}
"""
_SMALL_DECLARATION = {
    "mode": ArgSpec("string", True, ("On", "Off")),
    "level": ArgSpec("int", False, None, 0, 2**32 - 1),
    "items": ArgSpec("list", True),
}


def small_handler_mismatches(handler: str, declared: Mapping[str, ArgSpec] | None = None) -> list[str]:
    declared = _SMALL_DECLARATION if declared is None else declared
    read, unreadable = handler_arguments(["area.set"], handler)
    return unreadable + argument_mismatches("area.set", declared, read["area.set"])


def test_small_handler_reads_its_arguments_as_declared():
    assert small_handler_mismatches(_SMALL_HANDLER) == []


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("-Maximum ([decimal][uint32]::MaxValue)", "-Maximum 100", "area.set 'level': the agent's maximum is 100"),
        ("-Minimum 0", "-Minimum 1", "area.set 'level': the agent's minimum is 1"),
        (" -Optional\n", "\n", "area.set 'level': the agent's required is True, the protocol's False"),
        ("@('On', 'Off')", "@('On', 'off')", "area.set 'mode': the agent's choices is ('On', 'off')"),
        ("-Name 'mode'", "-Name 'Mode'", "area.set: the handler never reads declared argument 'mode'"),
        ("-Name 'items'", "-Name 'item'", "area.set: the handler reads 'item', which the protocol does not declare"),
        ("-Name 'mode'", "-Name $modeName", "line 5 (area.set): not a literal string: $modeName"),
        ("-Choices $modes", "-Choices $choices", "line 5 (area.set): $choices is not assigned exactly once"),
        ("-Maximum ([decimal][uint32]::MaxValue)", "-Maximum $top", "line 6 (area.set): not an integer"),
    ],
)
def test_a_handler_that_checks_an_argument_otherwise_is_detected(old, new, problem):
    assert old in _SMALL_HANDLER
    problems = small_handler_mismatches(_SMALL_HANDLER.replace(old, new, 1))
    assert [found for found in problems if found.startswith(problem)], problems


def test_a_type_the_protocol_does_not_declare_is_detected():
    declared = {**_SMALL_DECLARATION, "items": ArgSpec("string", True)}
    assert small_handler_mismatches(_SMALL_HANDLER, declared) == [
        "area.set 'items': the agent's type is 'list', the protocol's 'string'"
    ]


def test_integer_bounds_are_read_as_the_agent_writes_them():
    assert powershell_integer("([decimal][long]::MaxValue)") == 2**63 - 1
    assert powershell_integer("4294967295") == 2**32 - 1
    assert powershell_integer("-1") == -1
