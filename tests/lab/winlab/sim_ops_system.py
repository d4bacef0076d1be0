"""system.info: the facts Win32_OperatingSystem, Win32_ComputerSystem and the CurrentVersion key give the agent.

Facts Windows keeps in the registry are read from the simulated registry (EditionID, InstallationType, build, UBR,
DisplayVersion/ReleaseId, ProductType, the computer name); hardware and session facts come from state["system"]
and state["powershell"]; the machine SID from state["accounts"].

The read-only fact ops win_host_facts uses: system.firmware (state["system"] firmware_type / secure_boot; legacy
BIOS reports no Secure Boot state), system.tpm (state["tpm"]), system.mdm_enrollments (registry subkeys of
HKLM:\\SOFTWARE\\Microsoft\\Enrollments with a ProviderID), system.backup (the optional state["backup"] section:
feature_installed plus Get-WBSummary fields) and system.latest_hotfix (state["updates"]["history"]).
"""

from __future__ import annotations

from typing import Any

from winlab.sim_op import Op
from winlab.sim_ops_software import child_keys
from winlab.sim_registry import KeyPath, parse_key_path, registry_of
from winlab.sim_schema import (
    ACTIVE_COMPUTER_NAME_KEY,
    COMPUTER_NAME_KEY,
    CURRENT_VERSION_KEY,
    PRODUCT_OPTIONS_KEY,
    PRODUCT_TYPES,
)


def _registry_data(state: dict, path: str, name: str, default: Any) -> Any:
    value = registry_of(state).value(path, name)
    return value["data"] if value is not None else default


def system_info(state: dict, args: dict) -> dict:
    """Operating system, hardware and session facts (protocol.yml system.info)."""
    system = state.get("system") or {}
    shell = state.get("powershell") or {}
    display_version = _registry_data(state, CURRENT_VERSION_KEY, "DisplayVersion", "")
    if not display_version:
        display_version = _registry_data(state, CURRENT_VERSION_KEY, "ReleaseId", "")
    computer_name = _registry_data(state, ACTIVE_COMPUTER_NAME_KEY, "ComputerName", "")
    return {
        "computer_name": computer_name or _registry_data(state, COMPUTER_NAME_KEY, "ComputerName", ""),
        "os_caption": system.get("os_caption"),
        "product_type": PRODUCT_TYPES.get(_registry_data(state, PRODUCT_OPTIONS_KEY, "ProductType", "")),
        "edition_id": _registry_data(state, CURRENT_VERSION_KEY, "EditionID", ""),
        "installation_type": _registry_data(state, CURRENT_VERSION_KEY, "InstallationType", ""),
        "current_build": _registry_data(state, CURRENT_VERSION_KEY, "CurrentBuildNumber", ""),
        "ubr": _registry_data(state, CURRENT_VERSION_KEY, "UBR", 0),
        "display_version": display_version,
        "architecture": system.get("architecture"),
        "is_virtual": system.get("is_virtual"),
        "manufacturer": system.get("manufacturer"),
        "model": system.get("model"),
        "machine_sid": (state.get("accounts") or {}).get("machine_sid", ""),
        "part_of_domain": system.get("part_of_domain"),
        "domain": system.get("domain"),
        "powershell_version": shell.get("version"),
        "language_mode": shell.get("language_mode", "FullLanguage"),
    }


ENROLLMENTS_KEY = "HKLM:\\SOFTWARE\\Microsoft\\Enrollments"
#: Defender's AMSI provider (MpOav.dll) registers this CLSID under HKLM\SOFTWARE\Microsoft\AMSI\Providers (the GUID
#: as SigmaHQ's rule registry_delete_removal_amsi_registry_key names it). The display name is an assumption: no
#: recorded output of the CLSID's default value was found.
DEFENDER_AMSI_PROVIDER = {"clsid": "2781761e-28e0-4109-99fe-b9d127c57afe", "name": "Windows Defender IOfficeAntiVirus"}


