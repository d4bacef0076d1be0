"""Per-clinic folders (each clinic's hosts only), the trend over the last runs, and the manifest hash chain."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

from ansible_collections.onepacs.baseline.plugins.plugin_utils._catalog import load_catalog
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._clinic import clinic_folder
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._manifest import verify
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._model import (
    BaselineRun,
    HostInput,
    assemble,
    build_host,
)
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._outputs import write_report
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._run import run_metadata

REPO = Path(__file__).resolve().parents[5]
CATALOG = load_catalog()
NOW = dt.datetime(2026, 5, 16, 9, 15, tzinfo=dt.UTC)
FLEET = {"north-gw": "clinic_north", "north-ws": "clinic_north", "south-gw": "clinic_south", "lone": None}


def fleet(failing: dict[str, str]) -> dict:
    hosts = []
    for name, clinic in FLEET.items():
        records = [
            {"id": c.id, "title": c.title, "status": "fail" if failing.get(name) == c.id else "pass", "message": "m"}
            for c in CATALOG.for_baseline("gateway")
        ]
        runs = (BaselineRun("gateway", "audited", check_mode=True),)
        entry = HostInput(name, (clinic,) if clinic else (), runs, {"gateway": records})
        hosts.append(build_host(entry, CATALOG, NOW.date()))
    run = run_metadata(run_id="20260516T091500Z", now=NOW, today=NOW.date(), title="Fleet", hosts=hosts)
    return assemble(run, hosts, CATALOG)


def test_each_clinic_folder_holds_its_hosts_only(tmp_path):
    folder = write_report(fleet({"south-gw": "PWR-01"}), tmp_path)
    north = json.loads((folder / "clinics" / "clinic_north" / "compliance.json").read_text())
    assert [host["name"] for host in north["hosts"]] == ["north-gw", "north-ws"]
    assert [clinic["name"] for clinic in north["clinics"]] == ["clinic_north"]
    assert north["summary"]["hosts"] == 2
    assert north["run"]["clinic"] == "clinic_north"
    for name in ("compliance.html", "compliance.csv", "junit.xml"):
        content = (folder / "clinics" / "clinic_north" / name).read_text(encoding="utf-8-sig")
        assert "south-gw" not in content, name
        assert "lone" not in content, name
    south = json.loads((folder / "clinics" / "clinic_south" / "compliance.json").read_text())
    assert south["controls"][0]["failing_hosts"] == ["south-gw"]
    lone = json.loads((folder / "clinics" / "_no_clinic" / "compliance.json").read_text())
    assert [host["name"] for host in lone["hosts"]] == ["lone"]
    fleet_page = (folder / "compliance.html").read_text()
    assert 'href="clinics/clinic_north/compliance.html#host-2"' in fleet_page  # north-ws, second in its clinic


def test_a_clinic_page_opens_with_its_executive_summary(tmp_path):
    folder = write_report(fleet({"north-gw": "FW-01"}), tmp_path)
    page = (folder / "clinics" / "clinic_north" / "compliance.html").read_text()
    assert page.index('id="executive"') < page.index('id="summary"') < page.index('id="details"')
    assert "Top risks" in page
    assert "What we will do" in page
    assert "Open waivers" in page


def test_the_trend_reaches_over_the_last_runs(tmp_path):
    for index, failing in enumerate(["PWR-01", "PWR-02", None]):
        document = fleet({"north-gw": failing} if failing else {})
        document["run"]["id"] = f"2026051{index}T091500Z"
        folder = write_report(document, tmp_path)
    latest = json.loads((folder / "compliance.json").read_text())
    points = latest["trend"]["history"]["fleet"]
    assert [point["run"] for point in points] == ["20260510T091500Z", "20260511T091500Z", "20260512T091500Z"]
    clinic = json.loads((folder / "clinics" / "clinic_north" / "compliance.json").read_text())
    assert len(clinic["trend"]["history"]["fleet"]) == 3
    assert clinic["trend"]["history"]["fleet"][-1]["score"] == 100.0


def test_clinic_folder_names_are_safe_paths():
    assert clinic_folder("clinic_north") == "clinic_north"
    assert clinic_folder("../../etc") == "_.._etc"  # one path component, never a way out of clinics/
    assert clinic_folder("..") == "_"
    assert clinic_folder(None) == "_no_clinic"
    assert clinic_folder("_no_clinic") == "_no_clinic_"


def _three_runs(base: Path) -> list[Path]:
    folders = []
    for index in range(3):
        document = fleet({"north-gw": "PWR-01"})
        document["run"]["id"] = f"2026051{index}T091500Z"
        folders.append(write_report(document, base))
    return folders


def test_the_manifest_chain_verifies_and_a_tampered_file_is_detected(tmp_path):
    folders = _three_runs(tmp_path)
    assert verify(tmp_path) == ([], [])
    manifest = json.loads((folders[2] / "manifest.json").read_text())
    assert manifest["previous_run"] == folders[1].name
    assert "clinics/clinic_north/compliance.html" in manifest["files"]

    page = folders[1] / "clinics" / "clinic_north" / "compliance.html"
    page.write_text(page.read_text().replace("Top risks", "Top rissks"))
    problems, _notes = verify(tmp_path)
    assert problems == [
        f"{folders[1].name}: clinics/clinic_north/compliance.html was changed (SHA-256 differs from the manifest)"
    ]


def test_rewriting_a_manifest_or_removing_a_run_breaks_the_chain(tmp_path):
    folders = _three_runs(tmp_path)
    manifest = folders[0] / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"algorithm"', '"algorithm" '))
    assert verify(tmp_path)[0] == [
        f"{folders[1].name}: the manifest of {folders[0].name} was changed (chain link differs)"
    ]
    for path in sorted(folders[1].rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    folders[1].rmdir()
    assert f"{folders[2].name}: its previous run {folders[1].name} is missing" in verify(tmp_path)[0]


def test_verify_reports_script_exits_non_zero_on_tampering(tmp_path):
    folders = _three_runs(tmp_path)
    script = [sys.executable, str(REPO / "scripts" / "verify_reports.py"), str(tmp_path)]
    clean = subprocess.run(script, capture_output=True, text=True, check=False)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "3 runs verified" in clean.stdout
    (folders[0] / "compliance.csv").write_bytes(b"forged\n")
    tampered = subprocess.run(script, capture_output=True, text=True, check=False)
    assert tampered.returncode == 1
    assert f"{folders[0].name}: compliance.csv was changed" in tampered.stdout
