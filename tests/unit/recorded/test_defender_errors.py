"""The Defender service-down error as Windows reports it (recorded real output, tests/data/recorded/defender/) against
the agent's check (agent/defender.ps1, Test-OnePacsDefenderServiceDown) and the lab's errors (winlab.sim_errors).

No PowerShell runs here, so the agent's check is read from its source: the FullyQualifiedErrorId pattern it
matches must recognise every recorded error, the lab must match by the same pattern, and the lab must raise the
recorded shape (a CimException, a message without the code, the code only in the id).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ansible_collections.onepacs.baseline.plugins.plugin_utils._paths import AGENT_DIR
from winlab.sim_errors import (
    DEFENDER_SERVICE_DOWN_ID,
    ErrorRecordShape,
    agent_sees_defender_service_down,
    defender_service_down_record,
)
from winlab.simulator import SimulatedHost

RECORDED = Path(__file__).resolve().parents[2] / "data" / "recorded" / "defender"
RECORDINGS = sorted(RECORDED.glob("*-service-down.txt"))


def recorded_shape(path: Path) -> ErrorRecordShape:
    """The ErrorRecord a PowerShell console error display shows: 'Cmdlet : message', CategoryInfo, the id."""
    text = path.read_text(encoding="utf-8")
    cmdlet, message = text.splitlines()[0].split(" : ", 1)
    category = re.search(r"CategoryInfo\s+: (\w+):.*\[" + re.escape(cmdlet) + r"\], (\w+)", text)
    error_id = re.search(r"FullyQualifiedErrorId : (.+)", text)
    assert category is not None, path.name
    assert error_id is not None, path.name
    exception = {"CimException": "Microsoft.Management.Infrastructure.CimException"}[category.group(2)]
    return ErrorRecordShape(exception, message.strip(), error_id.group(1).strip(), category.group(1))


def agent_check_pattern() -> str:
    """The -match pattern Test-OnePacsDefenderServiceDown applies to the FullyQualifiedErrorId."""
    source = (AGENT_DIR / "defender.ps1").read_text(encoding="ascii")
    body = source[source.index("function Test-OnePacsDefenderServiceDown") :]
    body = body[: body.index("\n}\n")]
    match = re.search(r"\$ErrorRecord\.FullyQualifiedErrorId -match '([^']+)'", body)
    assert match is not None, "Test-OnePacsDefenderServiceDown does not look at FullyQualifiedErrorId"
    return match.group(1)


def test_every_service_down_recording_has_a_source() -> None:
    sources = (RECORDED / "SOURCE.md").read_text(encoding="utf-8")
    assert RECORDINGS
    assert [path.name for path in RECORDINGS if f"| {path.name} | https://" not in sources] == []


@pytest.mark.parametrize("path", RECORDINGS, ids=lambda path: path.name)
def test_the_agent_recognises_the_recorded_error(path: Path) -> None:
    shape = recorded_shape(path)
    # The message cannot be relied on: none of the recordings' messages need carry the code.
    assert re.search(agent_check_pattern(), shape.fully_qualified_error_id, re.IGNORECASE)


def test_the_lab_matches_by_the_agents_pattern() -> None:
    assert DEFENDER_SERVICE_DOWN_ID.pattern == agent_check_pattern()
    assert DEFENDER_SERVICE_DOWN_ID.flags & re.IGNORECASE


@pytest.mark.parametrize("path", RECORDINGS, ids=lambda path: path.name)
def test_the_lab_raises_the_recorded_shape(path: Path) -> None:
    shape = recorded_shape(path)
    cmdlet = shape.fully_qualified_error_id.split(",", 1)[1]
    assert defender_service_down_record(cmdlet) == shape
    assert agent_sees_defender_service_down(shape)


def test_a_kind_message_alone_is_not_what_the_agent_matches() -> None:
    kind = ErrorRecordShape("System.Exception", "Operation failed with the following error: 0x800106ba", "x")
    assert not agent_sees_defender_service_down(kind)


def service_down_host() -> SimulatedHost:
    host = SimulatedHost.from_profile("win10-22h2-fresh")
    host.state["defender"]["status"]["AMServiceEnabled"] = False
    return host


def run_one(host: SimulatedHost, op: dict) -> dict:
    return host.execute({"v": 1, "ops": [op]})["results"][0]


def test_status_answers_with_the_service_down() -> None:
    result = run_one(service_down_host(), {"op": "defender.status"})
    assert result["ok"] is True
    assert (result["value"]["am_service_enabled"], result["value"]["am_running_mode"]) == (False, "Not running")


def test_preferences_say_the_service_is_down() -> None:
    result = run_one(service_down_host(), {"op": "defender.preferences"})
    assert (result["ok"], result["code"]) == (False, "not_supported")
    assert "HRESULT 0x800106BA" in result["error"]


def test_a_write_fails_with_the_real_generic_message() -> None:
    result = run_one(service_down_host(), {"op": "defender.add_exclusion", "path": "C:\\OnePacs"})
    assert (result["ok"], result["code"]) == (False, "failed")
    assert result["error"] == defender_service_down_record("Add-MpPreference").message
