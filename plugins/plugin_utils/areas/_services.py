"""Services area (SVC-01): services a dedicated OnePacs gateway or workstation does not need are disabled and stopped.

Services are named by service name (Win32_Service.Name), which no display language changes. A listed service that
is not installed counts as not applicable; when none of them is installed the control is not applicable.

Guard: a service the management connection, the agent, OnePacs or another baseline control needs is never
disabled, whatever the options say: naming one fails the task before the host is contacted (PROTECTED_SERVICES).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from .._findings import Change, Finding
from ..agent._transport import OpResult
from ._area import Area, InvalidOptionError, decides

#: The default list, for both baselines; every entry is justified in the module documentation (win_services.py).
#: upnphost comes before SSDPSRV because it depends on it: stopping SSDPSRV first would fail while it runs.
DEFAULT_DISABLED_SERVICES: list[str] = [
    "XblAuthManager",
    "XblGameSave",
    "XboxNetApiSvc",
    "XboxGipSvc",
    "MapsBroker",
    "lfsvc",
    "SharedAccess",
    "icssvc",
    "RemoteRegistry",
    "WMPNetworkSvc",
    "WalletService",
    "RetailDemo",
    "PhoneSvc",
    "upnphost",
    "SSDPSRV",
    "wisvc",
    "WpcMonSvc",
]

#: Services never disabled (case-insensitive shell patterns), with the reason the task gives.
PROTECTED_SERVICES: dict[str, str] = {
    "WinRM": "the management connection runs over Windows Remote Management",
    "HTTP": "WinRM listens through http.sys",
    "sshd": "the management connection may run over OpenSSH",
    "RpcSs": "WinRM, CIM and the Service Control Manager need RPC",
    "RpcEptMapper": "RPC needs its endpoint mapper",
    "DcomLaunch": "RPC and CIM need the DCOM server process launcher",
    "Winmgmt": "the agent reads the host through CIM (WMI)",
    "LSM": "logons, including the management connection's, need the Local Session Manager",
    "SamSs": "local account logons need the Security Accounts Manager",
    "Netlogon": "domain account logons need Netlogon",
    "KeyIso": "WinRM over HTTPS needs the private key of its certificate (CNG Key Isolation)",
    "CryptSvc": "certificate validation needs Cryptographic Services",
    "W32Time": "Kerberos authentication fails once the clock drifts",
    "ProfSvc": "remote logons load a user profile",
    "gpsvc": "Group Policy must keep applying",
    "PlugPlay": "Windows needs Plug and Play",
    "Power": "Windows needs the Power service",
    "EventLog": "the audit and event log controls (LOG-*) need the Windows Event Log",
    "mpssvc": "the firewall controls (FW-*) need Windows Defender Firewall",
    "BFE": "the firewall needs the Base Filtering Engine",
    "NlaSvc": "the firewall picks its profile through Network Location Awareness",
    "nsi": "networking needs the Network Store Interface",
    "Dhcp": "networking needs the DHCP client (static addresses too register DNS through it)",
    "Dnscache": "name resolution needs the DNS client",
    "WinDefend": "the antivirus controls (AV-*) need Microsoft Defender Antivirus",
    "wuauserv": "the update controls (UPD-*) need Windows Update",
    "BDESVC": "the encryption controls (ENC-*) need BitLocker",
    "OnePacs*": "OnePacs runs as these services",
    "postgresql*": "the OnePacs gateway stores its data in PostgreSQL",
}

OPTIONS: dict[str, dict[str, Any]] = {
    "disabled_services": {"type": "list", "elements": "str", "default": DEFAULT_DISABLED_SERVICES},
    "extra_disabled_services": {"type": "list", "elements": "str", "default": []},
    "keep_services": {"type": "list", "elements": "str", "default": []},
}

DISABLED = "Disabled"
STOPPED = "Stopped"


def protection_reason(name: str) -> str | None:
    """Why a service must never be disabled, or None when it may be."""
    for pattern, reason in PROTECTED_SERVICES.items():
        if fnmatch.fnmatchcase(name.casefold(), pattern.casefold()):
            return reason
    return None


def _shown(entry: Mapping[str, Any]) -> str:
    return f"{entry['start_mode']}, {entry['state']}" if entry["exists"] else "not installed"


def _read_back(value: Mapping[str, Any]) -> dict[str, Any]:
    return {"start_mode": value["start_mode"], "state": value["state"]}


class ServicesArea(Area):
    module: ClassVar[str] = "win_services"
    options: ClassVar[dict[str, dict[str, Any]]] = OPTIONS

    def validate(self) -> None:
        kept = set()
        for index, name in enumerate(self.params["keep_services"] or ()):
            if not isinstance(name, str) or not name.strip():
                raise InvalidOptionError(f"keep_services[{index}]: must be a service name")
            kept.add(name.strip().casefold())
        names: list[str] = []
        seen: set[str] = set()
        for option in ("disabled_services", "extra_disabled_services"):
            for index, given in enumerate(self.params[option] or ()):
                if not isinstance(given, str) or not given.strip():
                    raise InvalidOptionError(f"{option}[{index}]: must be a service name")
                name = given.strip()
                if name.casefold() in kept or name.casefold() in seen:
                    continue
                reason = protection_reason(name)
                if reason is not None:
                    raise InvalidOptionError(f"{option}: {name!r} is never disabled: {reason}")
                seen.add(name.casefold())
                names.append(name)
        self.names = names

    def probe_ops(self) -> dict[str, dict[str, Any]]:
        return {"services": {"op": "services.get", "names": list(self.names)}}

    def evaluate(self, results: Mapping[str, OpResult]) -> list[Finding]:
        return [self._services(results["services"])]

    @decides("SVC-01")
    def _services(self, result: OpResult) -> Finding:
        expected = dict.fromkeys(self.names, f"{DISABLED}, {STOPPED}")
        if not self.names:
            return Finding.not_applicable("SVC-01", "no service is listed (disabled_services minus keep_services)")
        if not result.ok:
            return Finding.error("SVC-01", f"could not read the services: {result.describe_error()}", expected)
        entries: Sequence[Mapping[str, Any]] = result.value["services"]
        present = [entry for entry in entries if entry["exists"]]
        missing = [entry["name"] for entry in entries if not entry["exists"]]
        not_installed = f"not installed (not applicable): {', '.join(missing)}" if missing else ""
        if not present:
            return Finding.not_applicable("SVC-01", f"none of the listed services is installed: {', '.join(missing)}")
        expected = {entry["name"]: f"{DISABLED}, {STOPPED}" for entry in present}
        actual = {entry["name"]: _shown(entry) for entry in present}
        drifted = [entry for entry in present if entry["start_mode"] != DISABLED or entry["state"] != STOPPED]
        if not drifted:
            message = "; ".join(filter(None, [f"disabled and stopped: {', '.join(actual)}", not_installed]))
            return Finding.compare("SVC-01", expected=expected, actual=actual, compliant=True, message=message)
        changes = []
        for entry in drifted:
            op: dict[str, Any] = {"op": "services.set", "name": entry["name"]}
            if entry["start_mode"] != DISABLED:
                op["start_mode"] = DISABLED
            if entry["state"] != STOPPED:
                op["stop"] = True
            changes.append(
                Change(
                    setting=f"service {entry['name']}",
                    before={"start_mode": entry["start_mode"], "state": entry["state"]},
                    after={"start_mode": DISABLED, "state": STOPPED},
                    op=op,
                    read_back=_read_back,
                )
            )
        listed = ", ".join(f"{entry['name']} ({_shown(entry)})" for entry in drifted)
        message = "; ".join(filter(None, [f"not disabled and stopped: {listed}", not_installed]))
        return Finding.compare(
            "SVC-01", expected=expected, actual=actual, compliant=False, changes=tuple(changes), message=message
        )
