# Copyright: (c) 2026, OnePacs baseline contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the module runs as the action plugin plugins/action/win_baseline.py on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
module: win_baseline
short_description: Audit every area of a OnePacs baseline in one WinRM command per host
version_added: 0.1.0
description:
  - Evaluates every control of the C(gateway) or C(workstation) baseline, like running each area module
    (M(onepacs.baseline.win_host_facts), M(onepacs.baseline.win_power), M(onepacs.baseline.win_firewall), ...) as its
    own task, but reads the host with B(one) command, in which the probes of every area go to the agent.
  - Each area is still decided by its own module's code (loaded as that module's action plugin), so the control
    records are the same as with one task per area; only the round trips are shared.
  - In check mode, or with O(enforce=false), that one command is all the host sees. Otherwise every area with
    drifted controls fixes them in one more command of its own, exactly as its module does.
  - For large fleets this is the audit to use; see docs/performance.md in the collection for the measurements.
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
      - The common options (O(exceptions), O(enforce), O(only), O(baseline)) are passed to every area.
    type: dict
    default: {}
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
  description: WinRM commands this task sent to the host (1 for an audit).
  returned: always
  type: int
  sample: 1
reboot_required:
  description: Whether a change made by this task needs a reboot to take effect. The module never reboots.
  returned: always
  type: bool
"""
