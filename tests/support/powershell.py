"""PowerShell source checks without a PowerShell interpreter: tree-sitter-powershell parses the text, and these
helpers report syntax errors and PowerShell 7-only constructs, and read the agent's structure (function
definitions, script-level statements, the op handler table)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import tree_sitter_powershell
from tree_sitter import Language, Node, Parser, Tree

_LANGUAGE = Language(tree_sitter_powershell.language())

#: Parameters and commands that exist only in PowerShell 7; the hosts run Windows PowerShell 5.1. The grammar
#: already rejects 7's operators ?: ?? ??= ?. as syntax errors, but accepts these and the && / || chains.
_POWERSHELL_7_PARAMETERS = frozenset({"-parallel", "-ashashtable", "-escapehandling", "-skipcertificatecheck"})
_POWERSHELL_7_COMMANDS = frozenset({"join-string", "test-json", "get-error"})

#: Node types that are a single, statically known value in a hashtable entry (deeper nodes are wrappers).
_LEAF_VALUE_TYPES = frozenset({"string_literal", "variable", "script_block_expression", "simple_name"})


@dataclass(frozen=True)
class SyntaxProblem:
    """One finding (an ERROR or MISSING node, or a construct 5.1 lacks): 1-based line and character column, what
    it is, and the first line of the source it covers."""

    line: int
    column: int
    kind: str
    text: str

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.kind}: {self.text!r}"


@dataclass(frozen=True)
class TopLevelStatement:
    """A statement directly in the script body: its tree-sitter node type, line and (for assignments) target."""

    node_type: str
    line: int
    assigned_variable: str | None
    text: str


def parse(source: str | bytes) -> Tree:
    """Parse PowerShell source text with tree-sitter-powershell."""
    data = source.encode("utf-8") if isinstance(source, str) else source
    return Parser(_LANGUAGE).parse(data)


def syntax_problems(source: str | bytes) -> list[SyntaxProblem]:
    """Every ERROR and MISSING node of the parse, in source order; empty when the text parses cleanly."""
    tree = parse(source)
    if not tree.root_node.has_error:
        return []
    data = source.encode("utf-8") if isinstance(source, str) else source
    problems = []
    for node in _walk(tree.root_node):
        if node.is_missing:
            kind = f"MISSING {node.type!r}"
        elif node.is_error:
            kind = "ERROR"
        else:
            continue
        line, column = _location(data, node)
        problems.append(SyntaxProblem(line, column, kind, _first_line(_text(node))))
    return problems


def assert_valid_powershell(source: str | bytes, origin: str = "<string>") -> None:
    """Raise AssertionError listing origin:line:column for every syntax problem in source."""
    problems = syntax_problems(source)
    if problems:
        listing = "\n".join(f"{origin}:{problem}" for problem in problems)
        raise AssertionError(f"tree-sitter-powershell reports {len(problems)} syntax problem(s):\n{listing}")


def powershell_7_constructs(source: str | bytes) -> list[SyntaxProblem]:
    """Constructs Windows PowerShell 5.1 cannot run: pipeline chains (&&, ||), PowerShell 7-only cmdlets and
    parameters."""
    data = source.encode("utf-8") if isinstance(source, str) else source
    found = []
    for node in _walk(parse(data).root_node):
        text = _text(node)
        if node.type == "pipeline_chain_tail":
            kind = "pipeline chain operator (&& or ||)"
        elif node.type == "command_parameter" and text.split(":", 1)[0].lower() in _POWERSHELL_7_PARAMETERS:
            kind = "PowerShell 7 parameter"
        elif node.type == "command_name" and text.lower() in _POWERSHELL_7_COMMANDS:
            kind = "PowerShell 7 command"
        else:
            continue
        line, column = _location(data, node)
        found.append(SyntaxProblem(line, column, kind, _first_line(text)))
    return found


def function_names(source: str | bytes) -> list[str]:
    """Names of every function defined in source (at any depth), in source order."""
    names = []
    for node in _walk(parse(source).root_node):
        if node.type == "function_statement":
            name_node = _first_child_of_type(node, "function_name")
            if name_node is not None:
                names.append(_text(name_node))
    return names


def top_level_statements(source: str | bytes) -> list[TopLevelStatement]:
    """The statements of the script body itself (comments excluded): what runs when the file is dot-sourced."""
    root = parse(source).root_node
    statements = []
    for statement_list in _children_of_type(root, "statement_list"):
        for node in statement_list.named_children:
            if node.type == "comment":
                continue
            statements.append(
                TopLevelStatement(
                    node_type=node.type,
                    line=node.start_point.row + 1,
                    assigned_variable=_assigned_variable(node),
                    text=_first_line(_text(node)),
                )
            )
    return statements


def _walk(node: Node) -> Iterator[Node]:
    """Every node under node, itself first, in source order (iterative: real scripts nest deeply)."""
    pending = [node]
    while pending:
        current = pending.pop()
        yield current
        pending.extend(reversed(current.children))


def _text(node: Node) -> str:
    return (node.text or b"").decode("utf-8", errors="replace")


def _first_line(text: str, limit: int = 120) -> str:
    line = text.splitlines()[0] if text else ""
    return line if len(line) <= limit else line[:limit] + "..."


def _location(data: bytes, node: Node) -> tuple[int, int]:
    """1-based line and character column (tree-sitter's column counts bytes)."""
    row, byte_column = node.start_point
    line_start = node.start_byte - byte_column
    column = len(data[line_start : node.start_byte].decode("utf-8", errors="replace"))
    return row + 1, column + 1


def _children_of_type(node: Node, node_type: str) -> list[Node]:
    return [child for child in node.children if child.type == node_type]


def _first_child_of_type(node: Node, node_type: str) -> Node | None:
    children = _children_of_type(node, node_type)
    return children[0] if children else None


def _unwrap(node: Node) -> Node:
    """Descend through single-child expression wrappers (pipeline -> ... -> unary_expression) to the value."""
    while node.type not in _LEAF_VALUE_TYPES and node.type != "hash_literal_expression" and node.named_child_count == 1:
        node = node.named_children[0]
    return node


def _assigned_variable(statement: Node) -> str | None:
    """For `$name = ...` return "name" (scope prefixes such as script: removed); None for anything else."""
    if statement.type != "pipeline":
        return None
    assignment = _first_child_of_type(statement, "assignment_expression")
    if assignment is None:
        return None
    target = _first_child_of_type(assignment, "left_assignment_expression")
    target_value = _unwrap(target) if target is not None else None
    if target_value is None or target_value.type != "variable":
        return None
    name = _text(target_value).removeprefix("$").strip("{}")
    return name.split(":", 1)[1] if ":" in name else name


@dataclass(frozen=True)
class CommandCall:
    """One command invocation: the function it stands in ("" at script level), the command name, and its named
    parameters as written (lower case, without the dash) -> the argument's source text, or None for a switch."""

    function: str
    command: str
    parameters: dict[str, str | None]
    line: int


def command_calls(source: str | bytes) -> list[CommandCall]:
    """Every command invocation in source (nested ones included), in source order."""
    calls = []
    for node in _walk(parse(source).root_node):
        if node.type != "command":
            continue
        name_node = _first_child_of_type(node, "command_name")
        if name_node is None:
            continue
        elements = _first_child_of_type(node, "command_elements")
        calls.append(
            CommandCall(
                function=_enclosing_function(node),
                command=_text(name_node),
                parameters=_named_parameters(elements) if elements is not None else {},
                line=node.start_point.row + 1,
            )
        )
    return calls


def variable_assignments(source: str | bytes) -> dict[tuple[str, str], list[str]]:
    """(function, variable name in lower case) -> the source text of every value assigned to it there."""
    found: dict[tuple[str, str], list[str]] = {}
    for node in _walk(parse(source).root_node):
        if node.type != "pipeline":
            continue
        variable = _assigned_variable(node)
        assignment = _first_child_of_type(node, "assignment_expression")
        value = _first_child_of_type(assignment, "pipeline") if assignment is not None else None
        if variable is not None and value is not None:
            found.setdefault((_enclosing_function(node), variable.lower()), []).append(_text(value))
    return found


def _enclosing_function(node: Node) -> str:
    current = node.parent
    while current is not None:
        if current.type == "function_statement":
            name_node = _first_child_of_type(current, "function_name")
            return _text(name_node) if name_node is not None else ""
        current = current.parent
    return ""


def _named_parameters(elements: Node) -> dict[str, str | None]:
    """-Name value pairs of a command's elements; -Name:value counts as a pair, a -Switch alone maps to None."""
    parameters: dict[str, str | None] = {}
    pending: str | None = None
    for element in elements.named_children:
        if element.type == "command_argument_sep":
            continue
        if element.type == "command_parameter":
            if pending is not None:
                parameters[pending] = None
            name, colon, value = _text(element).lstrip("-").partition(":")
            pending = None if colon else name.lower()
            if colon:
                parameters[name.lower()] = value or None
        elif pending is not None:
            parameters[pending] = _text(element)
            pending = None
    if pending is not None:
        parameters[pending] = None
    return parameters
