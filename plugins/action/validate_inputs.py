# Copyright: (c) 2026, OnePacs baseline contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for onepacs.baseline.validate_inputs: checks inventory exceptions and attestations against the
catalog on the controller, so a typo fails the host before any area task contacts it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ansible.errors import AnsibleActionFail

from ansible_collections.onepacs.baseline.plugins.plugin_utils._catalog import load_catalog
from ansible_collections.onepacs.baseline.plugins.plugin_utils._controller_action import ControllerAction
from ansible_collections.onepacs.baseline.plugins.plugin_utils._exceptions import (
    InvalidExceptionError,
    parse_exceptions,
)
from ansible_collections.onepacs.baseline.plugins.plugin_utils._role_inputs import (
    InvalidRoleInputError,
    check_area_settings,
    check_unknown_variables,
)
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._area import InvalidOptionError
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._attestations import parse_attestations

ARGUMENT_SPEC: dict[str, dict[str, Any]] = {
    # Role-level checks (the baseline roles pass these; see _role_inputs.py).
    "settings": {"type": "dict", "default": {}},
    "setting_variables": {"type": "dict", "default": {}},
    "variable_prefix": {"type": "str"},
    "role_variables": {"type": "list", "elements": "str", "default": []},
    "exceptions": {"type": "list", "elements": "raw", "default": []},
    "exceptions_variable": {"type": "str", "default": "exceptions"},
    "attestations": {"type": "list", "elements": "raw", "default": []},
    "attestations_variable": {"type": "str", "default": "attestations"},
}


class ActionModule(ControllerAction):
    OPTION_SPEC = ARGUMENT_SPEC

    def run_on_controller(
        self, result: dict[str, Any], params: dict[str, Any], task_vars: dict[str, Any]
    ) -> dict[str, Any]:
        catalog = load_catalog()
        try:
            if params["variable_prefix"]:
                check_unknown_variables(task_vars, params["variable_prefix"], params["role_variables"])
            for module, settings in params["settings"].items():
                check_area_settings(module, settings or {}, params["setting_variables"].get(module) or {})
            exceptions = parse_exceptions(params["exceptions"], catalog.ids(), params["exceptions_variable"])
            attestations = parse_attestations(
                params["attestations"], catalog, dt.date.today(), params["attestations_variable"]
            )
        except (InvalidExceptionError, InvalidOptionError, InvalidRoleInputError) as exc:
            raise AnsibleActionFail(str(exc)) from None
        result.update(
            changed=False,
            exceptions=len(exceptions),
            attestations=len(attestations),
            msg=f"{len(exceptions)} exceptions and {len(attestations)} attestations are valid",
        )
        return result
