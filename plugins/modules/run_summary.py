# Copyright: (c) 2026, OnePacs baseline contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the module runs as the action plugin plugins/action/run_summary.py on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
module: run_summary
short_description: Summarise what still fails per host and record what an enforcing run changed
version_added: 0.1.0
description:
  - Reads what the baseline roles left for each host (control records, failed areas, the enforcement guard's and
    the input check's results, kept even when they failed the host) and returns one short line per host, worst
    first - what was refused, the ids of the controls that still fail or could not be evaluated, the missing
    attestations and the number fixed. Excepted and attested controls are not listed.
  - Outside check mode, writes a change record (JSON) into the report store,
    C(<dir>/changes/<run id>-<baselines>.json) - what was fixed (expected and found values), what was refused and
    why, and what still fails, per host, with the run's metadata (time, controller user, playbook, inventory,
    limit, collection and Ansible versions). Hosts audited by C(playbooks/audit.yml) (forced check mode) are not
    recorded. A record is never overwritten.
  - The collection's playbooks run it once at the end of every play (C(playbooks/tasks/run_summary.yml)).
author:
  - OnePacs baseline contributors (@onepacs)
options:
  dir:
    description:
      - The report store. Default C($ONEPACS_REPORT_DIR), else C($XDG_DATA_HOME/onepacs/reports)
        (C(~/.local/share/onepacs/reports)).
    type: path
  hosts:
    description: Hosts to summarise; default every host of the play, failed ones included.
    type: list
    elements: str
  record:
    description: Write the change record (outside check mode).
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    description: In check mode nothing was changed, so no record is written; the summary is returned.
  diff_mode:
    support: none
    description: Nothing to show.
  platform:
    support: full
    platforms: all
    description: Runs on the controller only.
"""

EXAMPLES = r"""
- name: What still fails, per host
  onepacs.baseline.run_summary:
  register: onepacs_run_summary
  run_once: true

- name: Show it
  ansible.builtin.debug:
    msg: "{{ onepacs_run_summary.lines }}"
  run_once: true
"""

RETURN = r"""
lines:
  description: One line per host, worst first.
  returned: always
  type: list
  elements: str
  sample: ["ns-gw01: 2 still failing: FW-02, PWR-03 | 3 attestations missing | 4 fixed"]
hosts:
  description: Per host - host, baselines, fixed, refused, still_failing (controls with id, title, status, expected,
    actual, message) and manual_missing (ids).
  returned: always
  type: list
  elements: dict
record:
  description: Path of the change record written, or null.
  returned: always
  type: str
"""
