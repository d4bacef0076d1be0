"""What a complete host state looks like: the sections every profile must have, the fields each holds, and the
canonical spellings the ops rely on. PROFILES.md documents the same shape for people writing profiles by hand.

prepare_state() puts a state in canonical form (registry values explicit, GUID spellings); validate_state() lists
what is missing or malformed, so a hand-written profile fails to load with a precise message instead of making an
op fail later. Optional fields (absent means the Windows default) are checked only when present, and a registry value
an op interprets by its kind (a DWord flag, an Enrollments ProviderID) must have that kind: an op would otherwise
ignore it silently and report the default.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from winlab.sim_guid import audit_guid, power_guid
from winlab.sim_registry import RegistryPathError, normalise_store, parse_key_path, registry_of

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
#: Sections a host may lack: the ops then answer as Windows does without the feature (system.backup: not installed).
OPTIONAL_SECTIONS = ("backup",)

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

#: Keys the op modules also name (sim_ops_defender, sim_ops_secpol, sim_ops_system, sim_ops_eventlog,
#: sim_ops_software, sim_access); the typed-value rules below need them without importing the ops.
DEFENDER_REALTIME_POLICY_KEY = "HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows Defender\\Real-Time Protection"
SAM_KEY = "HKLM:\\SYSTEM\\CurrentControlSet\\Control\\SAM"
ENROLLMENTS_KEY = "HKLM:\\SOFTWARE\\Microsoft\\Enrollments"
CLASSIC_EVENT_LOGS_KEY = "HKLM:\\SYSTEM\\CurrentControlSet\\Services\\EventLog"
EVENT_CHANNELS_KEY = "HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WINEVT\\Channels"
UNINSTALL_KEY = "HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall"
UNINSTALL_32_ON_64_KEY = "HKLM:\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall"
UAC_POLICY_KEY = "HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System"
#: Get-MpComputerStatus AMRunningMode values.
DEFENDER_RUNNING_MODES = ("Normal", "Passive Mode", "SxS Passive Mode", "EDR Block Mode", "Not running")
#: Get-BitLockerVolume VolumeStatus values.
VOLUME_STATUSES = (
    "FullyDecrypted",
    "FullyEncrypted",
    "EncryptionInProgress",
    "DecryptionInProgress",
    "EncryptionPaused",
    "DecryptionPaused",
)
#: IUpdateHistoryEntry.Operation and .ResultCode as the profile spells them (updates.wu_history).
UPDATE_OPERATIONS = ("Installation", "Uninstallation", "Other")
UPDATE_RESULTS = ("NotStarted", "InProgress", "Succeeded", "SucceededWithErrors", "Failed", "Aborted")

_MACHINE_SID = re.compile(r"^S-1-5-21-\d+-\d+-\d+$")
_SID = re.compile(r"^S-1(-\d+)+$")
_NOT_CONFIGURED = "NotConfigured"
#: What a timestamp looks like once load_profile() has resolved "now-30d" (and what the ops write).
_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
_TIMESTAMP_EXPECTED = "a timestamp such as '2026-05-01T03:00:00Z' or 'now-30d'"
_TIME_OF_DAY = re.compile(r"^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$")
#: defender.update_signatures counts the third part up, so the version must be numeric.
_SIGNATURE_VERSION = re.compile(r"^\d+(\.\d+){0,3}$")
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
    present = {section for section in (*REQUIRED_SECTIONS, *OPTIONAL_SECTIONS) if isinstance(state.get(section), dict)}
    problems.extend(
        f"section '{section}' is missing or not a map" for section in REQUIRED_SECTIONS if section not in present
    )
    problems.extend(
        f"section '{section}': expected a map, got {state[section]!r}"
        for section in OPTIONAL_SECTIONS
        if state.get(section) is not None and section not in present
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


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_ip_address(value: Any) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _is_timestamp(value: Any) -> bool:
    return isinstance(value, str) and bool(_TIMESTAMP.match(value))


def _is_guid(value: Any) -> bool:
    try:
        power_guid(value)
    except ValueError:
        return False
    return True


def _int_between(low: int, high: int) -> Callable[[Any], bool]:
    return lambda value: _is_int(value) and low <= value <= high


def _matches(pattern: re.Pattern[str]) -> Callable[[Any], bool]:
    return lambda value: isinstance(value, str) and bool(pattern.match(value))


def _list_of(accepts: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda value: isinstance(value, list) and all(accepts(item) for item in value)


def _one_of(*choices: Any) -> Callable[[Any], bool]:
    return lambda value: isinstance(value, str | bool) and value in choices


def _optional(accepts: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda value: value is None or accepts(value)


def _choice_field(
    problems: Problems, where: str, mapping: Any, name: str, choices: Sequence[str], *, optional: bool = False
) -> Any:
    """A field that must be one of choices (or null, when optional); a problem lists the choices."""
    accepts = _optional(_one_of(*choices)) if optional else _one_of(*choices)
    return _field(problems, where, mapping, name, accepts, expected=", ".join(choices))


def _entries(problems: Problems, where: str, value: Any, expected: str) -> list[tuple[str, Any]]:
    """The items of an optional map to check one by one; anything but a map or null (absent) is a problem."""
    if isinstance(value, dict):
        return list(value.items())
    if value is not None:
        problems.append(f"{where}: expected {expected}, got {value!r}")
    return []


def _items(problems: Problems, where: str, value: Any) -> list[tuple[str, Any]]:
    """The entries of an optional list as (where[index], entry); anything but a list or null is a problem."""
    if isinstance(value, list):
        return [(f"{where}[{index}]", item) for index, item in enumerate(value)]
    if value is not None:
        problems.append(f"{where}: expected a list, got {value!r}")
    return []


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


_DWORD = ("DWord",)
#: Registry values an op interprets by kind: (key, whether the rule is for each direct subkey of the key, value name,
#: the kinds the op reads, what reads it). Another kind would be ignored silently and the op would report a default.
_TYPED_REGISTRY_VALUES: tuple[tuple[str, bool, str, tuple[str, ...], str], ...] = (
    (POWER_KEY, False, "HibernateEnabled", _DWORD, "power.query"),
    (POWER_KEY, False, "HibernateEnabledDefault", _DWORD, "power.query"),
    (DEFENDER_REALTIME_POLICY_KEY, False, "DisableRealtimeMonitoring", _DWORD, "the defender ops"),
    (SAM_KEY, False, "RelaxMinimumPasswordLengthLimits", _DWORD, "secpol.configure"),
    (UAC_POLICY_KEY, False, "EnableLUA", _DWORD, "admits()"),
    (UAC_POLICY_KEY, False, "LocalAccountTokenFilterPolicy", _DWORD, "admits()"),
    (UAC_POLICY_KEY, False, "FilterAdministratorToken", _DWORD, "admits()"),
    (ENROLLMENTS_KEY, True, "ProviderID", ("String",), "system.mdm_enrollments"),
    (ENROLLMENTS_KEY, True, "UPN", ("String",), "system.mdm_enrollments"),
    (ENROLLMENTS_KEY, True, "EnrollmentState", ("DWord", "QWord"), "system.mdm_enrollments"),
    (ENROLLMENTS_KEY, True, "EnrollmentType", ("DWord", "QWord"), "system.mdm_enrollments"),
    *(
        (CLASSIC_EVENT_LOGS_KEY, True, name, _DWORD, "eventlog.get")
        for name in ("MaxSize", "Retention", "AutoBackupLogFiles")
    ),
    *(
        (EVENT_CHANNELS_KEY, True, name, _DWORD, "eventlog.get")
        for name in ("MaxSize", "Retention", "AutoBackup", "Enabled")
    ),
    *((key, True, "SystemComponent", _DWORD, "software.installed") for key in (UNINSTALL_KEY, UNINSTALL_32_ON_64_KEY)),
)


def _check_typed_registry_values(state: Mapping[str, Any], problems: Problems) -> None:
    rules = [
        (parse_key_path(key).folded, each_subkey, name, kinds, reader)
        for key, each_subkey, name, kinds, reader in _TYPED_REGISTRY_VALUES
    ]
    for raw_path, values in state["registry"].items():
        if not isinstance(values, dict):
            continue  # prepare_state() refuses such keys before validation
        try:
            key = parse_key_path(raw_path)
        except RegistryPathError:
            continue
        parent = key.prefix(len(key.segments) - 1).folded if key.segments else None
        for rule_key, each_subkey, name, kinds, reader in rules:
            if (parent if each_subkey else key.folded) != rule_key:
                continue
            found = next((stored for stored in values if stored.upper() == name.upper()), None)
            spec = values.get(found) if found is not None else None
            if isinstance(spec, dict) and spec.get("type") not in kinds:
                problems.append(
                    f"registry: {raw_path} value {found!r}: expected a {' or '.join(kinds)} value "
                    f"({reader} reads it), got {spec.get('type')}"
                )


def _check_defender(state: Mapping[str, Any], problems: Problems) -> None:
    defender = state["defender"]
    _field(problems, "defender", defender, "installed", _is_bool, expected="true or false")
    _field(problems, "defender", defender, "signature_source_reachable", _optional(_is_bool), expected="true or false")
    status = _field(problems, "defender", defender, "status", _is_dict, expected="a map (Get-MpComputerStatus)")
    if isinstance(status, dict):
        where = "defender.status"
        for name in ("AMServiceEnabled", "AntivirusEnabled", "IsTamperProtected"):
            _field(problems, where, status, name, _optional(_is_bool), expected="true or false")
        _choice_field(problems, where, status, "AMRunningMode", DEFENDER_RUNNING_MODES, optional=True)
        _field(
            problems,
            where,
            status,
            "AntivirusSignatureVersion",
            _optional(_matches(_SIGNATURE_VERSION)),
            expected="a version such as '1.419.163.0'",
        )
        for name in ("AntivirusSignatureLastUpdated", "QuickScanEndTime"):
            _field(problems, where, status, name, _optional(_is_timestamp), expected=f"{_TIMESTAMP_EXPECTED} or null")
    preferences = _field(problems, "defender", defender, "preferences", _is_dict, expected="a map (Get-MpPreference)")
    if isinstance(preferences, dict):
        where = "defender.preferences"
        _field(problems, where, preferences, "ExclusionPath", _is_list_of_str, expected="a list of paths")
        _field(problems, where, preferences, "DisableRealtimeMonitoring", _optional(_is_bool), expected="true or false")
        _field(
            problems,
            where,
            preferences,
            "ScanScheduleDay",
            _optional(_int_between(0, 8)),
            expected="0 (every day), 1-7 (Sunday-Saturday) or 8 (never)",
        )
        _field(
            problems, where, preferences, "ScanScheduleTime", _optional(_matches(_TIME_OF_DAY)), expected="'HH:MM:SS'"
        )
        _field(
            problems,
            where,
            preferences,
            "ScanParameters",
            _optional(_int_between(1, 2)),
            expected="1 (quick) or 2 (full)",
        )
    products = _field(
        problems, "defender", defender, "third_party_av", lambda v: isinstance(v, list), expected="a list"
    )
    for index, product in enumerate(products or []):
        where = f"defender.third_party_av[{index}]"
        _field(problems, where, product, "displayName", _is_str, expected="a string")
        _field(problems, where, product, "productState", _optional(_is_int), expected="an int (productState bits)")
        for name in ("instanceGuid", "pathToSignedProductExe", "timestamp"):
            _field(problems, where, product, name, _optional(_is_str), expected="a string")


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
        _field(problems, where, profile, "LogAllowed", _optional(gpo_bool), expected="true, false or 'NotConfigured'")
        _field(problems, where, profile, "LogMaxSizeKilobytes", _is_int, expected="an int")
        _field(problems, where, profile, "LogFileName", _optional(_is_str), expected="a path")
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
        _field(
            problems,
            where,
            rule,
            "Group",
            _optional(_is_str),
            expected="a string (a resource such as '@FirewallAPI.dll,-28752', or the group's literal name)",
        )
        _field(problems, where, rule, "DisplayGroup", _optional(_is_str), expected="a string")
        _field(problems, where, rule, "Program", _optional(_is_str), expected="a string (Any, System or a path)")
        for field in ("RemoteAddress", "RemotePort"):
            _field(problems, where, rule, field, _optional(_is_list_of_str), expected="a list of strings")
    policy = _field(problems, "firewall", firewall, "group_policy", _optional(_is_dict), expected="a map")
    if isinstance(policy, dict):
        policy_profiles = _entries(problems, "firewall.group_policy.profiles", policy.get("profiles"), "a map")
        for name, profile in policy_profiles:
            where = f"firewall.group_policy.profiles.{name}"
            if name not in FIREWALL_PROFILES:
                problems.append(f"{where}: not one of {', '.join(FIREWALL_PROFILES)}")
            _field(problems, where, profile, "AllowLocalPolicyMerge", _optional(_is_bool), expected="true or false")
            _field(problems, where, profile, "DefaultInboundAction", _optional(action), expected="Block or Allow")
            _field(problems, where, profile, "Enabled", _optional(gpo_bool), expected="true or false")
        policy_rules = _entries(problems, "firewall.group_policy.rules", policy.get("rules"), "a map Name -> rule")
        for name, rule in policy_rules:
            where = f"firewall.group_policy.rules.{name}"
            _field(problems, where, rule, "Enabled", _is_bool, expected="true or false")
            _field(problems, where, rule, "LocalPort", _is_list_of_str, expected="a list of strings")


def _check_policies(state: Mapping[str, Any], problems: Problems) -> None:
    secpol = state["secpol"]
    access = _field(problems, "secpol", secpol, "System Access", _is_dict, expected="a map (secedit [System Access])")
    for name, value in (access or {}).items():
        if not _is_int(value):
            problems.append(f"secpol.System Access.{name}: expected an int as secedit exports it, got {value!r}")
    rights = _entries(
        problems, "secpol.Privilege Rights", secpol.get("Privilege Rights"), "a map right -> list of holders"
    )
    for name, holders in rights:
        if not _is_list_of_str(holders):
            problems.append(f"secpol.Privilege Rights.{name}: expected a list of '*SID' or account names")
    for guid, entry in state["auditpol"].items():
        _field(problems, f"auditpol.{guid}", entry, "success", _is_bool, expected="true or false")
        _field(problems, f"auditpol.{guid}", entry, "failure", _is_bool, expected="true or false")
        _field(problems, f"auditpol.{guid}", entry, "name", _optional(_is_str), expected="a string")


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
        _field(problems, where, user, "LastLogon", _optional(_is_timestamp), expected=f"{_TIMESTAMP_EXPECTED} or null")
        _field(
            problems,
            where,
            user,
            "PasswordLastSet",
            _optional(_is_timestamp),
            expected=f"{_TIMESTAMP_EXPECTED} or null",
        )
        for name in ("FullName", "Description"):
            _field(problems, where, user, name, _optional(_is_str), expected="a string")
        for name in ("PasswordNeverExpires", "PasswordRequired"):
            _field(problems, where, user, name, _optional(_is_bool), expected="true or false")
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
        _choice_field(problems, where, volume, "VolumeStatus", VOLUME_STATUSES)
        _field(problems, where, volume, "ProtectionStatus", _one_of("On", "Off"), expected="On or Off")
        _field(
            problems, where, volume, "EncryptionPercentage", _optional(_int_between(0, 100)), expected="an int 0..100"
        )
        _field(problems, where, volume, "EncryptionMethod", _optional(_is_str), expected="a string such as XtsAes128")
        _field(
            problems,
            where,
            volume,
            "LockStatus",
            _optional(_one_of("Locked", "Unlocked")),
            expected="Locked or Unlocked",
        )
        _field(problems, where, volume, "CapacityGB", _optional(_is_number), expected="a number")
        for name in ("AutoUnlockEnabled", "Removable", "HardwareTestPending"):
            _field(problems, where, volume, name, _optional(_is_bool), expected="true or false")
        protectors = _field(problems, where, volume, "KeyProtector", lambda v: isinstance(v, list), expected="a list")
        for index, protector in enumerate(protectors or []):
            entry = f"{where}.KeyProtector[{index}]"
            _field(problems, entry, protector, "KeyProtectorType", _is_str, expected="a string such as Tpm")
            _field(problems, entry, protector, "KeyProtectorId", _is_str, expected="a string such as '{GUID}'")
            _field(problems, entry, protector, "RecoveryPassword", _optional(_is_str), expected="a string")
    tpm = state["tpm"]
    _field(problems, "tpm", tpm, "TpmPresent", _is_bool, expected="true or false")
    for name in ("TpmReady", "TpmEnabled", "TpmActivated", "TpmOwned"):
        _field(problems, "tpm", tpm, name, _optional(_is_bool), expected="true or false")
    for name in ("ManufacturerIdTxt", "ManufacturerVersion", "SpecVersion"):
        _field(problems, "tpm", tpm, name, _optional(_is_str), expected="a string")


def _check_network(state: Mapping[str, Any], problems: Problems) -> None:
    network = state["network"]
    interfaces = _field(problems, "network", network, "interfaces", _is_dict, expected="a map alias -> interface")
    for alias, interface in (interfaces or {}).items():
        where = f"network.interfaces.{alias}"
        _field(problems, where, interface, "InterfaceIndex", _optional(_is_int), expected="an int")
        _field(problems, where, interface, "Status", _is_str, expected="a string (Up, Disconnected, Disabled)")
        _field(problems, where, interface, "Dhcp", _one_of("Enabled", "Disabled"), expected="Enabled or Disabled")
        for name in ("InterfaceDescription", "MacAddress"):
            _field(problems, where, interface, name, _optional(_is_str), expected="a string")
        addresses = _field(problems, where, interface, "IPv4Address", lambda v: isinstance(v, list), expected="a list")
        for index, address in enumerate(addresses or []):
            entry = f"{where}.IPv4Address[{index}]"
            _field(problems, entry, address, "IPAddress", _is_str, expected="a string such as '192.168.10.20'")
            _field(problems, entry, address, "PrefixLength", _int_between(0, 32), expected="an int 0..32")
            _field(problems, entry, address, "PrefixOrigin", _optional(_is_str), expected="a string (Dhcp, Manual)")
        for name in ("IPv4DefaultGateway", "DNSServer"):
            _field(problems, where, interface, name, _optional(_is_list_of_str), expected="a list of addresses")
        _field(problems, where, interface, "DhcpServer", _optional(_is_ip_address), expected="an IP address")
    _field(problems, "network", network, "controller_address", _optional(_is_ip_address), expected="an IP address")
    _field(problems, "network", network, "winrm_port", _optional(_int_between(1, 65535)), expected="a TCP port")
    categories = _one_of("Public", "Private", "DomainAuthenticated")
    profiles = _field(problems, "network", network, "connection_profiles", _is_dict, expected="a map alias -> profile")
    for alias, profile in (profiles or {}).items():
        where = f"network.connection_profiles.{alias}"
        if alias not in (interfaces or {}):
            problems.append(f"{where}: no interface with that alias")
        _field(
            problems, where, profile, "NetworkCategory", categories, expected="Public, Private or DomainAuthenticated"
        )
        for name in ("Name", "IPv4Connectivity"):
            _field(problems, where, profile, name, _optional(_is_str), expected="a string")
    wlan = _field(problems, "network", network, "wlan", _is_dict, expected="a map")
    if isinstance(wlan, dict):
        _field(problems, "network.wlan", wlan, "service_running", _is_bool, expected="true or false")
        radios = _entries(problems, "network.wlan.interfaces", wlan.get("interfaces"), "a map alias -> interface")
        for alias, interface in radios:
            where = f"network.wlan.interfaces.{alias}"
            _field(problems, where, interface, "Authentication", _is_str, expected="a string")
            for name in ("State", "SSID", "Cipher", "RadioType"):
                _field(problems, where, interface, name, _optional(_is_str), expected="a string")


def _check_inventory(state: Mapping[str, Any], problems: Problems) -> None:
    updates = state["updates"]
    history = _field(problems, "updates", updates, "history", _is_dict, expected="a map KB id -> update")
    for kb, update in (history or {}).items():
        where = f"updates.history.{kb}"
        _field(problems, where, update, "InstalledOn", _optional(_is_timestamp), expected=_TIMESTAMP_EXPECTED)
        _field(problems, where, update, "Description", _is_str, expected="a string")
        _field(problems, where, update, "InstalledBy", _optional(_is_str), expected="a string")
    for where, entry in _items(problems, "updates.wu_history", updates.get("wu_history")):
        _field(problems, where, entry, "Date", _is_timestamp, expected=_TIMESTAMP_EXPECTED)
        _choice_field(problems, where, entry, "Operation", UPDATE_OPERATIONS, optional=True)
        _choice_field(problems, where, entry, "ResultCode", UPDATE_RESULTS, optional=True)
        _field(problems, where, entry, "Title", _optional(_is_str), expected="a string")
        _field(problems, where, entry, "UpdateID", _optional(_is_guid), expected="a GUID")
        _field(problems, where, entry, "Categories", _optional(_list_of(_is_guid)), expected="a list of GUIDs")
    _field(
        problems, "updates", updates, "wu_error", _optional(_is_str), expected="a message such as '0x80070005' or null"
    )
    start_modes = _one_of("Auto", "Manual", "Disabled", "Boot", "System")
    run_states = _one_of("Running", "Stopped", "Paused", "StartPending", "StopPending")
    for name, service in state["services"].items():
        where = f"services.{name}"
        _field(problems, where, service, "DisplayName", _is_str, expected="a string")
        _field(problems, where, service, "StartMode", start_modes, expected="Auto, Manual, Disabled, Boot or System")
        _field(problems, where, service, "State", run_states, expected="Running, Stopped, ...")
        _field(problems, where, service, "DelayedAutoStart", _optional(_is_bool), expected="true or false")


def _check_backup(state: Mapping[str, Any], problems: Problems) -> None:
    backup = state["backup"]
    _field(problems, "backup", backup, "feature_installed", _is_bool, expected="true or false")
    for name in ("LastSuccessfulBackupTime", "LastBackupTime"):
        _field(problems, "backup", backup, name, _optional(_is_timestamp), expected=f"{_TIMESTAMP_EXPECTED} or null")
    _field(
        problems,
        "backup",
        backup,
        "LastBackupResultHR",
        _optional(_int_between(-(2**31), 2**32 - 1)),
        expected="an HRESULT as an int (0, or negative such as -2147024784)",
    )
    _field(
        problems, "backup", backup, "NumberOfVersions", _optional(_int_between(0, 2**31 - 1)), expected="an int >= 0"
    )


#: Each check with the sections it reads; a check runs when they are all present, so one load lists every problem.
_SECTION_CHECKS = (
    (("system", "powershell"), _check_system),
    (("registry", "registry_access"), _check_registry_facts),
    (("registry",), _check_typed_registry_values),
    (("power",), _check_power),
    (("defender",), _check_defender),
    (("firewall",), _check_firewall),
    (("secpol", "auditpol"), _check_policies),
    (("accounts",), _check_accounts),
    (("bitlocker", "tpm"), _check_storage),
    (("network",), _check_network),
    (("updates", "services"), _check_inventory),
    (("backup",), _check_backup),
)
