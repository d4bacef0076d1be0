"""Secrets stay secret: a lab fleet runs both baselines (playbooks/site.yml) at -vvvv with BitLocker turned on
through the roles' opt-in, and neither the WinRM password nor any BitLocker recovery password appears in what the
run prints or in any file it writes, except the escrow files (mode 0600, in a 0700 directory).

Every file the run can write goes under the test's directory (Ansible's log and local temp included), so the scan
covers all of them; the lab's own files (its inventory, its simulated hosts, which keep their recovery passwords
as Windows does) are the only ones left out.
"""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest
import yaml

from playbook import run_playbook

pytestmark = pytest.mark.integration

SITE = Path(__file__).resolve().parents[2] / "playbooks" / "site.yml"
GATEWAYS = {"gw-phys-1": "server2019-fresh", "gw-phys-2": "server2019-fresh", "gw-virt": "server2022-desktop-fresh"}
WORKSTATIONS = {"ws-1": "win11-24h2-fresh"}


def grouped_inventory(lab) -> Path:
    """The lab inventory with the hosts split into the gateways and workstations groups site.yml targets (kept in
    the lab's directory: like the lab's own inventory it holds the password)."""
    document = yaml.safe_load(lab.inventory.read_text())
    children = document["all"]["children"]
    children["gateways"] = {"hosts": dict.fromkeys(GATEWAYS)}
    children["workstations"] = {"hosts": dict.fromkeys(WORKSTATIONS)}
    path = lab.state_dir / "grouped-inventory.yml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    path.chmod(0o600)
    return path


def with_bitlocker_feature(lab, host: str) -> None:
    """Fresh Server 2019 lacks the BitLocker feature; install it so the opt-in has something to turn on."""
    state = lab.state(host)
    state["bitlocker"]["feature_installed"] = True
    lab.set_state(host, state)


def secret_forms(secret: str) -> set[str]:
    """The secret as typed, and the shapes it could leak in: without separators, or in a Basic auth header."""
    return {secret, secret.replace("-", "")}


def files_under(directory: Path, *excluded: Path) -> list[Path]:
    return [
        path
        for path in directory.rglob("*")
        if path.is_file() and not any(path.is_relative_to(other) for other in excluded)
    ]


def test_no_password_or_recovery_password_in_output_or_files(start_lab, tmp_path):
    lab = start_lab(GATEWAYS | WORKSTATIONS)
    for host in ("gw-phys-1", "gw-phys-2"):
        with_bitlocker_feature(lab, host)
    work = tmp_path / "run"
    escrow = tmp_path / "escrow"
    opt_ins = tmp_path / "opt-ins.json"
    opt_ins.write_text(
        json.dumps(
            {
                "onepacs_gateway_encryption_enable_os_volume": True,
                "onepacs_gateway_encryption_escrow_dir": str(escrow),
                "onepacs_workstation_encryption_enable_os_volume": True,
                "onepacs_workstation_encryption_escrow_dir": str(escrow),
            }
        )
    )
    env = {"ANSIBLE_LOG_PATH": str(work / "ansible.log"), "ANSIBLE_LOCAL_TEMP": str(work / "local-tmp")}

    run = run_playbook(SITE, grouped_inventory(lab), work, "-vvvv", "-e", f"@{opt_ins}", extra_env=env)

    assert run.rc == 0, run.stdout[-3000:]
    assert "ESTABLISH WINRM CONNECTION" in run.stdout  # the verbose output we search is really there
    for host in ("gw-phys-1", "gw-phys-2", "ws-1"):
        assert run.controls(host, "win_baseline")["ENC-01"]["status"] == "fixed", host
    assert run.controls("gw-virt", "win_baseline")["ENC-01"]["status"] == "not_applicable"

    escrow_files = sorted(escrow.iterdir())
    assert len(escrow_files) == 3
    assert stat.S_IMODE(escrow.stat().st_mode) == 0o700
    recovery_passwords = set()
    for path in escrow_files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        recovery_passwords.add(json.loads(path.read_text())["recovery_password"])
    for host in ("gw-phys-1", "gw-phys-2", "ws-1"):  # each escrowed password is the one the host now holds
        protectors = lab.state(host)["bitlocker"]["volumes"]["C:"]["KeyProtector"]
        assert {p.get("RecoveryPassword") for p in protectors} & recovery_passwords, host

    basic_header = base64.b64encode(f"{lab.user}:{lab.password}".encode()).decode()
    secrets = {lab.password, basic_header} | {
        form for password in recovery_passwords for form in secret_forms(password)
    }
    output = run.stdout + run.stderr
    for secret in secrets:
        assert secret not in output
    written = files_under(tmp_path, lab.state_dir, escrow)
    assert work / "ansible.log" in written
    assert work / "results.jsonl" in written  # every task result, as the callback received it
    for path in written:
        text = path.read_bytes().decode("utf-8", errors="replace")
        for secret in secrets:
            assert secret not in text, f"a secret leaked into {path}"
    for path in escrow_files:
        assert lab.password not in path.read_text()