def system_session(state: dict, args: dict) -> dict:
    """The session's token, the domain role and the AMSI providers (protocol system.session). state["powershell"]
    may set "user", "elevated" (default true: the lab admits administrators only) and "amsi_providers"; without the
    latter, Defender's provider is registered wherever Defender is installed."""
    shell = state.get("powershell") or {}
    system = state.get("system") or {}
    elevated = bool(shell.get("elevated", True))
    product_type = PRODUCT_TYPES.get(_registry_data(state, PRODUCT_OPTIONS_KEY, "ProductType", ""))
    member = bool(system.get("part_of_domain"))
    domain_role = {1: 1 if member else 0, 3: 3 if member else 2, 2: 5}.get(product_type or 0, 0)
    providers = shell.get("amsi_providers")
    if providers is None:
        providers = [DEFENDER_AMSI_PROVIDER] if (state.get("defender") or {}).get("installed") else []
    name = _registry_data(state, ACTIVE_COMPUTER_NAME_KEY, "ComputerName", "") or "HOST"
    return {
        "user": shell.get("user", f"{name}\\Administrator"),
        "elevated": elevated,
        "integrity_level": "High" if elevated else "Medium",
        "domain_role": int(system.get("domain_role", domain_role)),
        "amsi_providers": sorted((dict(provider) for provider in providers), key=lambda provider: provider["clsid"]),
    }


def system_firmware(state: dict, args: dict) -> dict:
    """Confirm-SecureBootUEFI: the Secure Boot state on UEFI, not supported (reported as BIOS) on legacy BIOS."""
    system = state.get("system") or {}
    if system.get("firmware_type") == "BIOS":
        return {"firmware_type": "BIOS", "secure_boot": None}
    return {"firmware_type": "UEFI", "secure_boot": bool(system.get("secure_boot"))}


def system_tpm(state: dict, args: dict) -> dict:
    """Get-Tpm and Win32_Tpm.SpecVersion from state["tpm"]."""
    tpm = state.get("tpm") or {}
    present = bool(tpm.get("TpmPresent"))
    return {
        "present": present,
        "ready": bool(tpm.get("TpmReady")),
        "enabled": bool(tpm.get("TpmEnabled")),
        "activated": bool(tpm.get("TpmActivated")),
        "manufacturer": tpm.get("ManufacturerIdTxt", "") if present else "",
        "spec_version": tpm.get("SpecVersion", "") if present else "",
    }


def _optional_int(value: dict | None) -> int | None:
    return value["data"] if value is not None and value["type"] in ("DWord", "QWord") else None


def system_mdm_enrollments(state: dict, args: dict) -> dict:
    """Subkeys of HKLM:\\SOFTWARE\\Microsoft\\Enrollments that carry a ProviderID."""
    registry = registry_of(state)
    parent = parse_key_path(ENROLLMENTS_KEY)
    enrollments = []
    for name in child_keys(state, ENROLLMENTS_KEY):
        key = KeyPath(parent.hive, (*parent.segments, name))
        provider = registry.read(key, "ProviderID")[1]
        if provider is None or not str(provider["data"]):
            continue
        upn = registry.read(key, "UPN")[1]
        enrollments.append(
            {
                "key": name,
                "provider_id": str(provider["data"]),
                "upn": str(upn["data"]) if upn is not None else "",
                "enrollment_state": _optional_int(registry.read(key, "EnrollmentState")[1]),
                "enrollment_type": _optional_int(registry.read(key, "EnrollmentType")[1]),
            }
        )
    return {"enrollments": enrollments}


def system_backup(state: dict, args: dict) -> dict:
    """Get-WBSummary from the optional state["backup"] section; without the feature installed is false."""
    backup = state.get("backup") or {}
    if not backup.get("feature_installed"):
        return {
            "installed": False,
            "last_success": None,
            "last_attempt": None,
            "last_result_hr": None,
            "versions": None,
        }
    return {
        "installed": True,
        "last_success": backup.get("LastSuccessfulBackupTime"),
        "last_attempt": backup.get("LastBackupTime"),
        "last_result_hr": backup.get("LastBackupResultHR", 0),
        "versions": backup.get("NumberOfVersions", 0),
    }


def system_latest_hotfix(state: dict, args: dict) -> dict:
    """The newest update of state["updates"]["history"] (Win32_QuickFixEngineering keeps dates only)."""
    history = (state.get("updates") or {}).get("history") or {}
    dated = [(update["InstalledOn"][:10], kb) for kb, update in history.items() if update.get("InstalledOn")]
    if not dated:
        return {"hotfix_id": None, "installed_on": None, "count": len(history)}
    installed_on, hotfix_id = max(dated)
    return {"hotfix_id": hotfix_id, "installed_on": installed_on, "count": len(history)}


OPS = (
    Op("system.info", system_info),
    Op("system.firmware", system_firmware),
    Op("system.tpm", system_tpm),
    Op("system.mdm_enrollments", system_mdm_enrollments),
    Op("system.backup", system_backup),
    Op("system.latest_hotfix", system_latest_hotfix),
    Op("system.session", system_session),
)
