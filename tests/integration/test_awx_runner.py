"""The fleet audit as AWX / AAP run it: through ansible-runner (the engine of their jobs) in a private data
directory, in two job slices (each slice gets part of the inventory, as AWX job slicing does) that write into one
report directory, then merged into one report with scripts/merge_reports.py (docs/awx.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import ansible_runner
import pytest
import yaml

from playbook import ansible_env
from winlab.fleet import running_lab

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
HOSTS = {
    "north-gw": "server2022-core-fresh",
    "north-ws": "win11-24h2-fresh",
    "south-gw": "server2019-fresh",
    "south-ws": "win10-22h2-hardened",
}
CLINICS = {"clinic_north": ["north-gw", "north-ws"], "clinic_south": ["south-gw", "south-ws"]}
# AWX job slicing hands each slice a part of the inventory's hosts.
SLICES = (["north-gw", "south-ws"], ["north-ws", "south-gw"])


def slice_inventory(lab_hosts: dict[str, Any], members: list[str]) -> dict[str, Any]:
    hosts = {name: lab_hosts[name] for name in members}
    return {
        "all": {
            "children": {
                "gateways": {"hosts": {name: hosts[name] for name in members if name.endswith("-gw")}},
                "workstations": {"hosts": {name: hosts[name] for name in members if name.endswith("-ws")}},
                **{
                    clinic: {"hosts": {name: None for name in names if name in members}}
                    for clinic, names in CLINICS.items()
                },
            }
        }
    }


def run_slice(work: Path, lab_hosts: dict[str, Any], number: int, reports: Path) -> ansible_runner.Runner:
    """One slice job: a private data directory laid out as AWX lays it out, run by ansible-runner."""
    private = work / f"slice{number}"
    (private / "inventory").mkdir(parents=True)
    (private / "inventory" / "hosts.yml").write_text(yaml.safe_dump(slice_inventory(lab_hosts, SLICES[number - 1])))
    (private / "env").mkdir()
    (private / "env" / "extravars").write_text(yaml.safe_dump({"onepacs_report_dir": str(reports)}))
    environment = {
        key: value for key, value in ansible_env().items() if key.startswith(("ANSIBLE_", "PATH", "PYTHONPATH"))
    }
    (private / "env" / "envvars").write_text(yaml.safe_dump(environment))
    return ansible_runner.run(
        private_data_dir=str(private),
        project_dir=str(REPO / "playbooks"),
        playbook="audit.yml",
        ident=f"job-slice-{number}",
        quiet=True,
        timeout=600,
    )


def stats_artifact(runner: ansible_runner.Runner) -> dict[str, Any]:
    (stats,) = [event for event in runner.events if event["event"] == "playbook_on_stats"]
    return stats["event_data"]["artifact_data"]["onepacs_compliance"]


@pytest.fixture(scope="module")
def slices(tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("awx")
    reports = work / "reports"
    with running_lab(work / "lab", HOSTS) as lab:
        lab_hosts = yaml.safe_load(lab.inventory.read_text())["all"]["children"]["lab"]["hosts"]
        runners = [run_slice(work, lab_hosts, number, reports) for number in (1, 2)]
    return work, reports, runners


def test_each_slice_job_succeeds_with_its_artifacts(slices):
    _work, _reports, runners = slices
    for number, runner in enumerate(runners, start=1):
        assert runner.status == "successful", (runner.status, runner.stdout.read()[-3000:])
        assert runner.rc == 0
        artifacts = Path(runner.config.artifact_dir)
        assert artifacts.name == f"job-slice-{number}"
        assert (artifacts / "stdout").is_file()
        assert (artifacts / "rc").read_text().strip() == "0"
        assert list((artifacts / "job_events").glob("*.json"))
        summary = stats_artifact(runner)  # set_stats, as AWX shows it under the job's artifacts
        assert sorted(summary["hosts"]) == sorted(SLICES[number - 1])
        assert set(summary["clinics"]) == set(CLINICS)
        assert Path(summary["report_dir"]).is_dir()
        failed = [event for event in runner.events if event["event"] == "runner_on_failed"]
        assert failed == []


def test_two_slices_merge_into_one_report_with_every_host_and_clinic(slices):
    work, reports, runners = slices
    slice_dirs = [Path(stats_artifact(runner)["report_dir"]) for runner in runners]
    assert slice_dirs[0] != slice_dirs[1]
    assert {folder.parent for folder in slice_dirs} == {reports}
    merged = work / "merged"
    completed = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "merge_reports.py"), "--output", str(merged), *map(str, slice_dirs)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    document = json.loads((merged / "latest" / "compliance.json").read_text())
    assert sorted(host["name"] for host in document["hosts"]) == sorted(HOSTS)
    assert sorted(part["id"] for part in document["run"]["merged_from"]) == sorted(p.name for p in slice_dirs)
    for clinic, members in CLINICS.items():
        own = json.loads((merged / "latest" / "clinics" / clinic / "compliance.json").read_text())
        assert sorted(host["name"] for host in own["hosts"]) == members
    verify = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "verify_reports.py"), str(reports)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
