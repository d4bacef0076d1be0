# Copyright: (c) 2026, OnePacs baseline contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the module runs as the action plugin plugins/action/win_defender.py on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
module: win_defender
short_description: Antivirus - Defender exclusions, real-time protection, scheduled scans, signatures (AV-01..05)
version_added: 0.1.0
description:
  - Audits and enforces the OnePacs antivirus controls with Microsoft Defender Antivirus.
  - C(AV-01) (gateway) Defender excludes C(C:\onepacs) and the PostgreSQL folder, as the gateway practice asks
    ("For performance purposes, it is best to add anti-virus exclusions for"). The PostgreSQL folder is the one the
    PostgreSQL installer recorded in the registry (C(HKLM\SOFTWARE\[WOW6432Node\]PostgreSQL\Installations),
    C(Base Directory); a versioned folder such as C(...\PostgreSQL\9.6) is excluded through its C(PostgreSQL)
    parent, and a C(Data Directory) outside it is excluded too). Without such a record it is
    "C:\Program Files (x86)\PostgreSQL" on 64-bit Windows and "C:\Program Files\PostgreSQL" on 32-bit Windows.
    Paths compare case-insensitively, a trailing backslash ignored, and an exclusion of a parent folder counts.
  - C(AV-02) real-time protection is on (C(Set-MpPreference -DisableRealtimeMonitoring $false)). When the Group
    Policy value C(HKLM\SOFTWARE\Policies\Microsoft\Windows Defender\Real-Time Protection\DisableRealtimeMonitoring)
    turns it off, the policy wins; the control then fails with a message naming the policy and nothing is changed.
  - C(AV-03) a scheduled scan runs on O(scan_schedule_day) at O(scan_schedule_time).
  - C(AV-04) signatures are at most O(signature_max_age_days) days old; the fix runs C(Update-MpSignature) and
    reads the age back.
  - C(AV-05) (workstation, audit only) Windows Security Center lists an antivirus product that is on and up to
    date. Security Center (C(root\SecurityCenter2)) exists on client Windows only; on Windows Server the control is
    not applicable. Its undocumented C(productState) is decoded as C(0xF000) scanner state (1 on, 0 off, 2 snoozed,
    3 expired) and C(0x00F0) signatures (0 up to date, 1 out of date).
  - When another antivirus product is the active one (Defender in passive mode, not running or not installed;
    on client Windows, another product registered in Security Center), Defender's settings have no effect. What
    the module cannot observe in that product becomes a manual check naming the product, never C(fail)
    (C(manual_missing), or C(manual_attested) with a current entry in O(antivirus_attestations)), that is C(AV-01) (the
    exact folders to exclude) and C(AV-03) always; C(AV-02) and C(AV-04) on Windows Server, which has no Security
    Center. On client Windows Security Center shows the product's state, so C(AV-02) and C(AV-04) pass when it
    reports the product on and up to date (its own judgement, not the day limit) and fail when it reports it off
    or out of date. On Windows Server the product is named from the installed programs.
  - C(AV-01) takes OnePacs' install folder from the installed programs (C(InstallLocation) of a program whose name
    or publisher is OnePacs; C(C:\onepacs) only when none is found). Every folder from the host is validated before
    it becomes an exclusion; a drive root, a wildcard, an environment variable, a user profile, a system folder or
    a folder not named like PostgreSQL or OnePacs is never excluded, and the control fails naming it.
  - Reads use the Defender cmdlets, CIM and the registry, never localized command output, so the module works on
    every Windows display language.
author:
  - OnePacs baseline contributors (@onepacs)
extends_documentation_fragment:
  - onepacs.baseline.controls
options:
  antivirus_attestations:
    description:
      - Attestations of the manual checks in a third-party antivirus (C(AV-01) to C(AV-04) only), each
        C({id, attested_by, date, evidence, valid_days}) as in P(onepacs.baseline.win_attestations#module), with
        evidence from that product's console.
    type: list
    elements: dict
    default: []
  extra_exclusion_paths:
    description:
      - Folders to exclude in addition to C(C:\onepacs) and the PostgreSQL folder (C(AV-01)), for example a DICOM
        storage folder on another drive.
    type: list
    elements: str
    default: []
  scan_schedule_day:
    description:
      - Day of the scheduled scan (C(AV-03)), as Defender numbers it. C(0) every day, C(1) Sunday to C(7) Saturday.
      - The gateway practice asks for regular system scans ("Regular system scans should be scheduled"); C(8)
        (never) is refused.
    type: int
    default: 0
  scan_schedule_time:
    description:
      - Local time of day of the scheduled scan (C(AV-03)), C(HH:MM). Choose a time outside the clinic's working
        hours.
      - Quote it in YAML (C("02:00")); unquoted, C(02:00) is read as the number 120.
    type: str
    default: "02:00"
  signature_max_age_days:
    description:
      - Oldest acceptable antivirus signatures, in days (C(AV-04)); the workstation practice asks that anti-virus
        software be "configured to automatically scan and update".
    type: int
    default: 7
seealso:
  - name: Set-MpPreference
    description: The Defender preferences this module reads and writes.
    link: https://learn.microsoft.com/powershell/module/defender/set-mppreference
  - module: onepacs.baseline.win_bitlocker
"""

EXAMPLES = r"""
- name: Audit and enforce the antivirus controls of a gateway
  onepacs.baseline.win_defender:
    baseline: gateway

- name: Weekly scan on Sunday night, and a storage folder excluded too
  onepacs.baseline.win_defender:
    baseline: gateway
    scan_schedule_day: 1
    scan_schedule_time: "23:30"
    extra_exclusion_paths:
      - 'D:\OnePacsStorage'

- name: A clinic whose gateway runs another antivirus, with the manual exclusions recorded as an exception
  onepacs.baseline.win_defender:
    baseline: gateway
    exceptions:
      - id: AV-01
        reason: Exclusions set in the clinic's ESET console (ticket 4711)
        approver: it-security@clinic.example
        expires: "2027-06-30"
  register: antivirus

- name: Show the control records
  ansible.builtin.debug:
    var: antivirus.controls
"""

RETURN = r"""
controls:
  description:
    - One record per control evaluated.
    - C(status) is one of C(pass), C(fail), C(fixed), C(not_applicable), C(excepted), C(manual_attested),
      C(manual_missing), C(error). A control to check by hand in another antivirus product is C(manual_missing)
      (or C(manual_attested)) and its message starts with C(manual check in <product>).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Control id from the catalog.
      type: str
      sample: AV-01
    title:
      description: Control title.
      type: str
    status:
      description: Outcome for this control.
      type: str
      sample: fixed
    expected:
      description: The compliant value (for C(AV-01), the list of folders to exclude).
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
  sample: {"pass": 3, "fail": 0, "fixed": 2, "not_applicable": 0, "excepted": 0, "manual_attested": 0,
           "manual_missing": 0, "error": 0}
reboot_required:
  description: Whether a change made by this task needs a reboot to take effect (never for these controls).
  returned: always
  type: bool
"""
