# Copyright: (c) 2026, OnePacs baseline contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for onepacs.baseline.win_attestations (logic: plugin_utils/areas/_attestations.py).

The one addition: host_facts defaults to ansible_facts.onepacs_host, so the evidence win_host_facts gathered is
used without asking the host again.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.onepacs.baseline.plugins.plugin_utils._control_action import HOST_FACTS_KEY, ControlAction
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._attestations import AttestationsArea


class ActionModule(ControlAction):
    AREA = AttestationsArea
    _known_host_facts: Any = None

    def run(self, tmp: str | None = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        self._known_host_facts = ((task_vars or {}).get("ansible_facts") or {}).get(HOST_FACTS_KEY)
        return super().run(tmp, task_vars)

    def validate_argument_spec(self, *args: Any, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
        validation, params = super().validate_argument_spec(*args, **kwargs)
        if params.get("host_facts") is None and self._known_host_facts is not None:
            params["host_facts"] = self._known_host_facts
        return validation, params
