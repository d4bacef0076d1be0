# Copyright: (c) 2026, OnePacs baseline contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the module runs as the action plugin plugins/action/win_host_facts.py on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
module: win_host_facts
short_description: Gather OnePacs host facts in one round trip and audit OS, network and software (SYS, NET-01, SW)
version_added: 0.1.0
description:
  - Reads, in one read-only command, what applicability and the audit-only controls need, and returns it as
    C(ansible_facts.onepacs_host). Later tasks of the play use it instead of probing again (the other modules
    skip their own C(system.info) probe; M(onepacs.baseline.win_attestations) needs no round trip at all).
  - Never changes the host, in check mode or not. Every control it evaluates is audit-only; a failing one says what
    is wrong and why it is not enforced.
  - C(SYS-01) Server Core installation (C(InstallationType) = C(Server Core)). A recommendation of the gateway
    practice ("A Windows Server Core install is recommended"); Desktop Experience cannot be removed in place, so a
    failure is never fixable; plan a reinstall or record an exception.
  - C(SYS-02) the Windows release is in Microsoft support on the day of the audit, looked up by build and EditionID in
    the lifecycle table shipped with the collection (C(plugins/plugin_utils/areas/lifecycle.yml), with its sources). A
    build missing from the table fails, since its support cannot be confirmed. Serves "The use of a supported
    Operating System is required".
  - C(NET-01) the gateway holds the IPv4 address reserved for it (O(expected_ipv4)) on a connected interface, set
    statically or by DHCP. From the host a router reservation looks like any DHCP lease, so a DHCP address passes
    when it is the expected one. Serves "The gateway must have a static internal IP address set from a router DHCP
    reservation".
  - C(SW-01) every installed program (both uninstall registry views, as Programs and Features lists them) matches
    O(software_allow) and none matches O(software_deny). Serves the dedicated-use practice of both seeds.
  - C(SW-02) the OnePacs components are installed at or above O(onepacs_min_versions); C(UPD-03) at or above the
    latest release in O(onepacs_latest_versions). Versions compare numerically (3.24 is above 3.9).
  - Without the expected values (O(expected_ipv4), the software patterns, the versions) the control is reported as
    C(fail) with a message starting C(not configured), so a missing inventory value is visible rather than passed.
author:
  - OnePacs baseline contributors (@onepacs)
extends_documentation_fragment:
  - onepacs.baseline.controls
