# Copyright: (c) 2026, OnePacs baseline contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the module runs as the action plugin plugins/action/baseline_guard.py on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
module: baseline_guard
short_description: Refuse to enforce a baseline on a host whose facts say it is the other kind of machine
version_added: 0.1.0
description:
  - An inventory mistake (a Windows 11 PC listed in C(gateways)) would otherwise get the other baseline enforced.
    The host's own facts decide, never its name.
  - The C(gateway) baseline is refused on a client OS (C(Win32_OperatingSystem.ProductType) 1) running the OnePacs
    Workstation or Study Retriever and no OnePacs Gateway; the C(workstation) baseline on a server OS (ProductType 2
    or 3) running the Gateway and neither client component. A host with no OnePacs component yet fits either.
  - When the facts cannot be read, the fit cannot be shown and enforcement is refused as well.
  - Only an enforcing run (O(enforce) true, outside check mode) is refused; an audit gets a warning. O(allow_mismatch)
    turns the refusal into a warning.
  - Uses C(ansible_facts.onepacs_host) when an earlier task gathered it; otherwise, when enforcing, reads it with
    M(onepacs.baseline.win_host_facts) (one read-only command) and returns it as facts.
  - The baseline roles run it before their first area task.
author:
  - OnePacs baseline contributors (@onepacs)
options:
  baseline:
    description: The baseline about to be enforced.
    type: str
    required: true
    choices: [gateway, workstation]
  enforce:
    description: Whether the run will enforce; false (or check mode) only warns.
    type: bool
    default: true
  allow_mismatch:
    description: Enforce even when the facts contradict the baseline (with a warning).
    type: bool
    default: false
  override_variable:
    description: Name of the inventory variable behind O(allow_mismatch), used in the message.
    type: str
    default: allow_mismatch
  host_facts:
    description: The facts of M(onepacs.baseline.win_host_facts); defaults to C(ansible_facts.onepacs_host).
    type: dict
attributes:
  check_mode:
    support: full
    description: Never changes anything; in check mode it only warns.
  diff_mode:
    support: none
    description: Nothing to show.
  platform:
    support: full
    platforms: windows
    description: Decides on the controller; reads the host only when no host facts are known.
notes:
  - "ProductType values: U(https://learn.microsoft.com/en-us/windows/win32/cimwin32prov/win32-operatingsystem)."
"""

EXAMPLES = r"""
- name: Refuse to enforce the gateway baseline on a host that is not a gateway
  onepacs.baseline.baseline_guard:
    baseline: gateway
    allow_mismatch: "{{ onepacs_gateway_allow_baseline_mismatch }}"
    override_variable: onepacs_gateway_allow_baseline_mismatch
"""

RETURN = r"""
fits:
  description: Whether the host's facts agree with the baseline.
  returned: when facts were known or read
  type: bool
  sample: false
reason:
  description: Why the facts contradict the baseline, in words (empty when they fit).
  returned: when facts were known or read
  type: str
  sample: "it runs a client OS (Windows 11 Pro) with the OnePacs Workstation and no OnePacs Gateway: a workstation"
refused:
  description: Always false on success; a refusal fails the task.
  returned: success
  type: bool
"""
