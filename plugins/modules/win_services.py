# Copyright: (c) 2026, OnePacs baseline contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the module runs as the action plugin plugins/action/win_services.py on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
module: win_services
short_description: Unnecessary Windows services disabled and stopped (SVC-01)
version_added: 0.1.0
description:
  - Audits and enforces C(SVC-01) on a Windows host, as the gateway practice asks ("Unnecessary Windows services
    should be disabled") and the workstation practice implies ("The PC should not be used for personal use.").
  - Every listed service that is installed gets start type Disabled and is stopped (C(Set-Service -StartupType
    Disabled), then C(Stop-Service) without C(-Force), so a service whose dependents still run is reported, not
    forced). Both take effect at once; no reboot is needed.
  - A listed service that is not installed is not applicable, and the record's message lists it; when none is
    installed the control is C(not_applicable).
  - Services are named by service name (C(Spooler)), never by display name, which depends on the display language.
  - B(Guard.) Services the management connection, the agent, OnePacs or other baseline controls need are never
    disabled, whatever the options say; listing one fails the task before the host is contacted. They are
    C(WinRM), C(HTTP) (http.sys), C(sshd), C(RpcSs), C(RpcEptMapper), C(DcomLaunch), C(Winmgmt), C(LSM), C(SamSs),
    C(Netlogon), C(KeyIso), C(CryptSvc), C(W32Time), C(ProfSvc), C(gpsvc), C(PlugPlay), C(Power), C(EventLog),
    C(mpssvc), C(BFE), C(NlaSvc), C(nsi), C(Dhcp), C(Dnscache), C(WinDefend), C(wuauserv), C(BDESVC), C(OnePacs*)
    and C(postgresql*).
author:
  - OnePacs baseline contributors (@onepacs)
extends_documentation_fragment:
  - onepacs.baseline.controls
options:
  disabled_services:
    description:
      - Service names to disable and stop. The default suits both a dedicated OnePacs gateway and a clinic
        workstation, none of which needs these consumer, sharing or remote-administration services.
      - C(XblAuthManager), C(XblGameSave), C(XboxNetApiSvc), C(XboxGipSvc) - Xbox Live sign-in, cloud saves,
        networking and accessories; games only.
      - C(MapsBroker) - Downloaded Maps Manager, for the Maps app's offline maps.
      - C(lfsvc) - Geolocation; a clinic host need not know or report where it is.
      - C(SharedAccess) - Internet Connection Sharing, which turns the host into a NAT router for other devices
        (also behind Mobile Hotspot and the Hyper-V Default Switch, neither of which these hosts use).
      - C(icssvc) - Windows Mobile Hotspot.
      - C(RemoteRegistry) - lets other machines read and change the registry over the network; management uses
        WinRM.
      - C(WMPNetworkSvc) - shares Windows Media Player libraries on the network.
      - C(WalletService) - Wallet (payments) for consumer apps.
      - C(RetailDemo) - the shop display demo mode.
      - C(PhoneSvc) - telephony state for phone-link apps.
      - C(upnphost), C(SSDPSRV) - UPnP device host and SSDP discovery, which advertise and discover devices on the
        local network. upnphost depends on SSDPSRV, so it is listed (and stopped) first.
      - C(wisvc) - Windows Insider service; preview builds have no place on a production host.
      - C(WpcMonSvc) - Parental Controls.
      - Not in the default, on purpose - C(Spooler) (workstations print; add it on a gateway that does not, it is
        the PrintNightmare attack surface), C(Fax) (clinics fax; add it where no fax modem is used), C(TermService)
        (remote support may use Remote Desktop), C(bthserv) (laptop peripherals), C(WSearch), C(DiagTrack)
        (telemetry is a privacy setting, not attack surface), C(SNMPTRAP) and C(TapiSrv).
    type: list
    elements: str
    default:
      - XblAuthManager
      - XblGameSave
      - XboxNetApiSvc
      - XboxGipSvc
      - MapsBroker
      - lfsvc
      - SharedAccess
      - icssvc
      - RemoteRegistry
      - WMPNetworkSvc
      - WalletService
      - RetailDemo
      - PhoneSvc
      - upnphost
      - SSDPSRV
      - wisvc
      - WpcMonSvc
  extra_disabled_services:
    description:
      - More service names to disable and stop, added to O(disabled_services), for example C(Spooler) on a gateway
        that does not print or the remote-support tools a clinic has retired. Roles pass the inventory's
        additions here.
    type: list
    elements: str
    default: []
  keep_services:
    description:
      - Service names taken out of O(disabled_services) and O(extra_disabled_services) (case-insensitive), for a
        host that really needs one of them; their state is then neither checked nor changed.
      - A lasting deviation is better recorded as an exception of C(SVC-01) with a reason and an approver when
        the whole control should be waived.
    type: list
    elements: str
    default: []
seealso:
  - name: Guidance on disabling system services on Windows Server with Desktop Experience
    description: Microsoft's per-service recommendations the default list follows.
    link: https://learn.microsoft.com/windows-server/security/windows-services/security-guidelines-for-disabling-system-services-in-windows-server
"""

EXAMPLES = r"""
- name: Disable and stop the unnecessary services
  onepacs.baseline.win_services:

- name: A gateway that never prints also loses the print spooler; this clinic keeps Geolocation
  onepacs.baseline.win_services:
    extra_disabled_services: [Spooler, Fax]
    keep_services: [lfsvc]
  register: services

- name: Show the control record
  ansible.builtin.debug:
    var: services.controls
"""

RETURN = r"""
controls:
  description:
    - One record per control evaluated (C(SVC-01)).
    - C(status) is one of C(pass), C(fail), C(fixed), C(not_applicable), C(excepted), C(manual_attested),
      C(manual_missing), C(error).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Control id from the catalog.
      type: str
      sample: SVC-01
    title:
      description: Control title.
      type: str
    status:
      description: Outcome for this control.
      type: str
      sample: fixed
    expected:
      description: Each installed listed service with C(Disabled, Stopped).
      type: raw
      sample: {"RemoteRegistry": "Disabled, Stopped"}
    actual:
      description: Each installed listed service's start mode and state (after a fix, the value read back).
      type: raw
      sample: {"RemoteRegistry": "Auto, Stopped"}
    changed:
      description: Whether the control changed the host (in check mode, whether it would).
      type: bool
    message:
      description: Which services are not disabled and stopped, which are not installed, or the cause of an error.
      type: str
summary:
  description: Number of controls per status; every status is present.
  returned: always
  type: dict
  sample: {"pass": 0, "fail": 0, "fixed": 1, "not_applicable": 0, "excepted": 0, "manual_attested": 0,
           "manual_missing": 0, "error": 0}
reboot_required:
  description: Whether a change made by this task needs a reboot to take effect. Disabling and stopping never do.
  returned: always
  type: bool
"""
