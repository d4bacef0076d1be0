"""defender.* ops with Microsoft Defender and Windows Security Center semantics.

State (state["defender"], documented in PROFILES.md): "installed" (false: the Windows-Defender feature is removed,
so the Defender ops are not_supported), "status" (Get-MpComputerStatus fields), "preferences" (Get-MpPreference
fields, the locally set values) and "third_party_av" (Security Center entries other than Defender). One optional
lab-only field: "signature_source_reachable": false makes Update-MpSignature fail as a host without Internet access
or update server does.

Windows rules kept here:
- the antimalware service not running (AMServiceEnabled false) makes Get-MpComputerStatus, Get-/Set-MpPreference
  and Update-MpSignature fail with HRESULT 0x800106BA; the agent answers defender.status anyway (service down);
- the Group Policy value HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows Defender\\Real-Time Protection\\
  DisableRealtimeMonitoring wins over the preference: Get-MpPreference shows the effective value and a
  Set-MpPreference does not change it (no error);
- Tamper Protection silently ignores attempts to turn real-time protection off (turning it on is allowed);
- derived, never stored: RealTimeProtectionEnabled (service enabled, AMRunningMode Normal, not disabled),
  AntivirusSignatureAge (whole days since AntivirusSignatureLastUpdated) and Defender's own Security Center entry;
- root\\SecurityCenter2 exists on client Windows only (ProductType 1).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from winlab import sim_clock
from winlab.plugin_code import plugin_module
from winlab.sim_errors import (
    ErrorRecordShape,
    OpError,
    agent_error,
    agent_failure,
    agent_sees_defender_service_down,
    defender_service_down_record,
    invalid_argument,
)
from winlab.sim_op import Op
from winlab.sim_registry import KeyPath, RegistryPathError, parse_key_path, registry_of
from winlab.sim_schema import PRODUCT_OPTIONS_KEY, PRODUCT_TYPES

REALTIME_POLICY_KEY = "HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows Defender\\Real-Time Protection"
DEFENDER_POLICY_KEY = "HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows Defender"
POLICY_EXCLUSION_PATHS_KEY = "HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows Defender\\Exclusions\\Paths"
#: What Get-MpPreference lists as ExclusionPath when HideExclusionsFromLocalAdmins hides them (recorded Windows
#: output, typo included; an assumption here: the lab has no Windows to record it from).
HIDDEN_EXCLUSIONS = "N/A: Must be and administrator to view exclusions"
DEFENDER_SECURITY_CENTER_GUID = "{D68DDC3A-831F-4FAE-9E44-DA132C1ACF46}"
#: Security Center's productState bits (see plugins/plugin_utils/areas/_defender.py for the decoding).
_PROVIDER_ANTIVIRUS_AND_UPDATES = 0x060000
_OWNER_MICROSOFT = 0x000100
_SCANNER_ON = 0x001000
_SIGNATURES_OUT_OF_DATE = 0x000010
#: Defender's default AVSignatureDue: older signatures are "out of date" in Security Center.
_SIGNATURE_DUE_DAYS = 7
_TIME_OF_DAY = re.compile(r"^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$")
_TIMESTAMP = "%Y-%m-%dT%H:%M:%SZ"
_STATUS_FIELDS = tuple(
    plugin_module("plugin_utils.agent._protocol").load_protocol()["ops"]["defender.status"]["returns"]
)
#: Get-CimInstance -Namespace root\SecurityCenter2 where the namespace does not exist (Windows Server): the shape
#: of tests/data/recorded/errors/ (a CimException with WMI's HRESULT in the id; the message, here in English, is
#: localised and names no namespace). The agent maps it to not_supported (Get-OnePacsErrorCode).
SECURITY_CENTER_MISSING = ErrorRecordShape(
    exception_type="Microsoft.Management.Infrastructure.CimException",
    message="Invalid namespace ",
    fully_qualified_error_id="HRESULT 0x8004100e,Microsoft.Management.Infrastructure.CimCmdlets.GetCimInstanceCommand",
    category="MetadataError",
    native_error_code="InvalidNamespace",
)


def _defender(state: dict) -> dict:
    defender = state.get("defender") or {}
    if not defender.get("installed", False):
        raise OpError(
            "not_supported", "Invalid class MSFT_MpComputerStatus: the Windows-Defender feature is not installed"
        )
    return defender


def _running_defender(state: dict, cmdlet: str) -> dict:
    """Defender's state when its antimalware service runs; otherwise the error the agent answers for what `cmdlet`
    raises (the real shape: agent_failure unless the agent's check recognises it)."""
    defender = _defender(state)
    if not defender.get("status", {}).get("AMServiceEnabled", False):
        raise agent_failure(defender_service_down_record(cmdlet))
    return defender


def _policy_value(state: dict) -> int | None:
    value = registry_of(state).value(REALTIME_POLICY_KEY, "DisableRealtimeMonitoring")
    return value["data"] if value is not None and value["type"] == "DWord" else None


def realtime_disabled(state: dict) -> bool:
    """The effective DisableRealtimeMonitoring: the policy value when there is one, else the preference."""
    policy = _policy_value(state)
    if policy is not None:
        return policy != 0
    return bool(state["defender"].get("preferences", {}).get("DisableRealtimeMonitoring", False))


def real_time_protection_enabled(state: dict) -> bool:
    status = state["defender"].get("status", {})
    running = status.get("AMServiceEnabled", False) and status.get("AMRunningMode", "Normal") == "Normal"
    return bool(running) and not realtime_disabled(state)


def signature_age(status: dict, now: datetime | None = None) -> int | None:
    """Whole days since AntivirusSignatureLastUpdated (None when signatures were never updated)."""
    updated = status.get("AntivirusSignatureLastUpdated")
    if not updated:
        return None
    moment = datetime.strptime(updated, _TIMESTAMP).replace(tzinfo=UTC)
    return max(0, ((now or sim_clock.now()) - moment).days)


def _policy_dword(state: dict, name: str) -> int | None:
    value = registry_of(state).value(DEFENDER_POLICY_KEY, name)
    return value["data"] if value is not None and value["type"] == "DWord" else None


def effective_exclusions(state: dict) -> list[str]:
    """ExclusionPath as Get-MpPreference shows it under Group Policy: the policy's path exclusions (value names of
    ...\\Windows Defender\\Exclusions\\Paths) merged with the local ones, or the policy's alone when
    DisableLocalAdminMerge is 1 (only policy items are in the effective list); with HideExclusionsFromLocalAdmins
    at 1 only a placeholder (HIDDEN_EXCLUSIONS). Assumption, not documented by Microsoft: Get-MpPreference shows
    the effective list rather than the local preference when the merge is off."""
    if _policy_dword(state, "HideExclusionsFromLocalAdmins") == 1:
        return [HIDDEN_EXCLUSIONS]
    policy = registry_of(state).value_names(POLICY_EXCLUSION_PATHS_KEY)
    local = list(state["defender"].get("preferences", {}).get("ExclusionPath") or [])
    if _policy_dword(state, "DisableLocalAdminMerge") == 1:
        return policy
    return policy + [path for path in local if path.casefold() not in {item.casefold() for item in policy}]


def _preferences(state: dict) -> dict:
    preferences = state["defender"].get("preferences", {})
    return {
        "exclusion_paths": effective_exclusions(state),
        "disable_realtime_monitoring": realtime_disabled(state),
        "scan_schedule_day": preferences.get("ScanScheduleDay", 0),
        "scan_schedule_time": preferences.get("ScanScheduleTime", "02:00:00"),
        "scan_parameters": preferences.get("ScanParameters", 1),
    }


def _signatures(status: dict) -> dict:
    return {
        "signature_age_days": signature_age(status),
        "signature_last_updated": status.get("AntivirusSignatureLastUpdated"),
        "signature_version": status.get("AntivirusSignatureVersion"),
    }


def defender_status(state: dict, args: dict) -> dict:
    """Get-MpComputerStatus; with the service down, the reduced answer the agent gives."""
    status = _defender(state).get("status", {})
    if not status.get("AMServiceEnabled", False):
        if not agent_sees_defender_service_down(defender_service_down_record("Get-MpComputerStatus")):
            raise agent_failure(defender_service_down_record("Get-MpComputerStatus"))
        return {**dict.fromkeys(_STATUS_FIELDS, None), "am_service_enabled": False, "am_running_mode": "Not running"}
    return {
        "am_service_enabled": True,
        "antivirus_enabled": bool(status.get("AntivirusEnabled", False)),
        "am_running_mode": status.get("AMRunningMode"),
        "real_time_protection_enabled": real_time_protection_enabled(state),
        "tamper_protected": status.get("IsTamperProtected"),
        **_signatures(status),
    }


def defender_preferences(state: dict, args: dict) -> dict:
    record = defender_service_down_record("Get-MpPreference")
    if not (_defender(state).get("status", {}).get("AMServiceEnabled", False)) and agent_sees_defender_service_down(
        record
    ):
        raise OpError(
            "not_supported",
            "the Microsoft Defender Antivirus service is not running (HRESULT 0x800106BA from Get-MpPreference): "
            "another antivirus product is probably in charge",
        )
    _running_defender(state, "Get-MpPreference")
    return _preferences(state)


def defender_set(state: dict, args: dict) -> dict:
    """Set-MpPreference: policy-held and tamper-protected values stay as they are, without an error."""
    defender = _running_defender(state, "Set-MpPreference")
    if not args:
        raise invalid_argument("disable_realtime_monitoring", "defender.set needs at least one preference")
    if "scan_schedule_time" in args and not _TIME_OF_DAY.match(args["scan_schedule_time"]):
        raise invalid_argument("scan_schedule_time", f"{args['scan_schedule_time']!r} is not HH:MM:SS")
    preferences = defender.setdefault("preferences", {})
    disable = args.get("disable_realtime_monitoring")
    if disable is not None and not (disable and defender.get("status", {}).get("IsTamperProtected")):
        preferences["DisableRealtimeMonitoring"] = disable
    if "scan_schedule_day" in args:
        preferences["ScanScheduleDay"] = args["scan_schedule_day"]
    if "scan_schedule_time" in args:
        preferences["ScanScheduleTime"] = args["scan_schedule_time"]
    return _preferences(state)


def defender_add_exclusion(state: dict, args: dict) -> dict:
    """Add-MpPreference -ExclusionPath: a path already listed (compared case-insensitively) is kept once."""
    defender = _running_defender(state, "Add-MpPreference")
    path = args["path"]
    if not path.strip():
        raise invalid_argument("path", "must not be empty")
    exclusions = defender.setdefault("preferences", {}).setdefault("ExclusionPath", [])
    if path.casefold() not in (existing.casefold() for existing in exclusions):
        exclusions.append(path)
    return _preferences(state)


def defender_update_signatures(state: dict, args: dict) -> dict:
    """Update-MpSignature: new signatures now, or the HRESULT of a host that reaches no update source."""
    defender = _running_defender(state, "Update-MpSignature")
    if defender.get("signature_source_reachable", True) is False:
        raise OpError("failed", "Virus and spyware definitions update was completed with errors. HRESULT 0x8024402c")
    status = defender.setdefault("status", {})
    status["AntivirusSignatureLastUpdated"] = sim_clock.now().strftime(_TIMESTAMP)
    major, minor, build, revision = (str(status.get("AntivirusSignatureVersion") or "1.0.0.0").split(".") + ["0"] * 4)[
        :4
    ]
    status["AntivirusSignatureVersion"] = f"{major}.{minor}.{int(build) + 1}.{revision}"
    return _signatures(status)


def _defender_product_state(state: dict) -> int:
    status = state["defender"].get("status", {})
    value = _PROVIDER_ANTIVIRUS_AND_UPDATES | _OWNER_MICROSOFT
    if status.get("AMServiceEnabled", False) and real_time_protection_enabled(state):
        value |= _SCANNER_ON
    age = signature_age(status)
    if age is None or age > _SIGNATURE_DUE_DAYS:
        value |= _SIGNATURES_OUT_OF_DATE
    return value


def defender_products(state: dict, args: dict) -> dict:
    """root\\SecurityCenter2 AntiVirusProduct: Defender's own entry (derived) and the other registered products."""
    product_type = registry_of(state).value(PRODUCT_OPTIONS_KEY, "ProductType")
    if product_type is None or PRODUCT_TYPES.get(product_type["data"]) != 1:
        raise agent_error(SECURITY_CENTER_MISSING)
    defender = state.get("defender") or {}
    products = []
    if defender.get("installed", False):
        products.append(
            {
                "display_name": "Windows Defender",
                "instance_guid": DEFENDER_SECURITY_CENTER_GUID,
                "product_state": _defender_product_state(state),
                "path_to_signed_product_exe": "windowsdefender://",
                "timestamp": defender.get("status", {}).get("AntivirusSignatureLastUpdated") or "",
            }
        )
    for product in defender.get("third_party_av") or []:
        products.append(
            {
                "display_name": product.get("displayName", ""),
                "instance_guid": product.get("instanceGuid", ""),
                "product_state": product.get("productState", 0),
                "path_to_signed_product_exe": product.get("pathToSignedProductExe", ""),
                "timestamp": product.get("timestamp", ""),
            }
        )
    return {"products": products}


def _string_list(name: str, value: Any) -> list[str]:
    if not all(isinstance(item, str) for item in value):
        raise invalid_argument(name, "must be a list of strings")
    return value


def _subkey_names(state: dict, parent: KeyPath) -> list[str]:
    """Names of the direct subkeys of parent, spelled as stored (parents of stored keys exist implicitly)."""
    names: dict[str, str] = {}
    depth = len(parent.segments)
    for stored in state.get("registry") or {}:
        key = parse_key_path(stored)
        if key.hive == parent.hive and len(key.segments) > depth and key.prefix(depth).folded == parent.folded:
            names.setdefault(key.segments[depth].upper(), key.segments[depth])
    return sorted(names.values(), key=str.upper)


def defender_install_dirs(state: dict, args: dict) -> dict:
    """For every subkey of each given key, the given string values (others null); missing keys are skipped."""
    keys = _string_list("keys", args["keys"])
    names = _string_list("values", args["values"])
    registry = registry_of(state)
    installations = []
    for path in keys:
        try:
            parent = parse_key_path(path)
        except RegistryPathError as exc:
            raise invalid_argument("keys", str(exc)) from None
        key_exists, _ = registry.read(parent, "")
        if not key_exists:
            continue
        for subkey in _subkey_names(state, parent):
            child = KeyPath(parent.hive, (*parent.segments, subkey))
            values = {}
            for name in names:
                _, value = registry.read(child, name)
                is_text = value is not None and value["type"] in ("String", "ExpandString")
                values[name] = value["data"] if is_text else None
            installations.append({"key": f"{path.rstrip(chr(92))}\\{subkey}", "values": values})
    return {"installations": installations}


OPS = (
    Op("defender.status", defender_status),
    Op("defender.preferences", defender_preferences),
    Op("defender.set", defender_set),
    Op("defender.add_exclusion", defender_add_exclusion),
    Op("defender.update_signatures", defender_update_signatures),
    Op("defender.products", defender_products),
    Op("defender.install_dirs", defender_install_dirs),
)
