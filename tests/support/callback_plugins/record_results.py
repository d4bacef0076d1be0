# Test-only callback: appends every task result, per host, to a JSON-lines file for the tests to read.
from __future__ import annotations

import json
import os

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: record_results
type: aggregate
short_description: Record task results as JSON lines (onepacs.baseline tests only)
description: Writes one JSON object per task result to the file named by ONEPACS_TEST_RESULTS.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "record_results"
    CALLBACK_NEEDS_ENABLED = True

    def _record(self, result, status: str) -> None:
        path = os.environ.get("ONEPACS_TEST_RESULTS")
        if not path:
            return
        entry = {
            "host": result.host.get_name(),
            "task": result.task.get_name(),
            "action": result.task.action,
            "status": status,
            "result": json.loads(self._dump_results(result.result)),
        }
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry) + "\n")

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "failed")

    def v2_runner_on_unreachable(self, result):
        self._record(result, "unreachable")

    def v2_runner_on_skipped(self, result):
        self._record(result, "skipped")
