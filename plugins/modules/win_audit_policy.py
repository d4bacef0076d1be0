# Copyright: (c) 2026, OnePacs baseline contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the module runs as the action plugin plugins/action/win_audit_policy.py on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
module: win_audit_policy
short_description: Advanced audit policy for logons and account changes, and a large Security log (LOG-01, LOG-02)
version_added: 0.1.0
description:
  - Serves the gateway practice to check security logs regularly "to screen for unauthorized or inappropriate
    access, including screening for authentication events, privilege escalation and usage".
  - C(LOG-01) the advanced audit policy audits at least Credential Validation (success and failure), Logon (S+F),
    Logoff (S), Account Lockout (F), Special Logon (S), Other Logon/Logoff Events (S+F), Group Membership (S),
    Sensitive Privilege Use (S+F), User Account Management (S+F), Security Group Management (S) and Other Account
    Management Events (S). Auditing more complies; a fix only adds the missing sides and leaves the others alone.
  - Subcategories are addressed by GUID, never by their localised names. They are read from the CSV of
    C(auditpol /backup) (its GUID and numeric Setting Value columns) and set with
    C(auditpol /set "/subcategory:{GUID}").
  - C(LOG-01) also needs C(HKLM\SYSTEM\CurrentControlSet\Control\Lsa\SCENoApplyLegacyAuditPolicy) = 1, the
    security option that forces audit policy subcategory settings to override audit policy category settings.
    Without it a legacy category policy can override the subcategories.
  - C(LOG-02) the Security event log may grow to at least O(security_log_min_size_kb) KB. The Group Policy value
    C(HKLM\SOFTWARE\Policies\Microsoft\Windows\EventLog\Security\MaxSize) (KB) wins when it exists. Otherwise the
    log's own maximum size counts (C(Get-WinEvent -ListLog Security), in bytes). Each one that is too small is
    raised to the option's value, the log's own size through the event log API (as C(wevtutil sl Security /ms:)
    does, in bytes) and the policy value in KB. Larger sizes are left alone.
  - A domain GPO that sets audit policy or log sizes overwrites local fixes at its next refresh.
author:
  - OnePacs baseline contributors (@onepacs)
extends_documentation_fragment:
  - onepacs.baseline.controls
options:
  security_log_min_size_kb:
    description:
      - C(LOG-02) the smallest maximum size of the Security log that complies, in KB, and the size a fix sets.
      - A multiple of 64 KB between 20480 and 4194240. The default, 196608 KB (192 MB), follows the Microsoft
        security baselines.
    type: int
    default: 196608
notes:
  - Reading and writing the audit policy needs an elevated administrator; without one the controls are C(error)
    with an access-denied cause.
seealso:
  - name: Advanced security audit policy settings
    description: The subcategories behind LOG-01.
    link: https://learn.microsoft.com/windows/security/threat-protection/auditing/advanced-security-audit-policy-settings
  - name: auditpol backup
    description: The CSV the module reads.
    link: https://learn.microsoft.com/windows-server/administration/windows-commands/auditpol-backup
"""

EXAMPLES = r"""
- name: Audit and enforce the audit policy and the Security log size
  onepacs.baseline.win_audit_policy:

- name: Keep a 1 GB Security log
  onepacs.baseline.win_audit_policy:
    security_log_min_size_kb: 1048576

- name: Only the Security log size, report only
  onepacs.baseline.win_audit_policy:
    only: [LOG-02]
    enforce: false
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
      sample: LOG-01
    title:
      description: Control title.
      type: str
    status:
      description: Outcome for this control.
      type: str
      sample: fixed
    expected:
      description: >-
        For C(LOG-01) a map subcategory -> the sides it must audit at least, plus SCENoApplyLegacyAuditPolicy; for
        C(LOG-02) the minimum size.
      type: raw
      sample: {"Logon": "at least success and failure", "SCENoApplyLegacyAuditPolicy": 1}
    actual:
      description: What the host audits per subcategory (C(LOG-01)) or the size in effect (C(LOG-02)).
      type: raw
      sample: {"Logon": "success", "SCENoApplyLegacyAuditPolicy": null}
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
  sample: {"pass": 1, "fail": 0, "fixed": 1, "not_applicable": 0, "excepted": 0, "manual_attested": 0,
           "manual_missing": 0, "error": 0}
reboot_required:
  description: Always false; audit policy and log sizes apply at once. The module never reboots.
  returned: always
  type: bool
"""
