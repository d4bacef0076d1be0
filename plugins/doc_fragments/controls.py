# Copyright: (c) 2026, OnePacs baseline contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Options and return values shared by every control module of onepacs.baseline."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  exceptions:
    description:
      - Approved exceptions (waivers) from inventory, one per control.
      - An active exception makes its control C(excepted) and stops enforcement of it.
      - An expired exception is reported as C(fail) with its expiry date, with a warning, and the control is not
        enforced until the exception is renewed or removed.
      - Every entry is validated before the host is contacted; an unknown control id, a missing field or a date that
        is not C(YYYY-MM-DD) fails the task with a message naming the entry and field.
    type: list
    elements: dict
    default: []
    suboptions:
      id:
        description: Control id from the catalog, for example C(PWR-02).
        type: str
        required: true
      reason:
        description: Why the host deviates.
        type: str
        required: true
      approver:
        description: Who approved the exception.
        type: str
        required: true
      expires:
        description: Last day the exception is valid, C(YYYY-MM-DD).
        type: str
        required: true
      hosts:
        description:
          - Inventory host names or fnmatch patterns the exception covers; omitted (with O(exceptions[].groups)),
            every host. The most specific entry per control wins (hosts, then groups, then none).
        type: list
        elements: str
      groups:
        description: Inventory groups whose hosts the exception covers.
        type: list
        elements: str
  enforce:
    description:
      - When C(false), drifted controls are reported as C(fail) and nothing is changed, even outside check mode.
      - Check mode (C(--check)) never changes anything either way.
    type: bool
    default: true
  baseline:
    description:
      - The baseline the host is evaluated under, as the roles pass it.
      - Decides applicability (for example C(ENC-01) is physical-only on gateways but applies to every workstation)
        and leaves out the module's controls that are not part of that baseline.
      - Omitted, a control applies when it applies under any of its baselines.
    type: str
    choices: [gateway, workstation]
  only:
    description:
      - Control ids to evaluate. Empty evaluates all controls of the module.
      - Ids of other modules are ignored; an id that is not in the catalog is an error.
    type: list
    elements: str
    default: []
attributes:
  check_mode:
    support: full
    description: Reports drifted controls as C(fail) and the task as changed; changes nothing.
  diff_mode:
    support: full
    description: Shows each changed setting before and after.
  platform:
    support: full
    platforms: windows
    description: Targets Windows Server 2016+ and Windows 10+ over WinRM, PSRP or SSH (PowerShell shell).
notes:
  - The module runs as an action plugin on the controller. It sends a small PowerShell agent and a JSON request to
    the host in one WinRM (or PSRP, or SSH) command to read the state, and a second one only when something must
    change. Every write is read back in the same command.
  - Supports check mode (reports drift as C(fail) and C(changed)) and diff mode (before and after per setting).
  - Never reboots the host. A control whose change needs a reboot says so and sets RV(reboot_required).
"""
