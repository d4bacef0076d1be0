# Copyright: (c) 2026, OnePacs baseline contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for onepacs.baseline.validate_inputs: checks inventory exceptions and attestations against the
catalog on the controller, so a typo fails the host before any area task contacts it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.onepacs.baseline.plugins.plugin_utils._area import InvalidOptionError
from ansible_collections.onepacs.baseline.plugins.plugin_utils._attestations import parse_attestations
from ansible_collections.onepacs.baseline.plugins.plugin_utils._catalog import load_catalog
from ansible_collections.onepacs.baseline.plugins.plugin_utils._exceptions import (
    InvalidExceptionError,
    parse_exceptions,
)

ARGUMENT_SPEC: dict[str, dict[str, Any]] = {
    "exceptions": {"type": "list", "elements": "raw", "default": []},
    "exceptions_variable": {"type": "str", "default": "exceptions"},
    "attestations": {"type": "list", "elements": "raw", "default": []},
    "attestations_variable": {"type": "str", "default": "attestations"},
}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp: str | None = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        _validation, params = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        catalog = load_catalog()
        try:
            exceptions = parse_exceptions(params["exceptions"], catalog.ids(), params["exceptions_variable"])
            attestations = parse_attestations(
                params["attestations"], catalog, dt.date.today(), params["attestations_variable"]
            )
        except (InvalidExceptionError, InvalidOptionError) as exc:
            raise AnsibleActionFail(str(exc)) from None
        result.update(
            changed=False,
            exceptions=len(exceptions),
            attestations=len(attestations),
            msg=f"{len(exceptions)} exceptions and {len(attestations)} attestations are valid",
        )
        return result
