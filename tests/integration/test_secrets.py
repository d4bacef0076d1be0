"""Secrets stay secret: a lab fleet runs both baselines (playbooks/site.yml) at -vvvv with ANSIBLE_DEBUG and
BitLocker turned on through the roles' opt-in, over winrm and over ssh (a stand-in ssh executable that runs the
lab's simulator, tests/support/ssh_standin/ssh: ansible-core's ssh plugin prints every raw output chunk under
ANSIBLE_DEBUG, no_log or not), and neither the connection password nor any BitLocker recovery password appears in
what the run prints or in any file it writes, except the escrow files (mode 0600, in a 0700 directory).

Every file the run can write goes under the test's directory (Ansible's log and local temp included), so the scan
covers all of them; the lab's own files (its inventory, its simulated hosts, which keep their recovery passwords
as Windows does) are the only ones left out.
"""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest
import yaml

from playbook import REPO_ROOT, run_playbook
from winlab.sim_profiles import load_profile

pytestmark = pytest.mark.integration

SITE = Path(__file__).resolve().parents[2] / "playbooks" / "site.yml"
SSH_STANDIN = REPO_ROOT / "tests" / "support" / "ssh_standin" / "ssh"
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


def opt_ins_file(directory: Path, escrow: Path) -> Path:
    path = directory / "opt-ins.json"
    path.write_text(
        json.dumps(
            {
                "onepacs_gateway_encryption_enable_os_volume": True,
                "onepacs_gateway_encryption_escrow_dir": str(escrow),
                "onepacs_workstation_encryption_enable_os_volume": True,
                "onepacs_workstation_encryption_escrow_dir": str(escrow),
            }
        )
    )
    return path


def escrowed_passwords(escrow: Path, count: int) -> set[str]:
    """The recovery passwords in the escrow folder, after checking its modes."""
    escrow_files = sorted(escrow.iterdir())
    assert len(escrow_files) == count
    assert stat.S_IMODE(escrow.stat().st_mode) == 0o700
    for path in escrow_files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    return {json.loads(path.read_text())["recovery_password"] for path in escrow_files}


def assert_no_secret_anywhere(run, passwords: set[str], recovery_passwords: set[str], root: Path, *excluded: Path):
    """Neither secret in stdout, stderr or any file written under root (but the excluded folders)."""
    secrets = set(passwords) | {form for password in recovery_passwords for form in secret_forms(password)}
    assert recovery_passwords
    output = run.stdout + run.stderr
    for secret in secrets:
        assert secret not in output
    written = files_under(root, *excluded)
    assert any(path.name == "ansible.log" for path in written)
    assert any(path.name == "results.jsonl" for path in written)  # every task result, as the callback received it
    for path in written:
        text = path.read_bytes().decode("utf-8", errors="replace")
        for secret in secrets:
            assert secret not in text, f"a secret leaked into {path}"


def test_no_password_or_recovery_password_in_output_or_files(start_lab, tmp_path):
    lab = start_lab(GATEWAYS | WORKSTATIONS)
    for host in ("gw-phys-1", "gw-phys-2"):
        with_bitlocker_feature(lab, host)
    work = tmp_path / "run"
    escrow = tmp_path / "escrow"
    opt_ins = opt_ins_file(tmp_path, escrow)
    env = {
        "ANSIBLE_LOG_PATH": str(work / "ansible.log"),
        "ANSIBLE_LOCAL_TEMP": str(work / "local-tmp"),
        "ANSIBLE_DEBUG": "1",
    }

    run = run_playbook(SITE, grouped_inventory(lab), work, "-vvvv", "-e", f"@{opt_ins}", extra_env=env)

    assert run.rc == 0, run.stdout[-3000:]
    assert "ESTABLISH WINRM CONNECTION" in run.stdout  # the verbose output we search is really there
    for host in ("gw-phys-1", "gw-phys-2", "ws-1"):
        assert run.controls(host, "win_baseline")["ENC-01"]["status"] == "fixed", host
    assert run.controls("gw-virt", "win_baseline")["ENC-01"]["status"] == "not_applicable"

    recovery_passwords = escrowed_passwords(escrow, 3)
    for host in ("gw-phys-1", "gw-phys-2", "ws-1"):  # each escrowed password is the one the host now holds
        protectors = lab.state(host)["bitlocker"]["volumes"]["C:"]["KeyProtector"]
        assert {p.get("RecoveryPassword") for p in protectors} & recovery_passwords, host

    basic_header = base64.b64encode(f"{lab.user}:{lab.password}".encode()).decode()
    assert_no_secret_anywhere(run, {lab.password, basic_header}, recovery_passwords, tmp_path, lab.state_dir, escrow)
    for path in escrow.iterdir():
        assert lab.password not in path.read_text()


