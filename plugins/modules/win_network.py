# Copyright: (c) 2026, OnePacs baseline contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the module runs as the action plugin plugins/action/win_network.py on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
module: win_network
short_description: Audit that a workstation uses only secure private networks (NET-02)
version_added: 0.1.0
description:
  - Audits C(NET-02) of the OnePacs workstation practice ("Only secure private networks should be used when
    accessing data via the OnePacs platform"). Audit only; where the machine connects is not something a module
    should change, so a failure says what is wrong and is never fixed.
  - No connected network's connection profile (C(Get-NetConnectionProfile)) is in the C(Public) category.
  - A connected Wi-Fi network uses WPA2 or WPA3 with AES or GCMP-256 encryption, and one of O(wifi_authentication).
    Open networks, WEP, WPA (version 1), TKIP and OWE (Enhanced Open, encrypted but anyone can join) fail.
  - The Wi-Fi security comes from the saved WLAN profile of the connected network, exported as XML
    (C(netsh wlan export profile), without C(key=clear), read and deleted at once), whose elements are not
    localized; the localized text of C(netsh wlan show interfaces) is never parsed, so the module works on every
    Windows display language.
author:
  - OnePacs baseline contributors (@onepacs)
extends_documentation_fragment:
  - onepacs.baseline.controls
options:
  wifi_authentication:
    description:
      - WLAN profile authentication methods accepted for a connected Wi-Fi network. Narrow it to require
        enterprise authentication, for example C([WPA2, WPA3ENT, WPA3ENT192]).
      - C(WPA2PSK) WPA2-Personal, C(WPA2) WPA2-Enterprise, C(WPA3SAE) WPA3-Personal, C(WPA3ENT) WPA3-Enterprise,
        C(WPA3ENT192) WPA3-Enterprise 192-bit. Weaker methods cannot be listed.
    type: list
    elements: str
    choices: [WPA2PSK, WPA2, WPA3SAE, WPA3ENT, WPA3ENT192]
    default: [WPA2PSK, WPA2, WPA3SAE, WPA3ENT, WPA3ENT192]
notes:
  - Windows names a Wi-Fi connection profile after the SSID (adding C( 2), C( 3) for networks of the same name); the
    saved WLAN profile is found by that name. A connected network without a matching saved profile fails as unknown.
seealso:
  - name: Get-NetConnectionProfile
    description: Network categories Public, Private and DomainAuthenticated.
    link: https://learn.microsoft.com/powershell/module/netconnection/get-netconnectionprofile
  - name: WLAN profile schema
    description: The authentication and encryption elements read from the exported profiles.
    link: https://learn.microsoft.com/windows/win32/nativewifi/wlan-profileschema-authencryption-security-element
"""

EXAMPLES = r"""
- name: Audit the networks a workstation uses
  onepacs.baseline.win_network:
    baseline: workstation

- name: Require enterprise Wi-Fi authentication
  onepacs.baseline.win_network:
    wifi_authentication: [WPA2, WPA3ENT, WPA3ENT192]
  register: network
"""

RETURN = r"""
controls:
  description:
    - One record, for C(NET-02). C(actual) lists the connection profiles (C(interface), C(network), C(category)) and
      the connected Wi-Fi networks (C(interface), C(network), C(authentication), C(encryption)).
    - C(status) is C(pass), C(fail), C(not_applicable), C(excepted) or C(error); never C(fixed).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Control id from the catalog.
      type: str
      sample: NET-02
    title:
      description: Control title.
      type: str
    status:
      description: Outcome for this control.
      type: str
      sample: fail
    expected:
      description: No Public profile, and the accepted Wi-Fi authentication methods.
      type: raw
    actual:
      description: What the host is connected to.
      type: raw
    changed:
      description: Always false.
      type: bool
    message:
      description: Human-readable detail naming each insecure network.
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
