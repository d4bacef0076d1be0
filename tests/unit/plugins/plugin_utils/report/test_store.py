"""The report directory: a folder per run, the latest pointer, the previous run, pruning, and the full write."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from ansible_collections.onepacs.baseline.plugins.plugin_utils._catalog import load_catalog
from ansible_collections.onepacs.baseline.plugins.plugin_utils._paths import COLLECTION_ROOT
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._model import (
    SCHEMA_VERSION,
    BaselineRun,
    HostInput,
    assemble,
    build_host,
)
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._outputs import FILES, write_report
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._run import mode, new_run_id, run_metadata
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._store import (
    LATEST,
    LATEST_FILE,
    default_report_dir,
    latest_dir,
    previous_document,
    publish,
    reserve_run,
    run_dirs,
)
from report_documents import gateway_records

CATALOG = load_catalog()
NOW = dt.datetime(2026, 5, 16, 9, 15, tzinfo=dt.UTC)


def document(statuses: dict[str, str], run_id: str = "20260516T091500Z") -> dict:
    records = gateway_records(statuses)
    host = build_host(
        HostInput("gw", runs=(BaselineRun("gateway", "audited", check_mode=True),), records={"gateway": records}),
        CATALOG,
        NOW.date(),
    )
    run = run_metadata(run_id=run_id, now=NOW, today=NOW.date(), title="t", hosts=[host], inventory_sources="inv")
    return assemble(run, [host], CATALOG)


def _publish(base: Path, run_id: str, files: dict[str, bytes], keep: int = 0) -> Path:
    return publish(reserve_run(base, run_id), files, keep)


def _document_bytes(*hosts: str, version: int = SCHEMA_VERSION) -> bytes:
    return json.dumps({"schema_version": version, "hosts": [{"name": name} for name in hosts]}).encode()


def test_run_folders_are_claimed_exclusively_with_a_suffix_when_taken(tmp_path):
    assert new_run_id(NOW) == "20260516T091500Z"
    first = reserve_run(tmp_path / "new", "20260516T091500Z")
    second = reserve_run(tmp_path / "new", "20260516T091500Z")
    assert (first.name, second.name) == ("20260516T091500Z", "20260516T091500Z-2")
    assert first.is_dir()
    assert second.is_dir()


def test_publish_writes_the_folder_and_points_latest_at_it(tmp_path):
    first = _publish(tmp_path, "20260516T091500Z", {"compliance.json": b"{}"})
    second = _publish(tmp_path, "20260516T091600Z", {"compliance.json": b"{}"})
    assert first.name == "20260516T091500Z"
    assert (first / "compliance.json").read_bytes() == b"{}"
    assert (tmp_path / LATEST).is_symlink()
    assert (tmp_path / LATEST).resolve() == second.resolve()
    assert latest_dir(tmp_path) == second
    assert not list(tmp_path.rglob(".*"))  # no temporary file or link left


def test_a_share_without_symlinks_gets_latest_txt(tmp_path, monkeypatch):
    def refuse(*_args, **_kwargs):
        raise OSError("operation not supported")

    monkeypatch.setattr(Path, "symlink_to", refuse)
    run = _publish(tmp_path, "20260516T091500Z", {"compliance.json": b"{}"})
    assert (tmp_path / LATEST_FILE).read_text().strip() == run.name
    assert latest_dir(tmp_path) == run


def test_keep_prunes_the_oldest_runs_only(tmp_path):
    (tmp_path / "notes").mkdir()
    for minute in range(4):
        _publish(tmp_path, f"20260516T09{minute:02d}00Z", {"x": b""}, keep=2)
    assert [path.name for path in run_dirs(tmp_path)] == ["20260516T090200Z", "20260516T090300Z"]
    assert (tmp_path / "notes").is_dir()


def test_previous_document_skips_unreadable_foreign_and_unrelated_runs(tmp_path):
    _publish(tmp_path, "20260516T090000Z", {"compliance.json": _document_bytes("gw")})
    _publish(tmp_path, "20260516T090100Z", {"compliance.json": b"not json"})
    _publish(tmp_path, "20260516T090200Z", {"compliance.json": _document_bytes("gw", version=99)})
    _publish(tmp_path, "20260516T090300Z", {"compliance.json": _document_bytes("other-slice")})
    assert previous_document(tmp_path, SCHEMA_VERSION, {"gw"})["hosts"] == [{"name": "gw"}]
    assert previous_document(tmp_path, SCHEMA_VERSION)["hosts"] == [{"name": "other-slice"}]
    assert previous_document(tmp_path, SCHEMA_VERSION, {"nobody"}) is None
    assert previous_document(tmp_path / "missing", SCHEMA_VERSION) is None


def test_write_report_writes_every_output_with_the_trend_of_the_previous_run(tmp_path):
    first = write_report(document({"PWR-01": "fail"}), tmp_path)
    assert sorted(path.name for path in first.iterdir()) == sorted([*FILES, "manifest.json", "clinics"])
    assert sorted(path.name for path in (first / "clinics" / "_no_clinic").iterdir()) == sorted(FILES)
    second_document = document({"PWR-02": "fail"})
    second = write_report(second_document, tmp_path)
    assert second.name == "20260516T091500Z-2"
    written = json.loads((second / "compliance.json").read_text())
    assert written["run"]["id"] == second.name
    assert written["trend"]["previous_run"] == first.name
    assert [change["id"] for change in written["trend"]["newly_failing"]] == ["PWR-02"]
    assert [change["id"] for change in written["trend"]["newly_fixed"]] == ["PWR-01"]
    assert written["run"]["inventory_sources"] == ["inv"]
    assert written["run"]["mode"] == "check"
    assert [point["run"] for point in written["trend"]["history"]["fleet"]] == [first.name, second.name]


@pytest.mark.parametrize(
    ("modes", "expected"), [((True,), "check"), ((False,), "enforce"), ((True, False), "mixed"), ((None,), None)]
)
def test_the_run_mode_comes_from_the_hosts_baselines(modes, expected):
    assert mode([{"check_mode": value} for value in modes]) == expected


def test_the_default_report_dir_is_outside_the_collection_and_overridable(tmp_path):
    home = tmp_path / "home"
    assert default_report_dir({}, home) == home / ".local" / "share" / "onepacs" / "reports"
    assert default_report_dir({"XDG_DATA_HOME": "/data"}, home) == Path("/data/onepacs/reports")
    assert default_report_dir({"ONEPACS_REPORT_DIR": "/srv/reports", "XDG_DATA_HOME": "/d"}, home) == Path(
        "/srv/reports"
    )
    assert COLLECTION_ROOT not in default_report_dir({}, Path.home()).parents
