# Copyright: (c) 2026, OnePacs baseline contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for onepacs.baseline.baseline_guard: refuse to enforce a baseline on a host whose own facts say it
is the other kind of machine (decision: plugin_utils/_baseline_fit.py)."""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.onepacs.baseline.plugins.plugin_utils._action_loading import load_action
from ansible_collections.onepacs.baseline.plugins.plugin_utils._baseline_fit import baseline_fit

COLLECTION = "onepacs.baseline"
ARGUMENT_SPEC: dict[str, dict[str, Any]] = {
    "baseline": {"type": "str", "required": True, "choices": ["gateway", "workstation"]},
    "enforce": {"type": "bool", "default": True},
    "allow_mismatch": {"type": "bool", "default": False},
    "override_variable": {"type": "str", "default": "allow_mismatch"},
    "host_facts": {"type": "dict"},
}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = False

    def _gather_facts(self, baseline: str, task_vars: dict[str, Any]) -> dict[str, Any] | None:
        """The host facts, read with win_host_facts (read-only, one command) when no earlier task left them."""
        task = self._task.copy()
        task.args = {"baseline": baseline, "only": ["SYS-02"], "enforce": False}
        action = load_action(self, f"{COLLECTION}.win_host_facts", task)
        result = action.run(task_vars=task_vars)
        return (result.get("ansible_facts") or {}).get("onepacs_host")

    def run(self, tmp: str | None = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        _validation, params = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        host = str(task_vars.get("inventory_hostname", "the host"))
        enforcing = params["enforce"] and not self._play_context.check_mode
        facts = params["host_facts"] or (task_vars.get("ansible_facts") or {}).get("onepacs_host")
        if facts is None and not enforcing:
            result.update(changed=False, refused=False, msg="audit only: nothing will be changed, no guard needed")
            return result
        if facts is None:
            facts = self._gather_facts(params["baseline"], task_vars)
            if facts is not None:
                result["ansible_facts"] = {"onepacs_host": facts}
        fit = baseline_fit(params["baseline"], facts)
        result.update(changed=False, refused=False, fits=fit.fits, reason=fit.reason)
        if fit.fits:
            result["msg"] = f"{host} fits the {params['baseline']} baseline"
            return result
        words = f"{host} does not look like a {params['baseline']}: {fit.reason}"
        if not enforcing:
            self._display.warning(f"{words} (audit only, nothing is changed)")
            result["msg"] = words
            return result
        if params["allow_mismatch"]:
            self._display.warning(f"{words}; enforcing anyway because {params['override_variable']} is true")
            result["msg"] = words
            return result
        raise AnsibleActionFail(
            f"{words}. Nothing was changed. Put the host in the right group, or set {params['override_variable']}: "
            "true for it to enforce this baseline anyway."
        )
