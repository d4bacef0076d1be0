# Copyright: (c) 2026, OnePacs baseline contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the module runs as the action plugin plugins/action/win_account_policy.py on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
module: win_account_policy
short_description: Password and account lockout policy of the local security policy (PWD-01..06)
version_added: 0.1.0
description:
  - Audits and enforces the OnePacs password controls in the local security policy
    (Local Security Policy > Account Policies).
  - C(PWD-01) password complexity is required (C(PasswordComplexity) = 1).
  - C(PWD-02) the minimum password length is at least O(minimum_password_length).
  - C(PWD-03) passwords expire after 1 to O(maximum_password_age_days) days; C(0) or C(-1) (never expires) fails.
  - C(PWD-04) the password history remembers at least O(password_history_size) passwords.
  - C(PWD-05) accounts lock after 1 to O(lockout_threshold) bad passwords, for at least O(lockout_duration_minutes)
    minutes (C(-1), until an administrator unlocks, also passes), and the bad-password counter resets after at
    least O(lockout_reset_minutes) minutes but not later than the lockout duration. The three values are written
    in one template, because Windows checks them together (the durations need a non-zero threshold, and the
    reset window may not be longer than the duration).
  - C(PWD-06) passwords are not stored with reversible encryption (C(ClearTextPassword) = 0).
  - Thresholds are minimums ("at least"); a host that is stricter passes and keeps its value. A fix writes the
    option's value.
  - Reads use C(secedit /export /areas SECURITYPOLICY) and the C([System Access]) keys of the exported template,
    which are the same on every Windows display language; writes use C(secedit /configure) with a temporary
    template and database that holds only the changed keys. Each write is exported again and checked.
  - On a domain member the domain's Group Policy (Default Domain Policy) sets these values and overwrites local
    changes at its next refresh. There the module reports the controls, says so in each message, and changes
    nothing; fix the domain's GPO instead.
author:
  - OnePacs baseline contributors (@onepacs)
extends_documentation_fragment:
  - onepacs.baseline.controls
options:
  minimum_password_length:
    description:
      - The shortest password allowed (C(PWD-02)); the host passes with this value or more.
      - Serves "Mandate appropriate password complexity" and "set other password related policies" (gateway) and
        "secured by a complex password" (workstation). 14 is the value of Microsoft's security baseline.
      - Values above 14 also need the policy "Relax minimum password length limits", which this module does not
        set; without it Windows refuses the value and the control reports an error.
    type: int
    default: 14
  maximum_password_age_days:
    description:
      - The longest a password may be used, in days (C(PWD-03)); the host passes with 1 to this many days.
      - Between 1 and 999.
    type: int
    default: 365
  password_history_size:
    description:
      - How many previous passwords are remembered (C(PWD-04)); the host passes with this value or more.
      - Between 1 and 24 (the Windows maximum).
    type: int
    default: 24
  lockout_threshold:
    description:
      - The most bad passwords allowed before the account locks (C(PWD-05)); the host passes with 1 to this many.
    type: int
    default: 10
  lockout_duration_minutes:
    description:
      - The shortest lockout allowed, in minutes (C(PWD-05)); the host passes with this value or more, or with
        C(-1) (until an administrator unlocks).
    type: int
    default: 15
  lockout_reset_minutes:
    description:
      - The shortest time after which the bad-password counter resets, in minutes (C(PWD-05)); the host passes
        with this value or more, as long as it is not longer than the lockout duration.
      - Must not exceed O(lockout_duration_minutes).
    type: int
    default: 15
seealso:
  - name: secedit
    description: The command the module reads and writes the policy with.
    link: https://learn.microsoft.com/windows-server/administration/windows-commands/secedit
  - name: Account Policies
    description: What each password and lockout setting means.
    link: https://learn.microsoft.com/windows/security/threat-protection/security-policy-settings/account-policies
"""

EXAMPLES = r"""
- name: Audit and enforce the password and lockout policy
  onepacs.baseline.win_account_policy:

- name: A clinic policy stricter than the defaults
  onepacs.baseline.win_account_policy:
    minimum_password_length: 14
    maximum_password_age_days: 180
    lockout_threshold: 5
    lockout_duration_minutes: 30
    lockout_reset_minutes: 30

- name: Report only
  onepacs.baseline.win_account_policy:
    enforce: false
  register: passwords

- name: Show the control records
  ansible.builtin.debug:
    var: passwords.controls
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
      sample: PWD-05
    title:
      description: Control title.
      type: str
    status:
      description: Outcome for this control.
      type: str
      sample: fixed
    expected:
      description: The compliant value or range, for example C(>= 14) or C(1..365).
      type: raw
    actual:
      description: The value found on the host (after a fix, the value read back).
      type: raw
    changed:
      description: Whether the control changed the host (in check mode, whether it would).
      type: bool
    message:
      description: Human-readable detail, including the cause of an error and the domain note.
      type: str
summary:
  description: Number of controls per status; every status is present.
  returned: always
  type: dict
  sample: {"pass": 2, "fail": 0, "fixed": 4, "not_applicable": 0, "excepted": 0, "manual_attested": 0,
           "manual_missing": 0, "error": 0}
reboot_required:
  description: Always false; the policy takes effect without a reboot. The module never reboots.
  returned: always
  type: bool
"""
