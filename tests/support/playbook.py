"""Run a real ansible-playbook against lab hosts and collect what it did, per host.

Results come from a test-only callback (tests/support/callback_plugins/record_results.py) that records every task
result per host, and the counts from the PLAY RECAP, so tests assert on what a user would see.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ansible_collections.onepacs.baseline.plugins.plugin_utils._catalog import load_catalog

REPO_ROOT = Path(__file__).resolve().parents[2]
_RECAP_LINE = re.compile(r"^(?P<host>\S+)\s+:\s+(?P<counts>(?:\w+=\d+\s*)+)$")


@dataclass(frozen=True)
class PlaybookRun:
    rc: int
    stdout: str
    stderr: str
    events: list[dict[str, Any]]
    recap: dict[str, dict[str, int]]

    def result(self, host: str, action_suffix: str = "win_power") -> dict[str, Any]:
        """The host's last result of a task whose action ends with `action_suffix`."""
        matching = [e for e in self.events if e["host"] == host and e["action"].endswith(action_suffix)]
        assert matching, f"no {action_suffix} result for {host}; hosts seen: {sorted({e['host'] for e in self.events})}"
        return matching[-1]

    def controls(self, host: str, action_suffix: str = "win_power") -> dict[str, dict[str, Any]]:
        """The records of one area module for host: from its own task, or, where the role ran every area in one
        command (audit_mode single_command: the area's own task is skipped), from win_baseline's records."""
        result = self.result(host, action_suffix)["result"]
        if "controls" in result or action_suffix.endswith("win_baseline"):
            return {record["id"]: record for record in result["controls"]}
        module = action_suffix.rsplit(".", 1)[-1]
        ids = {control.id for control in load_catalog().for_module(module)}
        records = self.result(host, "win_baseline")["result"]["controls"]
        return {record["id"]: record for record in records if record["id"] in ids}

    def statuses(self, host: str, action_suffix: str = "win_power") -> dict[str, str]:
        return {control_id: record["status"] for control_id, record in self.controls(host, action_suffix).items()}

    def role_controls(self, host: str, baseline: str) -> dict[str, dict[str, Any]]:
        """Control id -> record of what the baseline role collected for host (its onepacs_<baseline>_controls)."""
        facts = self.result(host, "set_fact")["result"]["ansible_facts"]
        return {record["id"]: record for record in facts[f"onepacs_{baseline}_controls"]}


def audit_in_check_mode(
    lab: Any, hosts: Iterable[str], playbook: Path, work: Path, baseline: str
) -> dict[str, dict[str, dict[str, Any]]]:
    """The baseline role's playbook in check mode on the lab hosts: it succeeds, reports every control of the
    baseline for each host and changes none of them. Returns host -> control id -> record."""
    before = {host: lab.state(host) for host in hosts}
    run = run_playbook(playbook, lab.inventory, work, "--check")
    assert run.rc == 0, run.stdout[-3000:] + run.stderr
    wanted = {control.id for control in load_catalog().for_baseline(baseline)}
    controls = {}
    for host, state in before.items():
        controls[host] = run.role_controls(host, baseline)
        assert set(controls[host]) == wanted, host
        assert lab.state(host) == state, f"check mode changed {host}"
    return controls


def parse_recap(stdout: str) -> dict[str, dict[str, int]]:
    recap: dict[str, dict[str, int]] = {}
    in_recap = False
    for line in stdout.splitlines():
        if line.startswith("PLAY RECAP"):
            in_recap = True
            continue
        match = _RECAP_LINE.match(line.strip()) if in_recap else None
        if match:
            counts = dict(pair.split("=") for pair in match.group("counts").split())
            recap[match.group("host")] = {key: int(value) for key, value in counts.items()}
    return recap


def ansible_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "ANSIBLE_COLLECTIONS_PATH": str(REPO_ROOT / ".collections"),
            "ANSIBLE_HOST_KEY_CHECKING": "false",
            "ANSIBLE_RETRY_FILES_ENABLED": "false",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.default",
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        }
    )
    env.update(extra or {})
    return env


def run_playbook(
    playbook: Path | str,
    inventory: Path | str,
    work_dir: Path,
    *args: str,
    extra_env: dict[str, str] | None = None,
    timeout: float = 300,
) -> PlaybookRun:
    work_dir.mkdir(parents=True, exist_ok=True)
    results_file = work_dir / "results.jsonl"
    results_file.unlink(missing_ok=True)
    env = ansible_env(
        {
            "ANSIBLE_CALLBACK_PLUGINS": str(Path(__file__).parent / "callback_plugins"),
            "ANSIBLE_CALLBACKS_ENABLED": "record_results",
            "ONEPACS_TEST_RESULTS": str(results_file),
            # The default report store is the user's data directory: keep a test's reports in its own folder.
            "ONEPACS_REPORT_DIR": str(work_dir / "reports"),
        }
    )
    env.update(extra_env or {})
    command = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inventory), str(playbook), *args]
    completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    lines = results_file.read_text().splitlines() if results_file.exists() else []
    events = [json.loads(line) for line in lines]
    return PlaybookRun(completed.returncode, completed.stdout, completed.stderr, events, parse_recap(completed.stdout))
