"""Merging reports (job slices) and scripts/merge_reports.py."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

from ansible_collections.onepacs.baseline.plugins.plugin_utils._catalog import load_catalog
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._merge import merge
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._model import (
    BaselineRun,
    HostInput,
    assemble,
    build_host,
)
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._outputs import write_report
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._run import run_metadata

CATALOG = load_catalog()
SCRIPT = Path(__file__).resolve().parents[5] / "scripts" / "merge_reports.py"
NOW = dt.datetime(2026, 5, 16, 9, 0, tzinfo=dt.UTC)


def slice_report(run_id: str, generated: str, hosts: dict[str, str]) -> dict:
    """hosts: name -> status of PWR-01 ('unreachable' for a host without records)."""
    entries = []
    for name, status in hosts.items():
        if status == "unreachable":
            host = HostInput(name, ("clinic_x",), (BaselineRun("gateway", "unreachable", message="refused"),))
        else:
            records = [{"id": "PWR-01", "title": "t", "status": status, "message": "m"}]
            host = HostInput(name, ("clinic_x",), (BaselineRun("gateway", "audited"),), {"gateway": records})
        entries.append(build_host(host, CATALOG, NOW.date()))
    run = run_metadata(run_id=run_id, now=NOW, today=NOW.date(), title="t", hosts=entries, inventory_sources=run_id)
    run["generated_at"] = generated
    return assemble(run, entries, CATALOG)


def test_merge_recomputes_summaries_and_keeps_the_newest_entry_of_a_duplicate_host():
    one = slice_report("s1", "2026-05-16T09:00:00Z", {"a": "fail", "shared": "fail"})
    two = slice_report("s2", "2026-05-16T09:05:00Z", {"b": "unreachable", "shared": "pass"})
    merged, duplicates = merge([one, two], CATALOG, run_id="m", now=NOW, title="merged")
    assert duplicates == ["shared"]
    hosts = {host["name"]: host for host in merged["hosts"]}
    assert list(hosts) == ["a", "b", "shared"]
    assert hosts["shared"]["controls"][0]["status"] == "pass"
    assert merged["summary"]["hosts"] == 3
    assert merged["summary"]["outcomes"]["unreachable"] == 1
    assert merged["clinics"][0]["members"] == ["a", "b", "shared"]
    assert merged["controls"][0]["failing_hosts"] == ["a"]
    assert [part["id"] for part in merged["run"]["merged_from"]] == ["s1", "s2"]
    assert merged["run"]["inventory_sources"] == ["s1", "s2"]


def run_script(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=False)


def test_the_merge_command_writes_all_outputs_and_gates(tmp_path):
    for name, hosts in (("slice1", {"a": "fail"}), ("slice2", {"b": "pass"})):
        write_report(slice_report(name, "2026-05-16T09:00:00Z", hosts), tmp_path / name)
    out = tmp_path / "merged"

    completed = run_script(str(tmp_path / "slice1"), str(tmp_path / "slice2" / "latest"), "--output", str(out))
    assert completed.returncode == 0, completed.stderr
    assert "merged 2 reports, 2 hosts" in completed.stdout
    merged = json.loads((out / "latest" / "compliance.json").read_text())
    assert [host["name"] for host in merged["hosts"]] == ["a", "b"]
    assert {path.name for path in (out / "latest").iterdir()} == {
        "compliance.json",
        "compliance.csv",
        "compliance.html",
        "junit.xml",
        "manifest.json",
        "clinics",
    }

    gated = run_script(str(tmp_path / "slice1"), "--output", str(out), "--fail-on", "fail")
    assert gated.returncode == 2
    assert "the compliance gate stopped 1 of 1 hosts (a)" in gated.stderr


def test_the_merge_command_refuses_what_is_not_a_report(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"schema_version": 7, "hosts": []}))
    completed = run_script(str(bad), "--output", str(tmp_path / "out"))
    assert completed.returncode == 1
    assert "schema_version is 7" in completed.stderr
    assert not (tmp_path / "out").exists()
