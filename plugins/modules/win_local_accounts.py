# Copyright: (c) 2026, OnePacs baseline contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the module runs as the action plugin plugins/action/win_local_accounts.py on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
module: win_local_accounts
short_description: Local accounts - named users, Guest off, allowed admins, unused accounts off (ACC-01..05)
version_added: 0.1.0
description:
  - Audits the local accounts of a Windows host and enforces the safe parts.
  - C(ACC-01) (audit) every enabled local account is on O(allowed_accounts). The built-in Guest is left to
    C(ACC-02). Built-in accounts are recognised by RID (500 Administrator, 501 Guest, 503 DefaultAccount,
    504 WDAGUtilityAccount) and named so in messages, whatever their localized name.
  - C(ACC-02) (enforce) the built-in Guest account (RID 501) is disabled.
  - C(ACC-03) (audit; enforce with O(administrators_mode=enforce)) every member of the local Administrators group
    (S-1-5-32-544) is on O(allowed_administrators). The built-in Administrator (RID 500) is always allowed, since
    Windows cannot remove it from the group and C(ACC-05) governs it. With the opt-in, the other members are removed.
  - C(ACC-04) (audit; enforce with O(unused_accounts_mode=enforce)) no enabled account (other than the Guest) has
    gone unused for more than O(unused_account_days) days. An account's last logon dates it; an account that never
    logged on is dated by the day its password was set (Windows keeps no creation date for local accounts); an
    account that never logged on and has no password date (for example "must change password at next logon") is
    listed as not judged and never disabled. Ages use the host's clock. With the opt-in, unused accounts are
    disabled, never deleted.
  - C(ACC-05) (audit, workstations) the built-in Administrator (RID 500) is disabled, or renamed from its default
    name (O(default_administrator_names)).
  - Accounts and groups are read and changed by SID, never by name, so the module works on every Windows display
    language (Administratoren, Administrateurs, Invitado).
  - Lockout guards. The module never disables or removes the account the controller connects as (the
    connection's user, matched by name, case-insensitively, with or without a C(COMPUTER\), C(.\) or C(DOMAIN\)
    prefix), never removes a group or domain principal from Administrators unless the connecting account is itself
    an enabled, direct local member of it (otherwise it may be an administrator through that group), never removes
    a member whose SID does not resolve unless it is provably a deleted local account (under the machine's own SID
    prefix; an unresolved domain, foreign-domain or Entra ID C(S-1-12-1-...) SID is reported and kept), and never
    disables or removes the last enabled local
    member of Administrators, counting every change it plans in the same run. Such a change is refused (left
    out), and the control keeps failing with a message that says why. When the connecting user is unknown, no
    administrator is disabled or removed at all. A host whose only administrator is the connecting account
    therefore stays manageable.
author:
  - OnePacs baseline contributors (@onepacs)
extends_documentation_fragment:
  - onepacs.baseline.controls
options:
  allowed_accounts:
    description:
      - Local accounts that may be enabled (C(ACC-01)), that is the named individuals and the management
        accounts, including the account the controller connects as.
      - Each entry is an account name (case-insensitive), a qualified name (C(COMPUTER\name) or C(.\name)) or a
        SID.
      - Serves "Provision logon accounts only to individuals with a genuine need to access the system" (gateway)
        and "Each user should have an individual user account on the PC" (workstation).
    type: list
    elements: str
    default: []
  allowed_administrators:
    description:
      - Members allowed in the local Administrators group (C(ACC-03)), besides the built-in Administrator.
      - Each entry is a name (a bare name matches a local account or a domain principal of that name), a qualified
        name (C(CORP\Domain Admins), C(COMPUTER\name), C(.\name)) or a SID (the only way to name an orphaned or
        unresolved SID).
      - Serves "provision accounts with only the necessary privilege levels" and "regularly review and reduce
        privilege/permission levels that are no longer needed" (gateway).
    type: list
    elements: str
    default: []
  administrators_mode:
    description:
      - C(audit) reports members of Administrators that are not allowed; C(enforce) also removes them (C(ACC-03)),
        subject to the lockout guards.
    type: str
    choices: [audit, enforce]
    default: audit
  unused_account_days:
    description:
      - Days without a logon after which an enabled account counts as unused (C(ACC-04)).
      - Serves "Regularly disable or delete accounts that are no longer needed" (gateway).
    type: int
    default: 90
  unused_accounts_mode:
    description:
      - C(audit) reports unused accounts; C(enforce) also disables them (C(ACC-04)), subject to the lockout guards.
    type: str
    choices: [audit, enforce]
    default: audit
  default_administrator_names:
    description:
      - Names the built-in Administrator has when it was not renamed (C(ACC-05)), compared case-insensitively.
      - The default lists the name in common Windows display languages; add yours when it is missing.
    type: list
    elements: str
    default: [Administrator, Administrateur, Administrador, Administratör, Järjestelmänvalvoja, Rendszergazda,
              Администратор]
notes:
  - On a domain controller every control is C(not_applicable), since it has no local accounts.
  - Local accounts only. Domain accounts are managed in Active Directory; domain principals appear only as members
    of Administrators.
seealso:
  - name: Security identifiers
    description: The well-known SIDs and RIDs the module addresses accounts by.
    link: https://learn.microsoft.com/windows-server/identity/ad-ds/manage/understand-security-identifiers
"""

EXAMPLES = r"""
- name: Audit the local accounts and disable the Guest
  onepacs.baseline.win_local_accounts:
    allowed_accounts: [labadmin, dr.patel, mgarcia]
    allowed_administrators: [labadmin, mgarcia]

- name: Also remove unlisted administrators and disable accounts unused for 60 days
  onepacs.baseline.win_local_accounts:
    allowed_accounts: [labadmin, dr.patel, mgarcia]
    allowed_administrators: [labadmin, mgarcia, "CLINIC\\Domain Admins"]
    administrators_mode: enforce
    unused_account_days: 60
    unused_accounts_mode: enforce
  register: accounts

- name: Show the control records
  ansible.builtin.debug:
    var: accounts.controls
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
      sample: ACC-03
    title:
      description: Control title.
      type: str
    status:
      description: Outcome for this control.
      type: str
      sample: fail
    expected:
      description: The allow list, or the rule, the host is compared with.
      type: raw
    actual:
      description: What the host has (enabled accounts, members of Administrators, unused accounts).
      type: raw
    changed:
      description: Whether the control changed the host (in check mode, whether it would).
      type: bool
    message:
      description: Human-readable detail, including refused changes and why.
      type: str
summary:
  description: Number of controls per status; every status is present.
  returned: always
  type: dict
  sample: {"pass": 2, "fail": 2, "fixed": 1, "not_applicable": 0, "excepted": 0, "manual_attested": 0,
           "manual_missing": 0, "error": 0}
reboot_required:
  description: Always false; account changes take effect at once. The module never reboots.
  returned: always
  type: bool
"""
