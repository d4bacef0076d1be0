# Copyright: (c) 2026, OnePacs baseline contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the module runs as the action plugin plugins/action/compliance_report.py on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
module: compliance_report
short_description: Write the fleet compliance report (JSON, CSV, HTML, JUnit) from every host's control records
version_added: 0.1.0
description:
  - Runs on the controller after the baseline plays. Reads every host's control records (C(onepacs_gateway_controls),
    C(onepacs_workstation_controls)) and audit status (C(onepacs_audit_status), set by C(playbooks/audit.yml)) from
    hostvars, joins them with the control catalog (title, area, severity, HIPAA safeguards, remediation) and writes
    one folder per run under O(dir) with C(compliance.json), C(compliance.csv), C(compliance.html) and C(junit.xml),
    plus a C(latest) pointer.
  - Hosts that were unreachable or whose baseline failed are part of every output, with the cause.
  - Compares the run with the previous one in the same directory (controls newly failing, newly fixed).
  - Decides the gate (O(fail_on), O(fail_on_statuses), O(fail_on_unaudited)) but never fails by itself, so the
    report is always written first; the C(onepacs.baseline.report) role fails the gated hosts afterwards.
  - The document's schema is versioned and described in C(docs/report-schema.md). Host text is never trusted; the
    HTML is rendered with autoescaping and carries no script, CSV cells cannot start a formula, and XML-invalid
    characters are replaced.
author:
  - OnePacs baseline contributors (@onepacs)
options:
  dir:
    description:
      - Report directory (a local path or a mounted share). Each run writes a new folder named by its UTC start
        time (C(20260516T091500Z)) and points C(latest) at it.
      - Default C($ONEPACS_REPORT_DIR), else C($XDG_DATA_HOME/onepacs/reports) (C(~/.local/share/onepacs/reports)),
        outside the collection, whose directory a reinstall replaces.
    type: path
  title:
    description: Title of the report (HTML page and JUnit test suites).
    type: str
    default: OnePacs compliance report
  hosts:
    description:
      - Inventory hosts to consider. Default every inventory host; only hosts with an audit status or records
        are reported.
    type: list
    elements: str
  record_facts:
    description: Per baseline, the host fact that holds its control records.
    type: dict
    default: {gateway: onepacs_gateway_controls, workstation: onepacs_workstation_controls}
  status_fact:
    description:
      - Host fact that maps each baseline to its outcome, failed task, message (the cause) and check_mode. The
        outcome is one of C(audited), C(failed), C(unreachable) or C(incomplete).
    type: str
    default: onepacs_audit_status
  clinic_group_prefix:
    description: Inventory groups whose name starts with this are clinics (a host may be in several).
    type: str
    default: clinic_
  fail_on:
    description:
      - Lowest severity of a failing control that trips the gate. C(none) never, C(fail) or C(low) any severity,
        C(medium) medium or high, C(high) high only.
    type: str
    default: none
    choices: [none, fail, low, medium, high]
  fail_on_statuses:
    description: Control statuses that count as failing for the gate.
    type: list
    elements: str
    default: [fail]
    choices: [pass, fail, fixed, not_applicable, excepted, manual_attested, manual_missing, error]
  fail_on_unaudited:
    description: Trip the gate for a host that could not be audited (unreachable, failed or incomplete).
    type: bool
    default: true
  keep:
    description: Keep only the newest N run folders (C(0) keeps every run).
    type: int
    default: 0
attributes:
  check_mode:
    support: full
    description: Writes the report on the controller in check mode too (the role runs it with C(check_mode=false)).
  diff_mode:
    support: none
    description: Nothing to show.
  platform:
    support: full
    platforms: all
    description: Runs on the controller only; never contacts a host.
seealso:
  - name: Running audits
    description: How to run playbooks/audit.yml, where the report goes, AWX artifacts, job slicing and gating.
    link: https://github.com/onepacs/ansible-collection-baseline/blob/main/docs/running-audits.md
"""

EXAMPLES = r"""
- name: Write the compliance report
  onepacs.baseline.compliance_report:
    dir: /srv/compliance/reports
    fail_on: high
  register: report
  run_once: true

- name: Show where it is
  ansible.builtin.debug:
    msg: "{{ report.files['compliance.html'] }}"
  run_once: true
"""

RETURN = r"""
dir:
  description: The report directory.
  returned: success
  type: str
  sample: /srv/compliance/reports
run_dir:
  description: This run's folder.
  returned: success
  type: str
  sample: /srv/compliance/reports/20260516T091500Z
files:
  description: Path of each file written, by name.
  returned: success
  type: dict
  sample: {compliance.html: /srv/compliance/reports/20260516T091500Z/compliance.html}
hosts:
  description: The hosts in the report.
  returned: success
  type: list
  elements: str
summary:
  description: Fleet summary (hosts, outcomes, score, counts per status, failing controls per severity).
  returned: success
  type: dict
trend:
  description: Previous run id and the number of controls newly failing and newly fixed, hosts added and removed.
  returned: success
  type: dict
gate:
  description:
    - C(failed), C(fail_on), C(hosts) (host -> reasons it trips the gate) and a C(message).
  returned: success
  type: dict
artifacts:
  description: Summary per host and per clinic, for ansible.builtin.set_stats (AWX / AAP job artifacts).
  returned: success
  type: dict
"""
