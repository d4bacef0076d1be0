"""What an area's comparator says about one control, before policy (exceptions, check mode, enforcement) applies.

Areas (power, firewall, ...) only compare probe results with the desired state and say how to fix a drift; the
engine (_engine.py) decides what happens and turns findings into control records. That split keeps each area a
small pure function that unit tests drive with recorded host output.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


@dataclass(frozen=True)
class Change:
    """One setting to write: a `set` op of the protocol and how to read the written value back from its result."""

    setting: str
    before: Any
    after: Any
    op: dict[str, Any]
    read_back: Callable[[Any], Any]

    def verify(self, value: Any) -> tuple[bool, Any]:
        """Did the host end up with the wanted value? Returns (verified, value read back)."""
        try:
            observed = self.read_back(value)
        except (KeyError, TypeError, IndexError, AttributeError):
            return False, value
        return observed == self.after, observed


class Outcome(StrEnum):
    COMPLIANT = "compliant"
    DRIFTED = "drifted"
    NOT_APPLICABLE = "not_applicable"
    ERROR = "error"
    # Manual controls: a current attestation in inventory, or none (missing or expired).
    ATTESTED = "attested"
    UNATTESTED = "unattested"


@dataclass(frozen=True)
class Finding:
    """The comparison of one control on one host.

    A drifted finding with no changes cannot be fixed by this module (an audit-only control, or an opt-in fix
    the user did not opt into); `message` then says why.
    """

    control_id: str
    outcome: Outcome
    expected: Any = None
    actual: Any = None
    message: str = ""
    changes: tuple[Change, ...] = field(default_factory=tuple)
    reboot_required: bool = False
    #: What stays drifted even when every change is made (a guard refused part of the fix); empty when the
    #: changes make the control compliant.
    residual: str = ""

    @classmethod
    def compare(
        cls,
        control_id: str,
        *,
        expected: Any,
        actual: Any,
        compliant: bool,
        changes: tuple[Change, ...] = (),
        message: str = "",
        reboot_required: bool = False,
        residual: str = "",
    ) -> Finding:
        return cls(
            control_id=control_id,
            outcome=Outcome.COMPLIANT if compliant else Outcome.DRIFTED,
            expected=expected,
            actual=actual,
            message=message,
            changes=() if compliant else tuple(changes),
            reboot_required=reboot_required,
            residual="" if compliant else residual,
        )

    @classmethod
    def error(cls, control_id: str, message: str, expected: Any = None) -> Finding:
        return cls(control_id=control_id, outcome=Outcome.ERROR, expected=expected, message=message)

    @classmethod
    def manual(cls, control_id: str, *, attested: bool, expected: Any, actual: Any, message: str) -> Finding:
        outcome = Outcome.ATTESTED if attested else Outcome.UNATTESTED
        return cls(control_id=control_id, outcome=outcome, expected=expected, actual=actual, message=message)

    @classmethod
    def not_applicable(cls, control_id: str, reason: str, expected: Any = None) -> Finding:
        return cls(control_id=control_id, outcome=Outcome.NOT_APPLICABLE, expected=expected, message=reason)
