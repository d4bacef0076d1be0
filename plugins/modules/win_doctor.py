# Copyright: (c) 2026, OnePacs baseline contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the module runs as the action plugin plugins/action/win_doctor.py on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
module: win_doctor
short_description: First-contact check of a Windows host, read-only (every read op of the agent once)
version_added: 0.1.0
description:
  - Sends the agent once with every read op of its protocol, each with arguments that address something every
    Windows host has, and returns what the host answered as a compatibility table and as data. Run it (through
    C(playbooks/doctor.yml)) before the first audit of a new host or fleet.
  - Reports the PowerShell version and language mode, the connecting account, whether its token is elevated and
    its integrity level, the operating system and build, the domain role, the registered antimalware scan
    interface (AMSI) providers, and for each op C(ok) or its error code and message.
  - Never changes a host, in check mode or not. The request holds only read ops, so the agent's write files are
    not sent either.
  - A host whose agent does not answer (unreachable, Constrained Language Mode, an agent file blocked while
    loading) is not a failed task; its result says why, so a fleet run reports every host.
author:
  - OnePacs baseline contributors (@onepacs)
options: {}
notes:
  - Runs on the controller as an action plugin; any Ansible connection to the host that runs PowerShell works
    (winrm, psrp, ssh with the PowerShell shell).
"""

EXAMPLES = r"""
- name: First contact with the clinic's hosts
  onepacs.baseline.win_doctor:
  register: onepacs_doctor

- name: Show the table
  ansible.builtin.debug:
    msg: "{{ onepacs_doctor.table }}"
"""

RETURN = r"""
doctor:
  description: What the host answered.
  returned: always
  type: dict
  contains:
    reached:
      description: Whether the agent answered at all.
      type: bool
    agent_error:
      description: Why the agent did not answer (null when it did).
      type: str
    environment:
      description: >-
        powershell_version, language_mode, user, elevated, integrity_level, os_caption, build, installation_type,
        domain_role, domain, amsi_providers.
      type: dict
    ops:
      description: For each read op, C({ok}) or C({ok, code, error}).
      type: dict
    failed_ops:
      description: The read ops that failed, sorted.
      type: list
      elements: str
table:
  description: The compatibility table as lines of text, C(what | finding).
  returned: always
  type: list
  elements: str
"""
