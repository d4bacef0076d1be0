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
    #: CimException.NativeErrorCode, a Microsoft.Management.Infrastructure.NativeErrorCode name.
    native_error_code: str | None = None


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
    """What the agent answers for an error no handler check recognised (Get-OnePacsErrorCode's mapping)."""
    return agent_error(record)


# Get-OnePacsErrorCode in agent/core.ps1, for the lab: how the agent maps an error no handler recognised. A unit test
# holds these tables to the agent's source (tests/unit/recorded/test_error_shapes.py).

#: Get-OnePacsCimErrorCode: CimException.NativeErrorCode -> protocol code.
CIM_NATIVE_ERROR_CODES = {
    "AccessDenied": "access_denied",
    "InvalidNamespace": "not_supported",
    "InvalidClass": "not_supported",
    "NotSupported": "not_supported",
    "NotFound": "not_found",
    "InvalidParameter": "invalid_argument",
}
#: Get-OnePacsWmiErrorCode: the HRESULT a CIM cmdlet puts in FullyQualifiedErrorId -> protocol code.
WMI_HRESULT_CODES = {
    "0x80041003": "access_denied",
    "0x80070005": "access_denied",
    "0x8004100e": "not_supported",
    "0x80041010": "not_supported",
    "0x8004100c": "not_supported",
    "0x80041002": "not_found",
    "0x80041008": "invalid_argument",
}
#: The error categories Get-OnePacsErrorCode maps when nothing else did.
CATEGORY_CODES = {"PermissionDenied": "access_denied", "ObjectNotFound": "not_found", "NotImplemented": "not_supported"}
_TYPE_CODES = {
    "System.UnauthorizedAccessException": "access_denied",
    "System.Security.SecurityException": "access_denied",
    "System.Management.Automation.CommandNotFoundException": "not_supported",
    "System.NotSupportedException": "not_supported",
    "System.PlatformNotSupportedException": "not_supported",
    "System.Management.Automation.ItemNotFoundException": "not_found",
    "System.ArgumentException": "invalid_argument",
    "System.FormatException": "invalid_argument",
    "System.InvalidCastException": "invalid_argument",
    "System.OverflowException": "invalid_argument",
    "System.Management.Automation.ParameterBindingException": "invalid_argument",
}
_E_ACCESSDENIED = -2147024891
_WMI_ID = re.compile(r"^HRESULT (0x[0-9A-Fa-f]{8}),")


def agent_error_code(record: ErrorRecordShape) -> str:
    """The protocol code the agent answers for this error: the exception's type and codes, then the WMI HRESULT
    in FullyQualifiedErrorId, then the category, else "failed"."""
    if record.exception_type in _TYPE_CODES:
        return _TYPE_CODES[record.exception_type]
    if record.hresult == _E_ACCESSDENIED:
        return "access_denied"
    if record.exception_type == "Microsoft.Management.Infrastructure.CimException":
        code = CIM_NATIVE_ERROR_CODES.get(record.native_error_code or "")
        if code:
            return code
    match = _WMI_ID.match(record.fully_qualified_error_id)
    if match and match.group(1).lower() in WMI_HRESULT_CODES:
        return WMI_HRESULT_CODES[match.group(1).lower()]
    return CATEGORY_CODES.get(record.category, "failed")


def agent_error(record: ErrorRecordShape) -> OpError:
    """The failed result the agent answers for this error: its mapped code and the exception's own message."""
    return OpError(agent_error_code(record), record.message)
