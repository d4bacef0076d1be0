# Copyright: (c) 2026, OnePacs baseline contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the module runs as the action plugin plugins/action/win_power.py on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
module: win_power
short_description: Keep a Windows host awake - never sleep on AC, no hibernation, no fast startup (PWR-01..03)
version_added: 0.1.0
description:
  - Audits and enforces the OnePacs power controls on a Windows host.
  - C(PWR-01) the active power scheme never sleeps on AC power. When a Group Policy value
    (C(HKLM\SOFTWARE\Policies\Microsoft\Power\PowerSettings\29f6c1db-86da-48c5-9fdb-f2b67b1f44da\ACSettingIndex))
    exists it wins over the scheme, so it is corrected too.
  - C(PWR-02) hibernation is off (C(powercfg /hibernate off)).
  - C(PWR-03) fast startup (hybrid boot) is off
    (C(HKLM\SYSTEM\CurrentControlSet\Control\Session Manager\Power\HiberbootEnabled) = 0).
  - Reads go through the power WMI classes and the registry, never through the localized text output of
    C(powercfg), so the module works on every Windows display language.
author:
  - OnePacs baseline contributors (@onepacs)
extends_documentation_fragment:
  - onepacs.baseline.controls
options:
  standby_timeout_ac_minutes:
    description:
      - Minutes of inactivity on AC power before the host sleeps. C(0) means never, as the OnePacs gateway
        practice asks ("Adjust the power settings of the OS to never sleep").
    type: int
    default: 0
  hibernation:
    description: Whether hibernation should be enabled. The baseline wants it off.
    type: bool
    default: false
  fast_startup:
    description: Whether fast startup (hybrid boot) should be enabled. The baseline wants it off.
    type: bool
    default: false
seealso:
  - name: powercfg command-line options
    description: The settings this module reads and writes.
    link: https://learn.microsoft.com/windows-hardware/design/device-experiences/powercfg-command-line-options
"""

EXAMPLES = r"""
- name: Audit and enforce the power controls
  onepacs.baseline.win_power:

- name: Report only (no change even without --check)
  onepacs.baseline.win_power:
    enforce: false

- name: Enforce with an approved exception for hibernation
  onepacs.baseline.win_power:
    exceptions:
      - id: PWR-02
        reason: Vendor imaging tool needs hiberfil.sys until the migration
        approver: it-security@clinic.example
        expires: "2027-03-31"
  register: power

- name: Show the control records
  ansible.builtin.debug:
    var: power.controls
"""

RETURN = r"""
controls:
  description:
    - One record per control evaluated.
    - C(status) is one of C(pass), C(fail), C(fixed), C(not_applicable), C(excepted), C(manual_attested),
      C(manual_missing), C(error).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Control id from the catalog.
      type: str
      sample: PWR-02
    title:
      description: Control title.
      type: str
    status:
      description: Outcome for this control.
      type: str
      sample: fixed
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
  description: Number of controls per status; every status is present.
  returned: always
  type: dict
  sample: {"pass": 1, "fail": 0, "fixed": 2, "not_applicable": 0, "excepted": 0, "manual_attested": 0,
           "manual_missing": 0, "error": 0}
reboot_required:
  description: Whether a change made by this task needs a reboot to take effect. The module never reboots.
  returned: always
  type: bool
"""
