# Copyright: (c) 2026, OnePacs baseline contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for onepacs.baseline.compliance_report: the fleet report, written on the controller.

It reads every host's records and audit status from hostvars (_report_collect), builds the document
(_report_model), writes the run folder (_report_outputs) and returns the gate decision and the set_stats summary;
the role fails the gated hosts afterwards, so the report always exists first.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from ansible.errors import AnsibleActionFail
from ansible.release import __version__ as ansible_version

from ansible_collections.onepacs.baseline.plugins.plugin_utils._catalog import load_catalog
from ansible_collections.onepacs.baseline.plugins.plugin_utils._controller_action import ControllerAction
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._artifacts import artifacts
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._collect import (
    DEFAULT_CLINIC_PREFIX,
    DEFAULT_RECORD_FACTS,
    DEFAULT_STATUS_FACT,
    collect,
    report_hosts,
)
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._gate import FAIL_ON, evaluate
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._model import STATUSES, assemble
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._outputs import FILES, write_report
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._run import new_run_id, run_metadata
from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._store import default_report_dir

DEFAULT_TITLE = "OnePacs compliance report"

ARGUMENT_SPEC: dict[str, dict[str, Any]] = {
    "dir": {"type": "path"},
    "title": {"type": "str", "default": DEFAULT_TITLE},
    "hosts": {"type": "list", "elements": "str"},
    "record_facts": {"type": "dict", "default": dict(DEFAULT_RECORD_FACTS)},
    "status_fact": {"type": "str", "default": DEFAULT_STATUS_FACT},
    "clinic_group_prefix": {"type": "str", "default": DEFAULT_CLINIC_PREFIX},
    "fail_on": {"type": "str", "default": "none", "choices": list(FAIL_ON)},
    "fail_on_statuses": {"type": "list", "elements": "str", "default": ["fail"], "choices": list(STATUSES)},
    "fail_on_unaudited": {"type": "bool", "default": True},
    "keep": {"type": "int", "default": 0},
}


class ActionModule(ControllerAction):
    OPTION_SPEC = ARGUMENT_SPEC

    def run_on_controller(
        self, result: dict[str, Any], params: dict[str, Any], task_vars: dict[str, Any]
    ) -> dict[str, Any]:
        if params["keep"] < 0:
            raise AnsibleActionFail("keep: must be 0 (keep every run) or a positive number of runs")
        base = Path(params["dir"]) if params["dir"] else default_report_dir(os.environ, Path.home())

        now = dt.datetime.now(dt.UTC)
        today = dt.date.today()
        catalog = load_catalog()
        names = params["hosts"] if params["hosts"] is not None else (task_vars.get("groups") or {}).get("all", [])
        inputs = collect(
            task_vars.get("hostvars") or {},
            names,
            record_facts=params["record_facts"],
            status_fact=params["status_fact"],
            clinic_prefix=params["clinic_group_prefix"],
        )
        hosts = report_hosts(inputs, catalog, today)
        run = run_metadata(
            run_id=new_run_id(now),
            now=now,
            today=today,
            title=params["title"],
            hosts=hosts,
            inventory_sources=task_vars.get("ansible_inventory_sources"),
            limit=task_vars.get("ansible_limit"),
            ansible_version=ansible_version,
        )
        document = assemble(run, hosts, catalog)
        try:
            run_dir = write_report(document, base, params["keep"])
        except OSError as exc:
            raise AnsibleActionFail(f"could not write the report into {base}: {exc}") from None

        gate = evaluate(document, params["fail_on"], params["fail_on_statuses"], params["fail_on_unaudited"])
        summary = document["summary"]
        score = "n/a" if summary["score"] is None else f"{summary['score']}%"
        result.update(
            changed=True,
            dir=str(base),
            run_dir=str(run_dir),
            files={name: str(run_dir / name) for name in FILES},
            summary=summary,
            hosts=[host["name"] for host in hosts],
            trend={key: len(value) if isinstance(value, list) else value for key, value in document["trend"].items()},
            gate=gate,
            artifacts=artifacts(document, str(run_dir), gate),
            msg=(
                f"report of {summary['hosts']} hosts ({summary['hosts'] - summary['outcomes']['audited']} not "
                f"audited), fleet score {score}, {summary['failing']} failing controls: {run_dir / 'compliance.html'}"
            ),
        )
        return result
