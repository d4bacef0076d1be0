"""playbooks/audit.yml over a fleet with a hostile host and a careless inventory entry: the report is complete for
every other host.

- gw-surrogate sends a lone UTF-16 surrogate, NUL and terminal escapes in a program name (the agent escapes each
  UTF-16 unit as \\uXXXX, so Windows can send a lone surrogate): before, the report writer crashed on it and no
  host got a report;
- gw-attested has an attestation valid for 3,000,000 days: before, it passed validation, failed the host as a
  "malformed agent response" and crashed the report for every host; now it is refused naming the variable, before
  the host is contacted.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from playbook import run_playbook

pytestmark = pytest.mark.integration

AUDIT = Path(__file__).resolve().parents[2] / "playbooks" / "audit.yml"
UNINSTALL = "HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\Hostile"
HOSTILE_NAME = "Tool \ud800 with NUL \x00 and \x1b[2J\x1b[32mALL CONTROLS PASS\x1b[0m"
FILES = ("compliance.json", "compliance.csv", "compliance.html", "junit.xml")


def surrogate_profile(path: Path) -> Path:
    profile = {
        "extends": "server2022-core-fresh",
        "description": "A gateway whose installed program name holds a lone surrogate, NUL and terminal escapes.",
        "registry": {UNINSTALL: {"DisplayName": HOSTILE_NAME, "DisplayVersion": "1.0", "Publisher": HOSTILE_NAME}},
    }
    path.write_text(json.dumps(profile))  # ensure_ascii: the surrogate is stored as the \ud800 escape
    return path


def groups_file(path: Path) -> Path:
    attestation = {"id": "MAN-01", "attested_by": "a", "date": "2026-01-05", "evidence": "e", "valid_days": 3000000}
    inventory = {
        "all": {
            "children": {
                "clinic_north": {"hosts": {"gw-good": None, "gw-surrogate": None, "gw-attested": None}},
                "gateways": {"hosts": {"gw-good": None, "gw-surrogate": None, "gw-attested": None}},
            },
            "hosts": {
                "gw-attested": {"onepacs_attestations": [attestation]},
                # SW-01 lists programs outside the allow list, so the hostile name reaches a record
                "gw-surrogate": {"onepacs_gateway_host_facts_software_allow": ["PostgreSQL*"]},
            },
        }
    }
    path.write_text(yaml.safe_dump(inventory, sort_keys=False))
    return path


def test_a_hostile_host_and_a_bad_attestation_leave_a_complete_report_for_the_others(start_lab, tmp_path):
    lab = start_lab(
        {
            "gw-good": "server2022-desktop-fresh",
            "gw-surrogate": str(surrogate_profile(tmp_path / "surrogate.json")),
            "gw-attested": "server2022-desktop-fresh",
        }
    )
    reports = tmp_path / "reports"
    run = run_playbook(
        AUDIT,
        lab.inventory,
        tmp_path / "work",
        "-i",
        str(groups_file(tmp_path / "groups.yml")),
        "-e",
        f"onepacs_report_dir={reports}",
    )

    assert "report of 3 hosts" in run.stdout, run.stdout[-4000:]
    run_dir = (reports / "latest").resolve()
    for name in FILES:
        text = (run_dir / name).read_bytes().decode("utf-8")  # strict: no lone surrogate got through
        assert "\x1b" not in text, name
        assert "\x00" not in text, name
    hosts = {host["name"]: host for host in json.loads((run_dir / "compliance.json").read_text())["hosts"]}
    assert sorted(hosts) == ["gw-attested", "gw-good", "gw-surrogate"]
    assert hosts["gw-good"]["outcome"] == "audited"
    assert len(hosts["gw-good"]["controls"]) > 20
    assert hosts["gw-surrogate"]["outcome"] == "audited"
    assert len(hosts["gw-surrogate"]["controls"]) > 20
    assert "ALL CONTROLS PASS" in json.dumps(hosts["gw-surrogate"]["controls"])  # the hostile name is reported
    # An audit leaves the bad attestation out and reports it (docs/exceptions-and-attestations.md); the host is
    # still audited and the other hosts' report is complete.
    assert hosts["gw-attested"]["outcome"] == "audited"
    assert any("valid_days" in error for error in hosts["gw-attested"]["input_errors"])
    for raw in ("\x1b", "\x00"):
        assert raw not in run.stdout + run.stderr
