"""What a complete host state looks like: the sections every profile must have, the fields each holds, and the
canonical spellings the ops rely on. PROFILES.md documents the same shape for people writing profiles by hand.

prepare_state() puts a state in canonical form (registry values explicit, GUID spellings); validate_state() lists
what is missing or malformed, so a hand-written profile fails to load with a precise message instead of making an
op fail later.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from winlab.sim_guid import audit_guid, power_guid
from winlab.sim_registry import normalise_store, registry_of

REQUIRED_SECTIONS = (
    "system",
    "powershell",
    "registry",
    "registry_access",
    "power",
    "defender",
    "firewall",
    "secpol",
    "auditpol",
    "accounts",
    "bitlocker",
    "tpm",
    "network",
    "updates",
    "services",
)

LANGUAGE_MODES = ("FullLanguage", "ConstrainedLanguage", "RestrictedLanguage", "NoLanguage")
FIREWALL_PROFILES = ("Domain", "Private", "Public")
ADMINISTRATORS_SID = "S-1-5-32-544"

CURRENT_VERSION_KEY = "HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion"
PRODUCT_OPTIONS_KEY = "HKLM:\\SYSTEM\\CurrentControlSet\\Control\\ProductOptions"
ACTIVE_COMPUTER_NAME_KEY = "HKLM:\\SYSTEM\\CurrentControlSet\\Control\\ComputerName\\ActiveComputerName"
COMPUTER_NAME_KEY = "HKLM:\\SYSTEM\\CurrentControlSet\\Control\\ComputerName\\ComputerName"
POWER_KEY = "HKLM:\\SYSTEM\\CurrentControlSet\\Control\\Power"
#: ProductOptions\ProductType -> Win32_OperatingSystem.ProductType.
PRODUCT_TYPES = {"WinNT": 1, "LanmanNT": 2, "ServerNT": 3}

_MACHINE_SID = re.compile(r"^S-1-5-21-\d+-\d+-\d+$")
_SID = re.compile(r"^S-1(-\d+)+$")
_NOT_CONFIGURED = "NotConfigured"
#: How the agent recognises a virtual machine from Win32_ComputerSystem (agent/system.ps1, Test-OnePacsVirtualModel).
_VIRTUAL_MODEL = re.compile(
    r"virtual|vmware|kvm|qemu|bochs|xen|amazon ec2|google|parallels|nutanix|ovirt|rhev|openstack", re.IGNORECASE
)

Problems = list[str]


def prepare_state(state: dict) -> dict:
    """Put `state` in canonical form, in place, and return it. Idempotent; raises ValueError on unusable data."""
    state["registry"] = normalise_store(state.get("registry") or {})
    state.setdefault("registry_access", {})
    power = state.get("power")
    if isinstance(power, dict):
        if isinstance(power.get("active_scheme"), str):
            power["active_scheme"] = power_guid(power["active_scheme"])
        schemes = power.get("schemes")
        if isinstance(schemes, dict):
            power["schemes"] = {power_guid(guid): _canonical_scheme(scheme) for guid, scheme in schemes.items()}
    auditpol = state.get("auditpol")
    if isinstance(auditpol, dict):
        state["auditpol"] = {audit_guid(guid): entry for guid, entry in auditpol.items()}
    return state


def _canonical_scheme(scheme: Any) -> Any:
    if not isinstance(scheme, dict) or not isinstance(scheme.get("settings"), dict):
        return scheme
    settings = {
        power_guid(subgroup): (
            {power_guid(setting): value for setting, value in members.items()} if isinstance(members, dict) else members
        )
        for subgroup, members in scheme["settings"].items()
    }
    return {**scheme, "settings": settings}


def validate_state(state: Mapping[str, Any]) -> Problems:
    """Everything wrong with a (prepared) state; an empty list means every op and admits() can work on it."""
    problems: Problems = []
    present = {section for section in REQUIRED_SECTIONS if isinstance(state.get(section), dict)}
    problems.extend(
        f"section '{section}' is missing or not a map" for section in REQUIRED_SECTIONS if section not in present
    )
    for sections, check in _SECTION_CHECKS:
        if set(sections) <= present:
            check(state, problems)
    return problems


def _field(
    problems: Problems,
    where: str,
    mapping: Any,
    name: str,
    accepts: Callable[[Any], bool],
    *,
    expected: str,
) -> Any:
    value = mapping.get(name) if isinstance(mapping, dict) else None
    if not accepts(value):
        problems.append(f"{where}.{name}: expected {expected}, got {value!r}")
    return value


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_list_of_str(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _is_dict(value: Any) -> bool:
    return isinstance(value, dict)


def _one_of(*choices: Any) -> Callable[[Any], bool]:
    return lambda value: isinstance(value, str | bool) and value in choices


def _optional(accepts: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda value: value is None or accepts(value)


def _check_system(state: Mapping[str, Any], problems: Problems) -> None:
    system = state["system"]
    for name in ("os_caption", "manufacturer", "model", "domain"):
        _field(problems, "system", system, name, _is_str, expected="a string")
    for name in ("is_virtual", "part_of_domain", "secure_boot"):
        _field(problems, "system", system, name, _is_bool, expected="true or false")
    _field(problems, "system", system, "architecture", _one_of("64-bit", "32-bit"), expected="'64-bit' or '32-bit'")
    _field(problems, "system", system, "firmware_type", _one_of("UEFI", "BIOS"), expected="'UEFI' or 'BIOS'")
    manufacturer, model, is_virtual = system.get("manufacturer"), system.get("model"), system.get("is_virtual")
    if isinstance(is_virtual, bool) and isinstance(manufacturer, str) and isinstance(model, str):
        looks_virtual = bool(_VIRTUAL_MODEL.search(f"{manufacturer} {model}"))
        if looks_virtual != is_virtual:
            problems.append(
                f"system.is_virtual is {is_virtual} but the agent would report {looks_virtual}: it judges by "
                f"manufacturer and model ({manufacturer!r}, {model!r})"
            )
    shell = state["powershell"]
    _field(problems, "powershell", shell, "version", _is_str, expected="a string such as '5.1.20348.2760'")
    _field(
        problems, "powershell", shell, "language_mode", _one_of(*LANGUAGE_MODES), expected=" or ".join(LANGUAGE_MODES)
    )


def _check_registry_facts(state: Mapping[str, Any], problems: Problems) -> None:
    try:
        registry = registry_of(dict(state))
    except ValueError as exc:
        problems.append(f"registry_access: {exc}")
        return
    required = [
        (CURRENT_VERSION_KEY, "EditionID", "String"),
        (CURRENT_VERSION_KEY, "InstallationType", "String"),
        (CURRENT_VERSION_KEY, "CurrentBuildNumber", "String"),
        (CURRENT_VERSION_KEY, "UBR", "DWord"),
        (PRODUCT_OPTIONS_KEY, "ProductType", "String"),
        (ACTIVE_COMPUTER_NAME_KEY, "ComputerName", "String"),
    ]
    for path, name, kind in required:
        value = registry.value(path, name)
        if value is None or value["type"] != kind:
            problems.append(f"registry: {path} needs a {kind} value {name!r} (system.info reads it)")
    product_type = registry.value(PRODUCT_OPTIONS_KEY, "ProductType")
    if product_type is not None and product_type["data"] not in PRODUCT_TYPES:
        problems.append(f"registry: ProductType must be one of {', '.join(PRODUCT_TYPES)}")


def _check_power(state: Mapping[str, Any], problems: Problems) -> None:
    power = state["power"]
    _field(problems, "power", power, "hibernate_supported", _is_bool, expected="true or false")
    schemes = _field(problems, "power", power, "schemes", _is_dict, expected="a map of scheme GUID -> scheme")
    if not isinstance(schemes, dict):
        return
    if power.get("active_scheme") not in schemes:
        problems.append(f"power.active_scheme: {power.get('active_scheme')!r} is not one of the schemes")
    for guid, scheme in schemes.items():
        where = f"power.schemes.{guid}"
        _field(problems, where, scheme, "name", _is_str, expected="a string")
        settings = _field(problems, where, scheme, "settings", _is_dict, expected="a map subgroup GUID -> settings")
        for subgroup, members in (settings or {}).items():
            if not isinstance(members, dict):
                problems.append(f"{where}.settings.{subgroup}: expected a map setting GUID -> {{ac, dc}}")
                continue
            for setting, entry in members.items():
                for side in ("ac", "dc"):
                    _field(problems, f"{where}.settings.{subgroup}.{setting}", entry, side, _is_int, expected="an int")


def _check_defender(state: Mapping[str, Any], problems: Problems) -> None:
    defender = state["defender"]
    _field(problems, "defender", defender, "installed", _is_bool, expected="true or false")
    _field(problems, "defender", defender, "status", _is_dict, expected="a map (Get-MpComputerStatus)")
    preferences = _field(problems, "defender", defender, "preferences", _is_dict, expected="a map (Get-MpPreference)")
    if isinstance(preferences, dict):
        _field(
            problems, "defender.preferences", preferences, "ExclusionPath", _is_list_of_str, expected="a list of paths"
        )
    products = _field(
        problems, "defender", defender, "third_party_av", lambda v: isinstance(v, list), expected="a list"
    )
    for index, product in enumerate(products or []):
        _field(problems, f"defender.third_party_av[{index}]", product, "displayName", _is_str, expected="a string")


def _check_firewall(state: Mapping[str, Any], problems: Problems) -> None:
    firewall = state["firewall"]
    profiles = _field(problems, "firewall", firewall, "profiles", _is_dict, expected="a map Domain/Private/Public")
    gpo_bool = _one_of(True, False, _NOT_CONFIGURED)
    action = _one_of("Block", "Allow", _NOT_CONFIGURED)
    for name in FIREWALL_PROFILES:
        where = f"firewall.profiles.{name}"
        profile = (profiles or {}).get(name)
        if not isinstance(profile, dict):
            problems.append(f"{where}: missing")
            continue
        _field(problems, where, profile, "Enabled", gpo_bool, expected="true, false or 'NotConfigured'")
        _field(problems, where, profile, "DefaultInboundAction", action, expected="Block, Allow or NotConfigured")
        _field(problems, where, profile, "DefaultOutboundAction", action, expected="Block, Allow or NotConfigured")
        _field(problems, where, profile, "LogBlocked", gpo_bool, expected="true, false or 'NotConfigured'")
        _field(problems, where, profile, "LogMaxSizeKilobytes", _is_int, expected="an int")
    rules = _field(problems, "firewall", firewall, "rules", _is_dict, expected="a map rule Name -> rule")
    profile_names = ("Any", *FIREWALL_PROFILES)
    for name, rule in (rules or {}).items():
        where = f"firewall.rules.{name}"
        _field(problems, where, rule, "DisplayName", _is_str, expected="a string")
        _field(problems, where, rule, "Direction", _one_of("Inbound", "Outbound"), expected="Inbound or Outbound")
        _field(problems, where, rule, "Action", _one_of("Allow", "Block"), expected="Allow or Block")
        _field(problems, where, rule, "Enabled", _is_bool, expected="true or false")
        _field(
            problems,
            where,
            rule,
            "Profile",
            lambda v: _is_list_of_str(v) and bool(v) and all(item in profile_names for item in v),
            expected="a list of Any/Domain/Private/Public",
        )
        _field(problems, where, rule, "Protocol", _is_str, expected="a string (TCP, UDP, ICMPv4, Any, or a number)")
        _field(problems, where, rule, "LocalPort", _is_list_of_str, expected="a list of strings (ports, ranges, Any)")


def _check_policies(state: Mapping[str, Any], problems: Problems) -> None:
    secpol = state["secpol"]
    access = _field(problems, "secpol", secpol, "System Access", _is_dict, expected="a map (secedit [System Access])")
    for name, value in (access or {}).items():
        if not _is_int(value):
            problems.append(f"secpol.System Access.{name}: expected an int as secedit exports it, got {value!r}")
    for name, holders in (secpol.get("Privilege Rights") or {}).items():
        if not _is_list_of_str(holders):
            problems.append(f"secpol.Privilege Rights.{name}: expected a list of '*SID' or account names")
    for guid, entry in state["auditpol"].items():
        _field(problems, f"auditpol.{guid}", entry, "success", _is_bool, expected="true or false")
        _field(problems, f"auditpol.{guid}", entry, "failure", _is_bool, expected="true or false")


def _check_accounts(state: Mapping[str, Any], problems: Problems) -> None:
    accounts = state["accounts"]
    _field(
        problems,
        "accounts",
        accounts,
        "machine_sid",
        lambda v: _is_str(v) and bool(_MACHINE_SID.match(v)),
        expected="S-1-5-21-x-y-z",
    )
    users = _field(problems, "accounts", accounts, "users", _is_dict, expected="a map RID -> user")
    for rid, user in (users or {}).items():
        where = f"accounts.users.{rid}"
        if not rid.isdigit():
            problems.append(f"{where}: user keys are RIDs (500, 501, 1001, ...)")
        _field(problems, where, user, "Name", _is_str, expected="a string")
        _field(problems, where, user, "Enabled", _is_bool, expected="true or false")
        _field(problems, where, user, "LastLogon", _optional(_is_str), expected="a timestamp or null (never)")
    for rid in ("500", "501"):
        if rid not in (users or {}):
            problems.append(f"accounts.users: the built-in account with RID {rid} is missing")
    groups = _field(problems, "accounts", accounts, "groups", _is_dict, expected="a map SID -> group")
    for sid, group in (groups or {}).items():
        where = f"accounts.groups.{sid}"
        if not _SID.match(sid):
            problems.append(f"{where}: group keys are SIDs")
        _field(problems, where, group, "Name", _is_str, expected="a string")
        _field(problems, where, group, "Members", _is_list_of_str, expected="a list of member SIDs")
    if ADMINISTRATORS_SID not in (groups or {}):
        problems.append(f"accounts.groups: Administrators ({ADMINISTRATORS_SID}) is missing")


def _check_storage(state: Mapping[str, Any], problems: Problems) -> None:
    bitlocker = state["bitlocker"]
    _field(problems, "bitlocker", bitlocker, "feature_installed", _is_bool, expected="true or false")
    volumes = _field(problems, "bitlocker", bitlocker, "volumes", _is_dict, expected="a map mount point -> volume")
    for mount, volume in (volumes or {}).items():
        where = f"bitlocker.volumes.{mount}"
        _field(
            problems,
            where,
            volume,
            "VolumeType",
            _one_of("OperatingSystem", "Data"),
            expected="OperatingSystem or Data",
        )
        _field(problems, where, volume, "VolumeStatus", _is_str, expected="a string such as FullyDecrypted")
        _field(problems, where, volume, "ProtectionStatus", _one_of("On", "Off"), expected="On or Off")
        _field(problems, where, volume, "KeyProtector", lambda v: isinstance(v, list), expected="a list")
    _field(problems, "tpm", state["tpm"], "TpmPresent", _is_bool, expected="true or false")


def _check_network(state: Mapping[str, Any], problems: Problems) -> None:
    network = state["network"]
    interfaces = _field(problems, "network", network, "interfaces", _is_dict, expected="a map alias -> interface")
    for alias, interface in (interfaces or {}).items():
        where = f"network.interfaces.{alias}"
        _field(problems, where, interface, "Status", _is_str, expected="a string (Up, Disconnected, Disabled)")
        _field(problems, where, interface, "Dhcp", _one_of("Enabled", "Disabled"), expected="Enabled or Disabled")
        _field(problems, where, interface, "IPv4Address", lambda v: isinstance(v, list), expected="a list")
    categories = _one_of("Public", "Private", "DomainAuthenticated")
    profiles = _field(problems, "network", network, "connection_profiles", _is_dict, expected="a map alias -> profile")
    for alias, profile in (profiles or {}).items():
        where = f"network.connection_profiles.{alias}"
        if alias not in (interfaces or {}):
            problems.append(f"{where}: no interface with that alias")
        _field(
            problems, where, profile, "NetworkCategory", categories, expected="Public, Private or DomainAuthenticated"
        )
    wlan = _field(problems, "network", network, "wlan", _is_dict, expected="a map")
    if isinstance(wlan, dict):
        _field(problems, "network.wlan", wlan, "service_running", _is_bool, expected="true or false")
        for alias, interface in (wlan.get("interfaces") or {}).items():
            _field(
                problems, f"network.wlan.interfaces.{alias}", interface, "Authentication", _is_str, expected="a string"
            )


def _check_inventory(state: Mapping[str, Any], problems: Problems) -> None:
    history = _field(problems, "updates", state["updates"], "history", _is_dict, expected="a map KB id -> update")
    for kb, update in (history or {}).items():
        _field(problems, f"updates.history.{kb}", update, "InstalledOn", _optional(_is_str), expected="a timestamp")
        _field(problems, f"updates.history.{kb}", update, "Description", _is_str, expected="a string")
    start_modes = _one_of("Auto", "Manual", "Disabled", "Boot", "System")
    run_states = _one_of("Running", "Stopped", "Paused", "StartPending", "StopPending")
    for name, service in state["services"].items():
        where = f"services.{name}"
        _field(problems, where, service, "DisplayName", _is_str, expected="a string")
        _field(problems, where, service, "StartMode", start_modes, expected="Auto, Manual, Disabled, Boot or System")
        _field(problems, where, service, "State", run_states, expected="Running, Stopped, ...")


#: Each check with the sections it reads; a check runs when they are all present, so one load lists every problem.
_SECTION_CHECKS = (
    (("system", "powershell"), _check_system),
    (("registry", "registry_access"), _check_registry_facts),
    (("power",), _check_power),
    (("defender",), _check_defender),
    (("firewall",), _check_firewall),
    (("secpol", "auditpol"), _check_policies),
    (("accounts",), _check_accounts),
    (("bitlocker", "tpm"), _check_storage),
    (("network",), _check_network),
    (("updates", "services"), _check_inventory),
)
