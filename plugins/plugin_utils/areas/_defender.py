r"""Antivirus area (AV-01..AV-05): Microsoft Defender exclusions for OnePacs and PostgreSQL, real-time protection,
a scheduled scan in off-hours, current signatures, and an antivirus product registered in Windows Security Center.

Defender's settings only matter while Defender is the active antivirus. When another product is (Defender in
passive mode, not running or removed, or another product registered in Security Center), what this module cannot
observe in that product becomes a manual check (`third_party_finding`): AV-01 (exclusions) and AV-03 (scan
schedule) always, AV-02 (real-time protection) and AV-04 (signatures) where Windows offers no view of the product.
A manual check names the product and is attested with evidence from the product's console in
`antivirus_attestations` (the same fields as win_attestations); it is never `fail`. What Windows does show is
still judged: Security Center (root\SecurityCenter2) reports a registered product's real-time state and signature
state on client Windows. Security Center does not exist on Windows Server ("Minimum supported server: None
supported", https://learn.microsoft.com/en-us/windows/win32/api/wscapi/nf-wscapi-wscgetsecurityproviderhealth),
where the product is named from the installed programs (`KNOWN_ANTIVIRUS`, matched on the names "Programs and
Features" shows; an assumption: a product outside that list is "a third-party antivirus" unnamed).

AV-01's folders come from the host: OnePacs' install folders from the installed programs whose name or publisher
is OnePacs (InstallLocation), PostgreSQL's from its installer's registry entries; the seed's C:\onepacs and
PostgreSQL folders only when the host records none. Every folder from the host is validated before it becomes an
exclusion (`exclusion_problem`): an absolute local folder, no wildcard, no environment variable, no "..", not a
drive root, not a user profile or the profiles folder, not a system folder (Windows, Program Files, ProgramData,
...), and named like what it is (a segment holding "onepacs", or "postgres"/"pgsql"/"pgdata"). A folder that
fails is never excluded; the control fails and says why.

Security Center's productState is undocumented but stable; the decoding used here (and in Microsoft's own
scripting examples) reads it as three bytes, 0xPPSSOD in hex: PP security provider flags (0x04 antivirus, 0x02 auto
update, ...); then the nibbles S = scanner state (0 off, 1 on, 2 snoozed, 3 expired: 0xF000), O = owner
(1 Microsoft, 0 other vendor: 0x0F00) and D = signature state (0 up to date, 1 out of date: 0x00F0). Examples:
266240 = 0x041000 another vendor's antivirus, on, up to date; 397568 = 0x061100 Defender on, up to date;
393472 = 0x060100 Defender off.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from .._catalog import load_catalog
from .._findings import Change, Finding
from ..agent._transport import OpResult
from ._area import DatedArea, InvalidOptionError, decides
from ._attestations import Attestation, parse_attestations

ONEPACS_DIR = r"C:\onepacs"
#: The seed's PostgreSQL folders: OnePacs installs 32-bit PostgreSQL, so on 64-bit Windows it lives under
#: "Program Files (x86)". Used only when the host's registry records no PostgreSQL installation.
POSTGRESQL_DIR_64BIT_OS = r"C:\Program Files (x86)\PostgreSQL"
POSTGRESQL_DIR_32BIT_OS = r"C:\Program Files\PostgreSQL"
#: Where the PostgreSQL (EnterpriseDB) installer records each installation: one subkey per installation holding
#: "Base Directory" and "Data Directory". The registry is the same in every display language.
POSTGRESQL_INSTALLATION_KEYS = (
    r"HKLM:\SOFTWARE\PostgreSQL\Installations",
    r"HKLM:\SOFTWARE\WOW6432Node\PostgreSQL\Installations",
)
POSTGRESQL_BASE_VALUE = "Base Directory"
POSTGRESQL_DATA_VALUE = "Data Directory"

#: Group Policy twin of the real-time preference; when it is 1 it wins over Set-MpPreference.
REALTIME_POLICY_KEY = r"HKLM:\SOFTWARE\Policies\Microsoft\Windows Defender\Real-Time Protection"
REALTIME_POLICY_VALUE = "DisableRealtimeMonitoring"

#: Group Policy over Defender's lists (HKLM\SOFTWARE\Policies\Microsoft\Windows Defender): DisableLocalAdminMerge = 1
#: keeps only the policy's exclusions in the effective list, so Add-MpPreference has no effect
#: (https://learn.microsoft.com/en-us/defender-endpoint/configure-local-policy-overrides-microsoft-defender-antivirus);
#: HideExclusionsFromLocalAdmins = 1 hides the exclusions from administrators in Get-MpPreference (the Defender CSP,
#: https://learn.microsoft.com/en-us/windows/client-management/mdm/defender-csp, Configuration/
#: HideExclusionsFromLocalAdmins; the registry value as the DISA STIG checks it).
DEFENDER_POLICY_KEY = r"HKLM:\SOFTWARE\Policies\Microsoft\Windows Defender"
LOCAL_MERGE_VALUE = "DisableLocalAdminMerge"
HIDE_EXCLUSIONS_VALUE = "HideExclusionsFromLocalAdmins"

#: Defender's own Security Center entry: a fixed instance GUID and a windowsdefender:// product path.
DEFENDER_SECURITY_CENTER_GUID = "{D68DDC3A-831F-4FAE-9E44-DA132C1ACF46}"
PASSIVE_MODES = frozenset({"Passive Mode", "SxS Passive Mode", "EDR Block Mode"})

SCAN_DAYS = ("every day", "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "never")
_SCANNER_STATES = {0x0: "off", 0x1: "on", 0x2: "snoozed", 0x3: "expired"}
_TIME_OF_DAY = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")

#: Antivirus products as "Programs and Features" names them, for naming the product on hosts without Security
#: Center (Windows Server). Matched case-insensitively as words at the start of a program's name or publisher.
KNOWN_ANTIVIRUS = (
    "Sophos",
    "ESET",
    "Trend Micro",
    "Bitdefender",
    "CrowdStrike",
    "SentinelOne",
    "Sentinel Agent",
    "Symantec",
    "Norton",
    "McAfee",
    "Trellix",
    "Kaspersky",
    "Webroot",
    "Avast",
    "AVG",
    "Avira",
    "Malwarebytes",
    "Cylance",
    "Carbon Black",
    "VMware Carbon Black",
    "Cortex XDR",
    "WithSecure",
    "F-Secure",
    "Panda",
    "G DATA",
    "Emsisoft",
    "Vipre",
    "Comodo",
)
#: The antivirus controls a third-party product can turn into manual checks.
ATTESTABLE_CONTROLS = ("AV-01", "AV-02", "AV-03", "AV-04")
#: Folders whose contents never become an exclusion taken from the host (the system, user profiles).
NEVER_EXCLUDED_INSIDE = (
    r"C:\Windows",
    r"C:\Users",
    r"C:\Documents and Settings",
    r"C:\System Volume Information",
    r"C:\$Recycle.Bin",
)
#: System folders that hold installations: only a folder inside them named like what it is may be excluded.
NAMED_INSIDE = (r"C:\Program Files", r"C:\Program Files (x86)", r"C:\ProgramData")
_DRIVE_FOLDER = re.compile(r"^[A-Za-z]:\\[^\\]")
#: What a PostgreSQL folder's name holds somewhere in its path: "postgres", "pgsql", or a segment starting "pg"
#: (pgdata, pg14); an assumption from the EnterpriseDB installer's defaults and common practice.
_POSTGRESQL_NAMES = ("postgres", "pgsql", "pg*")
_ONEPACS_NAMES = ("onepacs",)

OPTIONS: dict[str, dict[str, Any]] = {
    "extra_exclusion_paths": {"type": "list", "elements": "str", "default": []},
    "antivirus_attestations": {"type": "list", "elements": "dict", "default": []},
    "scan_schedule_day": {"type": "int", "default": 0},
    "scan_schedule_time": {"type": "str", "default": "02:00"},
    "signature_max_age_days": {"type": "int", "default": 7},
}


# ------------------------------------------------------------------------------------------------- paths


def normalise_path(path: str) -> str:
    """The form Windows paths are compared in: case-insensitive, backslashes, no trailing backslash (but "C:\\")."""
    text = path.strip().replace("/", "\\")
    while len(text) > 3 and text.endswith("\\"):
        text = text[:-1]
    return text.casefold()


def covers(exclusion: str, path: str) -> bool:
    """Whether a Defender folder exclusion covers path: the same folder, or one of its parents (folder exclusions
    apply to everything below them)."""
    outer, inner = normalise_path(exclusion), normalise_path(path)
    if not outer:
        return False
    prefix = outer if outer.endswith("\\") else outer + "\\"
    return inner == outer or inner.startswith(prefix)


def _split(path: str) -> tuple[str, str]:
    """(parent folder, last segment) of a Windows path; a trailing backslash is ignored."""
    head, _separator, tail = path.replace("/", "\\").rstrip("\\").rpartition("\\")
    return head, tail


def _add_unless_covered(paths: list[str], path: str) -> None:
    """Add path unless an entry covers it already; entries it covers give way to it."""
    if not any(covers(existing, path) for existing in paths):
        paths[:] = [*(existing for existing in paths if not covers(path, existing)), path]


def _named_like(segments: Sequence[str], names: Sequence[str]) -> bool:
    """Whether a segment holds one of the names ("pg*": a segment starting with "pg")."""
    for name in names:
        if name.endswith("*"):
            if any(segment.startswith(name[:-1]) for segment in segments):
                return True
        elif any(name in segment for segment in segments):
            return True
    return False


def exclusion_problem(path: str, names: Sequence[str]) -> str | None:
    """Why a folder reported by the host must not become a Defender exclusion, or None when it may.

    `names`: what one of its segments must contain (a PostgreSQL folder is named so; a data directory of "C:\\"
    or "C:\\Users\\x" is not). Windows would accept any of these as an exclusion, which is the danger."""
    text = path.strip()
    if any(char in text for char in "*?"):
        return "it holds a wildcard"
    if "%" in text:
        return "it holds an environment variable"
    if not _DRIVE_FOLDER.match(text.replace("/", "\\")):
        return "it is not a folder on a local drive (such as D:\\OnePacs)" if len(text) > 3 else "it is a drive root"
    segments = [segment for segment in normalise_path(text).split("\\")[1:] if segment]
    if any(segment in (".", "..") for segment in segments):
        return "it holds . or .. segments"
    if not segments:
        return "it is a drive root"
    for folder in (*NEVER_EXCLUDED_INSIDE, *NAMED_INSIDE):
        if covers(path, folder):
            return f"it contains the system folder {folder}"
    for folder in NEVER_EXCLUDED_INSIDE:
        if covers(folder, path):
            profiles = normalise_path(folder) in (r"c:\users", r"c:\documents and settings")
            return "it is a user profile folder" if profiles else f"it is inside the system folder {folder}"
    if not _named_like(segments, names):
        return f"no folder in it is named like {' or '.join(names)}"
    return None


def postgresql_dirs(installations: Sequence[Mapping[str, Any]]) -> list[str]:
    """Folders to exclude for the PostgreSQL installations the registry records.

    The seed names the "PostgreSQL" folder above the versioned installation (C:\\Program Files (x86)\\PostgreSQL
    holds 9.6\\), so a base directory whose parent is called PostgreSQL is excluded through that parent. A data
    directory outside those folders is excluded too: the database files are what the exclusion is for.
    """
    dirs: list[str] = []
    data_dirs: list[str] = []
    for installation in installations:
        values = installation.get("values") or {}
        base = values.get(POSTGRESQL_BASE_VALUE)
        if isinstance(base, str) and base.strip():
            base = base.strip().rstrip("\\")
            parent, _leaf = _split(base)
            _add_unless_covered(dirs, parent if _split(parent)[1].casefold() == "postgresql" else base)
        data = values.get(POSTGRESQL_DATA_VALUE)
        if isinstance(data, str) and data.strip():
            data_dirs.append(data.strip().rstrip("\\"))
    for data in data_dirs:
        _add_unless_covered(dirs, data)
    return dirs


def onepacs_dirs(programs: Sequence[Mapping[str, Any]]) -> list[str]:
    """The install folders of the installed programs that are OnePacs' (by name or publisher)."""
    dirs: list[str] = []
    for program in programs:
        label = f"{program.get('name') or ''} {program.get('publisher') or ''}".casefold()
        location = str(program.get("install_location") or "").strip().rstrip("\\")
        if "onepacs" in label and location:
            _add_unless_covered(dirs, location)
    return dirs


