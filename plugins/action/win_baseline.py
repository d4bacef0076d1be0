# Copyright: (c) 2026, OnePacs baseline contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for onepacs.baseline.win_baseline: the logic lives in plugin_utils/_baseline_audit.py."""

from __future__ import annotations

from ansible_collections.onepacs.baseline.plugins.plugin_utils._baseline_audit import BaselineAction


class ActionModule(BaselineAction):
    pass
