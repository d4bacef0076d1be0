"""Enforcement guardrails end to end: a host whose facts contradict its baseline is refused unless overridden."""

from __future__ import annotations

import json
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


def test_an_enforce_run_ends_with_a_summary_and_leaves_a_change_record(misplaced_lab, tmp_path):
    work = tmp_path / "record"
    run = run_playbook(GATEWAY_PLAYBOOK, misplaced_lab.inventory, work, "--tags", "power,firewall")
    records = sorted((work / "reports" / "changes").glob("*-gateway.json"))
    assert len(records) == 1, run.stdout[-3000:]
    record = json.loads(records[0].read_text())
    assert record["run"]["kind"] == "enforce"
    assert record["run"]["baselines"] == ["gateway"]
    assert record["run"]["collection_version"]
    hosts = {host["host"]: host for host in record["hosts"]}
    assert set(hosts) == {MISPLACED, REAL_GATEWAY}  # the refused host is recorded too
    (refusal,) = hosts[MISPLACED]["refused"]
    assert refusal["reason"].startswith(f"{MISPLACED} does not look like a gateway")
    fixed = {control["id"]: control for control in hosts[REAL_GATEWAY]["fixed"]}
    assert "PWR-03" in fixed  # fast startup is on in every fresh server profile
    assert fixed["PWR-03"]["status"] == "fixed"
    assert fixed["PWR-03"]["message"]
    # the terminal summary, after everything else: one line per host, the refused one first
    tail = run.stdout[run.stdout.rindex("TASK [Show what still fails per host]") :]
    assert f'"{MISPLACED}: REFUSED: {MISPLACED} does not look like a gateway' in tail
    assert f'"{REAL_GATEWAY}: ' in tail
    assert tail.index(MISPLACED) < tail.index(REAL_GATEWAY)
    assert f"change record: {records[0]}" in tail


def test_a_check_run_summarises_but_records_nothing(misplaced_lab, tmp_path):
    work = tmp_path / "check"
    run = run_playbook(GATEWAY_PLAYBOOK, misplaced_lab.inventory, work, "--check", "--tags", "power")
    assert not (work / "reports" / "changes").exists()
    tail = run.stdout[run.stdout.rindex("TASK [Show what still fails per host]") :]
    assert f'"{REAL_GATEWAY}: 1 still failing: PWR-03' in tail
