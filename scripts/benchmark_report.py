#!/usr/bin/env python3
"""Report-scale benchmark: the compliance report of 1,000 hosts, sized and timed (issue 14).

Records come from a real audit of lab hosts (playbooks/audit.yml over one host of each lab profile family, through
the real winrm connection); each audited host's records are then reused for FLEET / profiles hosts with their own
names, spread over clinics of 10 hosts, so the report holds the records of lab hosts at fleet scale without
auditing 1,000 hosts on this machine. It writes the report twice (the second run has a trend and a manifest
chain) and measures: time to build and write the run (all clinic folders included), the fleet page's size (budget:
under 5 MB), the largest clinic page, the whole run folder, and verify() of the manifest chain.

Usage: scripts/benchmark_report.py [--hosts 1000] [--clinic-size 10] [--out artifacts/benchmark]
Not part of scripts/test (it starts a lab and audits it: about a minute).
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
for _path in (".collections", "tests/lab", "tests/support"):
    sys.path.insert(0, str(REPO_ROOT / _path))

from ansible_collections.onepacs.baseline.plugins.plugin_utils._catalog import load_catalog  # noqa: E402
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._manifest import verify  # noqa: E402
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._model import assemble  # noqa: E402
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._outputs import write_report  # noqa: E402
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._run import new_run_id  # noqa: E402
from playbook import run_playbook  # noqa: E402
from winlab.fleet import running_lab  # noqa: E402

PROFILES = {
    "lab-gw-core": "server2022-core-fresh",
    "lab-gw-2019": "server2019-hardened",
    "lab-ws-11": "win11-24h2-fresh",
    "lab-ws-10": "win10-22h2-hardened",
}
FLEET_PAGE_BUDGET = 5 * 1024 * 1024
CHROMIUM = Path("/usr/bin/chromium")


def open_seconds(page: Path | str) -> float | None:
    """Seconds headless Chromium takes to load and lay out the page (--dump-dom), start-up included (compare with
    about:blank); None when Chromium is not installed (scripts/install_chromium.sh)."""
    if not CHROMIUM.exists():
        return None
    url = page.as_uri() if isinstance(page, Path) else page
    command = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", url]
    started = time.perf_counter()
    subprocess.run(command, capture_output=True, timeout=300, check=True)
    return round(time.perf_counter() - started, 2)


def audited_hosts(work: Path) -> list[dict[str, Any]]:
    """The host entries of a real audit of one lab host per profile (gateways and workstations)."""
    with running_lab(work / "lab", PROFILES) as lab:
        groups = {
            "all": {
                "children": {
                    "gateways": {"hosts": {name: None for name in PROFILES if "-gw-" in name}},
                    "workstations": {"hosts": {name: None for name in PROFILES if "-ws-" in name}},
                }
            }
        }
        groups_file = work / "groups.json"
        groups_file.write_text(json.dumps(groups))
        reports = work / "lab-reports"
        audit = REPO_ROOT / "playbooks" / "audit.yml"
        run = run_playbook(
            audit, lab.inventory, work / "audit", "-i", str(groups_file), "-e", f"onepacs_report_dir={reports}"
        )
        if run.rc != 0:
            raise SystemExit(f"the lab audit failed:\n{run.stdout[-3000:]}")
    return json.loads((reports / "latest" / "compliance.json").read_text())["hosts"]


def fleet_hosts(templates: list[dict[str, Any]], count: int, clinic_size: int) -> list[dict[str, Any]]:
    hosts = []
    for index in range(count):
        host = copy.deepcopy(templates[index % len(templates)])
        host["name"] = f"host{index:04d}.clinic{index // clinic_size:03d}.example.org"
        host["clinics"] = [f"clinic_{index // clinic_size:03d}"]
        hosts.append(host)
    return hosts


def measure(hosts: list[dict[str, Any]], base: Path) -> dict[str, Any]:
    catalog = load_catalog()
    now = dt.datetime.now(dt.UTC)
    run = {
        "id": new_run_id(now),
        "title": "Report scale benchmark",
        "generated_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "date": now.date().isoformat(),
        "collection_version": None,
        "ansible_version": None,
        "inventory_sources": [],
        "limit": None,
        "mode": "check",
        "merged_from": [],
    }
    started = time.perf_counter()
    document = assemble(run, hosts, catalog)
    folder = write_report(document, base)
    seconds = time.perf_counter() - started
    clinic_pages = sorted((folder / "clinics").glob("*/compliance.html"), key=lambda path: path.stat().st_size)
    started = time.perf_counter()
    problems, _notes = verify(base)
    return {
        "hosts": len(hosts),
        "clinics": len(clinic_pages),
        "write_seconds": round(seconds, 2),
        "fleet_html_bytes": (folder / "compliance.html").stat().st_size,
        "fleet_json_bytes": (folder / "compliance.json").stat().st_size,
        "largest_clinic_html_bytes": clinic_pages[-1].stat().st_size if clinic_pages else 0,
        "run_folder_bytes": sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()),
        "verify_seconds": round(time.perf_counter() - started, 2),
        "fleet_page_open_seconds": open_seconds(folder / "compliance.html"),
        "largest_clinic_page_open_seconds": open_seconds(clinic_pages[-1]) if clinic_pages else None,
        "verify_problems": problems,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--clinic-size", type=int, default=10)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "artifacts" / "benchmark")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="report-bench-") as temporary:
        work = Path(temporary)
        templates = audited_hosts(work)
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "report_scale_lab_hosts.json").write_text(json.dumps(templates))
        hosts = fleet_hosts(templates, args.hosts, args.clinic_size)
        first = measure(copy.deepcopy(hosts), work / "reports")
        second = measure(hosts, work / "reports")
    results = {
        "first_run": first,
        "second_run_with_trend": second,
        "fleet_page_budget_bytes": FLEET_PAGE_BUDGET,
        "chromium_start_seconds": open_seconds("about:blank"),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report_scale.json").write_text(json.dumps(results, indent=2) + "\n")
    lines = [
        "| run | hosts | clinics | write s | fleet HTML MB | open fleet page s | largest clinic HTML KB "
        "| open clinic page s | run folder MB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, result in (("first", first), ("second (trend, chain)", second)):
        lines.append(
            f"| {name} | {result['hosts']} | {result['clinics']} | {result['write_seconds']} | "
            f"{result['fleet_html_bytes'] / 1048576:.2f} | {result['fleet_page_open_seconds']} | "
            f"{result['largest_clinic_html_bytes'] / 1024:.0f} | {result['largest_clinic_page_open_seconds']} | "
            f"{result['run_folder_bytes'] / 1048576:.1f} |"
        )
    lines.append(f"\nChromium start-up alone (about:blank): {results['chromium_start_seconds']} s")
    (args.out / "report_scale.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    over = [result for result in (first, second) if result["fleet_html_bytes"] >= FLEET_PAGE_BUDGET]
    broken = [result for result in (first, second) if result["verify_problems"]]
    return 1 if over or broken else 0


if __name__ == "__main__":
    sys.exit(main())
