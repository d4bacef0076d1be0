# Copyright: (c) 2026, OnePacs baseline contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the module runs as the action plugin plugins/action/win_attestations.py on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
module: win_attestations
short_description: Report the manual controls (MAN-01..MAN-11) from attestations in inventory
version_added: 0.1.0
description:
  - Evaluates the controls that cannot be read from Windows (firmware settings, UPS, physical security, log review,
    backups, remote wipe, key escrow) from attestations kept in inventory, on the controller.
  - A current attestation makes its control C(manual_attested), with who attested it and when in the message;
    none, or an expired one (its date plus O(attestations[].valid_days) is past), makes it C(manual_missing).
  - Where the facts of M(onepacs.baseline.win_host_facts) hold automated evidence it is shown in the record's
    C(actual) and message, but never turns a missing attestation into an attested one. C(MAN-06) shows the Secure
    Boot state, C(MAN-09) the last successful Windows Server Backup, C(MAN-10) whether the host is MDM-enrolled.
  - Run after M(onepacs.baseline.win_host_facts) in the same play and the module needs no round trip to the host.
    Without those facts, it asks the host only for C(system.info) when a physical-only control is in scope, to skip
    those controls on virtual machines.
  - Every attestation is validated before the host is contacted; an unknown control id, a control that is not
    manual, a malformed or future date, or a missing field fails the task with a message naming
    C(attestations[i].field).
author:
  - OnePacs baseline contributors (@onepacs)
extends_documentation_fragment:
  - onepacs.baseline.controls
options:
  attestations:
    description:
      - Attestations from inventory. Several for one control are allowed; the newest counts.
    type: list
    elements: dict
    default: []
    suboptions:
      id:
        description: Manual control id, C(MAN-01) to C(MAN-11).
        type: str
        required: true
      attested_by:
        description: Who checked and attests it (name or role and contact).
        type: str
        required: true
      date:
        description: Day it was checked, C(YYYY-MM-DD); not in the future.
        type: str
        required: true
      evidence:
        description: What shows it (ticket, photo, UPS test log, review record); shown in the report.
        type: str
        required: true
      valid_days:
        description: How long the attestation stays current, in days from O(attestations[].date).
        type: int
        default: 365
  host_facts:
    description:
      - The facts gathered by M(onepacs.baseline.win_host_facts). Defaults to C(ansible_facts.onepacs_host) of the
        host, so it rarely needs to be set.
    type: dict
"""

EXAMPLES = r"""
- name: Gather host facts first (evidence for MAN-06, MAN-09, MAN-10)
  onepacs.baseline.win_host_facts:

- name: Report the manual controls of a gateway
  onepacs.baseline.win_attestations:
    baseline: gateway
    attestations:
      - id: MAN-01
        attested_by: J. Doe, clinic IT
        date: "2026-03-02"
        evidence: BIOS AC recovery set to Power On, photo in ticket IT-1234
      - id: MAN-03
        attested_by: J. Doe, clinic IT
        date: "2026-03-02"
        evidence: APC SMT1500, self-test passed 2026-03-01
        valid_days: 180
"""

RETURN = r"""
controls:
  description:
    - One record per manual control in scope. C(status) is C(manual_attested), C(manual_missing),
      C(not_applicable) (physical-only controls on virtual machines) or C(excepted).
    - C(actual) holds C(attestation) (C(attested_by), C(date), C(valid_until), C(evidence), or null) and, for
      C(MAN-06), C(MAN-09) and C(MAN-10), C(host_evidence).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Control id from the catalog.
      type: str
      sample: MAN-03
    title:
      description: Control title.
      type: str
    status:
      description: Outcome for this control.
      type: str
      sample: manual_attested
    expected:
      description: What the attestation has to confirm.
      type: raw
    actual:
      description: The attestation found and the host evidence.
      type: raw
    changed:
      description: Always false.
      type: bool
    message:
      description: Who attested and when, or why the attestation is missing or expired, and the host evidence.
      type: str
summary:
  description: Number of controls per status; every status is present.
  returned: always
  type: dict
reboot_required:
  description: Always false.
  returned: always
  type: bool
"""
