# Copyright: (c) 2026, OnePacs baseline contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the module runs as the action plugin plugins/action/validate_inputs.py on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
module: validate_inputs
short_description: Check role variables, merge and check the inventory's waivers and attestations
version_added: 0.1.0
description:
  - Validates the inputs of a host on the controller, without contacting the host - the role variables (unknown
    names, values out of range for their area) and the exceptions (waivers) and attestations.
  - Without O(exceptions) and O(attestations), merges every variable named C(onepacs_exceptions) or
    C(onepacs_exceptions_<suffix>) (and the same for C(onepacs_attestations)), in the order of their names, and
    keeps the entries whose C(hosts) / C(groups) scope covers this host (the most specific entry per control).
  - Every problem (an unknown control id, with the id probably meant; a missing field; a date that is not
    C(YYYY-MM-DD); a waiver longer than O(max_waiver_days); an attestation for a control that is not manual or dated
    in the future; a misspelt shared variable such as C(onepacs_exception)) is collected, and all of them are
    reported in one message, each naming the inventory variable, the entry and the field, for example
    C(onepacs_exceptions_clinic[2].expires).
  - Role variable problems always fail the task. Waiver and attestation problems fail it when the run enforces
    (O(enforce) true outside check mode); in an audit the bad entries are left out, shown as warnings and returned
    in RV(input_errors), so the host is still audited.
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
    description:
      - Exceptions as the control modules take them (id, reason, approver, expires, optional hosts and groups).
      - Omitted, every C(onepacs_exceptions*) variable of the host is merged.
    type: list
    elements: raw
  exceptions_variable:
    description: Name of the inventory variable the exceptions come from, used in error messages.
    type: str
    default: exceptions
  attestations:
    description:
      - Attestations as M(onepacs.baseline.win_attestations) takes them.
      - Each has id, attested_by, date, evidence and valid_days, optionally hosts and groups.
      - Omitted, every C(onepacs_attestations*) variable of the host is merged.
    type: list
    elements: raw
  attestations_variable:
    description: Name of the inventory variable the attestations come from, used in error messages.
    type: str
    default: attestations
  max_waiver_days:
    description: Longest a waiver may run (its expiry at most this many days away) and an attestation stay current.
    type: int
    default: 365
  enforce:
    description:
      - Whether the run will enforce. False (or check mode) makes waiver and attestation problems warnings, so an
        audit still runs without the bad entries.
    type: bool
    default: true
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
- name: Merge, scope and validate this host's waivers and attestations from every inventory level
  onepacs.baseline.validate_inputs:
    max_waiver_days: 365
  register: onepacs_inputs

- name: Validate an explicit list
  onepacs.baseline.validate_inputs:
    exceptions: "{{ my_waivers }}"
    exceptions_variable: my_waivers
    attestations: []
"""

RETURN = r"""
exceptions:
  description: The valid exceptions that cover this host, one per control, without their scope.
  returned: success
  type: list
  elements: dict
  sample: [{id: PWR-02, reason: vendor tool, approver: ciso, expires: "2027-03-31"}]
attestations:
  description: The newest valid attestation per manual control that covers this host.
  returned: success
  type: list
  elements: dict
  sample: [{id: MAN-04, attested_by: j.doe, date: "2026-09-15", evidence: ticket 4411, valid_days: 365}]
input_errors:
  description: The waiver and attestation problems left out of an audit (empty when all entries are valid).
  returned: success
  type: list
  elements: str
  sample: ["onepacs_exceptions_clinic[1].id: 'MAN-4' is not a control id of the catalog (did you mean MAN-04?)"]
sources:
  description: The inventory variables merged, per shared list.
  returned: success
  type: dict
  sample: {onepacs_exceptions: [onepacs_exceptions, onepacs_exceptions_clinic_northside]}
"""
