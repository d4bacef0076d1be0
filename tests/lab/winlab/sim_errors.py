"""The one way a simulated op fails: an OpError carries a protocol error code and a message, exactly what the real
agent puts in a failed result ({"ok": false, "code": ..., "error": ...})."""

from __future__ import annotations

import re
from dataclasses import dataclass

#: The error codes protocol.yml defines; an OpError with any other code is a bug in the simulator.
ERROR_CODES = frozenset(
    {"not_found", "access_denied", "not_supported", "invalid_argument", "unknown_op", "blocked", "failed"}
)


class OpError(Exception):
    """An op failed the way Windows would make it fail; becomes one failed result, never escapes execute()."""

    def __init__(self, code: str, message: str) -> None:
        if code not in ERROR_CODES:
            raise ValueError(f"unknown protocol error code {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message

    def as_result(self) -> dict:
        """The failed result for the response's results list."""
        return {"ok": False, **self.as_result_fields()}

    def as_result_fields(self) -> dict:
        """Just "code" and "error", as a response-level error carries them."""
        return {"code": self.code, "error": self.message}


def invalid_argument(name: str, problem: str) -> OpError:
    """An invalid_argument error that names the offending argument first, as the controller's messages expect."""
    return OpError("invalid_argument", f"argument '{name}': {problem}")


@dataclass(frozen=True)
class ErrorRecordShape:
    """What a PowerShell ErrorRecord shows the agent's checks: the exception's type and message, the record's
    FullyQualifiedErrorId and category, and the HResult when it is not the generic E_FAIL of a CimException.
    The lab raises errors in this shape, taken from recorded real output (tests/data/recorded/), and answers them
    the way the agent's checks would, so the lab can never be kinder than Windows."""

    exception_type: str
    message: str
    fully_qualified_error_id: str
    category: str = "NotSpecified"
    hresult: int | None = None


#: The FullyQualifiedErrorId pattern agent/defender.ps1's Test-OnePacsDefenderServiceDown matches (PowerShell -match:
#: case-insensitive); a unit test holds the two to the same text.
DEFENDER_SERVICE_DOWN_ID = re.compile(r"^HRESULT 0x800106ba,", re.IGNORECASE)
DEFENDER_SERVICE_DOWN_HRESULT = -2147416390


def defender_service_down_record(cmdlet: str) -> ErrorRecordShape:
    """The error a Defender cmdlet raises when the antimalware service is not running, as Windows reports it
    (tests/data/recorded/defender/*-service-down.txt): a CimException with a generic message and the code only in
    the FullyQualifiedErrorId."""
    return ErrorRecordShape(
        exception_type="Microsoft.Management.Infrastructure.CimException",
        message=_SERVICE_DOWN_MESSAGES.get(cmdlet, _SERVICE_DOWN_MESSAGES["Get-MpComputerStatus"]),
        fully_qualified_error_id=f"HRESULT 0x800106ba,{cmdlet}",
    )


#: The messages recorded for each cmdlet (tests/data/recorded/defender/); the same host may show another one.
_SERVICE_DOWN_MESSAGES = {
    "Get-MpComputerStatus": "A general error occurred that is not covered by a more specific error code.",
    "Get-MpPreference": "Operation failed with the following error: 0x%1!x!",
    "Add-MpPreference": (
        "Operation failed with the following error: 0x800106ba. Operation: MpPreference. Target: ConfigListExtension."
    ),
}


def agent_sees_defender_service_down(record: ErrorRecordShape) -> bool:
    """Test-OnePacsDefenderServiceDown in agent/defender.ps1, for the lab."""
    return bool(DEFENDER_SERVICE_DOWN_ID.search(record.fully_qualified_error_id)) or (
        record.hresult == DEFENDER_SERVICE_DOWN_HRESULT
    )


def agent_failure(record: ErrorRecordShape) -> OpError:
    """What the agent answers for an error no check recognised: Get-OnePacsErrorCode sees a CimException whose
    NativeErrorCode is Failed and a NotSpecified category, so "failed" with the exception's (generic) message."""
    return OpError("failed", record.message)
