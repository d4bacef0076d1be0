"""The base of the action plugins that run on the controller only (validate_inputs, compliance_report).

They need no connection, copy no files and change nothing on a host in check mode; each validates its options
against its OPTION_SPEC before its own work starts.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ansible.plugins.action import ActionBase


class ControllerAction(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True
    _supports_async = False

    #: The module's options (Ansible's argument spec format).
    OPTION_SPEC: ClassVar[dict[str, dict[str, Any]]] = {}

    def run(self, tmp: str | None = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        _validation, params = self.validate_argument_spec(argument_spec=self.OPTION_SPEC)
        return self.run_on_controller(result, params, task_vars or {})

    def run_on_controller(
        self, result: dict[str, Any], params: dict[str, Any], task_vars: dict[str, Any]
    ) -> dict[str, Any]:
        """The module's work: `result` is Ansible's base result to update and return."""
        raise NotImplementedError
