"""The one way a simulated op fails: an OpError carries a protocol error code and a message, exactly what the real
agent puts in a failed result ({"ok": false, "code": ..., "error": ...})."""

from __future__ import annotations

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
