# Copyright: (c) 2026, OnePacs baseline contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for onepacs.baseline.validate_inputs: checks the role variables and merges, scopes and checks the
inventory's waivers and attestations on the controller, so a typo fails the host before any area task contacts it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ansible.errors import AnsibleActionFail

from ansible_collections.onepacs.baseline.plugins.plugin_utils._controller_action import ControllerAction
from ansible_collections.onepacs.baseline.plugins.plugin_utils._exceptions import DEFAULT_MAX_DAYS
from ansible_collections.onepacs.baseline.plugins.plugin_utils._role_inputs import (
    ATTESTATIONS_VARIABLE,
    EXCEPTIONS_VARIABLE,
    InputProblems,
    attestation_entry,
    check_area_settings,
    host_inputs,
    shared_variables,
    unknown_variable_errors,
)

ARGUMENT_SPEC: dict[str, dict[str, Any]] = {
    # Role-level checks (the baseline roles pass these; see _role_inputs.py).
    "settings": {"type": "dict", "default": {}},
    "setting_variables": {"type": "dict", "default": {}},
    "variable_prefix": {"type": "str"},
    "role_variables": {"type": "list", "elements": "str", "default": []},
    # Explicit lists; when omitted, every onepacs_exceptions* / onepacs_attestations* variable is merged.
    "exceptions": {"type": "list", "elements": "raw"},
    "exceptions_variable": {"type": "str", "default": "exceptions"},
    "attestations": {"type": "list", "elements": "raw"},
    "attestations_variable": {"type": "str", "default": "attestations"},
    "max_waiver_days": {"type": "int", "default": DEFAULT_MAX_DAYS},
    "enforce": {"type": "bool", "default": True},
}


class ActionModule(ControllerAction):
    OPTION_SPEC = ARGUMENT_SPEC

    def _shared_variables(self, task_vars: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        """The lists to merge: the explicit ones when given, else every shared variable of the host, rendered."""
        explicit = {}
        for base, option in ((EXCEPTIONS_VARIABLE, "exceptions"), (ATTESTATIONS_VARIABLE, "attestations")):
            if params[option] is not None:
                explicit[base] = (params[f"{option}_variable"], params[option])
        if len(explicit) == 2:
            return dict(explicit.values())
        bases = tuple(base for base in (EXCEPTIONS_VARIABLE, ATTESTATIONS_VARIABLE) if base not in explicit)
        rendered = shared_variables(task_vars, self._templar.template, bases)
        rendered.update(dict(explicit.values()))
        return rendered

    def run_on_controller(
        self, result: dict[str, Any], params: dict[str, Any], task_vars: dict[str, Any]
    ) -> dict[str, Any]:
        host = str(task_vars.get("inventory_hostname", "this host"))
        today = dt.date.today()
        if params["max_waiver_days"] < 1:
            raise AnsibleActionFail(f"onepacs_max_waiver_days: must be at least 1, got {params['max_waiver_days']}")

        # Role variables: always fatal, since a wrong knob changes what enforcement would write.
        role = InputProblems()
        if params["variable_prefix"]:
            role.errors += unknown_variable_errors(task_vars, params["variable_prefix"], params["role_variables"])
        for module, settings in params["settings"].items():
            variables = params["setting_variables"].get(module) or {}
            role.check(
                lambda module=module, settings=settings, variables=variables: check_area_settings(
                    module, settings or {}, variables
                )
            )

        # Waivers and attestations: a bad entry is left out and reported; see docs/exceptions-and-attestations.md.
        inputs, left_out = host_inputs(
            self._shared_variables(task_vars, params), task_vars, today=today, max_days=params["max_waiver_days"]
        )
        audit_only = bool(self._play_context.check_mode) or not params["enforce"]
        if role.errors or (left_out and not audit_only):
            raise AnsibleActionFail(InputProblems(errors=role.errors + left_out).message(host))
        for error in left_out:
            self._display.warning(f"{host}: {error} (entry ignored; this audit treats it as absent)")
        shared = InputProblems(errors=left_out)
        result.update(
            changed=False,
            exceptions=[exception.to_entry() for exception in inputs.exceptions.values()],
            attestations=[attestation_entry(attestation) for attestation in inputs.attestations.values()],
            input_errors=shared.errors,
            sources=inputs.sources,
            msg=(
                f"{len(inputs.exceptions)} exceptions and {len(inputs.attestations)} attestations apply to {host}"
                + (f"; {len(shared.errors)} entries ignored (audit only)" if shared.errors else "")
            ),
        )
        return result