def installed_antivirus(programs: Sequence[Mapping[str, Any]]) -> list[str]:
    """Names of installed programs that are known antivirus products (see KNOWN_ANTIVIRUS)."""
    found: list[str] = []
    for program in programs:
        name = str(program.get("name") or "")
        publisher = str(program.get("publisher") or "")
        for vendor in KNOWN_ANTIVIRUS:
            pattern = re.compile(rf"^{re.escape(vendor)}\b", re.IGNORECASE)
            if (pattern.match(name) or pattern.match(publisher)) and name and name not in found:
                found.append(name)
                break
    return found


# ------------------------------------------------------------------------------------------ antivirus products


@dataclass(frozen=True)
class AntivirusProduct:
    """One Security Center AntiVirusProduct entry, with productState decoded (see the module docstring)."""

    name: str
    state: int
    instance_guid: str = ""
    path: str = ""

    @classmethod
    def from_result(cls, entry: Mapping[str, Any]) -> AntivirusProduct:
        return cls(
            name=str(entry.get("display_name") or "unnamed product"),
            state=int(entry.get("product_state") or 0),
            instance_guid=str(entry.get("instance_guid") or ""),
            path=str(entry.get("path_to_signed_product_exe") or ""),
        )

    @property
    def scanner(self) -> str:
        return _SCANNER_STATES.get((self.state & 0xF000) >> 12, f"unknown ({self.state:#x})")

    @property
    def enabled(self) -> bool:
        return self.scanner == "on"

    @property
    def up_to_date(self) -> bool:
        return self.state & 0x00F0 == 0

    @property
    def is_defender(self) -> bool:
        return self.instance_guid.upper() == DEFENDER_SECURITY_CENTER_GUID or self.path.lower().startswith(
            "windowsdefender:"
        )

    def describe(self) -> str:
        signatures = "up to date" if self.up_to_date else "out of date"
        return f"{self.name} ({self.scanner}, signatures {signatures})"


