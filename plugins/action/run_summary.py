# Copyright: (c) 2026, OnePacs baseline contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for onepacs.baseline.run_summary: the end-of-play summary of what still fails per host and, for an
enforcing run, the change record in the report store (logic: plugin_utils/report/_changes.py)."""

from __future__ import annotations

import datetime as dt
import getpass
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ansible.errors import AnsibleActionFail
from ansible.release import __version__ as ansible_version

from ansible_collections.onepacs.baseline.plugins.plugin_utils._controller_action import ControllerAction
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._changes import (
    collect_changes,
    summary_lines,
    write_change_record,
)
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._run import collection_version, new_run_id
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._store import default_report_dir
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._values import plain

ARGUMENT_SPEC: dict[str, dict[str, Any]] = {
    "dir": {"type": "path"},
    "hosts": {"type": "list", "elements": "str"},
    "record": {"type": "bool", "default": True},
}
STATUS_FACT = "onepacs_audit_status"


def _audited_in_check_mode(variables: Any) -> bool:
    """playbooks/audit.yml forces check mode and says so per baseline: such a host changed nothing."""
    try:
        status = variables.get(STATUS_FACT)
    except Exception:  # a template in the host's variables that does not render
        return False
    if not isinstance(status, Mapping) or not status:
        return False
    return all(isinstance(entry, Mapping) and entry.get("check_mode") is True for entry in status.values())


def _controller_user() -> str | None:
    """Who ran the playbook on the controller (the change record's author), when the OS can tell."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return None


class ActionModule(ControllerAction):
    OPTION_SPEC = ARGUMENT_SPEC

    def run_on_controller(
        self, result: dict[str, Any], params: dict[str, Any], task_vars: dict[str, Any]
    ) -> dict[str, Any]:
        hostvars = task_vars.get("hostvars") or {}
        names = params["hosts"] if params["hosts"] is not None else task_vars.get("ansible_play_hosts_all") or []
        hosts = collect_changes(hostvars, names)
        lines = summary_lines(hosts)
        result.update(changed=False, hosts=hosts, lines=lines, record=None)
        failing = sum(1 for host in hosts if host["still_failing"] or host["refused"])
        result["msg"] = f"{failing} of {len(hosts)} hosts still fail or were refused" if hosts else "no host ran"

        enforced = [
            host
            for host in hosts
            if not self._play_context.check_mode and not _audited_in_check_mode(hostvars[host["host"]])
        ]
        if not params["record"] or not enforced:
            return result
        now = dt.datetime.now(dt.UTC)
        run = {
            "id": new_run_id(now),
            "kind": "enforce",
            "generated_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "baselines": sorted({baseline for host in enforced for baseline in host["baselines"]}),
            "playbook": plain(task_vars.get("ansible_play_name")),
            "controller_user": _controller_user(),
            "collection_version": collection_version(),
            "ansible_version": ansible_version,
            "inventory_sources": plain(task_vars.get("ansible_inventory_sources")),
            "limit": plain(task_vars.get("ansible_limit")),
            "diff_mode": bool(self._play_context.diff),
        }
        base = Path(params["dir"]) if params["dir"] else default_report_dir(os.environ, Path.home())
        try:
            path = write_change_record(base, run, enforced)
        except OSError as exc:
            raise AnsibleActionFail(f"could not write the change record into {base}: {exc}") from None
        result.update(changed=True, record=str(path))
        lines.append(f"change record: {path}")
        return result
