"""Options every control module takes, as plain argspec data (documented in doc_fragments/controls.py)."""

from __future__ import annotations

from typing import Any

COMMON_OPTIONS: dict[str, dict[str, Any]] = {
    # Waivers from inventory: {id, reason, approver, expires}; validated in _exceptions.py, which names the entry.
    "exceptions": {"type": "list", "elements": "dict", "default": []},
    # Area switch: false reports drift without changing anything, even outside check mode.
    "enforce": {"type": "bool", "default": True},
    # The baseline the host is evaluated under: decides applicability (ENC-01 is physical-only on gateways but
    # applies to every workstation) and drops the module's controls that are not part of that baseline.
    "baseline": {"type": "str", "choices": ["gateway", "workstation"]},
    # Control ids to evaluate; empty means all of the module's controls (roles pass the control-id tags here).
    "only": {"type": "list", "elements": "str", "default": []},
}
