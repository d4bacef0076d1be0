# Copyright: (c) 2026, OnePacs baseline contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for onepacs.baseline.win_account_policy: the logic lives in plugin_utils/_account_policy.py."""

from __future__ import annotations

from ansible_collections.onepacs.baseline.plugins.plugin_utils._account_policy import AccountPolicyArea
from ansible_collections.onepacs.baseline.plugins.plugin_utils._control_action import ControlAction


class ActionModule(ControlAction):
    AREA = AccountPolicyArea