def _names(products: Sequence[AntivirusProduct]) -> str:
    return ", ".join(product.name for product in products)


@dataclass(frozen=True)
class AntivirusSituation:
    """Which antivirus protects the host: Defender (status from Get-MpComputerStatus) or another product."""

    status: OpResult
    products: OpResult
    software: OpResult | None = None

    @property
    def security_center(self) -> bool:
        """Whether Windows offers Security Center here (client Windows)."""
        return self.products.ok

    @property
    def installed(self) -> list[str]:
        """Known antivirus products among the installed programs."""
        if self.software is None or not self.software.ok:
            return []
        return installed_antivirus(self.software.value.get("programs") or [])

    @property
    def defender_installed(self) -> bool:
        return self.status.ok or self.status.code != "not_supported"

    @property
    def mode(self) -> str | None:
        return self.status.value.get("am_running_mode") if self.status.ok else None

    @property
    def defender_active(self) -> bool:
        if not self.status.ok:
            return False
        status = self.status.value
        if not status.get("am_service_enabled"):
            return False
        mode = status.get("am_running_mode")
        return mode == "Normal" if mode is not None else bool(status.get("antivirus_enabled"))

    @property
    def others(self) -> list[AntivirusProduct]:
        """Products other than Defender that Security Center lists (none where it is unavailable: servers)."""
        if not self.products.ok:
            return []
        entries = (AntivirusProduct.from_result(entry) for entry in self.products.value.get("products") or [])
        return [product for product in entries if not product.is_defender]

    def defender_problem(self) -> str | None:
        """An op error that leaves Defender's state unknown (not a removed Defender), or None."""
        if self.status.ok or self.status.code == "not_supported":
            return None
        return f"could not read Defender's status: {self.status.describe_error()}"

    def why_not_defender(self) -> str:
        """Why Defender's settings do not protect this host, for messages."""
        if not self.defender_installed:
            reason = "Microsoft Defender Antivirus is not installed"
        elif self.mode in PASSIVE_MODES:
            reason = f"Microsoft Defender runs in {self.mode} (another antivirus product is the active one)"
        else:
            reason = f"Microsoft Defender is not running (AMRunningMode {self.mode!r})"
        if self.others:
            reason += f"; Security Center lists {', '.join(product.describe() for product in self.others)}"
        return reason

    def product_in_use(self) -> str:
        """The product protecting the host, by name where Windows tells it."""
        if self.others:
            return _names(self.others)
        if self.installed:
            return ", ".join(self.installed)
        if self.security_center:
            return "a third-party antivirus (Security Center lists none)"
        return (
            "a third-party antivirus that Windows does not name here (no Security Center on Windows Server, and no "
            "known antivirus among the installed programs)"
        )

    def actual(self) -> dict[str, Any]:
        defender = "not installed" if not self.defender_installed else (self.mode or "not active")
        return {
            "defender": defender,
            "other_products": [product.describe() for product in self.others],
            "installed_antivirus": self.installed,
            "product_in_use": self.product_in_use(),
        }


