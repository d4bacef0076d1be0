# Copyright: (c) 2026, OnePacs baseline contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the module runs as the action plugin plugins/action/win_update_policy.py on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
module: win_update_policy
short_description: Automatic Windows updates on an off-hours schedule, and a recent update (UPD-01, UPD-02)
version_added: 0.1.0
description:
  - Serves the gateway practice C(Configure Windows Updates to run automatically during off-hours) and the
    workstation practice C(Ensure that the software is up to date).
  - C(UPD-01) enforces the "Configure Automatic Updates" policy in its registry form, under
    C(HKLM\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate\AU) (all DWORD, each set explicitly).
    C(NoAutoUpdate) = 0, C(AUOptions) = 4 (auto download and schedule the install),
    C(ScheduledInstallDay) = O(scheduled_install_day) and C(ScheduledInstallTime) = O(scheduled_install_time).
    A domain GPO that configures Windows Update overwrites these values at its next refresh.
  - C(UPD-02) audits that the newest installed update is at most O(max_update_age_days) days old, counted against
    the controller's date. It takes the newest of two sources, each of which misses some updates. One is the
    hotfix list (Win32_QuickFixEngineering, as C(Get-HotFix) shows it). The other is the Windows Update Agent
    history (successful installs). Defender definition updates are left out, as they arrive daily and would hide
    months without a security update.
  - Dates are made into ISO text on the host from typed values, never parsed from localised text. C(InstalledOn)
    is read as C(Get-HotFix) reads it (C(M/d/yyyy) in the invariant culture, or a hexadecimal FILETIME).
  - C(UPD-02) is audit-only. The module never installs updates; a stale host is reported as C(fail) with the date
    of its newest update.
author:
  - OnePacs baseline contributors (@onepacs)
extends_documentation_fragment:
  - onepacs.baseline.controls
options:
  scheduled_install_day:
    description:
      - C(UPD-01) the day automatic updates install. C(0) every day, C(1) to C(7) Sunday to Saturday.
    type: int
    default: 0
  scheduled_install_time:
    description:
      - C(UPD-01) the hour (0 to 23, host local time) automatic updates install. Choose an hour outside the
        clinic's working hours, as the gateway practice asks updates to run during off-hours.
    type: int
    default: 3
  max_update_age_days:
    description:
      - C(UPD-02) the most days since the newest installed update that still complies (1 or more).
    type: int
    default: 45
seealso:
  - name: Configure Automatic Updates
    description: The policy and registry values behind UPD-01.
    link: https://learn.microsoft.com/windows/deployment/update/waas-wu-settings
"""

EXAMPLES = r"""
- name: Audit and enforce the update policy (every day at 03:00, newest update at most 45 days old)
  onepacs.baseline.win_update_policy:

- name: Install on Sundays at 02:00 and accept 35 days since the last update
  onepacs.baseline.win_update_policy:
    scheduled_install_day: 1
    scheduled_install_time: 2
    max_update_age_days: 35
  register: updates

- name: Show how old the newest update is
  ansible.builtin.debug:
    msg: "{{ updates.controls | selectattr('id', 'equalto', 'UPD-02') | map(attribute='actual') | first }}"
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
      sample: UPD-01
    title:
      description: Control title.
      type: str
    status:
      description: Outcome for this control.
      type: str
      sample: fixed
    expected:
      description: For C(UPD-01) a map value name -> compliant data; for C(UPD-02) the age limit in words.
      type: raw
      sample: {"NoAutoUpdate": 0, "AUOptions": 4, "ScheduledInstallDay": 0, "ScheduledInstallTime": 3}
    actual:
      description: The values found (C(UPD-01)) or the age and date of the newest update (C(UPD-02)).
      type: raw
      sample: last update 128 days ago (2024-01-15)
    changed:
      description: Whether the control changed the host (in check mode, whether it would).
      type: bool
    message:
      description: Human-readable detail, including the newest update and where it was found.
      type: str
summary:
  description: Number of controls per status; every status is present.
  returned: always
  type: dict
  sample: {"pass": 0, "fail": 1, "fixed": 1, "not_applicable": 0, "excepted": 0, "manual_attested": 0,
           "manual_missing": 0, "error": 0}
reboot_required:
  description: Always false; the policy applies without a reboot. The module never reboots.
  returned: always
  type: bool
"""
