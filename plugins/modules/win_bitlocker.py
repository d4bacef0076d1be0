# Copyright: (c) 2026, OnePacs baseline contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the module runs as the action plugin plugins/action/win_bitlocker.py on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
module: win_bitlocker
short_description: BitLocker disk encryption - system drive with a TPM protector, fixed data volumes (ENC-01, ENC-02)
version_added: 0.1.0
description:
  - Audits BitLocker on a Windows host and, only when asked, turns it on for the system drive.
  - C(ENC-01) the system drive is C(FullyEncrypted), protection is C(On) and a TPM-based key protector (C(Tpm),
    C(TpmPin), C(TpmStartupKey) or C(TpmPinStartupKey)) protects it. The gateway practice suggests "Bitlocker drive
    encryption with a Trusted Platform Module (TPM)" for physical servers (with O(baseline=gateway) the control
    is not applicable on virtual machines); the workstation practice requires whole disk encryption.
  - C(ENC-01) is audited by default. With O(enable_os_volume=true) a drifted system drive is turned on in two
    steps. First a new recovery password protector is added and its password is written to O(escrow_dir) on the
    controller. Only when that file is safely on disk is protection turned on with a TPM protector (a fully
    decrypted drive starts encrypting, a fully encrypted one with protection off gets its protectors enabled).
  - The module never reboots. A fully decrypted drive encrypts after BitLocker's hardware test at the next restart
    (the task reports RV(reboot_required)), or at once in the background with O(skip_hardware_test=true). While
    BitLocker converts the drive, C(ENC-01) reports the progress and changes nothing.
  - Nothing is turned on when the TPM is missing or not ready, when the BitLocker feature is not installed (Windows
    Server needs C(Install-WindowsFeature BitLocker)), or while the drive is being converted; the message says which.
  - C(ENC-02) (workstation, audit only) every fixed data volume with a drive letter is C(FullyEncrypted) with
    protection C(On) (or locked); auto-unlock is allowed. Removable drives and hidden system partitions are not
    counted.
  - The recovery password never appears in the task result, its messages, the diff, warnings or logs. The round
    trip that returns it runs with C(no_log) set on the connection, and error texts are scrubbed of anything shaped
    like a recovery password.
author:
  - OnePacs baseline contributors (@onepacs)
extends_documentation_fragment:
  - onepacs.baseline.controls
options:
  enable_os_volume:
    description:
      - Turn BitLocker on for the system drive when C(ENC-01) is drifted (the catalog's opt-in enforcement).
      - Requires O(escrow_dir); the task fails before contacting the host when it is missing.
      - Without it C(ENC-01) is audited only, even with O(enforce=true).
    type: bool
    default: false
  escrow_dir:
    description:
      - Directory on the controller where each new recovery password is written before protection is turned on,
        one JSON file per host and key protector (C(<inventory_hostname>_<protector guid>.json), mode 0600, with
        the host, mount point, protector id, password and time). Missing folders are created with mode 0700.
      - The host sends the password sealed with a public key made for it alone (RSA-OAEP); only the controller can
        open it, so it never crosses the connection in clear.
      - Required with O(enable_os_volume=true); must be an absolute path. Refused, before any host is contacted,
        when the folder or a folder above it is a symbolic link, belongs to another user, or is writable by other
        users (a shared folder above it needs the sticky bit, like C(/tmp)).
      - Keep it on encrypted, backed-up storage with restricted access, and move the files to the clinic's key
        vault. On AWX or Automation Platform the job runs in a throwaway container, so point it at a mounted
        persistent volume and set O(escrow_dir_persistent=true), without which it is refused there.
    type: path
  escrow_dir_persistent:
    description:
      - States that O(escrow_dir) is on storage that outlives the job (a mounted volume). Only read in an AWX or
        Automation Platform job (JOB_ID and INVENTORY_ID set), where O(escrow_dir) is refused without it.
    type: bool
    default: false
  skip_hardware_test:
    description:
      - Start encrypting at once instead of after BitLocker's hardware test at the next restart.
      - The hardware test checks that the TPM can unlock the drive before anything is encrypted; skipping it saves
        the restart, and the escrowed recovery password is the way back in if the TPM cannot unlock the drive.
    type: bool
    default: false
seealso:
  - name: BitLocker overview
    description: How BitLocker protects drives with a TPM and recovery passwords.
    link: https://learn.microsoft.com/windows/security/operating-system-security/data-protection/bitlocker/
  - module: onepacs.baseline.win_defender
"""

EXAMPLES = r"""
- name: Audit disk encryption (no change)
  onepacs.baseline.win_bitlocker:
    baseline: workstation

- name: Turn BitLocker on for the system drive, escrowing the recovery password on the controller first
  onepacs.baseline.win_bitlocker:
    baseline: workstation
    enable_os_volume: true
    escrow_dir: /srv/onepacs/bitlocker-escrow
  register: encryption

- name: Tell the operator when a restart will start the encryption
  ansible.builtin.debug:
    msg: "{{ inventory_hostname }} starts encrypting at its next restart"
  when: encryption.reboot_required
"""

RETURN = r"""
controls:
  description:
    - One record per control evaluated.
    - C(status) is one of C(pass), C(fail), C(fixed), C(not_applicable), C(excepted), C(manual_attested),
      C(manual_missing), C(error).
    - C(ENC-01) is C(fixed) once protection is turned on, while encryption may still run in the background or
      wait for the next restart (the message says which); the next run reports the progress until it completes.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Control id from the catalog.
      type: str
      sample: ENC-01
    title:
      description: Control title.
      type: str
    status:
      description: Outcome for this control.
      type: str
      sample: pass
    expected:
      description: The compliant state.
      type: raw
    actual:
      description: >-
        The state found (volume status, protection status and key protector types; never a recovery password).
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
  sample: {"pass": 1, "fail": 1, "fixed": 0, "not_applicable": 0, "excepted": 0, "manual_attested": 0,
           "manual_missing": 0, "error": 0}
reboot_required:
  description: >-
    Whether a change made by this task needs a restart to take effect: true when BitLocker was turned on for a
    decrypted drive with the hardware test, which runs at the next restart. The module never reboots.
  returned: always
  type: bool
"""
