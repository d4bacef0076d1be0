"""Per-host bounds on one agent command: how many bytes of output it may send and how long it may run.

Without them a host decides how much the controller holds and how long the play waits: a host streaming output
without end grew the controller from 214 MB to 1.6 GB in 60 s, and a host that keeps a command running (WinRM
answers every Receive "still running", and Ansible's winrm plugin asks again, forever) stalls the play past every
operation timeout. A host over a bound fails alone with a message that names the bound and the variable that sets
it; the others go on.

Where they are enforced:

- winrm: while reading. ansible-core's winrm connection reads a command's output one WS-Management Receive at a time
  (Connection._winrm_get_raw_command_output, one envelope of at most MaxEnvelopeSize each); for the duration of one
  agent command that method of the connection object is wrapped to add up the bytes and check the clock before and
  after each Receive. Going over stops the read at once; the plugin then signals the command to terminate and
  deletes it (its own cleanup in _winrm_exec), so the controller holds at most the bound plus one envelope. The
  time is checked between Receives, and a Receive of a command that is still running waits up to the operation
  timeout (ansible_winrm_operation_timeout_sec), so a silent host is stopped within the bound plus that timeout.
- any other connection (psrp, ssh): after the command returns, the output size is checked before it is parsed; the
  transport's own timeouts (ansible_psrp_read_timeout, the ssh plugin's timeout) bound the waiting. Not while
  reading: documented in docs/security.md as a limit of this defence.

The defaults hold a 3,000-rule host ten times over: the firewall probe of 3,030 inbound rules with realistic
names, groups and program paths is 1.6 MB of framed JSON in the lab's simulator (measured; the agent writes each
non-ASCII character as a six-character JSON escape, so names in other scripts can make it a few times larger).
Both are overridable per host with inventory variables, checked before the host is contacted.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from .._whole_number import whole_number

MAX_RESPONSE_BYTES_VAR = "onepacs_max_response_bytes"
MAX_COMMAND_SECONDS_VAR = "onepacs_max_command_seconds"
DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024
DEFAULT_MAX_COMMAND_SECONDS = 900
#: Accepted ranges: below them no real host fits; above them the bound no longer protects the controller.
RESPONSE_BYTES_RANGE = (64 * 1024, 1024 * 1024 * 1024)
COMMAND_SECONDS_RANGE = (1, 24 * 3600)
#: The winrm connection plugin's per-Receive read (ansible-core plugins/connection/winrm.py).
WINRM_RECEIVE = "_winrm_get_raw_command_output"


class InvalidBoundError(ValueError):
    """A bound variable is not a number in its range; the message names the variable."""


class BoundExceededError(Exception):
    """The host went over a bound while answering; the message says which, by how much, and how to raise it."""


@dataclass(frozen=True)
class Bounds:
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    max_command_seconds: float = DEFAULT_MAX_COMMAND_SECONDS


def _bounded_number(variables: Mapping[str, Any], name: str, default: int, limits: tuple[int, int]) -> int:
    value = variables.get(name)
    if value is None:
        return default
    number = whole_number(value)
    if number is None:
        raise InvalidBoundError(f"{name}: must be a whole number, got {value!r}")
    low, high = limits
    if not low <= number <= high:
        raise InvalidBoundError(f"{name}: must be between {low} and {high}, got {number}")
    return number


def bounds_from(variables: Mapping[str, Any]) -> Bounds:
    """The host's bounds from its variables (defaults when unset); InvalidBoundError naming a bad one."""
    return Bounds(
        max_response_bytes=_bounded_number(
            variables, MAX_RESPONSE_BYTES_VAR, DEFAULT_MAX_RESPONSE_BYTES, RESPONSE_BYTES_RANGE
        ),
        max_command_seconds=_bounded_number(
            variables, MAX_COMMAND_SECONDS_VAR, DEFAULT_MAX_COMMAND_SECONDS, COMMAND_SECONDS_RANGE
        ),
    )


def _too_large(bounds: Bounds, received: int) -> BoundExceededError:
    return BoundExceededError(
        f"the host sent more than {bounds.max_response_bytes} bytes of output ({received} so far), so the command "
        f"was stopped and its output dropped (raise {MAX_RESPONSE_BYTES_VAR} if this host really answers that much)"
    )


def _too_slow(bounds: Bounds, elapsed: float) -> BoundExceededError:
    return BoundExceededError(
        f"the command ran longer than {bounds.max_command_seconds:g} s ({elapsed:.0f} s), so it was stopped (raise "
        f"{MAX_COMMAND_SECONDS_VAR} if this host really needs that long)"
    )


class _Meter:
    """Bytes received and time spent by one command, checked against the bounds."""

    def __init__(self, bounds: Bounds, clock: Callable[[], float]) -> None:
        self.bounds = bounds
        self.clock = clock
        self.started = clock()
        self.received = 0

    def check_time(self) -> None:
        elapsed = self.clock() - self.started
        if elapsed > self.bounds.max_command_seconds:
            raise _too_slow(self.bounds, elapsed)

    def add(self, count: int) -> None:
        self.received += count
        if self.received > self.bounds.max_response_bytes:
            raise _too_large(self.bounds, self.received)


def _metered_receive(receive: Callable[..., Any], meter: _Meter) -> Callable[..., Any]:
    def receive_within_bounds(*args: Any, **kwargs: Any) -> Any:
        meter.check_time()
        try:
            answer = receive(*args, **kwargs)
        except Exception:
            meter.check_time()  # "still running" past the bound ends here instead of being asked again
            raise
        stdout, stderr = answer[0], answer[1]
        meter.add(len(stdout) + len(stderr))
        meter.check_time()
        return answer

    return receive_within_bounds


@contextmanager
def bounded(
    connection: Any, bounds: Bounds, clock: Callable[[], float] = time.monotonic
) -> Iterator[Callable[..., tuple[int, bytes, bytes]]]:
    """An exec_command for the agent's command that keeps to the bounds (see the module doc for how each transport
    is held to them); BoundExceededError when the host goes over."""
    receive = getattr(connection, WINRM_RECEIVE, None)
    own = getattr(connection, "__dict__", {}).get(WINRM_RECEIVE)
    meter: _Meter | None = None
    if callable(receive):
        meter = _Meter(bounds, clock)
        setattr(connection, WINRM_RECEIVE, _metered_receive(receive, meter))

    def execute(cmd: str, in_data: bytes | None = None, sudoable: bool = True) -> tuple[int, bytes, bytes]:
        if meter is not None:
            meter.started = clock()
            meter.received = 0
        started = clock()
        rc, stdout, stderr = connection.exec_command(cmd, in_data=in_data, sudoable=sudoable)
        received = len(stdout) + len(stderr)
        if received > bounds.max_response_bytes:
            raise _too_large(bounds, received)
        elapsed = clock() - started
        if elapsed > bounds.max_command_seconds:
            raise _too_slow(bounds, elapsed)
        return rc, stdout, stderr

    try:
        yield execute
    finally:
        if meter is not None:
            if own is None:
                delattr(connection, WINRM_RECEIVE)  # the class's method shows through again
            else:
                setattr(connection, WINRM_RECEIVE, own)
