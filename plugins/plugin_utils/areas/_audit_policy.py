"""Audit policy area: advanced audit policy (LOG-01) and the Security event log's size (LOG-02).

LOG-01 is a table of subcategories, addressed by GUID (auditpol's names are localised), each with the audit sides
the baseline wants. "At least" semantics: auditing more than asked complies, and the fix only adds what is missing
(auditpol /set touches only the sides it is given). Subcategory settings only win over the legacy category policy
when SCENoApplyLegacyAuditPolicy = 1, so that value is part of LOG-01.

LOG-02 has two sources, like the power policy twin: the Group Policy value
HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\EventLog\\Security\\MaxSize (KB) wins when it exists; otherwise the
log's own maximum size counts (eventlog.get, bytes). Each source that is too small is fixed, the log's own size
with eventlog.set (wevtutil sl /ms:, in bytes) and the policy value with registry.set (in KB).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from .._findings import Change, Finding
from ..agent._transport import OpResult
from ._area import Area, InvalidOptionError, decides
from ._registry_settings import Missing, RegistrySetting

KB = 1024
#: Event Viewer sizes logs in whole 64 KB units.
LOG_SIZE_UNIT_KB = 64
#: The smallest Security log the "Specify the maximum log file size" policy accepts (20 MB).
SECURITY_LOG_MIN_KB = 20480
#: The classic logs keep their size in bytes in a REG_DWORD: the largest 64 KB multiple that fits.
SECURITY_LOG_MAX_KB = (2**32 - 1) // KB // LOG_SIZE_UNIT_KB * LOG_SIZE_UNIT_KB
SECURITY_LOG = "Security"
EVENTLOG_POLICY_KEY = r"HKLM:\SOFTWARE\Policies\Microsoft\Windows\EventLog\Security"
LSA_KEY = r"HKLM:\SYSTEM\CurrentControlSet\Control\Lsa"

OPTIONS: dict[str, dict[str, Any]] = {
    "security_log_min_size_kb": {"type": "int", "default": 196608},
}


@dataclass(frozen=True)
class AuditRequirement:
    """The audit sides one subcategory must have at least."""

    guid: str  # lower case, no braces (the protocol's form)
    name: str  # English name, for messages only
    success: bool = False
    failure: bool = False


#: LOG-01 (catalog order). GUIDs are the same on every Windows release and display language.
AUDIT_REQUIREMENTS: tuple[AuditRequirement, ...] = (
    AuditRequirement("0cce923f-69ae-11d9-bed3-505054503030", "Credential Validation", success=True, failure=True),
    AuditRequirement("0cce9215-69ae-11d9-bed3-505054503030", "Logon", success=True, failure=True),
    AuditRequirement("0cce9216-69ae-11d9-bed3-505054503030", "Logoff", success=True),
    AuditRequirement("0cce9217-69ae-11d9-bed3-505054503030", "Account Lockout", failure=True),
    AuditRequirement("0cce921b-69ae-11d9-bed3-505054503030", "Special Logon", success=True),
    AuditRequirement("0cce921c-69ae-11d9-bed3-505054503030", "Other Logon/Logoff Events", success=True, failure=True),
    AuditRequirement("0cce9249-69ae-11d9-bed3-505054503030", "Group Membership", success=True),
    AuditRequirement("0cce9228-69ae-11d9-bed3-505054503030", "Sensitive Privilege Use", success=True, failure=True),
    AuditRequirement("0cce9235-69ae-11d9-bed3-505054503030", "User Account Management", success=True, failure=True),
    AuditRequirement("0cce9237-69ae-11d9-bed3-505054503030", "Security Group Management", success=True),
    AuditRequirement("0cce923a-69ae-11d9-bed3-505054503030", "Other Account Management Events", success=True),
)

#: "Audit: Force audit policy subcategory settings ... to override audit policy category settings".
SUBCATEGORY_OVERRIDE = RegistrySetting(LSA_KEY, "SCENoApplyLegacyAuditPolicy", wanted=1)


def describe_sides(success: bool, failure: bool) -> str:
    """Audit sides as auditpol's English output words them (lower case)."""
    if success and failure:
        return "success and failure"
    if success:
        return "success"
    if failure:
        return "failure"
    return "no auditing"


def _sides_read_back(value: Mapping[str, Any]) -> str:
    return describe_sides(bool(value["success"]), bool(value["failure"]))


def subcategory_change(requirement: AuditRequirement, success: bool, failure: bool) -> Change | None:
    """The auditpol.set that adds the missing sides (and leaves the others alone), or None when none is missing."""
    add_success = requirement.success and not success
    add_failure = requirement.failure and not failure
    if not (add_success or add_failure):
        return None
    op: dict[str, Any] = {"op": "auditpol.set", "guid": requirement.guid}
    if add_success:
        op["success"] = True
    if add_failure:
        op["failure"] = True
    return Change(
        setting=f"audit {requirement.name}",
        before=describe_sides(success, failure),
        after=describe_sides(success or add_success, failure or add_failure),
        op=op,
        read_back=_sides_read_back,
    )


