"""Policy engine: from findings to decisions (what to enforce) and from apply results to control records.

This is where applicability, exceptions, check mode and the enforce switch meet, once for every module, so each
area only has to compare and propose changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._catalog import Catalog, Control
from ._exceptions import ControlException
from ._findings import Change, Finding, Outcome
from ._listing import capped
from ._records import ControlRecord, Status
from .agent._transport import OpResult


@dataclass(frozen=True)
class HostProfile:
    """The host facts applicability needs; None where they were not probed."""

    is_virtual: bool | None = None
    os_family: str | None = None  # "server" | "client"

    @classmethod
    def from_system_info(cls, info: Mapping[str, Any]) -> HostProfile:
        product_type = info.get("product_type")
        family = None if product_type is None else ("client" if int(product_type) == 1 else "server")
        virtual = info.get("is_virtual")
        return cls(is_virtual=None if virtual is None else bool(virtual), os_family=family)


@dataclass(frozen=True)
class Policy:
    today: dt.date
    check_mode: bool
    enforce: bool
    exceptions: Mapping[str, ControlException] = field(default_factory=dict)
    host: HostProfile = field(default_factory=HostProfile)
    baseline: str | None = None


@dataclass(frozen=True)
class Decision:
    """A finding with its control and what the engine decided: a final status, or apply its changes."""

    control: Control
    finding: Finding
    status: Status | None
    message: str
    apply: bool = False
    warnings: tuple[str, ...] = ()

    @property
    def changes(self) -> tuple[Change, ...]:
        return self.finding.changes if self.apply else ()


def not_applicable_reason(control: Control, policy: Policy) -> str | None:
    """Why the control does not apply to this host, or None.

    Without a baseline (the module used on its own) a control applies when it applies under any of its baselines.
    """
    host = policy.host
    baselines = (policy.baseline,) if policy.baseline else control.baselines
    reasons = [
        control.inapplicable_reason(baseline, os_family=host.os_family, is_virtual=host.is_virtual)
        for baseline in baselines
    ]
    return None if None in reasons else reasons[0]


def _describe_changes(changes: Sequence[Change]) -> str:
    """The changes in words, capped (a host with thousands of drifted rules must not make a megabyte message; the
    record's diff and `actual` keep every one)."""
    return capped(f"{change.setting}: {change.before!r} -> {change.after!r}" for change in changes)


def decide_one(control: Control, finding: Finding, policy: Policy) -> Decision:
    reason = not_applicable_reason(control, policy)
    if reason:
        return Decision(control, finding, Status.NOT_APPLICABLE, reason)
    if finding.outcome is Outcome.NOT_APPLICABLE:
        return Decision(control, finding, Status.NOT_APPLICABLE, finding.message)
    if finding.outcome is Outcome.ERROR:
        return Decision(control, finding, Status.ERROR, finding.message)

    exception = policy.exceptions.get(control.id)
    expired = exception is not None and not exception.is_active(policy.today)
    if exception is not None and not expired:
        return Decision(control, finding, Status.EXCEPTED, exception.describe())
    expiry_note = f"exception expired on {exception.expires.isoformat()}" if expired and exception else ""

    if finding.outcome is Outcome.ATTESTED:
        return Decision(control, finding, Status.MANUAL_ATTESTED, finding.message)
    if finding.outcome is Outcome.UNATTESTED:
        return Decision(control, finding, Status.MANUAL_MISSING, finding.message)

    if finding.outcome is Outcome.COMPLIANT:
        warnings = (f"{control.id}: {expiry_note}; the host complies, the exception can be removed",) if expired else ()
        return Decision(control, finding, Status.PASS, finding.message or "compliant", warnings=warnings)

    if expired:
        message = f"{expiry_note}; not enforced until the exception is renewed or removed"
        return Decision(control, finding, Status.FAIL, message, warnings=(f"{control.id}: {message}",))
    if not finding.changes:
        return Decision(control, finding, Status.FAIL, finding.message or "drifted; this module does not enforce it")
    if not policy.enforce:
        return Decision(
            control,
            finding,
            Status.FAIL,
            f"drifted; enforcement is off (would set {_describe_changes(finding.changes)})",
        )
    if policy.check_mode:
        message = _with_finding(finding, f"would set {_describe_changes(finding.changes)}")
        if finding.residual:
            message += f"; would still fail: {finding.residual}"
        return Decision(control, finding, Status.FAIL, message, apply=True)
    return Decision(control, finding, None, "", apply=True)


def decide(findings: Sequence[Finding], catalog: Catalog, policy: Policy) -> list[Decision]:
    return [decide_one(catalog.get(finding.control_id), finding, policy) for finding in findings]


def pending_changes(decisions: Sequence[Decision]) -> list[Change]:
    """Changes to send in the apply round trip, in decision order (conclude() relies on that order)."""
    return [change for decision in decisions if decision.status is None for change in decision.changes]


def _with_finding(finding: Finding, action: str) -> str:
    """The finding's own words (what was found, notes on the fix) first, then what is or would be done."""
    return f"{finding.message}; {action}" if finding.message else action


def _record(decision: Decision, status: Status, message: str, changed: bool, actual: Any) -> ControlRecord:
    return ControlRecord(
        id=decision.control.id,
        title=decision.control.title,
        status=status,
        expected=decision.finding.expected,
        actual=actual,
        changed=changed,
        message=message,
    )


def conclude(
    decisions: Sequence[Decision],
    apply_results: Sequence[OpResult] | None = None,
    apply_error: str | None = None,
) -> list[ControlRecord]:
    """Control records, once the apply round trip (if any) is back.

    A change counts as made only when the host read back the wanted value; anything else (an op error, another
    value read back, a connection lost after the write) is an `error`, never `fixed` or `pass`, so the next run
    looks again.
    """
    results = iter(apply_results or ())
    records = []
    for decision in decisions:
        finding = decision.finding
        if decision.status is not None:
            would_change = decision.apply and decision.status is Status.FAIL
            records.append(_record(decision, decision.status, decision.message, would_change, finding.actual))
            continue
        if apply_error is not None:
            message = (
                f"the change was sent but not confirmed ({apply_error}); the host state is unknown until the next run"
            )
            records.append(_record(decision, Status.ERROR, message, False, finding.actual))
            continue
        problems, after = [], {}
        for change in decision.changes:
            result = next(results, None)
            if result is None or not result.ok:
                problems.append(f"{change.setting}: {result.describe_error() if result else 'no result'}")
                continue
            verified, observed = change.verify(result.value)
            after[change.setting] = observed
            if not verified:
                problems.append(f"{change.setting}: wrote {change.after!r} but read back {observed!r}")
        if problems:
            records.append(_record(decision, Status.ERROR, "; ".join(problems), bool(after), finding.actual))
        else:
            message = _with_finding(finding, f"set {_describe_changes(decision.changes)}")
            if finding.reboot_required:
                message += "; takes effect after a reboot (not rebooted)"
            if finding.residual:
                # Part of the fix was refused (a lockout guard): what was set is set, the control still fails.
                records.append(
                    _record(decision, Status.FAIL, f"{message}; still failing: {finding.residual}", True, after)
                )
            else:
                records.append(_record(decision, Status.FIXED, message, True, finding.expected))
    return records
