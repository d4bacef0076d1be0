"""Test-only action plugin for the benchmark's per-setting comparison: reads ONE setting with ONE agent command.

It models the task style of the popular CIS hardening roles (one task per registry value or policy line, for
example ansible.windows.win_reg_stat or win_regedit in check mode) with what this lab can answer: our agent over
the same transport, one op per task. A real per-setting module would also ship Ansible's PowerShell module
wrapper on every task, so this model is the cheaper side of the comparison.
"""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._transport import AgentError, run_ops


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = True
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp: str | None = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        _, params = self.validate_argument_spec(argument_spec={"op": {"type": "dict", "required": True}})
        host = str((task_vars or {}).get("inventory_hostname", "host"))
        try:
            (answer,) = run_ops(self._connection.exec_command, host, [params["op"]])
        except AgentError as exc:
            raise AnsibleActionFail(str(exc)) from None
        # An op error (a class missing on Server, a value not set) is an answer about the setting, as the area
        # modules treat it: reported, not a failed task.
        result.update(changed=False, value=answer.value, error=None if answer.ok else answer.describe_error())
        return result
