# Copyright: (c) 2026, OnePacs baseline contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the module runs as the action plugin plugins/action/win_firewall.py on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
module: win_firewall
short_description: Windows Firewall on, inbound blocked, allowed inbound rules only, drops logged (FW-01..04)
version_added: 0.1.0
description:
  - Audits and enforces the OnePacs firewall controls on a Windows host, as the gateway practice asks ("Windows
    Firewall should be configured to disallow incoming connections other than for ports specifically opened by
    the installer(s) for the OnePacs software system components") and the workstation practice ("configured to
    block any incoming unauthorized requests").
  - C(FW-01) the firewall is on for the Domain, Private and Public profiles.
  - C(FW-02) each profile's default inbound action is Block and its default outbound action Allow.
  - C(FW-03) every enabled inbound Allow rule is on the allow list (O(rule_allowlist) and O(extra_rule_allowlist)).
    Audit only unless O(rule_allowlist_mode=enforce); enforcement disables the other rules and never deletes one.
  - C(FW-04) dropped packets are logged and the log may grow to at least O(log_max_size_kilobytes).
  - A setting the firewall reports as C(NotConfigured) counts as drift and is set explicitly, so the result does
    not depend on Windows defaults; messages show the default it stands for.
  - B(Lockout guard.) Before any change that can block inbound traffic (turning a profile on, setting the default
    inbound action to Block, disabling rules) the module checks, on every profile the change affects, that an
    enabled inbound Allow rule covers TCP on the management port (the port of the connection the task uses, or
    O(management_port)) from the controller's address as the host sees it, and that no enabled inbound Block rule
    covers it. If not, that control is not changed and its record says why, naming the port, the address and the
    profiles. With O(create_management_rule=true) the module instead first creates an allow rule for that port
    (C(OnePacs-Management-In-TCP-<port>), every profile, scoped to the controller's address), in the same request
    and before the blocking change. When the port is unknown, blocking changes are refused. A rule that may
    carry the management connection is never disabled.
  - The guard counts a rule as covering the port when it is for TCP (or any protocol), lists the port (or a range
    holding it, or C(Any)) and is not limited to a program other than System (WinRM listens through http.sys),
    and its remote-address scope holds the controller's address as the host sees it (the remote addresses of the
    established connections to the management port; behind NAT that is not the controller's own). C(Any), addresses,
    subnets, ranges and C(LocalSubnet) are evaluated; other keywords never count as letting the controller in, and a
    Block rule with one counts as blocking it. Local rules do not count on a profile where Group Policy turned
    "Apply local firewall rules" off, and no management rule can be created there. For a connection served by a
    program (OpenSSH's sshd.exe) use O(create_management_rule) or expect blocking changes to be refused.
  - Reads use the NetSecurity CIM cmdlets on the active policy store (Group Policy included), identify rules by
    their Name and Group resource strings, never by localized display names; writes go to the local store and are
    read back, so a setting Group Policy overrides is reported as an error rather than as fixed.
author:
  - OnePacs baseline contributors (@onepacs)
extends_documentation_fragment:
  - onepacs.baseline.controls
options:
  log_blocked:
    description:
      - Whether dropped packets must be logged on every profile (C(FW-04), from the Windows security baseline the
        gateway practice points to). C(false) leaves the setting alone.
    type: bool
    default: true
  log_max_size_kilobytes:
    description:
      - Smallest acceptable firewall log size in KB, per profile (C(FW-04)). A smaller log is raised to this value;
        a larger one is left alone. Windows accepts 1 to 32767.
    type: int
    default: 16384
  rule_allowlist:
    description:
      - The enabled inbound Allow rules C(FW-03) accepts. Each entry gives exactly one of O(rule_allowlist[].name),
        O(rule_allowlist[].group) or O(rule_allowlist[].display_name), a case-insensitive shell pattern (C(*), C(?)).
      - The default accepts the OnePacs installer rules (name or group C(OnePacs*), display name C(OnePacs *); the
        space keeps out the C(onepacs.exe) rules Windows creates when a user clicks through the "allow access"
        prompt, which open every port of the program), WinRM management (C(WINRM-HTTP-In-TCP*),
        C(WINRM-HTTPS-In-TCP*), and C(Allow WinRM HTTPS), the rule Ansible's ConfigureRemotingForAnsible.ps1
        creates) and Core Networking by its resource string C(@FirewallAPI.dll,-25000), which every display
        language shares.
      - A rule for exactly TCP on the management port, and nothing else, is WinRM management and always accepted.
      - Add site rules with O(extra_rule_allowlist) rather than repeating this list.
    type: list
    elements: dict
    default:
      - name: OnePacs*
      - group: OnePacs*
      - display_name: OnePacs *
      - name: WINRM-HTTP-In-TCP*
      - name: WINRM-HTTPS-In-TCP*
      - display_name: Allow WinRM HTTPS
      - group: "@FirewallAPI.dll,-25000"
    suboptions:
      name:
        description: Pattern on the rule Name (the rule id, e.g. C(CoreNet-DHCP-In); C({GUID}) for netsh rules).
        type: str
      group:
        description: Pattern on the rule Group (a resource string for built-in rules, or an installer's text).
        type: str
      display_name:
        description: Pattern on the display name (localized for built-in rules; use it for third-party rules).
        type: str
  extra_rule_allowlist:
    description:
      - More allowed rules, added to O(rule_allowlist) (same entry format), for example the PACS ports a clinic
        opened on purpose. Roles pass the inventory's additions here.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Pattern on the rule Name.
        type: str
      group:
        description: Pattern on the rule Group.
        type: str
      display_name:
        description: Pattern on the display name.
        type: str
  rule_allowlist_mode:
    description:
      - C(audit) reports the enabled inbound Allow rules that are not on the allow list (C(FW-03) fails) and changes
        nothing.
      - C(enforce) disables them (C(Disable-NetFirewallRule); rules are never deleted), after the lockout guard.
        A listed rule that may carry the management connection is never disabled; the control is then refused
        with a message naming it.
    type: str
    choices: [audit, enforce]
    default: audit
  create_management_rule:
    description:
      - When a blocking change would leave the management port without an allow rule on an affected profile,
        first create C(OnePacs-Management-In-TCP-<port>) (TCP, that port, every profile, enabled, from
        O(management_rule_remote_addresses)) in the same request, then make the change.
      - C(false) refuses such a change instead; the control fails with a message naming the port and profiles.
    type: bool
    default: false
  management_port:
    description:
      - The TCP port the host receives the management connection on, for the lockout guard.
      - Defaults to the port of the task's connection (C(ansible_port)). Set it when the host listens on another
        port than the controller connects to (port forwarding, a jump host).
    type: int
  management_rule_remote_addresses:
    description:
      - Remote addresses the rule created by O(create_management_rule) admits (C(Any), C(LocalSubnet), addresses or
        ranges such as C(10.20.0.0/16)).
      - Unset, the rule admits the controller's address as the host sees it (the remote addresses of the
        established connections to the management port). A given scope must contain that address, or the change is
        refused.
    type: list
    elements: str
seealso:
  - name: Windows Firewall with Advanced Security cmdlets (NetSecurity)
    description: The cmdlets the agent uses to read and change the firewall.
    link: https://learn.microsoft.com/powershell/module/netsecurity/
"""

EXAMPLES = r"""
- name: Audit and enforce the firewall controls (FW-03 audit only)
  onepacs.baseline.win_firewall:

- name: Enforce the rule allow list too, with the clinic's PACS listener allowed
  onepacs.baseline.win_firewall:
    rule_allowlist_mode: enforce
    extra_rule_allowlist:
      - display_name: "Clinic PACS DICOM*"
      - name: "{5E2C7A1D-3F8B-4D60-9C1E-A4B7D2F08E35}"

- name: Let the module open the WinRM port before it blocks inbound traffic
  onepacs.baseline.win_firewall:
    create_management_rule: true
    management_rule_remote_addresses: [10.20.0.0/16]
  register: firewall

- name: Show the control records
  ansible.builtin.debug:
    var: firewall.controls
"""

RETURN = r"""
controls:
  description:
    - One record per control evaluated.
    - C(status) is one of C(pass), C(fail), C(fixed), C(not_applicable), C(excepted), C(manual_attested),
      C(manual_missing), C(error).
    - A change the lockout guard refused is C(fail), with the port and profiles in C(message).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Control id from the catalog.
      type: str
      sample: FW-02
    title:
      description: Control title.
      type: str
    status:
      description: Outcome for this control.
      type: str
      sample: fixed
    expected:
      description: The compliant value (per profile for FW-01, FW-02 and FW-04; the allow list for FW-03).
      type: raw
    actual:
      description: The value found on the host (after a fix, the value read back); for FW-03 the rules not allowed.
      type: raw
    changed:
      description: Whether the control changed the host (in check mode, whether it would).
      type: bool
    message:
      description: Human-readable detail, including the cause of an error or of a refused change.
      type: str
summary:
  description: Number of controls per status; every status is present.
  returned: always
  type: dict
  sample: {"pass": 1, "fail": 1, "fixed": 2, "not_applicable": 0, "excepted": 0, "manual_attested": 0,
           "manual_missing": 0, "error": 0}
reboot_required:
  description: Whether a change made by this task needs a reboot to take effect. Firewall changes never do.
  returned: always
  type: bool
"""
