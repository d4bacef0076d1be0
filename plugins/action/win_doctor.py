# Copyright: (c) 2026, OnePacs baseline contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for onepacs.baseline.win_doctor: the first-contact check (logic: plugin_utils/_doctor.py).

One request with every read op; a host whose agent does not answer (unreachable, Constrained Language Mode, a
blocked agent) is a row of the table with the cause, not a failed task, so the whole fleet's table is written.
"""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleConnectionFailure
from ansible.plugins.action import ActionBase

from ansible_collections.onepacs.baseline.plugins.plugin_utils._doctor import diagnose, doctor_ops, table, unreached
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._transport import AgentError, run_ops


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = True
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp: str | None = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        self.validate_argument_spec(argument_spec={})
        host = str(task_vars.get("inventory_hostname", self._connection._play_context.remote_addr))
        ops = doctor_ops()
        try:
            report = diagnose(ops, run_ops(self._connection.exec_command, host, ops))
        except (AgentError, AnsibleConnectionFailure) as exc:
            report = unreached(str(exc))
        result.update(changed=False, doctor=report, table=table(host, report))
        return result
