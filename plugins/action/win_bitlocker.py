# Copyright: (c) 2026, OnePacs baseline contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for onepacs.baseline.win_bitlocker (logic: plugin_utils/areas/_bitlocker.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ansible_collections.onepacs.baseline.plugins.plugin_utils._control_action import ControlAction
from ansible_collections.onepacs.baseline.plugins.plugin_utils._findings import Change
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._transport import OpResult
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._area import module_argument_spec
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._bitlocker import BitLockerArea
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._escrow import apply_with_escrow, no_log


class ActionModule(ControlAction):
    AREA = BitLockerArea

    def _apply_changes(self, host: str, changes: Sequence[Change], task_vars: dict[str, Any]) -> list[OpResult]:
        """Escrow each new recovery password on the controller before protection goes on (see _escrow.py); the
        round trip that carries the password runs with no_log so the connection does not log its output."""
        _validation, params = self.validate_argument_spec(argument_spec=module_argument_spec(self.AREA))
        contexts = (self._play_context, getattr(self._connection, "_play_context", None))
        return apply_with_escrow(self._run_ops, host, changes, params["escrow_dir"], lambda: no_log(*contexts))