class AuditPolicyArea(Area):
    module: ClassVar[str] = "win_audit_policy"
    options: ClassVar[dict[str, dict[str, Any]]] = OPTIONS

    def validate(self) -> None:
        size = self.params["security_log_min_size_kb"]
        if not SECURITY_LOG_MIN_KB <= size <= SECURITY_LOG_MAX_KB or size % LOG_SIZE_UNIT_KB:
            raise InvalidOptionError(
                f"security_log_min_size_kb: must be a multiple of {LOG_SIZE_UNIT_KB} KB between "
                f"{SECURITY_LOG_MIN_KB} and {SECURITY_LOG_MAX_KB}, got {size}"
            )

    def _log_policy(self) -> RegistrySetting:
        minimum = self.params["security_log_min_size_kb"]
        # Absent, the policy leaves the log's own size in charge.
        return RegistrySetting(
            EVENTLOG_POLICY_KEY,
            "MaxSize",
            wanted=minimum,
            accepts=lambda kb: kb >= minimum,
            missing=Missing.COMPLIANT,
            label="Security log maximum size, group policy (KB)",
        )

    def probe_ops(self) -> dict[str, dict[str, Any]]:
        return {
            "auditpol": {"op": "auditpol.get", "guids": [requirement.guid for requirement in AUDIT_REQUIREMENTS]},
            "override": SUBCATEGORY_OVERRIDE.probe_op(),
            "log": {"op": "eventlog.get", "name": SECURITY_LOG},
            "log_policy": self._log_policy().probe_op(),
        }

    def evaluate(self, results: Mapping[str, OpResult]) -> list[Finding]:
        return [
            self._audit_policy(results["auditpol"], results["override"]),
            self._log_size(results["log"], results["log_policy"]),
        ]

    @decides("LOG-01")
    def _audit_policy(self, auditpol: OpResult, override: OpResult) -> Finding:
        expected: dict[str, Any] = {
            requirement.name: f"at least {describe_sides(requirement.success, requirement.failure)}"
            for requirement in AUDIT_REQUIREMENTS
        }
        expected[SUBCATEGORY_OVERRIDE.name] = SUBCATEGORY_OVERRIDE.wanted
        for what, result in (("the audit policy", auditpol), (SUBCATEGORY_OVERRIDE.name, override)):
            if not result.ok:
                return Finding.error("LOG-01", f"could not read {what}: {result.describe_error()}", expected)
        found = {entry["guid"].lower(): entry for entry in auditpol.value["subcategories"]}
        actual: dict[str, Any] = {}
        changes: list[Change] = []
        missing: list[str] = []
        for requirement in AUDIT_REQUIREMENTS:
            entry = found.get(requirement.guid)
            if entry is None:
                return Finding.error(
                    "LOG-01", f"the audit policy has no entry for {requirement.name} {{{requirement.guid}}}", expected
                )
            success, failure = bool(entry["success"]), bool(entry["failure"])
            actual[requirement.name] = describe_sides(success, failure)
            change = subcategory_change(requirement, success, failure)
            if change is not None:
                changes.append(change)
                missing.append(f"{requirement.name} audits {change.before}, needs {change.after}")
        reading = SUBCATEGORY_OVERRIDE.read(override.value)
        actual[SUBCATEGORY_OVERRIDE.name] = reading.actual
        override_change = reading.change()
        if override_change is not None:
            changes.append(override_change)
            missing.append(f"{reading.describe()}, so the legacy category policy can override the subcategories")
        if missing:
            message = "; ".join(missing)
        else:
            message = (
                f"all {len(AUDIT_REQUIREMENTS)} subcategories audit at least what the baseline asks; "
                f"{reading.describe()}"
            )
        return Finding.compare(
            "LOG-01",
            expected=expected,
            actual=actual,
            compliant=not changes,
            changes=tuple(changes),
            message=message,
        )

    @decides("LOG-02")
    def _log_size(self, log: OpResult, policy: OpResult) -> Finding:
        minimum_kb = self.params["security_log_min_size_kb"]
        expected = f"at least {minimum_kb} KB"
        for what, result in (("the Security log size", log), ("the Security log size policy", policy)):
            if not result.ok:
                return Finding.error("LOG-02", f"could not read {what}: {result.describe_error()}", expected)
        own_bytes = int(log.value["max_size_bytes"])
        own_kb = own_bytes // KB
        reading = self._log_policy().read(policy.value)
        changes: list[Change] = []
        if own_bytes < minimum_kb * KB:
            changes.append(
                Change(
                    setting="Security log maximum size (bytes)",
                    before=own_bytes,
                    after=minimum_kb * KB,
                    op={"op": "eventlog.set", "name": SECURITY_LOG, "max_size_bytes": minimum_kb * KB},
                    read_back=lambda value: value["max_size_bytes"],
                )
            )
        policy_change = reading.change()
        if policy_change is not None:
            changes.append(policy_change)
        if reading.exists:
            compliant = reading.compliant
            actual = _show_kb(reading.data)
            message = (
                f"the group policy sets the Security log to {actual} (its own setting, {own_kb} KB, does not apply)"
            )
        else:
            compliant = own_bytes >= minimum_kb * KB
            actual = f"{own_kb} KB"
            message = f"the Security log's maximum size is {own_kb} KB ({own_bytes} bytes; no group policy sets it)"
        return Finding.compare(
            "LOG-02",
            expected=expected,
            actual=actual,
            compliant=compliant,
            changes=tuple(changes),
            message=message,
        )


def _show_kb(data: Any) -> str:
    return f"{data} KB" if isinstance(data, int) else repr(data)