# -------------------------------------------------------------------------------------------------- the area


def _registry_data(result: OpResult) -> Any:
    if not result.ok or not result.value.get("exists"):
        return None
    return result.value.get("data")


def _time_of_day(text: str) -> str | None:
    """ "2:00" or "02:00:00" -> "02:00:00"; None when text is not a time of day."""
    match = _TIME_OF_DAY.match(text.strip())
    if not match:
        return None
    hours, minutes, seconds = match.groups()
    return f"{int(hours):02d}:{minutes}:{seconds or '00'}"


def _describe_schedule(day: Any, time: Any) -> str:
    if day == 8:
        return "never"
    name = SCAN_DAYS[day] if isinstance(day, int) and 0 <= day < len(SCAN_DAYS) else f"day {day!r}"
    return f"{name} at {time}"


def _third_party_failing(
    control_id: str, expected: Any, situation: AntivirusSituation, observed: str, remedy: str
) -> Finding:
    """A failure Security Center observed in the third-party product in use, which this module does not change."""
    return Finding.compare(
        control_id,
        expected=expected,
        actual=situation.actual(),
        compliant=False,
        message=f"{observed}; {situation.why_not_defender()}; {remedy} in that product (not changed by this module)",
    )


def _realtime_off(message: str, changes: tuple[Change, ...] = ()) -> Finding:
    """AV-02 failing where Defender is the antivirus in use and its real-time protection is off."""
    return Finding.compare("AV-02", expected=True, actual=False, compliant=False, changes=changes, message=message)


