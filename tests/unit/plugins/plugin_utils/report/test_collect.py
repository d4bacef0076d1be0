"""Reading hosts from hostvars: status fact, records, clinics and waivers; a broken host never stops the report."""

from __future__ import annotations

import datetime as dt

from ansible_collections.onepacs.baseline.plugins.plugin_utils._catalog import load_catalog
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._collect import baseline_runs, collect
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._html import render_html
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._model import BaselineRun, assemble, build_host


class BrokenVariables(dict):
    """A host whose inventory holds a template that does not render."""

    def get(self, key, default=None):
        if key == "onepacs_exceptions":
            raise RuntimeError("'undefined_thing' is undefined")
        return super().get(key, default)


HOSTVARS = {
    "gw": {
        "group_names": ["clinic_north", "gateways"],
        "onepacs_audit_status": {"gateway": {"outcome": "audited", "check_mode": True}},
        "onepacs_gateway_controls": [{"id": "PWR-01", "status": "pass"}],
        "onepacs_exceptions": [{"id": "PWR-02"}],
    },
    "ws": BrokenVariables(
        group_names=["clinic_north", "clinic_south", "workstations"],
        onepacs_audit_status={"workstation": {"outcome": "unreachable", "message": "Task failed: ws: refused"}},
    ),
    "records-only": {"group_names": [], "onepacs_workstation_controls": [{"id": "SW-01", "status": "fail"}]},
    "not-audited": {"group_names": ["clinic_north"]},
}


def test_hosts_with_a_status_or_records_are_collected_with_their_clinics():
    hosts = {host.name: host for host in collect(HOSTVARS, [*HOSTVARS, "not-in-inventory"])}
    assert sorted(hosts) == ["gw", "records-only", "ws"]
    assert hosts["gw"].clinics == ("clinic_north",)
    assert hosts["gw"].records == {"gateway": [{"id": "PWR-01", "status": "pass"}]}
    assert hosts["gw"].exceptions == [{"id": "PWR-02"}]
    assert hosts["ws"].clinics == ("clinic_north", "clinic_south")
    assert hosts["ws"].exceptions is None  # its template failed: treated as missing
    assert hosts["records-only"].runs == ()
    assert hosts["records-only"].records == {"workstation": [{"id": "SW-01", "status": "fail"}]}


def test_the_status_fact_is_read_leniently_and_ansible_prefixes_are_dropped():
    runs = baseline_runs(
        {
            "workstation": {"outcome": "unreachable", "message": "Task failed: ws: refused", "check_mode": "True"},
            "gateway": {"outcome": "exploded", "task": "t"},
            "other": "not a mapping",
        }
    )
    assert runs == (
        BaselineRun("gateway", "incomplete", "t", None, None),
        BaselineRun("other", "incomplete", None, None, None),
        BaselineRun("workstation", "unreachable", None, "ws: refused", True),
    )
    assert baseline_runs(None) == ()
    assert baseline_runs(["gateway"]) == ()


def test_the_clinic_prefix_is_configurable():
    hosts = collect(HOSTVARS, ["gw"], clinic_prefix="gate")
    assert hosts[0].clinics == ("gateways",)


def test_the_waivers_the_roles_merged_and_scoped_are_reported_instead_of_the_raw_variable():
    waiver = {"id": "SEC-01", "reason": "kiosk", "approver": "ciso", "expires": "2027-01-31"}
    hostvars = {
        "kiosk": {
            "group_names": ["clinic_north"],
            "onepacs_workstation_controls": [{"id": "SEC-01", "status": "excepted"}],
            "onepacs_exceptions": [],  # the clinic's list is in onepacs_exceptions_clinic_north
            "onepacs_exceptions_clinic_north": [waiver | {"hosts": ["kiosk"]}],
            "onepacs_workstation_inputs": {"exceptions": [waiver], "attestations": []},
        }
    }
    (host,) = collect(hostvars, ["kiosk"])
    assert host.exceptions == [waiver]
    assert host.attestations == []


def test_entries_an_audit_left_out_are_reported_with_the_host():
    error = "onepacs_exceptions_clinic[1].id: 'MAN-4' is not a control id of the catalog (did you mean MAN-04?)"
    hostvars = {
        "gw": {
            "group_names": ["clinic_north"],
            "onepacs_gateway_controls": [{"id": "PWR-01", "status": "pass"}],
            "onepacs_gateway_inputs": {"exceptions": [], "attestations": [], "input_errors": [error]},
        }
    }
    (host,) = collect(hostvars, ["gw"])
    assert host.input_errors == (error,)
    catalog = load_catalog()
    entry = build_host(host, catalog, dt.date(2026, 5, 16))
    assert entry["input_errors"] == [error]
    run = {"id": "r", "title": "t", "date": "2026-05-16", "generated_at": "2026-05-16T00:00:00Z", "mode": "check"}
    run |= {"collection_version": None, "ansible_version": None, "inventory_sources": [], "limit": None}
    document = assemble(run | {"merged_from": []}, [entry], catalog)
    document["trend"] = {"previous_run": None, "newly_failing": [], "newly_fixed": []}
    document["trend"] |= {"hosts_added": [], "hosts_removed": []}
    html = render_html(document, page="clinic").decode()
    assert "Inventory entries left out of this audit" in html
    assert "did you mean MAN-04?" in html
