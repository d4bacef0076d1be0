# Copyright: (c) 2026, OnePacs baseline contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the module runs as the action plugin plugins/action/validate_inputs.py on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
module: validate_inputs
short_description: Check inventory exceptions and attestations against the control catalog
version_added: 0.1.0
description:
  - Validates the inputs of a host on the controller, without contacting the host - the role variables (unknown
    names, values out of range for their area) and the exceptions (waivers) and attestations.
  - Every problem (an unknown control id, a missing field, a date that is not C(YYYY-MM-DD), an attestation for a
    control that is not manual, an attestation dated in the future) fails the task with a message naming the
    inventory variable, the entry and the field, for example C(onepacs_exceptions[2].expires).
  - The baseline roles run it first, so a typo in group_vars stops the host before any area task touches it.
author:
  - OnePacs baseline contributors (@onepacs)
options:
  variable_prefix:
    description:
      - The prefix of a role's variables, for example C(onepacs_gateway_). Every variable of the host with this
        prefix that is not in O(role_variables) is reported as a typo, with the closest known name.
    type: str
  role_variables:
    description: Every variable the role declares or sets (the baseline roles pass theirs).
    type: list
    elements: str
    default: []
  settings:
    description:
      - "Per control module, the options the role will pass it, for example C({win_power: {hibernation: false}})."
      - Each is validated as the module validates it (types, ranges, formats) without contacting the host.
    type: dict
    default: {}
  setting_variables:
    description:
      - Per control module, the role variable behind each option, so an error names the variable the user set.
    type: dict
    default: {}
  exceptions:
    description: Exceptions as the control modules take them (id, reason, approver, expires).
    type: list
    elements: raw
    default: []
  exceptions_variable:
    description: Name of the inventory variable the exceptions come from, used in error messages.
    type: str
    default: exceptions
  attestations:
    description:
      - Attestations as M(onepacs.baseline.win_attestations) takes them.
      - Each has id, attested_by, date, evidence and valid_days.
    type: list
    elements: raw
    default: []
  attestations_variable:
    description: Name of the inventory variable the attestations come from, used in error messages.
    type: str
    default: attestations
attributes:
  check_mode:
    support: full
    description: Validation only; it never changes anything.
  diff_mode:
    support: none
    description: Nothing to show.
  platform:
    support: full
    platforms: all
    description: Runs on the controller only.
"""

EXAMPLES = r"""
- name: Validate this host's exceptions and attestations
  onepacs.baseline.validate_inputs:
    exceptions: "{{ onepacs_exceptions }}"
    exceptions_variable: onepacs_exceptions
    attestations: "{{ onepacs_attestations }}"
    attestations_variable: onepacs_attestations
"""

RETURN = r"""
exceptions:
  description: Number of valid exceptions.
  returned: success
  type: int
  sample: 2
attestations:
  description: Number of controls with a valid attestation (the newest per control counts).
  returned: success
  type: int
  sample: 5
"""
