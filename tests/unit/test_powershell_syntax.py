"""Every PowerShell file in the collection parses cleanly with tree-sitter-powershell (there is no PowerShell here
to run them). Other tests check generated PowerShell, such as the bootstrap, with the same helper:
`support.powershell.assert_valid_powershell(text, origin)`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from powershell import assert_valid_powershell, powershell_7_constructs, syntax_problems

REPO_ROOT = Path(__file__).resolve().parents[2]

#: Tool and build output, not sources: .collections links back to the repo root, .venv holds third-party files.
_SKIPPED_DIRECTORIES = frozenset(
    {".venv", ".collections", ".lab", ".git", ".pytest_cache", ".ruff_cache", "build", "artifacts"}
)


def powershell_files(root: Path) -> list[Path]:
    """Every *.ps1 / *.psm1 / *.psd1 file under root, skipping tool and build directories."""
    found = []
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = sorted(name for name in subdirectories if name not in _SKIPPED_DIRECTORIES)
        found.extend(Path(directory, name) for name in sorted(files) if name.endswith((".ps1", ".psm1", ".psd1")))
    return found


POWERSHELL_FILES = powershell_files(REPO_ROOT)


@pytest.mark.parametrize("path", POWERSHELL_FILES, ids=lambda path: path.relative_to(REPO_ROOT).as_posix())
def test_powershell_file_parses_without_errors(path: Path) -> None:
    assert_valid_powershell(path.read_bytes(), origin=path.relative_to(REPO_ROOT).as_posix())


@pytest.mark.parametrize("path", POWERSHELL_FILES, ids=lambda path: path.relative_to(REPO_ROOT).as_posix())
def test_powershell_file_runs_on_windows_powershell_5_1(path: Path) -> None:
    assert [str(problem) for problem in powershell_7_constructs(path.read_bytes())] == []


def test_every_agent_file_is_among_the_checked_files() -> None:
    agent_files = sorted((REPO_ROOT / "plugins" / "plugin_utils" / "agent").glob("*.ps1"))
    assert len(agent_files) >= 4
    assert set(agent_files) <= set(POWERSHELL_FILES)


def test_a_clean_snippet_has_no_problems() -> None:
    assert syntax_problems("function Get-A {\n    param([string]$Name)\n    return @{ name = $Name }\n}\n") == []


def test_a_broken_snippet_is_reported_at_its_line_and_column() -> None:
    problems = syntax_problems("function Get-A {\n    $a = 1\n    $b = @(1, 2\n}\n")

    assert [(problem.line, problem.column) for problem in problems] == [(3, 5)]
    assert problems[0].kind == "ERROR"
    assert problems[0].text == "$b = @(1, 2"


def test_a_missing_token_is_reported() -> None:
    problems = syntax_problems("if ($a) {\n    1\n")

    assert problems
    assert problems[0].kind.startswith("MISSING")
    assert problems[0].line == 2


def test_columns_count_characters_not_bytes() -> None:
    problems = syntax_problems('$x = "\u00e4\u00e4"; $b = @(1, 2')

    assert [(problem.line, problem.column) for problem in problems] == [(1, 12)]


def test_assert_valid_powershell_names_the_origin_line_and_column() -> None:
    with pytest.raises(AssertionError, match=r"bootstrap\.ps1:2:5: ERROR"):
        assert_valid_powershell("$ok = 1\n    $b = @(1, 2\n", origin="bootstrap.ps1")


@pytest.mark.parametrize(
    "source",
    [
        pytest.param('switch ($x) { "a" { 1 } default { 2 } }', id="one-line-switch"),
        pytest.param("Select-Object A, @{n = 'B'; e = { 1 }}", id="hashtable-after-comma"),
        pytest.param(
            'auditpol.exe /get /subcategory:"{0cce9215-69ae-11d9-bed3-505054503030}"', id="native-quoted-guid"
        ),
    ],
)
def test_forms_the_grammar_rejects_are_reported(source: str) -> None:
    # Valid PowerShell that tree-sitter-powershell 0.26.4 flags (docs/architecture.md, "Facts about the tools"):
    # the check must keep reporting them so that the agent is written in the forms the grammar accepts.
    assert syntax_problems(source)


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        pytest.param("Get-A && Get-B", "pipeline chain operator (&& or ||)", id="and-chain"),
        pytest.param("Get-A\nGet-B || exit 1", "pipeline chain operator (&& or ||)", id="or-chain"),
        pytest.param("1..3 | ForEach-Object -Parallel { $_ }", "PowerShell 7 parameter", id="parallel"),
        pytest.param("$t = $j | ConvertFrom-Json -AsHashtable", "PowerShell 7 parameter", id="as-hashtable"),
        pytest.param("$s = Join-String -InputObject $a", "PowerShell 7 command", id="join-string"),
    ],
)
def test_powershell_7_constructs_are_reported(source: str, kind: str) -> None:
    assert [problem.kind for problem in powershell_7_constructs(source)] == [kind]


@pytest.mark.parametrize("source", ["$x = $a ?? $b", "$x = $a ? 1 : 2", "$a ??= 1", "${a}?.b"])
def test_powershell_7_operators_are_syntax_errors(source: str) -> None:
    assert syntax_problems(source)


def test_windows_powershell_forms_are_not_reported() -> None:
    source = "$ok = (Get-A) -and (Get-B)\n$items | ForEach-Object { $_ } | ConvertTo-Json -Depth 3 -Compress\n"

    assert powershell_7_constructs(source) == []
