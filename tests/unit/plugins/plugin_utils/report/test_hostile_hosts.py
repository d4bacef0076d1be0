"""One host's data never stops the fleet's report: the compliance_report action writes a complete report for every
other host whatever one host left in hostvars (lone surrogates, NUL, terminal escapes, huge values, wrong types, an
attestation valid for 3,000,000 days), and no host text reaches the files raw."""

from __future__ import annotations

import datetime as dt
import json
import stat
from collections.abc import Mapping
from unittest.mock import MagicMock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from action_runner import make_action
from ansible_collections.onepacs.baseline.plugins.action.compliance_report import ActionModule
from ansible_collections.onepacs.baseline.plugins.plugin_utils._catalog import load_catalog
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report import _collect
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._collect import report_hosts
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._model import HostInput

TODAY = dt.date.today().isoformat()
FILES = ("compliance.json", "compliance.csv", "compliance.html", "junit.xml")


def record(control_id="PWR-01", status="pass", message="ok", actual="0", title="Never sleep on AC power"):
    return {
        "id": control_id,
        "title": title,
        "status": status,
        "expected": "0",
        "actual": actual,
        "changed": False,
        "message": message,
    }


def host_vars(records, attestations=None):
    return {
        "onepacs_audit_status": {"gateway": {"outcome": "audited", "task": None, "message": None, "check_mode": True}},
        "onepacs_gateway_controls": records,
        "onepacs_attestations": attestations or [],
        "group_names": ["clinic_north"],
    }


def write_report(tmp_path, hostvars):
    action, _context = make_action(
        ActionModule, MagicMock(), "onepacs.baseline.compliance_report", {"dir": str(tmp_path)}
    )
    result = action.run(task_vars={"hostvars": hostvars, "groups": {"all": list(hostvars)}})
    run_dir = tmp_path / result["run_dir"].rsplit("/", 1)[-1]
    return result, run_dir, json.loads((run_dir / "compliance.json").read_text(encoding="utf-8"))


def test_a_surrogate_and_an_out_of_range_attestation_leave_a_complete_report_for_the_others(tmp_path):
    hostile = "\ud800 lone surrogate \x00 NUL \x1b[2J\x1b[32mALL CONTROLS PASS\x1b[0m"
    hostvars = {
        "gw-good": host_vars([record(), record("PWR-02", "fail", "hibernation is on")]),
        "gw-surrogate": host_vars([record(message=hostile, actual={"name": hostile}, title=hostile)]),
        "gw-attested": host_vars(
            [record()],
            [{"id": "MAN-01", "attested_by": "a", "date": TODAY, "evidence": "e", "valid_days": 3000000}],
        ),
        "gw-far-future": host_vars(
            [record()], [{"id": "MAN-01", "attested_by": "a", "date": "9999-12-31", "evidence": "e", "valid_days": 1}]
        ),
    }

    result, run_dir, document = write_report(tmp_path, hostvars)

    assert [host["name"] for host in document["hosts"]] == ["gw-attested", "gw-far-future", "gw-good", "gw-surrogate"]
    good = next(host for host in document["hosts"] if host["name"] == "gw-good")
    assert [(control["id"], control["status"]) for control in good["controls"]] == [
        ("PWR-01", "pass"),
        ("PWR-02", "fail"),
    ]
    attested = next(host for host in document["hosts"] if host["name"] == "gw-attested")
    assert attested["attestations"][0]["state"] == "invalid"
    for name in FILES:
        raw = (run_dir / name).read_bytes()
        text = raw.decode("utf-8")  # strict: a lone surrogate could not have been encoded
        assert "\x1b" not in text, name
        assert "\x00" not in text, name
    assert "\\x1b[2J" in (run_dir / "compliance.json").read_text(encoding="utf-8").replace("\\\\", "\\")
    assert result["summary"]["hosts"] == 4


