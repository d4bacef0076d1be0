"""Interrupted enforcement end to end: real ansible-playbook over WinRM, the link dies between the write and the
read-back of the set ops (the host applied them; the answer carrying the values read back never arrives).

The control must be `error` (never `fixed`, never `pass`), and the next run must read the real state: whatever
the write left, and whatever happened on the host since.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from link_faults import drop_after_write, restore_link
from playbook import run_playbook

pytestmark = pytest.mark.integration

ENFORCE = Path(__file__).parent / "playbooks" / "power.yml"
HOST = "gw"
POWER_KEY = r"HKLM:\SYSTEM\CurrentControlSet\Control\Power"
POWER_IDS = ("PWR-01", "PWR-02", "PWR-03")


def hibernation_enabled(state: dict) -> bool:
    return state["registry"][POWER_KEY]["HibernateEnabled"]["data"] == 1


def test_a_drop_between_write_and_read_back_is_an_error_and_the_next_run_finds_the_real_state(start_lab, tmp_path):
    lab = start_lab({HOST: "server2022-desktop-fresh"})
    assert hibernation_enabled(lab.state(HOST))
    link = drop_after_write(lab, HOST)

    first = run_playbook(ENFORCE, lab.inventory, tmp_path / "first")

    assert link.drops == 1, "the apply round trip should have been cut exactly once"
    assert first.rc != 0
    assert "Traceback" not in first.stdout + first.stderr
    controls = first.controls(HOST)
    for control_id in POWER_IDS:
        record = controls[control_id]
        assert record["status"] == "error", record
        assert record["changed"] is False
        assert "the change was sent but not confirmed" in record["message"]
        assert f"{HOST}: the connection was dropped by the host or the network" in record["message"]
        assert "the host state is unknown until the next run" in record["message"]
    assert first.result(HOST)["result"]["summary"]["error"] == 3
    # The writes did land: the error is the controller's honest "I do not know", not a failed write.
    landed = lab.state(HOST)
    assert not hibernation_enabled(landed)

    # Meanwhile someone turns hibernation back on: the next run must see that, not trust the last one.
    landed["registry"][POWER_KEY]["HibernateEnabled"]["data"] = 1
    lab.set_state(HOST, landed)
    restore_link(lab, HOST)

    second = run_playbook(ENFORCE, lab.inventory, tmp_path / "second")

    assert second.rc == 0, second.stdout[-3000:]
    assert second.statuses(HOST) == {"PWR-01": "pass", "PWR-02": "fixed", "PWR-03": "pass"}
    assert not hibernation_enabled(lab.state(HOST))

    third = run_playbook(ENFORCE, lab.inventory, tmp_path / "third")
    assert third.statuses(HOST) == dict.fromkeys(POWER_IDS, "pass")
    assert third.recap[HOST]["changed"] == 0


def test_an_interrupted_bitlocker_enable_never_leaves_protection_on_without_an_escrowed_password(start_lab, tmp_path):
    """The first apply round trip adds a recovery password protector; its answer (the password) is lost. The
    protection must stay off (bitlocker.enable is never sent), and the next run escrows a new password first."""
    escrow = tmp_path / "escrow"
    playbook = tmp_path / "bitlocker.yml"
    playbook.write_text(
        "- name: Turn BitLocker on\n  hosts: all\n  gather_facts: false\n  tasks:\n"
        f"    - name: ENC-01\n      onepacs.baseline.win_bitlocker:\n        enable_os_volume: true\n"
        f"        escrow_dir: {escrow}\n"
    )
    lab = start_lab({"ws": "win11-24h2-fresh"})
    link = drop_after_write(lab, "ws")

    first = run_playbook(playbook, lab.inventory, tmp_path / "first")

    assert link.drops == 1
    record = first.controls("ws", "win_bitlocker")["ENC-01"]
    assert record["status"] == "error"
    assert "the change was sent but not confirmed" in record["message"]
    volume = lab.state("ws")["bitlocker"]["volumes"]["C:"]
    assert volume["ProtectionStatus"] == "Off"
    assert "Tpm" not in {protector["KeyProtectorType"] for protector in volume["KeyProtector"]}
    assert not escrow.exists() or not list(escrow.iterdir())

    restore_link(lab, "ws")
    second = run_playbook(playbook, lab.inventory, tmp_path / "second")

    assert second.controls("ws", "win_bitlocker")["ENC-01"]["status"] == "fixed"
    volume = lab.state("ws")["bitlocker"]["volumes"]["C:"]
    assert volume["ProtectionStatus"] == "On"
    (escrowed,) = escrow.iterdir()
    password = json.loads(escrowed.read_text())["recovery_password"]
    assert password in {protector.get("RecoveryPassword") for protector in volume["KeyProtector"]}
