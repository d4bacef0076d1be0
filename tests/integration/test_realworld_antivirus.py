"""win_defender on real clinic hosts: a third-party antivirus makes what the module cannot observe a manual check
naming the product, and AV-01 takes the OnePacs and PostgreSQL folders from the host, validated.

Real ansible-playbook over WinRM to lab hosts (tests/lab/PROFILES.md: server2022-third-party-av).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from playbook import run_playbook

pytestmark = pytest.mark.integration

PLAYBOOK = """\
- name: Antivirus controls
  hosts: all
  gather_facts: false
  tasks:
    - name: AV-01..05
      onepacs.baseline.win_defender:
        baseline: gateway
"""
ATTESTED_AV01 = (
    '[{id: AV-01, attested_by: "J. Rivera", date: "2026-11-20", valid_days: 3650, '
    'evidence: "Sophos Central policy OnePacs excludes D:\\\\OnePacs and the PostgreSQL folder"}]'
)


def write(directory: Path, attestations: str | None = None) -> Path:
    path = directory / "antivirus.yml"
    extra = f"        antivirus_attestations: {attestations}\n" if attestations else ""
    path.write_text(PLAYBOOK + extra, encoding="utf-8")
    return path


def test_a_server_protected_by_a_third_party_antivirus_gets_named_manual_checks_not_failures(start_lab, tmp_path):
    lab = start_lab({"gw": "server2022-third-party-av"})
    before = lab.state("gw")["defender"]

    run = run_playbook(write(tmp_path), lab.inventory, tmp_path / "sophos")

    assert run.rc == 0, run.stdout + run.stderr
    statuses = run.statuses("gw", "win_defender")
    assert statuses == {
        "AV-01": "manual_missing",
        "AV-02": "manual_missing",
        "AV-03": "manual_missing",
        "AV-04": "manual_missing",
    }
    controls = run.controls("gw", "win_defender")
    for control in ("AV-01", "AV-02", "AV-03", "AV-04"):
        assert controls[control]["message"].startswith("manual check in Sophos Endpoint Agent: ")
    assert "D:\\OnePacs" in controls["AV-01"]["message"]
    assert lab.state("gw")["defender"] == before  # nothing written to a passive Defender


def test_an_attested_check_in_the_third_party_product_is_manual_attested(start_lab, tmp_path):
    lab = start_lab({"gw": "server2022-third-party-av"})

    run = run_playbook(write(tmp_path, ATTESTED_AV01), lab.inventory, tmp_path / "attested")

    assert run.rc == 0, run.stdout + run.stderr
    assert run.statuses("gw", "win_defender")["AV-01"] == "manual_attested"
    assert "attested by J. Rivera on 2026-11-20" in run.controls("gw", "win_defender")["AV-01"]["message"]


def test_onepacs_on_another_drive_is_excluded_and_a_drive_root_data_directory_never_is(start_lab, tmp_path):
    lab = start_lab({"gw": "server2022-desktop-fresh"})
    state = lab.state("gw")
    uninstall = "HKLM:\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall"
    onepacs_key = next(key for key in state["registry"] if key.startswith(uninstall) and "6E1F2C4B" in key)
    state["registry"][onepacs_key]["InstallLocation"] = {"type": "String", "data": "D:\\OnePacs\\"}
    pg_key = next(key for key in state["registry"] if key.endswith("PostgreSQL\\Installations\\postgresql-9.6"))
    state["registry"][pg_key]["Data Directory"] = {"type": "String", "data": "C:\\"}
    lab.set_state("gw", state)

    run = run_playbook(write(tmp_path), lab.inventory, tmp_path / "folders")

    assert run.rc == 0, run.stdout + run.stderr
    exclusions = lab.state("gw")["defender"]["preferences"]["ExclusionPath"]
    assert "D:\\OnePacs" in exclusions
    assert "C:\\Program Files (x86)\\PostgreSQL" in exclusions
    assert not [path for path in exclusions if path.rstrip("\\").upper() in ("C:", "C:\\onepacs".upper())]
    assert run.statuses("gw", "win_defender")["AV-01"] == "fail"
    assert (
        "C:\\ (reported by the host as a PostgreSQL folder; never excluded: it is a drive root)"
        in (run.controls("gw", "win_defender")["AV-01"]["message"])
    )