def test_a_host_whose_data_breaks_the_model_is_reported_failed_with_the_cause():
    class Exploding(Mapping):
        def __getitem__(self, key):
            raise RuntimeError("boom")

        def __iter__(self):
            raise RuntimeError("boom")

        def __len__(self):
            return 1

    entries = report_hosts(
        [
            HostInput(name="gw-bad", records=Exploding()),
            HostInput(name="gw-ok", records={"gateway": [record()]}),
        ],
        load_catalog(),
        dt.date.today(),
    )
    bad, ok = entries
    assert bad["outcome"] == "failed"
    assert "could not be put into the report (RuntimeError)" in bad["problems"][0]["message"]
    assert ok["controls"][0]["status"] == "pass"


def test_report_files_are_0640_in_0750_folders(tmp_path):
    _result, run_dir, _document = write_report(tmp_path / "reports", {"gw-good": host_vars([record()])})
    assert stat.S_IMODE(run_dir.stat().st_mode) == 0o750
    assert stat.S_IMODE((tmp_path / "reports").stat().st_mode) == 0o750
    for name in FILES:
        assert stat.S_IMODE((run_dir / name).stat().st_mode) == 0o640, name


HOSTILE_TEXT = st.text(
    alphabet=st.characters(codec=None, categories=None, min_codepoint=0, max_codepoint=0x10FFFF), max_size=40
) | st.sampled_from(["\ud800", "\udfff", "\x00", "\x1b]0;pwned\x07", "\x9b2J", "x" * 20000])
ANY_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | HOSTILE_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(HOSTILE_TEXT, inner, max_size=4),
    max_leaves=12,
)
FIELDS = ("id", "title", "status", "expected", "actual", "changed", "message")


HOSTILE_HOST = st.fixed_dictionaries(
    {
        "record": st.fixed_dictionaries({}, optional=dict.fromkeys(FIELDS, ANY_VALUE)),
        "status": ANY_VALUE,
        "attestations": ANY_VALUE,
        "exceptions": ANY_VALUE,
        "name": HOSTILE_TEXT,
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hostile=HOSTILE_HOST)
def test_no_record_shape_stops_the_report_for_the_other_hosts(tmp_path_factory, hostile):
    base = tmp_path_factory.mktemp("reports")
    hostvars = {
        "gw-good": host_vars([record()]),
        f"gw-hostile{hostile['name']}": {
            "onepacs_audit_status": {"gateway": hostile["status"]},
            "onepacs_gateway_controls": [hostile["record"], record()],
            "onepacs_attestations": hostile["attestations"],
            "onepacs_exceptions": hostile["exceptions"],
            "group_names": [f"clinic_{hostile['name']}"],
        },
    }
    _result, run_dir, document = write_report(base, hostvars)
    good = next(host for host in document["hosts"] if host["name"] == "gw-good")
    assert good["controls"][0]["status"] == "pass"
    for file_name in FILES:
        text = (run_dir / file_name).read_bytes().decode("utf-8")
        assert "\x1b" not in text
        assert "\x00" not in text


def test_a_host_whose_entry_could_not_be_written_is_reported_failed(monkeypatch):
    """Belt and braces: should any path ever leave a lone surrogate in an entry, that host fails, not the report."""
    build = _collect.build_host

    def leaky(host, catalog, today):
        entry = build(host, catalog, today)
        if host.name == "gw-bad" and entry["controls"]:
            entry["controls"][0]["message"] = "\ud800"
        return entry

    monkeypatch.setattr(_collect, "build_host", leaky)
    bad, ok = report_hosts(
        [
            HostInput(name="gw-bad", records={"gateway": [record()]}),
            HostInput(name="gw-ok", records={"gateway": [record()]}),
        ],
        load_catalog(),
        dt.date.today(),
    )
    assert bad["outcome"] == "failed"
    assert "(UnicodeEncodeError)" in bad["problems"][0]["message"]
    assert ok["controls"][0]["status"] == "pass"
