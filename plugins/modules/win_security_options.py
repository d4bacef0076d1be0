# Copyright: (c) 2026, OnePacs baseline contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the module runs as the action plugin plugins/action/win_security_options.py on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
module: win_security_options
short_description: Windows security options - no autologon, SMBv1, LLMNR or WDigest; idle lock (SEC-01..06, LCK-01)
version_added: 0.1.0
description:
  - Audits and enforces the OnePacs security-option controls, each one or two registry values. They serve the
    gateway practice C(Application of a Windows Security Baseline should be considered) and the workstation
    practice C(Automatic Logout/Lockout).
  - C(SEC-01) (gateway) the recovery console does not log on automatically
    (C(HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Setup\RecoveryConsole\SecurityLevel) = 0; absent counts as
    Windows' default, disabled).
  - C(SEC-02) no automatic logon, so C(AutoAdminLogon) (REG_SZ) is C("0") and no C(DefaultPassword) value is stored
    under C(HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon). The fix deletes C(DefaultPassword). Its
    data is never returned, printed or put in a diff; the module reports only that it exists. A password that was
    stored there must be treated as disclosed and changed.
  - C(SEC-03) the SMB 1.0 server is off (C(HKLM\SYSTEM\CurrentControlSet\Services\LanmanServer\Parameters\SMB1) =
    0, set explicitly). The server reads it at start, so a fix sets C(reboot_required); the module never reboots.
  - C(SEC-04) LLMNR is off (C(HKLM\SOFTWARE\Policies\Microsoft\Windows NT\DNSClient\EnableMulticast) = 0).
  - C(SEC-05) WDigest keeps no clear-text credentials
    (C(HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\WDigest\UseLogonCredential) = 0, set explicitly as
    the Microsoft baselines do, although Windows 8.1 and later behave so without it).
  - C(SEC-06) anonymous enumeration of SAM accounts and shares is refused
    (C(HKLM\SYSTEM\CurrentControlSet\Control\Lsa) C(RestrictAnonymousSAM) = 1 and C(RestrictAnonymous) = 1).
  - C(LCK-01) the machine inactivity limit locks the session
    (C(HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System\InactivityTimeoutSecs) between 1 and
    O(inactivity_timeout_seconds); 0 or absent means never). The fix writes O(inactivity_timeout_seconds).
  - A value that must be set explicitly is drift when absent; a value of the wrong registry type is drift and is
    rewritten with the right type. A domain GPO that sets one of these values overwrites local fixes at its next
    refresh.
author:
  - OnePacs baseline contributors (@onepacs)
extends_documentation_fragment:
  - onepacs.baseline.controls
options:
  inactivity_timeout_seconds:
    description:
      - C(LCK-01) the longest machine inactivity limit that complies, in seconds, and the limit a fix writes.
      - Between 1 and 900. The workstation practice C(Automatic Logout/Lockout) asks that the screen lock after a
        period of inactivity; the baseline allows 15 minutes at most.
    type: int
    default: 900
notes:
  - Reads and writes go through the registry only, so the module works on every Windows display language.
seealso:
  - name: Interactive logon - Machine inactivity limit
    description: The security option behind LCK-01.
    link: "https://learn.microsoft.com/previous-versions/windows/it-pro/windows-10/security/threat-protection/\
      security-policy-settings/interactive-logon-machine-inactivity-limit"
  - name: How to detect, enable and disable SMBv1
    description: The SMB1 registry value behind SEC-03.
    link: https://learn.microsoft.com/windows-server/storage/file-server/troubleshoot/detect-enable-and-disable-smbv1-v2-v3
"""

EXAMPLES = r"""
- name: Audit and enforce the security options
  onepacs.baseline.win_security_options:

- name: Lock idle sessions after 10 minutes
  onepacs.baseline.win_security_options:
    inactivity_timeout_seconds: 600

- name: Report only, gateway baseline
  onepacs.baseline.win_security_options:
    baseline: gateway
    enforce: false
  register: security_options

- name: Restart in the maintenance window when SMBv1 was turned off
  ansible.builtin.debug:
    msg: Restart needed for SEC-03
  when: security_options.reboot_required
"""

RETURN = r"""
controls:
  description:
    - One record per control evaluated.
    - C(status) is one of C(pass), C(fail), C(fixed), C(not_applicable), C(excepted), C(manual_attested),
      C(manual_missing), C(error).
    - For C(SEC-02) the C(DefaultPassword) value is shown only as C(present) or C(absent).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Control id from the catalog.
      type: str
      sample: SEC-02
    title:
      description: Control title.
      type: str
    status:
      description: Outcome for this control.
      type: str
      sample: fixed
    expected:
      description: The compliant value, or a map value name -> compliant value for controls of several values.
      type: raw
      sample: {"AutoAdminLogon": "0", "DefaultPassword": "absent"}
    actual:
      description: The value found (the Windows default when absent); after a fix, the expected value.
      type: raw
      sample: {"AutoAdminLogon": "1", "DefaultPassword": "present"}
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
  sample: {"pass": 2, "fail": 0, "fixed": 5, "not_applicable": 0, "excepted": 0, "manual_attested": 0,
           "manual_missing": 0, "error": 0}
reboot_required:
  description: Whether a change made by this task needs a reboot to take effect (C(SEC-03)). The module never reboots.
  returned: always
  type: bool
"""
