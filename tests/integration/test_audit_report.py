"""playbooks/audit.yml on a lab fleet of three clinics: the compliance report, end to end.

One lab and two audit runs serve every test of this module (module-scoped fixture), to keep it fast:

- clinic_north: a gateway with a hostile program DisplayName, and a workstation;
- clinic_south: a gateway with an expired exception and an expired attestation, and a hardened workstation;
- clinic_east: a gateway that refuses connections (unreachable) and a workstation whose inventory has a bad
  exception (its baseline fails before the host is contacted).

The second run gates on high-severity failures. The HTML report is opened in headless Chromium (the Debian package,
installed by scripts/install_chromium.sh), whose screenshot is kept under artifacts/.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import datetime as dt
import fcntl
import io
import json
import os
import re
import selectors
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from playbook import PlaybookRun, run_playbook
from winlab.fleet import LabClient, running_lab

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[2]
AUDIT = REPO_ROOT / "playbooks" / "audit.yml"
ARTIFACTS = REPO_ROOT / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
SCRIPT = "<script>alert(1)</script>"
UNINSTALL = "HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\XssProbe"

HOSTS = {
    "north-gw": "xss-gateway.json",
    "north-ws": "win11-24h2-fresh",
    "south-gw": "server2019-fresh",
    "south-ws": "win10-22h2-hardened",
    "east-gw": "server2022-desktop-hardened",
    "east-ws": "win10-22h2-fresh",
}
CLINICS = {"clinic_north": ["north-gw", "north-ws"], "clinic_south": ["south-gw", "south-ws"]}
CLINICS["clinic_east"] = ["east-gw", "east-ws"]
UNREACHABLE, FAILED = "east-gw", "east-ws"
BAD_VARIABLE = "onepacs_workstation_power_hibernaton"


@dataclass
class Audit:
    lab: LabClient
    reports: Path
    first: PlaybookRun
    second: PlaybookRun
    first_dir: Path
    second_dir: Path
    states_before: dict[str, Any]


def _groups_file(path: Path) -> Path:
    """Clinic and role groups plus the host variables the scenario needs (a second -i source)."""
    recent = str(dt.date.today() - dt.timedelta(days=10))
    in_200_days = str(dt.date.today() + dt.timedelta(days=200))
    south_gw = {
        "onepacs_exceptions": [
            {"id": "PWR-02", "reason": "vendor tool", "approver": "clinic IT", "expires": "2025-01-31"},
            {"id": "PWR-03", "reason": "pilot", "approver": "clinic IT", "expires": in_200_days},
        ],
        "onepacs_attestations": [
            {"id": "MAN-04", "attested_by": "j.doe", "date": "2025-01-10", "evidence": "photo", "valid_days": 30},
            {"id": "MAN-05", "attested_by": "a.roe", "date": recent, "evidence": "UPS test"},
        ],
    }
    inventory = {
        "all": {
            "children": {
                **{clinic: {"hosts": dict.fromkeys(members)} for clinic, members in CLINICS.items()},
                "gateways": {"hosts": dict.fromkeys(name for name in HOSTS if name.endswith("-gw"))},
                "workstations": {"hosts": dict.fromkeys(name for name in HOSTS if name.endswith("-ws"))},
            },
            "hosts": {
                "north-gw": {"onepacs_gateway_host_facts_software_allow": ["OnePacs*", "PostgreSQL*"]},
                "south-gw": south_gw,
                # A misspelt role variable stops the host even in an audit (a bad waiver would not: it is left out).
                FAILED: {BAD_VARIABLE: True},
            },
        }
    }
    path.write_text(yaml.safe_dump(inventory, sort_keys=False))
    return path


def _xss_profile(path: Path) -> Path:
    profile = {
        "extends": "server2022-core-fresh",
        "description": "A gateway with a program whose DisplayName and Publisher are HTML.",
        "registry": {UNINSTALL: {"DisplayName": SCRIPT, "DisplayVersion": "1.0", "Publisher": "<b>evil</b>"}},
    }
    path.write_text(json.dumps(profile))
    return path


def _audit(lab: LabClient, groups: Path, reports: Path, work: Path, *extra: str) -> PlaybookRun:
    return run_playbook(AUDIT, lab.inventory, work, "-i", str(groups), "-e", f"onepacs_report_dir={reports}", *extra)


@pytest.fixture(scope="module")
def audit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Audit]:
    base = tmp_path_factory.mktemp("audit")
    hosts = dict(HOSTS)
    hosts["north-gw"] = str(_xss_profile(base / HOSTS["north-gw"]))
    groups = _groups_file(base / "groups.yml")
    reports = base / "reports"
    with running_lab(base / "lab", hosts) as lab:
        lab.fault(UNREACHABLE, "refuse")
        states = {name: lab.state(name) for name in HOSTS if name != UNREACHABLE}
        first = _audit(lab, groups, reports, base / "first")
        first_dir = (reports / "latest").resolve()
        second = _audit(lab, groups, reports, base / "second", "-e", "onepacs_report_fail_on=high")
        second_dir = (reports / "latest").resolve()
        yield Audit(lab, reports, first, second, first_dir, second_dir, states)


def read_json(run_dir: Path) -> dict[str, Any]:
    return json.loads((run_dir / "compliance.json").read_text())


def hosts_of(run_dir: Path) -> dict[str, dict[str, Any]]:
    return {host["name"]: host for host in read_json(run_dir)["hosts"]}


def test_the_audit_writes_a_report_and_changes_no_host(audit):
    assert audit.first.rc != 0, "unaudited hosts fail the run by default"
    assert "report of 6 hosts (2 not audited)" in audit.first.stdout, audit.first.stdout[-3000:]
    assert audit.first_dir != audit.second_dir
    assert audit.first_dir.parent == audit.second_dir.parent == audit.reports
    for name, before in audit.states_before.items():
        assert audit.lab.state(name) == before, f"the audit changed {name}"
    assert audit.first.recap[UNREACHABLE]["failed"] == 1
    assert audit.first.recap["north-gw"]["failed"] == 0


def test_every_host_with_its_clinic_and_records_is_in_the_json(audit):
    hosts = hosts_of(audit.first_dir)
    assert sorted(hosts) == sorted(HOSTS)
    for clinic, members in CLINICS.items():
        for name in members:
            assert hosts[name]["clinics"] == [clinic]
    assert hosts["north-gw"]["baselines"] == ["gateway"]
    assert hosts["north-ws"]["baselines"] == ["workstation"]
    assert hosts["north-gw"]["outcome"] == hosts["south-ws"]["outcome"] == "audited"
    assert len(hosts["north-ws"]["controls"]) > 20
    document = read_json(audit.first_dir)
    assert document["run"]["mode"] == "check"
    assert [clinic["name"] for clinic in document["clinics"]] == sorted(CLINICS)


def test_unreachable_and_failed_hosts_appear_in_all_four_outputs_with_the_cause(audit):
    hosts = hosts_of(audit.first_dir)
    unreachable, failed = hosts[UNREACHABLE], hosts[FAILED]
    assert unreachable["outcome"] == "unreachable"
    assert "connection refused" in unreachable["problems"][0]["message"]
    assert failed["outcome"] == "failed"
    assert f"{BAD_VARIABLE}: not a variable of this role" in failed["problems"][0]["message"]

    rows = list(csv.DictReader(io.StringIO((audit.first_dir / "compliance.csv").read_text(encoding="utf-8-sig"))))
    by_host = {row["host"]: row for row in rows if row["control_id"] == ""}
    assert by_host[UNREACHABLE]["status"] == "unreachable"
    assert "connection refused" in by_host[UNREACHABLE]["message"]
    assert by_host[FAILED]["status"] == "failed"
    assert BAD_VARIABLE in by_host[FAILED]["message"]

    root = ET.parse(audit.first_dir / "junit.xml").getroot()
    suites = {suite.get("name"): suite for suite in root.iter("testsuite")}
    assert sorted(suites) == sorted(HOSTS)
    assert "connection refused" in suites[UNREACHABLE].find("testcase/error").get("message")
    assert BAD_VARIABLE in suites[FAILED].find("testcase/error").get("message")

    html = (audit.first_dir / "compliance.html").read_text()
    section = re.search(r'<section id="unaudited">(.*?)</section>', html, re.S).group(1)
    assert UNREACHABLE in section
    assert "connection refused" in section
    assert FAILED in section
    assert BAD_VARIABLE in section


def test_a_hostile_display_name_is_text(audit):
    sw01 = next(control for control in hosts_of(audit.first_dir)["north-gw"]["controls"] if control["id"] == "SW-01")
    assert sw01["status"] == "fail"
    assert SCRIPT in json.dumps(sw01, ensure_ascii=False)
    for page in (audit.first_dir / "compliance.html", audit.first_dir / "clinics" / "clinic_north" / "compliance.html"):
        assert SCRIPT not in page.read_text()
        assert "<b>evil</b>" not in page.read_text()
    html = (audit.first_dir / "clinics" / "clinic_north" / "compliance.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the host's details are on its clinic's page


def test_expired_exceptions_and_attestations_fail_with_their_date(audit):
    south = hosts_of(audit.first_dir)["south-gw"]
    controls = {control["id"]: control for control in south["controls"]}
    assert controls["PWR-02"]["status"] == "fail"
    assert "exception expired on 2025-01-31" in controls["PWR-02"]["message"]
    assert controls["PWR-03"]["status"] == "excepted"
    assert controls["MAN-04"]["status"] == "manual_missing"
    assert "2025-02-09" in controls["MAN-04"]["message"]
    assert controls["MAN-05"]["status"] == "manual_attested"
    exceptions = {item["id"]: item for item in south["exceptions"]}
    assert exceptions["PWR-02"]["state"] == "expired"
    assert exceptions["PWR-02"]["failing"] is True
    attestations = {item["id"]: item for item in south["attestations"]}
    assert attestations["MAN-04"]["state"] == "expired"
    assert attestations["MAN-04"]["valid_until"] == "2025-02-09"
    html = (audit.first_dir / "clinics" / "clinic_south" / "compliance.html").read_text()
    assert "expired on 2025-01-31" in html
    assert "expired on 2025-02-09" in html


def _without(html: str, *sections: str) -> str:
    for section in sections:
        html = re.sub(rf'<section id="{section}".*?</section>', "", html, flags=re.S)
    return html


def test_two_audits_without_changes_give_identical_reports_apart_from_run_metadata(audit):
    first, second = read_json(audit.first_dir), read_json(audit.second_dir)
    assert second["trend"]["previous_run"] == first["run"]["id"]
    assert second["trend"]["newly_failing"] == second["trend"]["newly_fixed"] == []
    for document in (first, second):
        del document["run"], document["trend"]
    assert first == second
    for name in ("compliance.csv", "junit.xml"):
        assert (audit.first_dir / name).read_bytes() == (audit.second_dir / name).read_bytes(), name
    for page in ("compliance.html", "clinics/clinic_north/compliance.html"):
        htmls = [(folder / page).read_text() for folder in (audit.first_dir, audit.second_dir)]
        # the executive summary carries the score trend, which grows by one run
        assert _without(htmls[0], "run", "trend", "executive") == _without(htmls[1], "run", "trend", "executive")


def test_the_gate_fails_hosts_with_high_severity_failures_after_writing_the_report(audit):
    run = audit.second
    assert run.rc != 0
    assert (audit.second_dir / "compliance.html").is_file()
    gate = run.result("north-gw", "compliance_report")["result"]["gate"]
    assert gate["failed"] is True
    assert gate["fail_on"] == "high"
    assert "north-gw" in gate["hosts"]
    assert any("(high) fail" in reason for reason in gate["hosts"]["north-gw"])
    assert run.recap["north-gw"]["failed"] == 1
    assert audit.first.recap["north-gw"]["failed"] == 0  # the same fleet passes without the gate


def test_a_summary_per_host_and_clinic_leaves_as_set_stats_artifacts(audit):
    stats = audit.first.result("north-gw", "set_stats")["result"]["ansible_stats"]
    summary = stats["data"]["onepacs_compliance"]
    assert sorted(summary["hosts"]) == sorted(HOSTS)
    assert sorted(summary["clinics"]) == sorted(CLINICS)
    assert summary["hosts"][UNREACHABLE]["outcome"] == "unreachable"
    assert "SW-01" in summary["hosts"]["north-gw"]["failing_controls"]
    assert summary["report_dir"] == str(audit.first_dir)


# ---------------------------------------------------------------------------------------------- headless Chromium


def _above_four(fd: int) -> int:
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return moved


class DevTools:
    """A minimal Chrome DevTools Protocol client over --remote-debugging-pipe (fd 3 in, fd 4 out, NUL-framed)."""

    def __init__(self, profile: Path) -> None:
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()
        # The shell below moves these to fds 3 and 4; give them numbers above 4 so no move overwrites the other.
        to_browser_read, from_browser_write = (_above_four(fd) for fd in (to_browser_read, from_browser_write))
        command = [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--remote-debugging-pipe",
            "--window-size=1280,1800",
            "about:blank",
        ]
        shell = f'exec "$0" "$@" 3<&{to_browser_read} 4>&{from_browser_write}'
        self.process = subprocess.Popen(
            ["/bin/bash", "-c", shell, *command],
            pass_fds=(to_browser_read, from_browser_write),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_browser_read)
        os.close(from_browser_write)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def close(self) -> None:
        with contextlib.suppress(OSError, TimeoutError, RuntimeError):
            self.call("Browser.close")
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)

    def _receive(self, deadline: float) -> dict[str, Any]:
        selector = selectors.DefaultSelector()
        selector.register(self._from_browser, selectors.EVENT_READ)
        try:
            while b"\0" not in self._buffer:
                if not selector.select(timeout=max(0.0, deadline - time.monotonic())):
                    raise TimeoutError("Chromium did not answer")
                chunk = os.read(self._from_browser, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium closed the DevTools pipe")
                self._buffer += chunk
        finally:
            selector.close()
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, session: str | None = None, timeout: float = 20, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        request: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            request["sessionId"] = session
        os.write(self._to_browser, json.dumps(request).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            message = self._receive(deadline)
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, method: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while not any(event.get("method") == method for event in self.events):
            self.events.append(self._receive(deadline))


def open_in_chromium(page: Path, screenshot: Path) -> tuple[str, list[dict[str, Any]]]:
    """Load the page; (its visible text, the problems the browser reported: errors, exceptions, dialogs)."""
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        browser = DevTools(Path(profile))
        try:
            target = next(t for t in browser.call("Target.getTargets")["targetInfos"] if t["type"] == "page")
            session = browser.call("Target.attachToTarget", targetId=target["targetId"], flatten=True)["sessionId"]
            for domain in ("Page", "Runtime", "Log"):
                browser.call(f"{domain}.enable", session)
            browser.call("Page.navigate", session, url=page.as_uri())
            browser.wait_for("Page.loadEventFired")
            text = browser.call("Runtime.evaluate", session, expression="document.body.innerText", returnByValue=True)
            shot = browser.call("Page.captureScreenshot", session, format="png", captureBeyondViewport=False)
            screenshot.write_bytes(base64.b64decode(shot["data"]))
        finally:
            browser.close()
    problems = [
        event
        for event in browser.events
        if event.get("method") in ("Runtime.exceptionThrown", "Page.javascriptDialogOpening")
        or (event.get("method") == "Runtime.consoleAPICalled" and event["params"].get("type") in ("error", "assert"))
        or (event.get("method") == "Log.entryAdded" and event["params"]["entry"].get("level") == "error")
    ]
    return text["result"]["value"], problems


def test_the_html_report_loads_in_chromium_without_errors_and_shows_every_host(audit):
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed: run scripts/install_chromium.sh")
    ARTIFACTS.mkdir(exist_ok=True)
    page = ARTIFACTS / "compliance-report.html"
    shutil.copyfile(audit.first_dir / "compliance.html", page)
    screenshot = ARTIFACTS / "compliance-report.png"

    text, problems = open_in_chromium(page, screenshot)

    assert problems == []
    for name in HOSTS:
        assert name in text
    assert "connection refused" in text
    clinic_text, clinic_problems = open_in_chromium(
        audit.first_dir / "clinics" / "clinic_north" / "compliance.html", ARTIFACTS / "clinic-report.png"
    )
    assert clinic_problems == []
    assert SCRIPT in clinic_text  # the host's details, shown as text, not run
    assert screenshot.stat().st_size > 10_000
    assert screenshot.read_bytes().startswith(b"\x89PNG")


# A4 at 96 CSS pixels per inch, less the 12 mm side and 14 mm top/bottom margins of the page's @page rule.
A4_PRINTABLE_WIDTH_PX = round((210 - 2 * 12) / 25.4 * 96)
A4_PRINTABLE_HEIGHT_PX = round((297 - 2 * 14) / 25.4 * 96)
PRINT_LAYOUT = """(() => {
  const body = document.body.getBoundingClientRect();
  const wide = [...document.querySelectorAll('table, svg, pre, .value')]
    .filter(e => e.getBoundingClientRect().right > body.right + 1 || e.scrollWidth > e.clientWidth + 1)
    .map(e => e.tagName + (e.closest('section') ? '#' + e.closest('section').id : ''));
  const executive = document.getElementById('executive').getBoundingClientRect();
  return {wide: wide, executiveHeight: executive.height, tables: document.querySelectorAll('table').length};
})()"""


def print_to_pdf(page: Path, pdf: Path, screenshot: Path) -> dict[str, Any]:
    """Lay the page out for print at A4 width, measure it, print it to PDF and photograph its executive page."""
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        browser = DevTools(Path(profile))
        try:
            target = next(t for t in browser.call("Target.getTargets")["targetInfos"] if t["type"] == "page")
            session = browser.call("Target.attachToTarget", targetId=target["targetId"], flatten=True)["sessionId"]
            browser.call("Page.enable", session)
            browser.call(
                "Emulation.setDeviceMetricsOverride",
                session,
                width=A4_PRINTABLE_WIDTH_PX,
                height=A4_PRINTABLE_HEIGHT_PX,
                deviceScaleFactor=1,
                mobile=False,
            )
            browser.call("Page.navigate", session, url=page.as_uri())
            browser.wait_for("Page.loadEventFired")
            browser.call("Emulation.setEmulatedMedia", session, media="print")
            layout = browser.call("Runtime.evaluate", session, expression=PRINT_LAYOUT, returnByValue=True)
            box = browser.call(
                "Runtime.evaluate",
                session,
                expression="JSON.stringify(document.getElementById('executive').getBoundingClientRect())",
                returnByValue=True,
            )
            rect = json.loads(box["result"]["value"])
            clip = {"x": 0, "y": rect["y"], "width": A4_PRINTABLE_WIDTH_PX, "height": rect["height"], "scale": 1}
            shot = browser.call("Page.captureScreenshot", session, format="png", clip=clip, captureBeyondViewport=True)
            screenshot.write_bytes(base64.b64decode(shot["data"]))
            printed = browser.call("Page.printToPDF", session, timeout=60, preferCSSPageSize=True, printBackground=True)
            pdf.write_bytes(base64.b64decode(printed["data"]))
        finally:
            browser.close()
    return layout["result"]["value"]


def pdf_pages(pdf: bytes) -> int:
    """Pages of a PDF Chromium wrote (Skia writes each page object uncompressed: /Type /Page)."""
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def test_a_clinic_report_prints_to_a_clean_pdf_with_the_executive_summary_on_page_one(audit):
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed: run scripts/install_chromium.sh")
    artifacts = ARTIFACTS / "report"
    artifacts.mkdir(parents=True, exist_ok=True)
    page = audit.first_dir / "clinics" / "clinic_north" / "compliance.html"
    pdf, screenshot = artifacts / "clinic_north.pdf", artifacts / "executive-page.png"

    layout = print_to_pdf(page, pdf, screenshot)

    assert layout["tables"] > 3
    assert layout["wide"] == [], "cut off at the page's right edge"
    assert 0 < layout["executiveHeight"] <= A4_PRINTABLE_HEIGHT_PX, "the executive summary must fit on page one"
    pages = pdf_pages(pdf.read_bytes())
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert 2 <= pages <= 40, pages  # the executive page, then the details of two hosts
    assert screenshot.read_bytes().startswith(b"\x89PNG")
    assert screenshot.stat().st_size > 5_000


def test_each_clinic_folder_of_a_lab_audit_holds_only_its_hosts(audit):
    for clinic, members in CLINICS.items():
        folder = audit.first_dir / "clinics" / clinic
        document = json.loads((folder / "compliance.json").read_text())
        assert sorted(host["name"] for host in document["hosts"]) == sorted(members)
        others = [name for name in HOSTS if name not in members]
        for name in ("compliance.html", "compliance.csv", "junit.xml"):
            text = (folder / name).read_text(encoding="utf-8-sig")
            assert all(other not in text for other in others), (clinic, name)


def test_the_manifest_chain_of_two_lab_audits_verifies_and_a_tampered_file_is_named(audit, tmp_path):
    script = [sys.executable, str(REPO_ROOT / "scripts" / "verify_reports.py")]
    clean = subprocess.run([*script, str(audit.reports)], capture_output=True, text=True, check=False)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    manifest = json.loads((audit.second_dir / "manifest.json").read_text())
    assert manifest["previous_run"] == audit.first_dir.name

    copy = tmp_path / "reports"
    shutil.copytree(audit.reports, copy, symlinks=True)
    page = copy / audit.first_dir.name / "clinics" / "clinic_south" / "compliance.csv"
    page.write_text(page.read_text(encoding="utf-8-sig").replace("fail", "pass"), encoding="utf-8-sig")
    tampered = subprocess.run([*script, str(copy)], capture_output=True, text=True, check=False)
    assert tampered.returncode == 1
    assert f"TAMPERED: {audit.first_dir.name}: clinics/clinic_south/compliance.csv was changed" in tampered.stdout
