"""inventory.example parses, decrypts with its example vault password and uses a safe transport everywhere."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
INVENTORY = REPO_ROOT / "inventory.example"


@pytest.fixture(scope="module")
def inventory() -> dict:
    command = [
        str(Path(sys.executable).parent / "ansible-inventory"),
        "-i",
        str(INVENTORY),
        "--vault-password-file",
        str(INVENTORY / ".vault-password.example"),
        "--list",
    ]
    completed = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(completed.stdout)


def hostvars(inventory: dict) -> dict:
    return inventory["_meta"]["hostvars"]


def test_clinics_are_groups_and_every_host_is_a_gateway_or_a_workstation(inventory):
    clinics = inventory["clinics"]["children"]
    assert clinics
    assert all(name.startswith("clinic_") for name in clinics)
    gateways = set(inventory["gateways"]["hosts"])
    workstations = set(inventory["workstations"]["hosts"])
    assert gateways
    assert workstations
    assert set(hostvars(inventory)) == gateways | workstations
    for clinic in clinics:
        assert set(inventory[clinic]["hosts"]) & gateways, f"{clinic} has no gateway"


def test_every_host_uses_https_with_certificate_validation(inventory):
    for host, variables in hostvars(inventory).items():
        assert variables["ansible_winrm_scheme"] == "https", host
        assert variables["ansible_winrm_server_cert_validation"] == "validate", host
        assert variables["ansible_winrm_transport"] in {"ntlm", "kerberos", "certificate", "credssp"}, host


def test_credentials_come_from_the_vault(inventory):
    vault = (INVENTORY / "group_vars" / "all" / "vault.yml").read_text()
    assert vault.startswith("$ANSIBLE_VAULT;")
    for variables in hostvars(inventory).values():
        assert variables["ansible_password"] == "{{ vault_onepacs_winrm_password }}"
        assert variables["vault_onepacs_winrm_password"]


def test_every_host_trusts_a_ca_on_the_standard_https_port_and_never_weakens_tls(inventory):
    for host, variables in hostvars(inventory).items():
        assert int(variables["ansible_port"]) == 5986, host
        assert Path(variables["ansible_winrm_ca_trust_path"]).is_absolute(), host
        assert variables.get("ansible_winrm_message_encryption", "auto") != "never", host
        assert variables["ansible_winrm_transport"] != "basic", host


def test_the_transport_docs_say_why_basic_over_http_is_for_the_lab_only():
    transport = (REPO_ROOT / "docs" / "transport.md").read_text(encoding="utf-8")
    section = transport.split("## Basic over HTTP: the lab only", 1)[1].split("\n## ", 1)[0]
    assert "clear text" in section
    assert "127.0.0.1" in section
    assert "Never use it against a clinic" in section
    assert "## WinRM over HTTPS (recommended)" in transport