options:
  expected_ipv4:
    description:
      - The IPv4 address reserved for the gateway on the clinic router, for C(NET-01). It must be a private
        RFC 1918 address (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16); anything else fails the task before the
        host is contacted.
      - Omitted, C(NET-01) fails as not configured and lists the connected addresses found.
    type: str
  software_allow:
    description:
      - Shell-style patterns (fnmatch, case-insensitive, C(*) and C(?)) of the program names (DisplayName) allowed on
        the host, for C(SW-01). When given, a program matching none of them is reported.
      - The OnePacs products themselves (C(OnePacs Gateway*), C(OnePacs Workstation*), C(OnePacs Study Retriever*))
        are always allowed.
    type: list
    elements: str
    default: []
  software_deny:
    description:
      - Patterns of program names that must not be installed (for example C(TeamViewer*), C(Steam)), for C(SW-01).
        A deny match is reported even when an allow pattern matches too.
      - With neither O(software_allow) nor O(software_deny), C(SW-01) fails as not configured.
    type: list
    elements: str
    default: []
  onepacs_min_versions:
    description:
      - Minimum version per OnePacs component for C(SW-02), a mapping of component to version, with components
        C(gateway), C(workstation) and C(study_retriever). Quote versions (C('3.10')), since YAML reads 3.10 as the
        number 3.1.
      - Each listed component must be installed at or above its version. Pass the workstation components on
        workstations and the gateway on gateways.
    type: dict
    default: {}
  onepacs_latest_versions:
    description:
      - The latest OnePacs release per component, a mapping of component to version, for C(UPD-03) ("run the most recent
        versions of the OnePacs Workstation and Study Retriever").
    type: dict
    default: {}
  esu_until:
    description:
      - Last day (C(YYYY-MM-DD)) the host's Windows Extended Security Updates licence covers, for C(SYS-02).
        It counts only for releases Microsoft sells ESU for (Windows 10 22H2, Windows Server 2012 and 2012 R2) and
        never beyond Microsoft's last ESU date; until then the host passes with a message saying it runs on ESU.
    type: str
notes:
  - Per-user installations (registered in a user's own registry hive) are not listed; Programs and Features shows
    them only to that user.
  - The facts are gathered the same way in check mode, so an audit run also provides them to later tasks.
seealso:
  - name: Microsoft product lifecycle
    description: The support dates behind the lifecycle table.
    link: https://learn.microsoft.com/lifecycle/products/
"""

EXAMPLES = r"""
- name: Gather host facts and audit the OS, network and software controls of a gateway
  onepacs.baseline.win_host_facts:
    baseline: gateway
    expected_ipv4: 192.168.10.20
    software_allow:
      - PostgreSQL*
      - VMware Tools
      - Microsoft Edge*
      - Microsoft Visual C++*
    software_deny:
      - TeamViewer*
      - AnyDesk*
    onepacs_min_versions:
      gateway: "4.1"

- name: Workstation, with the latest OnePacs release from inventory
  onepacs.baseline.win_host_facts:
    baseline: workstation
    software_deny: ["Steam", "*Torrent*"]
    onepacs_min_versions: {workstation: "3.20", study_retriever: "2.8"}
    onepacs_latest_versions: {workstation: "3.24.1", study_retriever: "2.9.0"}
  register: host

- name: Use the facts
  ansible.builtin.debug:
    msg: "{{ ansible_facts.onepacs_host.system.os_caption }}, last update {{ ansible_facts.onepacs_host.last_update }}"
"""

RETURN = r"""
ansible_facts:
  description: Facts for the rest of the play.
  returned: always
  type: dict
  contains:
    onepacs_host:
      description:
        - What the host reported; a value is null when its read failed (the reason is in C(errors)).
        - Program and network names are host data, returned verbatim.
      type: dict
      contains:
        system:
          description: The C(system.info) op's value, unchanged (OS caption, ProductType, EditionID, InstallationType,
            build, UBR, DisplayVersion, architecture, is_virtual, manufacturer, model, machine SID, domain, ...).
          type: dict
        firmware_type:
          description: C(UEFI) or C(BIOS).
          type: str
        secure_boot:
          description: Secure Boot state on UEFI (C(Confirm-SecureBootUEFI)); null on BIOS.
          type: bool
        tpm:
          description: C(present), C(ready), C(enabled), C(activated), C(manufacturer), C(spec_version) (C(Get-Tpm)).
          type: dict
        network:
          description: IPv4 configuration by interface alias (C(status), C(dhcp), C(addresses) with C(address),
            C(prefix_length) and C(origin) C(Manual) or C(Dhcp), C(gateways), C(dns_servers), C(mac)).
          type: dict
        software:
          description: Installed programs (C(name), C(version), C(publisher), C(install_location), C(arch) C(64-bit)
            or C(32-bit)).
          type: list
          elements: dict
        onepacs:
          description: Installed version of each OnePacs component (C(gateway), C(workstation), C(study_retriever)),
            null when not installed.
          type: dict
        last_update:
          description: Date (C(YYYY-MM-DD)) the most recent update was installed, or null.
          type: str
        mdm_enrolled:
          description: Whether the host is enrolled in an MDM (C(HKLM\SOFTWARE\Microsoft\Enrollments)).
          type: bool
        backup:
          description: Windows Server Backup C(installed), C(last_success), C(last_attempt) (UTC) and
            C(last_result_hr).
          type: dict
        errors:
          description: The reads that failed, with the cause.
          type: dict
controls:
  description:
    - One record per control evaluated (C(SYS-01), C(SYS-02), C(NET-01), C(SW-01), C(SW-02), C(UPD-03)).
    - C(status) is C(pass), C(fail), C(not_applicable), C(excepted) or C(error); never C(fixed), since nothing is
      changed.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Control id from the catalog.
      type: str
      sample: SYS-02
    title:
      description: Control title.
      type: str
    status:
      description: Outcome for this control.
      type: str
      sample: fail
    expected:
      description: The compliant value.
      type: raw
    actual:
      description: The value found on the host (for C(SW-01) the programs that are not allowed).
      type: raw
    changed:
      description: Always false.
      type: bool
    message:
      description: Human-readable detail, including why a failing control is not enforced.
      type: str
summary:
  description: Number of controls per status; every status is present.
  returned: always
  type: dict
reboot_required:
  description: Always false; the module changes nothing.
  returned: always
  type: bool
"""
