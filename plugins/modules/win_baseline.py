# Copyright: (c) 2026, OnePacs baseline contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the module runs as the action plugin plugins/action/win_baseline.py on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
module: win_baseline
short_description: Audit every area of a OnePacs baseline in one WinRM command per host, enforce it in two
version_added: 0.1.0
description:
  - Evaluates every control of the C(gateway) or C(workstation) baseline, like running each area module
    (M(onepacs.baseline.win_host_facts), M(onepacs.baseline.win_power), M(onepacs.baseline.win_firewall), ...) as its
    own task, but reads the host with B(one) command, in which the probes of every area go to the agent.
  - Each area is still decided by its own module's code (loaded as that module's action plugin), so the control
    records are the same as with one task per area; only the round trips are shared.
  - In check mode, or with O(enforce=false), that one command is all the host sees. Otherwise the fixes of every
    area with drifted controls go to the host in one more command, in area order; each fix is read back on the host
    and concluded by its area exactly as its module does. An op that fails is that control's error and never stops
    the fixes of the other areas.
  - Two kinds of area still fix in commands of their own, as their module does, because their fix needs the
    controller between two host steps or later areas need their facts first - M(onepacs.baseline.win_bitlocker)
    (the recovery password is escrowed before protection goes on) and M(onepacs.baseline.win_host_facts).
  - The baseline roles run this module by default (C(audit_mode=single_command)); for large fleets this is the audit
    to use. See docs/performance.md in the collection for the measurements.
author:
  - OnePacs baseline contributors (@onepacs)
extends_documentation_fragment:
  - onepacs.baseline.controls
options:
  baseline:
    description:
      - The baseline to evaluate. Decides which area modules run and which of their controls apply.
    type: str
    choices: [gateway, workstation]
    required: true
  areas:
    description:
      - Options of the area modules, keyed by module name (V(win_power) or V(onepacs.baseline.win_power)), each a
        mapping of that module's own options as documented for it.
      - An area left out runs with its defaults. The key V(enabled) (default V(true)) switches an area off.
      - The key V(tags) (a list) gives the tags of the area's own task in the roles' per-area mode. With it, the
        area runs only when C(--tags) and C(--skip-tags) would run a task with those tags and the area's control ids
        (C(ansible_run_tags), C(ansible_skip_tags)), so tags select areas as they do with one task per area.
      - The common options (O(exceptions), O(enforce), O(only), O(baseline)) are passed to every area.
    type: dict
    default: {}
  role_inputs:
    description:
      - The role variables behind the area options, for the baseline roles. With it, an option the task does not
        give in O(areas) is read from the role variable named for it (templated), and before the host is contacted
        the variables are checked as M(onepacs.baseline.validate_inputs) checks them, the error naming the variable.
      - Passing names instead of one C({{ variable }}) template per option saves Ansible compiling every template
        again for each host.
    type: dict
    suboptions:
      variable_prefix:
        description:
          - Prefix of the role's variables; a variable with it that is not in O(role_inputs.role_variables) is a
            typo.
        type: str
        required: true
      role_variables:
        description: Every variable the role defines or sets.
        type: list
        elements: str
        required: true
      setting_variables:
        description: Area module name -> option name (or V(enabled)) -> the role variable behind it.
        type: dict
        default: {}
      exceptions_variable:
        description: Name of the variable that holds O(exceptions), for error messages.
        type: str
        default: onepacs_exceptions
      attestations_variable:
        description: Name of the variable that holds the attestations of the manual controls, for error messages.
        type: str
        default: onepacs_attestations
      max_waiver_days_variable:
        description:
          - Name of the variable that holds the longest a waiver may run and an attestation stay current, in days
            (365 when it is not set).
          - With O(role_inputs), every C(onepacs_exceptions*) and C(onepacs_attestations*) variable of the host is
            merged and scoped to it as M(onepacs.baseline.validate_inputs) does; in check mode a bad entry is left
            out with a warning, when enforcing it fails the host before it is contacted.
        type: str
        default: onepacs_max_waiver_days
notes:
  - Host facts are gathered first, returned as C(ansible_facts.onepacs_host) and passed to the later areas, as the
    baseline roles do between their tasks.
  - An area whose options are invalid fails alone (its message is in C(msg) and RV(areas)); the others are
    evaluated and reported, and the task fails after all of them ran.
seealso:
  - module: onepacs.baseline.win_host_facts
  - module: onepacs.baseline.win_power
"""

EXAMPLES = r"""
- name: Audit the gateway baseline in one command per host
  onepacs.baseline.win_baseline:
    baseline: gateway
    areas:
      win_host_facts:
        expected_ipv4: 192.168.10.20
      win_firewall:
        extra_rule_allowlist:
          - display_name: "PACS modality (DICOM 104)"
      win_bitlocker:
        enabled: false
  check_mode: true
  register: audit

- name: Show what does not pass
  ansible.builtin.debug:
    msg: "{{ audit.controls | rejectattr('status', 'in', ['pass', 'not_applicable']) | list }}"
"""

RETURN = r"""
controls:
  description:
    - One record per control evaluated, of every area, in area order (host facts first, attestations last), as
      every area module returns them.
    - C(status) is one of C(pass), C(fail), C(fixed), C(not_applicable), C(excepted), C(manual_attested),
      C(manual_missing), C(error).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Control id from the catalog.
      type: str
      sample: FW-02
    title:
      description: Control title.
      type: str
    status:
      description: Outcome for this control.
      type: str
      sample: fail
    expected:
      description: The compliant value.
      type: raw
    actual:
      description: The value found on the host (after a fix, the value read back).
      type: raw
    changed:
      description: Whether the control changed the host (in check mode, whether it would).
      type: bool
    message:
      description: Human-readable detail, including the cause of an error.
      type: str
summary:
  description: Number of controls per status over every area; every status is present.
  returned: always
  type: dict
  sample: {"pass": 30, "fail": 12, "fixed": 0, "not_applicable": 6, "excepted": 0, "manual_attested": 0,
           "manual_missing": 10, "error": 0}
areas:
  description: The result of each area module that ran (C(msg), C(summary), C(changed), C(failed)...), without its
    control records, keyed by module name.
  returned: always
  type: dict
commands:
  description: WinRM commands this task sent to the host (1 for an audit, 2 when fixes were applied, more only
    for an area that fixes in commands of its own).
  returned: always
  type: int
  sample: 1
reboot_required:
  description: Whether a change made by this task needs a reboot to take effect. The module never reboots.
  returned: always
  type: bool
"""
