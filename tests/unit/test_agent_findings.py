"""Fixes in the agent that only Windows can run, held to their rules by reading the agent's source and, where the
lab mirrors them, by the lab (tests/unit/lab). Each test here fails on the agent before its fix."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from ansible_collections.onepacs.baseline.plugins.plugin_utils._paths import AGENT_DIR
from winlab.sim_ops_services import STOP_TIMEOUT_SECONDS

RECORDED = Path(__file__).resolve().parents[1] / "data" / "recorded"


def agent_sources() -> dict[str, str]:
    return {path.stem: path.read_text(encoding="ascii") for path in sorted(AGENT_DIR.glob("*.ps1"))}


def function_body(source: str, name: str) -> str:
    start = source.index(f"function {name} {{")
    return source[start : source.index("\n}\n", start)]


# ---- Stop-Service has no time limit ------------------------------------------------------------------------------


def test_stopping_a_service_never_waits_without_a_limit() -> None:
    sources = agent_sources()
    calls = [name for name, text in sources.items() if re.search(r"^\s*Stop-Service\b", text, re.MULTILINE)]
    assert calls == []
    body = function_body(sources["services_write"], "Stop-OnePacsServiceWithin")
    assert "$Controller.Stop()" in body
    assert "catch [System.ServiceProcess.TimeoutException]" in body
    assert (
        f"Stop-OnePacsServiceWithin -Controller $controller -Seconds {STOP_TIMEOUT_SECONDS}"
        in sources["services_write"]
    )


# ---- InstalledOn: one parser, locale-independent -----------------------------------------------------------------


def test_installed_on_is_parsed_by_one_function_for_every_op() -> None:
    sources = agent_sources()
    readers = sorted(name for name, text in sources.items() if re.search(r"\$\w+\.InstalledOn", text))
    assert readers == ["system", "updates"]
    for name in readers:
        assert re.findall(r"ConvertTo-OnePacsInstalledOn -Value \$\w+\.InstalledOn", sources[name]), name
    parsers = [name for name, text in sources.items() if "FromFileTimeUtc" in text or "TryParseExact" in text]
    assert parsers == ["core"]
    assert "CurrentCulture" not in function_body(sources["core"], "ConvertTo-OnePacsInstalledOn")


def installed_on(text: str) -> str | None:
    """ConvertTo-OnePacsInstalledOn's rules: M/d/yyyy (invariant), else a 16-digit hexadecimal FILETIME."""
    try:
        return datetime.strptime(text.strip(), "%m/%d/%Y").strftime("%Y-%m-%d")
    except ValueError:
        pass
    if re.fullmatch(r"[0-9A-Fa-f]{16}", text.strip()):
        seconds = (int(text, 16) - 116444736000000000) / 10_000_000
        return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d")
    return None


def test_the_recorded_installed_on_values_are_month_first() -> None:
    values = re.findall(r"InstalledOn=(\S+)", (RECORDED / "hotfix" / "wmic-qfe-installedon.txt").read_text())
    assert values
    parsed = [installed_on(value) for value in values]
    assert None not in parsed
    assert "2014-12-18" in parsed
    assert installed_on("01d4f0e8a0b1c000") is not None
    assert installed_on("18/12/2014") is None


# ---- auditpol: per-user rows are not the system policy ------------------------------------------------------------


def test_per_user_audit_rows_never_stand_in_for_the_system_policy() -> None:
    body = function_body(agent_sources()["auditpol"], "ConvertFrom-OnePacsAuditBackup")
    assert "$fields[1].Trim() -ne 'System'" in body
    # Only one table: the System rows. A second one (per-user rows as a fallback) would read their
    # include/exclude bits as success/failure.
    assert re.findall(r"^\s*\$(\w+) = \[ordered\]@\{\}", body, re.MULTILINE) == ["system"]
    assert "return $system" in body


# ---- secedit exits 0 and skips entries ----------------------------------------------------------------------------


def test_a_configure_that_secedit_partly_skipped_is_named() -> None:
    source = agent_sources()["secpol_write"]
    configure = function_body(source, "Invoke-OpSecpolConfigure")
    assert "Assert-OnePacsSecpolApplied -SystemAccess $systemAccess -Values $values" in configure
    check = function_body(source, "Assert-OnePacsSecpolApplied")
    assert "exited with code 0 but skipped" in check
