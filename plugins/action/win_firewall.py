# Copyright: (c) 2026, OnePacs baseline contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for onepacs.baseline.win_firewall (logic: plugin_utils/areas/_firewall.py)."""

from __future__ import annotations

from ansible_collections.onepacs.baseline.plugins.plugin_utils._control_action import ControlAction
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._firewall import FirewallArea


class ActionModule(ControlAction):
    AREA = FirewallArea