class DefenderArea(DatedArea):
    module: ClassVar[str] = "win_defender"
    options: ClassVar[dict[str, dict[str, Any]]] = OPTIONS

    def validate(self) -> None:
        day = self.params["scan_schedule_day"]
        if not 0 <= day <= 7:
            raise InvalidOptionError(
                f"scan_schedule_day: {day} is not 0 (every day) or 1..7 (Sunday..Saturday); 8 (never) is no schedule"
            )
        text = str(self.params["scan_schedule_time"])
        if _time_of_day(text) is None:
            raise InvalidOptionError(
                f'scan_schedule_time: {text!r} is not a time of day HH:MM (quote it in YAML: "02:00", unquoted '
                "02:00 is read as the number 120)"
            )
        if self.params["signature_max_age_days"] < 0:
            raise InvalidOptionError("signature_max_age_days: must be 0 or a positive number of days")
        for index, path in enumerate(self.params["extra_exclusion_paths"]):
            if not str(path).strip():
                raise InvalidOptionError(f"extra_exclusion_paths[{index}]: must be a non-empty path")
        self.attestations: dict[str, Attestation] = parse_attestations(
            self.params.get("antivirus_attestations") or [],
            load_catalog(),
            self.today,
            "antivirus_attestations",
            control_ids=ATTESTABLE_CONTROLS,
        )

    @property
    def scan_time(self) -> str:
        return _time_of_day(str(self.params["scan_schedule_time"])) or ""

    def probe_ops(self) -> dict[str, dict[str, Any]]:
        return {
            "status": {"op": "defender.status"},
            "preferences": {"op": "defender.preferences"},
            "products": {"op": "defender.products"},
            "realtime_policy": {"op": "registry.get", "path": REALTIME_POLICY_KEY, "name": REALTIME_POLICY_VALUE},
            "postgresql": {
                "op": "defender.install_dirs",
                "keys": list(POSTGRESQL_INSTALLATION_KEYS),
                "values": [POSTGRESQL_BASE_VALUE, POSTGRESQL_DATA_VALUE],
            },
            "system": {"op": "system.info"},
            "software": {"op": "software.installed"},
            "local_merge_policy": {"op": "registry.get", "path": DEFENDER_POLICY_KEY, "name": LOCAL_MERGE_VALUE},
            "hidden_policy": {"op": "registry.get", "path": DEFENDER_POLICY_KEY, "name": HIDE_EXCLUSIONS_VALUE},
        }

    def evaluate(self, results: Mapping[str, OpResult]) -> list[Finding]:
        situation = AntivirusSituation(results["status"], results["products"], results.get("software"))
        return [
            self._exclusions(
                situation,
                results["preferences"],
                results["postgresql"],
                results["system"],
                (_registry_data(results["local_merge_policy"]), _registry_data(results["hidden_policy"]))
                if "local_merge_policy" in results and "hidden_policy" in results
                else (None, None),
            ),
            self._real_time(situation, results["preferences"], results["realtime_policy"]),
            self._scan_schedule(situation, results["preferences"]),
            self._signatures(situation),
            self._product_registered(results["products"]),
        ]

    # ------------------------------------------------------------------------------------------------ AV-01

    def required_exclusions(
        self, postgresql: OpResult, system: OpResult, software: OpResult | None = None
    ) -> tuple[list[str], str, list[str]]:
        """(paths to exclude, where they came from, folders from the host refused as exclusions with the reason);
        raises ValueError when the PostgreSQL folder cannot be known."""
        refused: list[str] = []
        programs = software.value.get("programs") or [] if software is not None and software.ok else []
        onepacs = self._validated(onepacs_dirs(programs), _ONEPACS_NAMES, "OnePacs", refused)
        if onepacs:
            sources = ["OnePacs folder from the installed programs"]
        else:
            onepacs = [ONEPACS_DIR]
            sources = ["no OnePacs install folder among the installed programs: the seed's C:\\onepacs"]
        installations = postgresql.value.get("installations") or [] if postgresql.ok else []
        # Each folder is validated before the folders are merged: a data directory of C:\ must not swallow the
        # PostgreSQL folder it "covers".
        reported = postgresql_dirs(installations)
        found = postgresql_dirs([self._validated_installation(entry, refused) for entry in installations])
        if reported:
            sources.append("PostgreSQL folder found in the registry under PostgreSQL\\Installations")
        else:
            architecture = system.value.get("architecture") if system.ok else None
            if architecture not in ("32-bit", "64-bit"):
                cause = system.describe_error() if not system.ok else f"architecture {architecture!r}"
                raise ValueError(
                    f"no PostgreSQL installation in the registry and the OS architecture is unknown ({cause})"
                )
            found = [POSTGRESQL_DIR_32BIT_OS if architecture == "32-bit" else POSTGRESQL_DIR_64BIT_OS]
            source = f"no PostgreSQL installation in the registry: default folder for {architecture} Windows"
            if not postgresql.ok:
                source += f" (the registry could not be read: {postgresql.describe_error()})"
            sources.append(source)
        paths: list[str] = []
        for path in (*onepacs, *found, *(str(extra).strip() for extra in self.params["extra_exclusion_paths"])):
            if not any(normalise_path(path) == normalise_path(existing) for existing in paths):
                paths.append(path)
        return paths, "; ".join(sources), refused

    @staticmethod
    def _validated_installation(entry: Mapping[str, Any], refused: list[str]) -> dict[str, Any]:
        """The installation with every folder that must not become an exclusion left out (and listed in refused)."""
        values = dict(entry.get("values") or {})
        for name in (POSTGRESQL_BASE_VALUE, POSTGRESQL_DATA_VALUE):
            path = values.get(name)
            if not isinstance(path, str) or not path.strip():
                continue
            problem = exclusion_problem(path, _POSTGRESQL_NAMES)
            if problem is not None:
                refused.append(f"{path} (reported by the host as a PostgreSQL folder; never excluded: {problem})")
                values[name] = None
        return {**entry, "values": values}

    @staticmethod
    def _validated(paths: Sequence[str], names: Sequence[str], what: str, refused: list[str]) -> list[str]:
        kept = []
        for path in paths:
            problem = exclusion_problem(path, names)
            if problem is None:
                kept.append(path)
            else:
                refused.append(f"{path} (reported by the host as a {what} folder; never excluded: {problem})")
        return kept

    def third_party_finding(self, control_id: str, expected: Any, situation: AntivirusSituation, check: str) -> Finding:
        """A manual check in the third-party product that protects the host: attested in antivirus_attestations
        with evidence from that product's console, never `fail` for what this module cannot observe."""
        product = situation.product_in_use()
        why = f"{situation.why_not_defender()}; this module cannot observe it there"
        return self.manual_finding(control_id, expected, situation.actual(), where=product, check=check, why=why)

    def manual_finding(
        self, control_id: str, expected: Any, actual: Mapping[str, Any], *, where: str, check: str, why: str
    ) -> Finding:
        """A check this module cannot observe: manual_missing until antivirus_attestations holds a current entry."""
        attestation = self.attestations.get(control_id)
        recorded = {**actual, "attestation": attestation.to_dict() if attestation else None}
        if attestation is None:
            message = (
                f"manual check in {where}: {check} ({why}). Attest it in antivirus_attestations ({control_id}) with "
                "evidence from the console that shows it"
            )
            return Finding.manual(control_id, attested=False, expected=expected, actual=recorded, message=message)
        who = f"attested by {attestation.attested_by} on {attestation.date.isoformat()}"
        if attestation.is_current(self.today):
            message = (
                f"{check} in {where}: {who}, valid until {attestation.valid_until.isoformat()}: {attestation.evidence}"
            )
            return Finding.manual(control_id, attested=True, expected=expected, actual=recorded, message=message)
        message = (
            f"manual check in {where}: {check}; attestation expired ({who}, until "
            f"{attestation.valid_until.isoformat()}); attest again"
        )
        return Finding.manual(control_id, attested=False, expected=expected, actual=recorded, message=message)

    @decides("AV-01")
    def _exclusions(
        self,
        situation: AntivirusSituation,
        preferences: OpResult,
        postgresql: OpResult,
        system: OpResult,
        policy: tuple[Any, Any] = (None, None),
    ) -> Finding:
        try:
            wanted, source, refused = self.required_exclusions(postgresql, system, situation.software)
        except ValueError as exc:
            return Finding.error("AV-01", f"cannot tell which PostgreSQL folder to exclude: {exc}")
        if problem := situation.defender_problem():
            return Finding.error("AV-01", problem, wanted)
        if not situation.defender_active:
            return self.third_party_finding(
                "AV-01", wanted, situation, f"exclusions for {'; '.join(wanted)} are present"
            )
        local_merge_off, hidden = (value not in (None, 0) for value in policy)
        if hidden or local_merge_off:
            actual = {LOCAL_MERGE_VALUE: policy[0], HIDE_EXCLUSIONS_VALUE: policy[1]}
            if hidden:
                why = (
                    f"Group Policy hides Defender's exclusions from administrators ({HIDE_EXCLUSIONS_VALUE} = "
                    f"{policy[1]!r}), so they cannot be read here"
                )
            else:
                why = (
                    f"Group Policy applies only its own exclusions ({LOCAL_MERGE_VALUE} = {policy[0]!r}), so an "
                    "exclusion added here would have no effect: add them to the policy's path exclusions"
                )
            return self.manual_finding(
                "AV-01",
                wanted,
                actual,
                where="the Group Policy object",
                check=f"Defender excludes {'; '.join(wanted)}",
                why=why,
            )
        if not preferences.ok:
            return Finding.error(
                "AV-01", f"could not read Defender's exclusions: {preferences.describe_error()}", wanted
            )
        present = [str(path) for path in preferences.value.get("exclusion_paths") or []]
        missing = [path for path in wanted if not any(covers(existing, path) for existing in present)]
        changes = tuple(self._exclusion_change(path) for path in missing)
        message = f"missing exclusions: {'; '.join(missing)}" if missing else "every exclusion is present"
        if refused:
            message += f"; {'; '.join(refused)}"
        return Finding.compare(
            "AV-01",
            expected=wanted,
            actual=present,
            compliant=not missing and not refused,
            changes=changes,
            message=f"{message} ({source})",
            residual="; ".join(refused),
        )

    @staticmethod
    def _exclusion_change(path: str) -> Change:
        return Change(
            setting=f"exclusion {path}",
            before="absent",
            after="present",
            op={"op": "defender.add_exclusion", "path": path},
            read_back=lambda value: (
                "present" if any(covers(str(existing), path) for existing in value["exclusion_paths"]) else "absent"
            ),
        )

    # ------------------------------------------------------------------------------------------------ AV-02

    @decides("AV-02")
    def _real_time(self, situation: AntivirusSituation, preferences: OpResult, policy: OpResult) -> Finding:
        if problem := situation.defender_problem():
            return Finding.error("AV-02", problem, True)
        if not situation.defender_active:
            on = [product for product in situation.others if product.enabled]
            if on:
                return Finding.compare(
                    "AV-02",
                    expected=True,
                    actual=True,
                    compliant=True,
                    message=f"real-time protection by {_names(on)} (Security Center: on); Defender is not the active "
                    "antivirus",
                )
            if situation.others:  # Security Center shows every registered product off: observed
                return _third_party_failing(
                    "AV-02",
                    True,
                    situation,
                    f"real-time protection is off in {situation.product_in_use()} (Security Center)",
                    "turn it on",
                )
            return self.third_party_finding("AV-02", True, situation, "real-time protection is on")
        status = situation.status.value
        actual = bool(status.get("real_time_protection_enabled"))
        if actual:
            return Finding.compare(
                "AV-02", expected=True, actual=True, compliant=True, message="real-time protection is on"
            )
        policy_value = _registry_data(policy)
        if policy_value not in (None, 0):
            return _realtime_off(
                f"real-time protection is off and Group Policy turns it off: {REALTIME_POLICY_KEY}\\"
                f"{REALTIME_POLICY_VALUE} = {policy_value!r} overrides Set-MpPreference. Change that policy (GPO "
                "or local policy); not changed by this module"
            )
        if not preferences.ok:
            return Finding.error(
                "AV-02", f"could not read Defender's preferences: {preferences.describe_error()}", True
            )
        disabled = preferences.value.get("disable_realtime_monitoring")
        if not disabled:
            return _realtime_off(
                "real-time protection is off although DisableRealtimeMonitoring is False and no policy turns it "
                "off; check Defender's health (Get-MpComputerStatus); not changed by this module"
            )
        tamper = " (Tamper Protection is on: it allows turning protection on)" if status.get("tamper_protected") else ""
        return _realtime_off(
            changes=(
                Change(
                    setting="DisableRealtimeMonitoring",
                    before=True,
                    after=False,
                    op={"op": "defender.set", "disable_realtime_monitoring": False},
                    read_back=lambda value: value["disable_realtime_monitoring"],
                ),
            ),
            message=f"real-time protection is off (DisableRealtimeMonitoring is True){tamper}",
        )

    # ------------------------------------------------------------------------------------------------ AV-03

    @decides("AV-03")
    def _scan_schedule(self, situation: AntivirusSituation, preferences: OpResult) -> Finding:
        day, time = self.params["scan_schedule_day"], self.scan_time
        expected = {"scan_schedule_day": day, "scan_schedule_time": time}
        wanted = _describe_schedule(day, time)
        if problem := situation.defender_problem():
            return Finding.error("AV-03", problem, expected)
        if not situation.defender_active:
            return self.third_party_finding("AV-03", expected, situation, f"a scan is scheduled ({wanted})")
        if not preferences.ok:
            return Finding.error("AV-03", f"could not read the scan schedule: {preferences.describe_error()}", expected)
        actual = {
            "scan_schedule_day": preferences.value.get("scan_schedule_day"),
            "scan_schedule_time": preferences.value.get("scan_schedule_time"),
        }
        changes = tuple(
            Change(
                setting=setting,
                before=actual[key],
                after=expected[key],
                op={"op": "defender.set", key: expected[key]},
                read_back=lambda value, key=key: value[key],
            )
            for key, setting in (("scan_schedule_day", "ScanScheduleDay"), ("scan_schedule_time", "ScanScheduleTime"))
            if actual[key] != expected[key]
        )
        found = _describe_schedule(actual["scan_schedule_day"], actual["scan_schedule_time"])
        return Finding.compare(
            "AV-03",
            expected=expected,
            actual=actual,
            compliant=not changes,
            changes=changes,
            message=f"scheduled scan: {found}" + ("" if not changes else f" (wanted: {wanted})"),
        )

    # ------------------------------------------------------------------------------------------------ AV-04

    @decides("AV-04")
    def _signatures(self, situation: AntivirusSituation) -> Finding:
        limit = self.params["signature_max_age_days"]
        within = f"at most {limit} days old"
        if problem := situation.defender_problem():
            return Finding.error("AV-04", problem, within)
        if not situation.defender_active:
            current = [product for product in situation.others if product.up_to_date and product.enabled]
            if current:
                return Finding.compare(
                    "AV-04",
                    expected=within,
                    actual=[product.describe() for product in current],
                    compliant=True,
                    message=f"Security Center reports the signatures of {_names(current)} up to date (that product's "
                    f"own judgement, not the {limit}-day limit); Defender is not the active antivirus",
                )
            if situation.others:  # Security Center shows the signatures out of date (or the product off): observed
                return _third_party_failing(
                    "AV-04",
                    within,
                    situation,
                    f"Security Center reports {', '.join(p.describe() for p in situation.others)}",
                    "update the signatures",
                )
            return self.third_party_finding("AV-04", within, situation, f"signatures are {within}")
        status = situation.status.value
        age = status.get("signature_age_days")
        updated = status.get("signature_last_updated") or "never"
        detail = f"version {status.get('signature_version')}, last updated {updated}"
        compliant = isinstance(age, int) and age <= limit
        return Finding.compare(
            "AV-04",
            expected=within,
            actual=age,
            compliant=compliant,
            changes=(
                Change(
                    setting="signature age (days)",
                    before=age,
                    after=within,
                    op={"op": "defender.update_signatures"},
                    read_back=lambda value: (
                        within
                        if isinstance(value["signature_age_days"], int) and value["signature_age_days"] <= limit
                        else value["signature_age_days"]
                    ),
                ),
            ),
            message=f"signatures are {age} day{'' if age == 1 else 's'} old ({detail})",
        )

    # ------------------------------------------------------------------------------------------------ AV-05

    @decides("AV-05")
    def _product_registered(self, products: OpResult) -> Finding:
        expected = "an antivirus product that is on and up to date"
        if not products.ok:
            if products.code == "not_supported":
                return Finding.not_applicable(
                    "AV-05", "Windows Security Center (root\\SecurityCenter2) exists on client Windows only", expected
                )
            return Finding.error("AV-05", f"could not read Security Center: {products.describe_error()}", expected)
        listed = [AntivirusProduct.from_result(entry) for entry in products.value.get("products") or []]
        good = [product for product in listed if product.enabled and product.up_to_date]
        if not listed:
            message = "Security Center lists no antivirus product (audit only: install or enable one)"
        elif good:
            message = f"on and up to date: {_names(good)}"
        else:
            message = (
                f"no registered antivirus is both on and up to date: "
                f"{', '.join(product.describe() for product in listed)} (audit only: not changed by this module)"
            )
        return Finding.compare(
            "AV-05",
            expected=expected,
            actual=[product.describe() for product in listed],
            compliant=bool(good),
            message=message,
        )