def ssh_fleet(directory: Path, password: str) -> Path:
    """Host state files for the ssh stand-in and an inventory reaching them over ssh with the PowerShell shell."""
    hosts_dir = directory / "ssh-hosts"
    hosts_dir.mkdir()
    for name, profile in {"gw-ssh": "server2019-fresh", "ws-ssh": "win11-24h2-fresh"}.items():
        state = load_profile(profile)
        state["bitlocker"]["feature_installed"] = True
        (hosts_dir / f"{name}.json").write_text(json.dumps(state))
    inventory = {
        "all": {
            "vars": {
                "ansible_connection": "ssh",
                "ansible_shell_type": "powershell",
                "ansible_ssh_executable": str(SSH_STANDIN),
                "ansible_user": "labadmin",
                "ansible_password": password,
            },
            "children": {"gateways": {"hosts": {"gw-ssh": {}}}, "workstations": {"hosts": {"ws-ssh": {}}}},
        }
    }
    path = hosts_dir / "inventory.yml"
    path.write_text(yaml.safe_dump(inventory, sort_keys=False))
    return path


def test_over_ssh_with_ansible_debug_no_recovery_password_crosses_in_clear(tmp_path):
    password = "Ssh-Lab-Passw0rd-7f3a"
    inventory = ssh_fleet(tmp_path, password)
    work = tmp_path / "run"
    escrow = tmp_path / "escrow"
    env = {
        "ANSIBLE_LOG_PATH": str(work / "ansible.log"),
        "ANSIBLE_LOCAL_TEMP": str(work / "local-tmp"),
        "ANSIBLE_DEBUG": "1",
        "WINLAB_SSH_HOSTS": str(inventory.parent),
        "WINLAB_SSH_PASSWORD": password,
        "PYTHONPATH": os.pathsep.join([str(REPO_ROOT / "tests" / "lab"), os.environ.get("PYTHONPATH", "")]),
    }

    run = run_playbook(SITE, inventory, work, "-vvvv", "-e", f"@{opt_ins_file(tmp_path, escrow)}", extra_env=env)

    assert run.rc == 0, run.stdout[-3000:]
    assert "SSH: EXEC" in run.stdout  # the ssh plugin's verbose output is really there
    assert "stdout chunk" in run.stdout + run.stderr  # and ANSIBLE_DEBUG's raw output chunks
    for host in ("gw-ssh", "ws-ssh"):
        assert run.controls(host, "win_bitlocker")["ENC-01"]["status"] == "fixed", host
    recovery_passwords = escrowed_passwords(escrow, 2)
    for host in ("gw-ssh", "ws-ssh"):  # each escrowed password is the one the host now holds
        state = json.loads((inventory.parent / f"{host}.json").read_text())
        protectors = state["bitlocker"]["volumes"]["C:"]["KeyProtector"]
        assert {p.get("RecoveryPassword") for p in protectors} & recovery_passwords, host
    assert_no_secret_anywhere(run, {password}, recovery_passwords, tmp_path, inventory.parent, escrow)
