"""Enforcement guardrails end to end: a host whose facts contradict its baseline is refused unless overridden."""

from __future__ import annotations

from pathlib import Path

import pytest

from playbook import run_playbook

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
GATEWAY_PLAYBOOK = REPO / "playbooks" / "gateway.yml"
MISPLACED = "reception-pc"  # a Windows 11 PC running the OnePacs Workstation, listed in gateways by mistake
REAL_GATEWAY = "gw01"


@pytest.fixture
def misplaced_lab(start_lab):
    return start_lab({MISPLACED: "win11-24h2-fresh", REAL_GATEWAY: "server2022-core-fresh"}, groups=["gateways"])


def test_a_client_os_in_gateways_is_refused_and_left_unchanged(misplaced_lab, tmp_path):
    before = misplaced_lab.state(MISPLACED)
    run = run_playbook(GATEWAY_PLAYBOOK, misplaced_lab.inventory, tmp_path / "enforce", "--tags", "power")
    assert run.recap[MISPLACED]["failed"] == 1
    (message,) = [e["result"]["msg"] for e in run.events if e["host"] == MISPLACED and e["status"] == "failed"]
    assert message.startswith(f"{MISPLACED} does not look like a gateway: it runs a client OS (")
    assert "with the OnePacs Workstation" in message
    assert "and no OnePacs Gateway: a workstation. Nothing was changed." in message
    assert "onepacs_gateway_allow_baseline_mismatch: true" in message
    assert misplaced_lab.state(MISPLACED) == before
    # the real gateway next to it is enforced as usual
    assert run.recap[REAL_GATEWAY]["failed"] == 0
    assert run.recap[REAL_GATEWAY]["changed"] >= 1


def test_the_override_variable_lets_the_enforcement_through_with_a_warning(misplaced_lab, tmp_path):
    before = misplaced_lab.state(MISPLACED)
    run = run_playbook(
        GATEWAY_PLAYBOOK,
        misplaced_lab.inventory,
        tmp_path / "override",
        "--tags",
        "power",
        "--limit",
        MISPLACED,
        "-e",
        "onepacs_gateway_allow_baseline_mismatch=true",
    )
    assert run.recap[MISPLACED]["failed"] == 0, run.stdout[-3000:]
    assert "enforcing anyway because onepacs_gateway_allow_baseline_mismatch is true" in run.stdout + run.stderr
    assert misplaced_lab.state(MISPLACED) != before


def test_an_audit_is_not_refused(misplaced_lab, tmp_path):
    run = run_playbook(GATEWAY_PLAYBOOK, misplaced_lab.inventory, tmp_path / "audit", "--check", "--tags", "power")
    assert run.recap[MISPLACED]["failed"] == 0, run.stdout[-3000:]
    assert run.result(MISPLACED, "baseline_guard")["result"]["refused"] is False
