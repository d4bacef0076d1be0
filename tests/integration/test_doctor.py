"""playbooks/doctor.yml end to end: real ansible-playbook over winrm against one lab host of every profile."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ansible_collections.onepacs.baseline.plugins.plugin_utils._doctor import doctor_ops
from playbook import run_playbook
from winlab.simulator import SimulatedHost

pytestmark = pytest.mark.integration

DOCTOR = Path(__file__).resolve().parents[2] / "playbooks" / "doctor.yml"
PROFILES = sorted(
    path.stem
    for path in (Path(__file__).resolve().parents[1] / "lab" / "winlab" / "profiles").glob("*.json")
    if not path.stem.startswith("_")
)
HOSTS = {f"h{index:02d}": profile for index, profile in enumerate(PROFILES)}


def expected_outcomes(profile: str) -> dict[str, dict[str, object]]:
    """What the simulated host of this profile answers each doctor op, asked directly."""
    ops = doctor_ops()
    results = SimulatedHost.from_profile(profile).execute({"v": 1, "ops": ops})["results"]
    return {op["op"]: {"ok": True} if result["ok"] else result for op, result in zip(ops, results, strict=True)}


def test_doctor_reports_every_profile_and_changes_nothing(start_lab, tmp_path):
    lab = start_lab(HOSTS)
    clm = lab.state("h00")
    clm["powershell"]["language_mode"] = "ConstrainedLanguage"
    lab.set_state("h00", clm)
    before = {host: lab.state(host) for host in HOSTS}
    output = tmp_path / "doctor.json"

    run = run_playbook(DOCTOR, lab.inventory, tmp_path / "run", "-e", f"onepacs_doctor_output={output}")

    assert run.rc == 0, run.stdout + run.stderr
    assert {host: lab.state(host) for host in HOSTS} == before
    report = json.loads(output.read_text())
    assert sorted(report) == sorted(HOSTS)
    assert report["h00"]["reached"] is False
    assert "ConstrainedLanguage" in report["h00"]["agent_error"]
    for host, profile in HOSTS.items():
        if host == "h00":
            continue
        doctor = report[host]
        assert doctor["reached"] is True, host
        assert doctor["ops"] == expected_outcomes(profile), host
        assert doctor["environment"]["language_mode"] == "FullLanguage"
        assert doctor["environment"]["elevated"] is True
        table = run.result(host, "win_doctor")["result"]["table"]
        assert table[1].startswith("PowerShell | 5.1"), table
        assert "system.session | ok" in table
    assert "h00: the agent did not answer" in run.stdout
    assert "AMSI providers | Windows Defender IOfficeAntiVirus" in run.stdout
