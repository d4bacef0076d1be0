"""The lab's WS-Management (WinRM) endpoint: SOAP over HTTP or HTTPS with Basic authentication.

It implements the part of the Windows Remote Shell protocol that pywinrm and Ansible's winrm connection use (Create,
Command, Send, Receive, Signal, Delete) closely enough that both talk to it unchanged. A command is recognised by
the bootstrap tag of the innermost ``-EncodedCommand`` script; its stdin request goes to a simulated host and the
response comes back framed exactly as the real agent frames it. Anything else is answered with exit code 1.

Faults can be switched on per endpoint at runtime (see ``FaultMode``) so tests can prove how the controller behaves
when a host refuses, rejects, breaks or slows down.
"""

from __future__ import annotations

import base64
import binascii
import collections
import contextlib
import enum
import hmac
import json
import logging
import re
import selectors
import socket
import ssl
import threading
import time
import traceback
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, Protocol
from xml.sax.saxutils import escape, quoteattr

from winlab.plugin_code import plugin_module

LOG = logging.getLogger("winlab.wsman")


framing = plugin_module("plugin_utils.agent._framing")

NS_SOAP = "http://www.w3.org/2003/05/soap-envelope"
NS_ADDRESSING = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
NS_WSMAN = "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"
NS_SHELL = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
NS_TRANSFER = "http://schemas.xmlsoap.org/ws/2004/09/transfer"
NS_WSMANFAULT = "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault"

ACTION_CREATE = f"{NS_TRANSFER}/Create"
ACTION_DELETE = f"{NS_TRANSFER}/Delete"
ACTION_COMMAND = f"{NS_SHELL}/Command"
ACTION_SEND = f"{NS_SHELL}/Send"
ACTION_RECEIVE = f"{NS_SHELL}/Receive"
ACTION_SIGNAL = f"{NS_SHELL}/Signal"
ACTION_FAULT = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault"
SHELL_RESOURCE_URI = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd"
STATE_RUNNING = f"{NS_SHELL}/CommandState/Running"
STATE_DONE = f"{NS_SHELL}/CommandState/Done"

#: WSManFault code of the Receive long-poll timeout; pywinrm and Ansible silently retry Receive on it.
OPERATION_TIMEOUT_FAULT_CODE = 2150858793
SHELL_NOT_FOUND_FAULT_CODE = 2150858843
COMMAND_NOT_FOUND_FAULT_CODE = 2150859121
ACTION_NOT_SUPPORTED_FAULT_CODE = 2150858754
INVALID_MESSAGE_FAULT_CODE = 2150858817
INTERNAL_ERROR_FAULT_CODE = 2147500037


@dataclass(frozen=True)
class _FaultKind:
    """A WS-Management fault as Windows answers it: the SOAP code and subcode with the WSManFault code."""

    code: str
    subcode: str
    wsman_code: int


_OPERATION_TIMEOUT = _FaultKind("s:Receiver", "w:TimedOut", OPERATION_TIMEOUT_FAULT_CODE)
_SHELL_NOT_FOUND = _FaultKind("s:Sender", "w:InvalidSelectors", SHELL_NOT_FOUND_FAULT_CODE)
_COMMAND_NOT_FOUND = _FaultKind("s:Sender", "w:InvalidParameter", COMMAND_NOT_FOUND_FAULT_CODE)
_ACTION_NOT_SUPPORTED = _FaultKind("s:Sender", "a:ActionNotSupported", ACTION_NOT_SUPPORTED_FAULT_CODE)
_INVALID_MESSAGE = _FaultKind("s:Sender", "w:InvalidMessage", INVALID_MESSAGE_FAULT_CODE)
_INTERNAL_ERROR = _FaultKind("s:Receiver", "w:InternalError", INTERNAL_ERROR_FAULT_CODE)

EXIT_UNSUPPORTED = 1
DEFAULT_OPERATION_TIMEOUT = 20.0
#: Receive waits at most this long even if a client asks for more, so a stopping lab never hangs on a long poll.
MAX_OPERATION_TIMEOUT = 120.0
DEFAULT_MAX_ENVELOPE_SIZE = 153600
#: Room left in each Receive envelope for the SOAP around the streams.
ENVELOPE_OVERHEAD = 4096
IDLE_CONNECTION_TIMEOUT = 120.0
HANDSHAKE_TIMEOUT = 10.0
REQUEST_LOG_LENGTH = 500
MAX_ENCODED_LAYERS = 8
WSMAN_PATH = "/wsman"

_ENCODED_COMMAND_ARG = re.compile(
    r"(?:^|\s)[-/](?:ec|e|en|enc|enco|encod|encode|encoded|encodedc|encodedco|encodedcom|encodedcomm|encodedcomma"
    r"|encodedcomman|encodedcommand)\s+['\"]?([A-Za-z0-9+/=]+)",
    re.IGNORECASE,
)
_DURATION = re.compile(r"^P(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$")


class FaultMode(enum.StrEnum):
    """Failures an endpoint can be told to simulate."""

    NONE = "none"
    #: Stop listening: new connections are refused, open ones are closed.
    REFUSE = "refuse"
    #: Answer every request with HTTP 401.
    UNAUTHORIZED = "unauthorized"
    #: Answer Command with HTTP 500 and a SOAP fault.
    SERVER_ERROR = "server_error"
    #: Close the connection without answering on Receive; the request never reaches the simulated host.
    DROP = "drop"
    #: Run the request against the simulated host (its writes happen), then close the connection on Receive.
    DROP_AFTER_APPLY = "drop_after_apply"
    #: Sleep ``delay_ms`` before every HTTP response.
    DELAY = "delay"
    #: Commands take ``delay_ms`` to finish; Receive long-polls and times out meanwhile, as WinRM does.
    SLOW = "slow"
    #: A hostile host: every command streams stdout without end (a full envelope per Receive, never done), until
    #: the client signals it to stop.
    ENDLESS = "endless"
    #: A healthy but distant host, for the benchmark: every HTTP response ``delay_ms`` late (network round trip)
    #: and every command ``command_ms`` long (PowerShell start-up), both at once.
    LATENCY = "latency"


@dataclass(frozen=True)
class Fault:
    """The fault an endpoint currently simulates."""

    mode: FaultMode = FaultMode.NONE
    delay_ms: int = 0
    #: How long a command runs (latency mode only).
    command_ms: int = 0

    def as_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {"mode": self.mode.value, "delay_ms": self.delay_ms}
        if self.mode is FaultMode.LATENCY:
            document["command_ms"] = self.command_ms
        return document

    @property
    def response_delay(self) -> float:
        """Seconds every HTTP response waits."""
        return self.delay_ms / 1000 if self.mode in (FaultMode.DELAY, FaultMode.LATENCY) else 0.0

    @property
    def command_duration(self) -> float:
        """Seconds a command runs before its output is ready."""
        if self.mode is FaultMode.SLOW:
            return self.delay_ms / 1000
        return self.command_ms / 1000 if self.mode is FaultMode.LATENCY else 0.0


class SimulatedHostLike(Protocol):
    """What the endpoint needs from a simulated host (winlab.simulator.SimulatedHost provides it)."""

    @property
    def language_mode(self) -> str: ...

    @property
    def amsi_blocked_files(self) -> frozenset[str]: ...

    def execute(self, request: dict[str, Any]) -> dict[str, Any]: ...

    def snapshot(self) -> dict[str, Any]: ...

    def admits(self, username: str, port: int) -> tuple[bool, str]: ...


# --------------------------------------------------------------------------------------------------------------
# Command lines


def innermost_script(command_line: str) -> str | None:
    """Peel ``-EncodedCommand`` layers (base64 of UTF-16LE) off a command line and return the innermost script, or
    None when the command line carries no decodable encoded command."""
    return _peel(command_line)[0]


def encoded_layers(command_line: str) -> int:
    """How many ``-EncodedCommand`` layers wrap the innermost script (0: none)."""
    return _peel(command_line)[1]


def _peel(command_line: str) -> tuple[str | None, int]:
    script: str | None = None
    layers = 0
    text = command_line
    for _ in range(MAX_ENCODED_LAYERS):
        match = _ENCODED_COMMAND_ARG.search(text)
        if match is None:
            break
        try:
            text = base64.b64decode(match.group(1), validate=True).decode("utf-16-le")
        except (binascii.Error, UnicodeDecodeError):
            break
        script = text
        layers += 1
    return script, layers


def as_seen_through_wrapping(outcome: CommandOutcome, layers: int) -> CommandOutcome:
    """The outcome as the client sees it when our command runs inside another PowerShell (ansible-core before 2.19
    re-encodes it; ssh with PowerShell as the default shell runs it from a -Command line). The outer PowerShell runs
    ours as a native command and, ending without an `exit` of its own, exits 1 when that command failed and 0 when
    it succeeded: every non-zero code arrives as 1 (about_pwsh / about_PowerShell_exe, -Command: "the exit code is
    determined by status of the last command executed"; https://learn.microsoft.com/powershell/module/
    microsoft.powershell.core/about/about_powershell_exe)."""
    if layers <= 1 or outcome.exit_code == 0:
        return outcome
    return CommandOutcome(outcome.stdout, outcome.stderr, 1)


def is_bootstrap(script: str | None) -> bool:
    """True when a decoded script is our agent bootstrap (its first line is the bootstrap tag)."""
    if not script:
        return False
    first_line = script.lstrip("\ufeff").lstrip().splitlines()[0] if script.strip() else ""
    return first_line.strip() == framing.BOOTSTRAP_TAG


@dataclass(frozen=True)
class CommandOutcome:
    """What a finished command wrote and how it exited."""

    stdout: bytes
    stderr: bytes
    exit_code: int


def run_bootstrap(stdin: bytes, host: SimulatedHostLike) -> CommandOutcome:
    """Do what the bootstrap does with its stdin in FullLanguage mode: split agent and request at the separator,
    run the request (here: against the simulated host) and frame the response."""
    text = stdin.decode("utf-8", errors="replace")
    index = text.find(framing.REQUEST_SEPARATOR)
    if index < 0:
        return CommandOutcome(f"{framing.NO_REQUEST_MARKER}\r\n".encode("ascii"), b"", framing.EXIT_NO_REQUEST)
    agent_files = tagged_agent_files(text[:index])
    blocked = {name for name in agent_files if name in host.amsi_blocked_files}
    if "core" in host.amsi_blocked_files:
        line = f"{framing.CORE_LOAD_FAILED_MARKER}{AMSI_BLOCK_MESSAGE}\r\n"
        return CommandOutcome(line.encode("ascii"), b"", framing.EXIT_CORE_LOAD_FAILED)
    request_text = text[index + len(framing.REQUEST_SEPARATOR) :]
    try:
        request = json.loads(request_text)
    except ValueError as error:
        return CommandOutcome(b"", f"winlab: the request is not valid JSON: {error}\r\n".encode(), 1)
    if not isinstance(request, dict):
        return CommandOutcome(b"", b"winlab: the request is not a JSON object\r\n", 1)
    ops = request.get("ops")
    blocked_ops = _blocked_results(ops, agent_files, blocked) if blocked and isinstance(ops, list) else {}
    try:
        response = _execute_unblocked(host, request, blocked_ops) if blocked_ops else host.execute(request)
    except Exception:  # a simulator bug must surface as a failed command, as an agent crash would
        LOG.exception("simulated host failed to execute a request")
        return CommandOutcome(b"", f"winlab: the simulated host failed:\r\n{traceback.format_exc()}".encode(), 1)
    document = json.dumps(response, ensure_ascii=True, separators=(",", ":"))
    stdout = f"{framing.RESULT_BEGIN}\r\n{document}\r\n{framing.RESULT_END}\r\n"
    return CommandOutcome(stdout.encode("ascii"), b"", 0)


#: What AMSI makes PowerShell raise for a blocked script block (ParseException, error id
#: ScriptContainedMaliciousContent; the English text of PowerShell's ParserStrings resource).
AMSI_BLOCK_MESSAGE = "This script contains malicious content and has been blocked by your antivirus software."

_FUNCTION = re.compile(r"^function\s+([A-Za-z][\w-]*)", re.MULTILINE | re.IGNORECASE)


def tagged_agent_files(agent_text: str) -> dict[str, str]:
    """The agent files on stdin after core, by name: what follows each FILE_TAG line up to the next."""
    files: dict[str, str] = {}
    for section in agent_text.split(framing.FILE_TAG)[1:]:
        name, _tag_end, body = section.partition(framing.FILE_TAG_END)
        files[name.strip()] = body
    return files


def _handler_name(op_name: str) -> str:
    """core.ps1's rule: 'defender.add_exclusion' -> Invoke-OpDefenderAddExclusion."""
    return "Invoke-Op" + "".join(word[:1].upper() + word[1:] for word in re.split(r"[._]", op_name) if word)


def _blocked_results(ops: list[Any], agent_files: dict[str, str], blocked: set[str]) -> dict[int, dict[str, Any]]:
    """As core.ps1 answers when area files failed to load: an op whose handler only a blocked file defines gets a
    "blocked" result naming that file (and never runs); the other ops run. By op index."""
    defined_by: dict[str, str] = {
        function.lower(): name for name, body in agent_files.items() for function in _FUNCTION.findall(body)
    }
    results: dict[int, dict[str, Any]] = {}
    for index, op in enumerate(ops):
        name = op.get("op") if isinstance(op, dict) else None
        file_name = defined_by.get(_handler_name(name).lower()) if isinstance(name, str) else None
        if file_name in blocked:
            error = f"the host blocked agent/{file_name}.ps1 while loading it: {AMSI_BLOCK_MESSAGE}"
            results[index] = {"ok": False, "code": "blocked", "error": error}
    return results


def _execute_unblocked(host: SimulatedHostLike, request: dict[str, Any], blocked: dict[int, dict[str, Any]]) -> dict:
    ops = request["ops"]
    runnable = [op for index, op in enumerate(ops) if index not in blocked]
    response = host.execute({**request, "ops": runnable})
    answers = iter(response.get("results") or [])
    results = [blocked[index] if index in blocked else next(answers) for index in range(len(ops))]
    return {**response, "results": results}


def language_mode_outcome(mode: str) -> CommandOutcome:
    """What the bootstrap prints when PowerShell is not in FullLanguage mode."""
    line = f"{framing.LANGUAGE_MODE_MARKER}{mode}>>>\r\n"
    return CommandOutcome(line.encode("ascii", errors="replace"), b"", framing.EXIT_LANGUAGE_MODE)


def unsupported_outcome(text: str) -> CommandOutcome:
    """The answer to any command that is not our bootstrap."""
    head = text.replace("\r", " ").replace("\n", " ")[:80]
    message = f"winlab: unsupported command: {head}\r\n"
    return CommandOutcome(b"", message.encode("utf-8", errors="replace"), EXIT_UNSUPPORTED)


# --------------------------------------------------------------------------------------------------------------
# Shell and command state


@dataclass
class _Command:
    id: str
    is_bootstrap: bool
    #: -EncodedCommand layers around the bootstrap; more than one flattens the exit code (as_seen_through_wrapping).
    layers: int = 1
    stdin: bytearray = field(default_factory=bytearray)
    stdin_complete: bool = False
    #: Monotonic time before which the simulated process is still running (the "slow" fault pushes it out).
    ready_at: float = 0.0
    outcome: CommandOutcome | None = None
    stdout_sent: int = 0
    stderr_sent: int = 0


@dataclass
class _Shell:
    id: str
    commands: dict[str, _Command] = field(default_factory=dict)


@dataclass
class EndpointStats:
    """Counters for one endpoint; the benchmark and the reliability tests read them."""

    http_requests: int = 0
    shells: int = 0
    commands: int = 0
    operation_timeouts: int = 0
    dropped: int = 0
    unauthorized: int = 0
    request_log: collections.deque[dict[str, Any]] = field(
        default_factory=lambda: collections.deque(maxlen=REQUEST_LOG_LENGTH)
    )

    def as_dict(self) -> dict[str, Any]:
        return {
            "http_requests": self.http_requests,
            "shells": self.shells,
            "commands": self.commands,
            "operation_timeouts": self.operation_timeouts,
            "dropped": self.dropped,
            "unauthorized": self.unauthorized,
            "request_log": list(self.request_log),
        }


class _Drop(Exception):
    """Close the connection without answering."""


@dataclass(frozen=True)
class _Reply:
    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class _SoapRequest:
    action: str
    message_id: str
    shell_id: str | None
    operation_timeout: float
    max_envelope_size: int
    body: ET.Element | None


# --------------------------------------------------------------------------------------------------------------
# The endpoint


class WsmanEndpoint:
    """One simulated host's WinRM listener: authentication, faults, shells and commands."""

    def __init__(
        self,
        name: str,
        host: SimulatedHostLike,
        *,
        username: str,
        password: str,
        acceptor: Acceptor,
        ssl_context: ssl.SSLContext | None = None,
        state_file: Path | None = None,
    ) -> None:
        self.name = name
        self.port = 0
        self.ssl_context = ssl_context
        self.stats = EndpointStats()
        self._host = host
        self._username = username
        self._password = password
        self._acceptor = acceptor
        self._state_file = state_file
        self._fault = Fault()
        self._shells: dict[str, _Shell] = {}
        self._listener: socket.socket | None = None
        self._connections: set[socket.socket] = set()
        self._closing = False
        # One lock per host: requests to one simulated host are serialised like a single busy machine;
        # the condition wakes Receive long-polls when stdin arrives.
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._persisted_state: str | None = None

    # ---- lifecycle -------------------------------------------------------------------------------------------

    @property
    def scheme(self) -> str:
        return "https" if self.ssl_context is not None else "http"

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}{WSMAN_PATH}"

    def listen(self, preferred_port: int = 0) -> None:
        """Open the listening socket: the first time on ``preferred_port`` if it is free, else on any free port;
        afterwards (after "refuse") on the same port again."""
        with self._lock:
            if self._listener is not None:
                return
            if self.port:
                listener = _bind(self.port)
            else:
                try:
                    listener = _bind(preferred_port)
                except OSError:
                    if not preferred_port:
                        raise
                    listener = _bind(0)
            listener.setblocking(False)
            self.port = listener.getsockname()[1]
            self._listener = listener
        self._acceptor.add(listener, self._accept)

    def stop_listening(self) -> None:
        """Close the listening socket and every open connection: the host looks switched off."""
        with self._lock:
            listener, self._listener = self._listener, None
            connections = list(self._connections)
            self._changed.notify_all()
        if listener is not None:
            self._acceptor.remove(listener)
            listener.close()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        """Stop listening for good and wake every waiting long-poll."""
        with self._lock:
            self._closing = True
        self.stop_listening()

    # ---- control ---------------------------------------------------------------------------------------------

    @property
    def fault(self) -> Fault:
        return self._fault

    def set_fault(self, mode: FaultMode | str, delay_ms: int = 0, command_ms: int = 0) -> Fault:
        """Switch the simulated fault; "refuse" closes the port, leaving it reopens it."""
        fault = Fault(FaultMode(mode), max(0, int(delay_ms)), max(0, int(command_ms)))
        with self._lock:
            self._fault = fault
            self._changed.notify_all()
        if fault.mode is FaultMode.REFUSE:
            self.stop_listening()
        elif not self._closing:
            self.listen()
        return fault

    @property
    def host(self) -> SimulatedHostLike:
        return self._host

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return self._host.snapshot()

    def replace_host(self, host: SimulatedHostLike) -> None:
        """Swap in another simulated host (used to set a host's state from a test)."""
        with self._lock:
            self._host = host
            self.persist_state()

    def stats_dict(self) -> dict[str, Any]:
        with self._lock:
            result = self.stats.as_dict()
            result["open_shells"] = len(self._shells)
            result["fault"] = self._fault.as_dict()
            return result

    def persist_state(self) -> None:
        """Write the host's state to its state file when it changed since the last write."""
        with self._lock:
            if self._state_file is None:
                return
            document = json.dumps(self._host.snapshot(), indent=1, sort_keys=True)
            if document == self._persisted_state:
                return
            temporary = self._state_file.with_suffix(".json.tmp")
            temporary.write_text(document, encoding="utf-8")
            temporary.replace(self._state_file)
            self._persisted_state = document

    # ---- connections -----------------------------------------------------------------------------------------

    def _accept(self, connection: socket.socket) -> None:
        threading.Thread(target=self._serve_connection, args=(connection,), daemon=True).start()

    def _serve_connection(self, connection: socket.socket) -> None:
        stream: socket.socket = connection
        try:
            connection.setblocking(True)
            connection.settimeout(HANDSHAKE_TIMEOUT)
            # Headers and body go out in separate writes; without this Nagle waits for the client's delayed ACK.
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.ssl_context is not None:
                stream = self.ssl_context.wrap_socket(connection, server_side=True)
            with self._lock:
                if self._listener is None:
                    return
                self._connections.add(stream)
            _WsmanHttpHandler(stream, stream.getpeername(), self)
        except (OSError, ssl.SSLError, _Drop):
            pass
        finally:
            with self._lock:
                self._connections.discard(stream)
            with contextlib.suppress(OSError):
                stream.close()

    # ---- HTTP ------------------------------------------------------------------------------------------------

    def handle_http(self, handler: _WsmanHttpHandler) -> None:
        """Answer one HTTP request (called by the request handler)."""
        started = time.monotonic()
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length > 0 else b""
        with self._lock:
            self.stats.http_requests += 1
            fault = self._fault
        action = "-"
        try:
            reply, action = self._authorised_reply(handler, body, fault)
        except _Drop:
            with self._lock:
                self.stats.dropped += 1
            self._log(action, started, 0)
            handler.close_connection = True
            raise
        if fault.response_delay:
            time.sleep(fault.response_delay)
        # Logged before answering, so a client that reads the stats right after its request finds it there.
        self._log(action, started, reply.status)
        handler.send_response(reply.status)
        for name, value in reply.headers:
            handler.send_header(name, value)
        if reply.body:
            handler.send_header("Content-Type", "application/soap+xml;charset=UTF-8")
        handler.send_header("Content-Length", str(len(reply.body)))
        handler.end_headers()
        if reply.body:
            handler.wfile.write(reply.body)

    def _log(self, action: str, started: float, status: int) -> None:
        entry = {
            "time": round(time.time(), 3),
            "action": action.rsplit("/", 1)[-1],
            "ms": round((time.monotonic() - started) * 1000, 2),
            "status": status,
        }
        with self._lock:
            self.stats.request_log.append(entry)

    def _authorised_reply(self, handler: _WsmanHttpHandler, body: bytes, fault: Fault) -> tuple[_Reply, str]:
        username, password = _basic_credentials(handler.headers.get("Authorization"))
        admitted, reason = self._admits(username)
        if not admitted and _is_network_block(reason):
            raise _Drop
        credentials_ok = (
            username is not None
            and password is not None
            and hmac.compare_digest(_account_name(username).encode(), _account_name(self._username).encode())
            and hmac.compare_digest(password.encode(), self._password.encode())
        )
        if fault.mode is FaultMode.UNAUTHORIZED or not credentials_ok or not admitted:
            with self._lock:
                self.stats.unauthorized += 1
            return _unauthorized(), "-"
        if handler.path.split("?", 1)[0].rstrip("/").lower() != WSMAN_PATH:
            return _Reply(404), "-"
        try:
            request = _parse_soap(body)
        except ValueError as error:
            return _fault_reply("", _INVALID_MESSAGE, str(error)), "-"
        return self._dispatch(request, fault), request.action

    def _admits(self, username: str | None) -> tuple[bool, str]:
        with self._lock:
            try:
                allowed, reason = self._host.admits(username or "", self.port)
            except Exception:  # a simulator bug must not take the listener down
                LOG.exception("admits() failed on %s", self.name)
                return True, ""
        return bool(allowed), str(reason or "")

    # ---- WS-Management ---------------------------------------------------------------------------------------

    def _dispatch(self, request: _SoapRequest, fault: Fault) -> _Reply:
        handlers = {
            ACTION_CREATE: self._create,
            ACTION_DELETE: self._delete,
            ACTION_COMMAND: self._command,
            ACTION_SEND: self._send,
            ACTION_RECEIVE: self._receive,
            ACTION_SIGNAL: self._signal,
        }
        handler = handlers.get(request.action)
        if handler is None:
            return _fault_reply(
                request.message_id,
                _ACTION_NOT_SUPPORTED,
                f"The action {request.action} is not supported by the service.",
            )
        with self._lock:
            shell = self._shells.get(request.shell_id or "")
        if shell is None and request.action != ACTION_CREATE:
            return _shell_not_found(request)
        return handler(request, fault, shell)

    def _create(self, request: _SoapRequest, fault: Fault, shell: _Shell | None) -> _Reply:
        shell_id = str(uuid.uuid4()).upper()
        with self._lock:
            self._shells[shell_id] = _Shell(shell_id)
            self.stats.shells += 1
        body = (
            "<x:ResourceCreated>"
            f"<a:Address>{escape(self.url)}</a:Address>"
            "<a:ReferenceParameters>"
            f"<w:ResourceURI>{SHELL_RESOURCE_URI}</w:ResourceURI>"
            f'<w:SelectorSet><w:Selector Name="ShellId">{shell_id}</w:Selector></w:SelectorSet>'
            "</a:ReferenceParameters>"
            "</x:ResourceCreated>"
            f'<rsp:Shell xmlns:rsp="{NS_SHELL}">'
            f"<rsp:ShellId>{shell_id}</rsp:ShellId>"
            f"<rsp:ResourceUri>{SHELL_RESOURCE_URI}</rsp:ResourceUri>"
            f"<rsp:Owner>{escape(self._username)}</rsp:Owner>"
            "<rsp:ClientIP>127.0.0.1</rsp:ClientIP>"
            "<rsp:InputStreams>stdin</rsp:InputStreams>"
            "<rsp:OutputStreams>stdout stderr</rsp:OutputStreams>"
            "</rsp:Shell>"
        )
        return _ok(f"{NS_TRANSFER}/CreateResponse", request.message_id, body)

    def _delete(self, request: _SoapRequest, fault: Fault, shell: _Shell | None) -> _Reply:
        with self._lock:
            self._shells.pop(request.shell_id or "", None)
        return _ok(f"{NS_TRANSFER}/DeleteResponse", request.message_id, "")

    def _command(self, request: _SoapRequest, fault: Fault, shell: _Shell) -> _Reply:
        if fault.mode is FaultMode.SERVER_ERROR:
            return _fault_reply(
                request.message_id,
                _INTERNAL_ERROR,
                "The WS-Management service cannot process the request (winlab fault: server_error).",
            )
        command_line = _command_line(request.body)
        script = innermost_script(command_line)
        command = _Command(
            id=str(uuid.uuid4()).upper(), is_bootstrap=is_bootstrap(script), layers=encoded_layers(command_line)
        )
        slow = fault.command_duration
        with self._lock:
            if not command.is_bootstrap:
                command.outcome = unsupported_outcome(script if script is not None else command_line)
                command.ready_at = time.monotonic() + slow
            elif (mode := str(self._host.language_mode)) != "FullLanguage":
                # The bootstrap checks the language mode before it reads stdin.
                command.outcome = as_seen_through_wrapping(language_mode_outcome(mode), command.layers)
                command.ready_at = time.monotonic() + slow
            shell.commands[command.id] = command
            self.stats.commands += 1
        body = f"<rsp:CommandResponse><rsp:CommandId>{command.id}</rsp:CommandId></rsp:CommandResponse>"
        return _ok(f"{NS_SHELL}/CommandResponse", request.message_id, body)

    def _send(self, request: _SoapRequest, fault: Fault, shell: _Shell) -> _Reply:
        stream = request.body.find(f"{{{NS_SHELL}}}Send/{{{NS_SHELL}}}Stream") if request.body is not None else None
        if stream is None:
            return _invalid(request, "Send carries no stdin stream.")
        command_id = stream.get("CommandId", "")
        try:
            data = base64.b64decode(stream.text or "", validate=False)
        except binascii.Error:
            return _invalid(request, "The stdin stream is not valid base64.")
        end = stream.get("End", "false").strip().lower() in ("true", "1")
        with self._lock:
            command = shell.commands.get(command_id)
            if command is None:
                return _command_not_found(request, command_id)
            # A process that already exited ignores further input, as PowerShell does after `exit`.
            if not command.stdin_complete:
                command.stdin.extend(data)
                if end:
                    command.stdin_complete = True
                    slow = fault.command_duration
                    command.ready_at = time.monotonic() + slow
                    self._changed.notify_all()
        return _ok(f"{NS_SHELL}/SendResponse", request.message_id, "<rsp:SendResponse/>")

    def _receive(self, request: _SoapRequest, fault: Fault, shell: _Shell) -> _Reply:
        desired = (
            request.body.find(f"{{{NS_SHELL}}}Receive/{{{NS_SHELL}}}DesiredStream")
            if request.body is not None
            else None
        )
        command_id = desired.get("CommandId", "") if desired is not None else ""
        deadline = time.monotonic() + request.operation_timeout
        with self._lock:
            command = shell.commands.get(command_id)
            if command is None:
                return _command_not_found(request, command_id)
            fault = self._fault
            if fault.mode is FaultMode.DROP:
                raise _Drop
            if fault.mode is FaultMode.ENDLESS:
                return _endless_output(request, command)
            while True:
                now = time.monotonic()
                if command.outcome is None and command.stdin_complete and now >= command.ready_at:
                    outcome = run_bootstrap(bytes(command.stdin), self._host)
                    command.outcome = as_seen_through_wrapping(outcome, command.layers)
                    self.persist_state()
                if command.outcome is not None and now >= command.ready_at:
                    if fault.mode is FaultMode.DROP_AFTER_APPLY:
                        raise _Drop
                    return self._output(request, command)
                if now >= deadline or self._closing or self._listener is None:
                    self.stats.operation_timeouts += 1
                    return _operation_timeout(request)
                wake_at = deadline
                if command.stdin_complete or command.outcome is not None:
                    wake_at = min(deadline, command.ready_at)
                self._changed.wait(max(0.0, wake_at - now))

    def _output(self, request: _SoapRequest, command: _Command) -> _Reply:
        outcome = command.outcome
        assert outcome is not None
        budget = max(1024, (request.max_envelope_size - ENVELOPE_OVERHEAD) * 3 // 4)
        stdout = outcome.stdout[command.stdout_sent : command.stdout_sent + budget]
        command.stdout_sent += len(stdout)
        stderr = outcome.stderr[command.stderr_sent : command.stderr_sent + max(0, budget - len(stdout))]
        command.stderr_sent += len(stderr)
        finished = command.stdout_sent >= len(outcome.stdout) and command.stderr_sent >= len(outcome.stderr)
        parts = ["<rsp:ReceiveResponse>"]
        for name, chunk in (("stdout", stdout), ("stderr", stderr)):
            if chunk:
                encoded = base64.b64encode(chunk).decode("ascii")
                parts.append(f'<rsp:Stream Name="{name}" CommandId="{command.id}">{encoded}</rsp:Stream>')
        if finished:
            parts.append(f'<rsp:Stream Name="stdout" CommandId="{command.id}" End="true"></rsp:Stream>')
            parts.append(f'<rsp:Stream Name="stderr" CommandId="{command.id}" End="true"></rsp:Stream>')
            parts.append(
                f'<rsp:CommandState CommandId="{command.id}" State="{STATE_DONE}">'
                f"<rsp:ExitCode>{outcome.exit_code}</rsp:ExitCode></rsp:CommandState>"
            )
        else:
            parts.append(f'<rsp:CommandState CommandId="{command.id}" State="{STATE_RUNNING}"/>')
        parts.append("</rsp:ReceiveResponse>")
        return _ok(f"{NS_SHELL}/ReceiveResponse", request.message_id, "".join(parts))

    def _signal(self, request: _SoapRequest, fault: Fault, shell: _Shell) -> _Reply:
        signal = request.body.find(f"{{{NS_SHELL}}}Signal") if request.body is not None else None
        command_id = signal.get("CommandId", "") if signal is not None else ""
        with self._lock:
            # Terminating a command that already ended is not an error: clients clean up after failures.
            shell.commands.pop(command_id, None)
            self._changed.notify_all()
        return _ok(f"{NS_SHELL}/SignalResponse", request.message_id, "<rsp:SignalResponse/>")


class _WsmanHttpHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Microsoft-HTTPAPI/2.0"
    sys_version = ""
    timeout = IDLE_CONNECTION_TIMEOUT
    server: WsmanEndpoint  # type: ignore[assignment]  # the endpoint plays the socketserver "server" role

    def do_POST(self) -> None:
        self.server.handle_http(self)

    def log_message(self, format: str, *args: Any) -> None:
        LOG.debug("%s %s", self.server.name, format % args)


# --------------------------------------------------------------------------------------------------------------
# Accepting connections for many endpoints with one thread


class Acceptor:
    """Accepts connections on many listening sockets with one thread and hands each one to its callback."""

    def __init__(self) -> None:
        self._selector = selectors.DefaultSelector()
        self._lock = threading.Lock()
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._wake_reader.setblocking(False)
        self._selector.register(self._wake_reader, selectors.EVENT_READ, None)
        self._running = True
        self._thread = threading.Thread(target=self._loop, name="winlab-acceptor", daemon=True)
        self._thread.start()

    def add(self, listener: socket.socket, on_connection: Callable[[socket.socket], None]) -> None:
        with self._lock:
            self._selector.register(listener, selectors.EVENT_READ, on_connection)
        self._wake()

    def remove(self, listener: socket.socket) -> None:
        with self._lock, contextlib.suppress(KeyError, ValueError):
            self._selector.unregister(listener)
        self._wake()

    def close(self) -> None:
        self._running = False
        self._wake()
        self._thread.join(timeout=5)
        with self._lock:
            self._selector.close()
        self._wake_reader.close()
        self._wake_writer.close()

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            self._wake_writer.send(b"\0")

    def _loop(self) -> None:
        while self._running:
            try:
                events = self._selector.select(timeout=1.0)
            except (OSError, ValueError):
                if not self._running:
                    return
                continue
            for key, _ in events:
                if key.data is None:
                    with contextlib.suppress(OSError):
                        self._wake_reader.recv(4096)
                    continue
                try:
                    connection, _address = key.fileobj.accept()  # type: ignore[union-attr]
                except (BlockingIOError, InterruptedError, OSError):
                    continue
                try:
                    key.data(connection)
                except Exception:
                    LOG.exception("cannot serve a new connection")
                    connection.close()


def _bind(port: int) -> socket.socket:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
    except OSError:
        listener.close()
        raise
    return listener


# --------------------------------------------------------------------------------------------------------------
# SOAP helpers


def _parse_soap(body: bytes) -> _SoapRequest:
    if not body:
        raise ValueError("The request has no SOAP envelope.")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as error:
        raise ValueError(f"The request is not well-formed XML: {error}") from error
    header = root.find(f"{{{NS_SOAP}}}Header")
    if header is None:
        raise ValueError("The SOAP envelope has no header.")
    action = (header.findtext(f"{{{NS_ADDRESSING}}}Action") or "").strip()
    message_id = (header.findtext(f"{{{NS_ADDRESSING}}}MessageID") or "").strip()
    shell_id = None
    for selector in header.iterfind(f"{{{NS_WSMAN}}}SelectorSet/{{{NS_WSMAN}}}Selector"):
        if selector.get("Name") == "ShellId":
            shell_id = (selector.text or "").strip()
    return _SoapRequest(
        action=action,
        message_id=message_id,
        shell_id=shell_id,
        operation_timeout=_duration_seconds(header.findtext(f"{{{NS_WSMAN}}}OperationTimeout")),
        max_envelope_size=_int_or(header.findtext(f"{{{NS_WSMAN}}}MaxEnvelopeSize"), DEFAULT_MAX_ENVELOPE_SIZE),
        body=root.find(f"{{{NS_SOAP}}}Body"),
    )


def _duration_seconds(text: str | None) -> float:
    match = _DURATION.match((text or "").strip())
    if not match or not any(match.groupdict().values()):
        return DEFAULT_OPERATION_TIMEOUT
    hours, minutes, seconds = (float(match.group(part) or 0) for part in ("h", "m", "s"))
    return min(MAX_OPERATION_TIMEOUT, hours * 3600 + minutes * 60 + seconds)


def _int_or(text: str | None, default: int) -> int:
    try:
        return int((text or "").strip())
    except ValueError:
        return default


def _command_line(body: ET.Element | None) -> str:
    if body is None:
        return ""
    command_line = body.find(f"{{{NS_SHELL}}}CommandLine")
    if command_line is None:
        return ""
    parts = [(command_line.findtext(f"{{{NS_SHELL}}}Command") or "").strip()]
    parts += [(argument.text or "").strip() for argument in command_line.iterfind(f"{{{NS_SHELL}}}Arguments")]
    return " ".join(part for part in parts if part)


def _basic_credentials(header: str | None) -> tuple[str | None, str | None]:
    if not header or not header.lower().startswith("basic "):
        return None, None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    username, separator, password = decoded.partition(":")
    return (username, password) if separator else (None, None)


def _account_name(username: str) -> str:
    """The account part of a logon name (".\\name", "DOMAIN\\name", "name@domain" -> "NAME"): the lab holds one
    password per account name; which account a qualified name means (local or domain) is admits()'s question."""
    return username.rpartition("\\")[2].partition("@")[0].upper()


def _is_network_block(reason: str) -> bool:
    """Whether admits() refused before any account check: the simulated firewall blocks the port or the WinRM
    service is not running. Either way no HTTP server would answer, so the connection just drops."""
    lowered = reason.lower()
    return lowered.startswith("firewall") or "winrm service" in lowered


def _envelope(action: str, relates_to: str, body: str) -> bytes:
    relates = f"<a:RelatesTo>{escape(relates_to)}</a:RelatesTo>" if relates_to else ""
    return (
        f'<s:Envelope xml:lang="en-US" xmlns:s="{NS_SOAP}" xmlns:a="{NS_ADDRESSING}" xmlns:x="{NS_TRANSFER}" '
        f'xmlns:w="{NS_WSMAN}" xmlns:rsp="{NS_SHELL}" xmlns:p="http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd">'
        "<s:Header>"
        f"<a:Action>{escape(action)}</a:Action>"
        f"<a:MessageID>uuid:{str(uuid.uuid4()).upper()}</a:MessageID>"
        "<a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To>"
        f"{relates}"
        "</s:Header>"
        f"<s:Body>{body}</s:Body>"
        "</s:Envelope>"
    ).encode()


def _ok(action: str, relates_to: str, body: str) -> _Reply:
    return _Reply(200, _envelope(action, relates_to, body))


def _fault_reply(relates_to: str, kind: _FaultKind, reason: str) -> _Reply:
    body = (
        "<s:Fault>"
        f"<s:Code><s:Value>{kind.code}</s:Value><s:Subcode><s:Value>{kind.subcode}</s:Value></s:Subcode></s:Code>"
        f'<s:Reason><s:Text xml:lang="en-US">{escape(reason)}</s:Text></s:Reason>'
        "<s:Detail>"
        f'<f:WSManFault xmlns:f="{NS_WSMANFAULT}" Code={quoteattr(str(kind.wsman_code))} Machine="127.0.0.1">'
        f"<f:Message>{escape(reason)}</f:Message>"
        "</f:WSManFault>"
        "</s:Detail>"
        "</s:Fault>"
    )
    return _Reply(500, _envelope(ACTION_FAULT, relates_to, body))


def _operation_timeout(request: _SoapRequest) -> _Reply:
    return _fault_reply(
        request.message_id,
        _OPERATION_TIMEOUT,
        "The WS-Management service cannot complete the operation within the time specified in OperationTimeout.",
    )


def _shell_not_found(request: _SoapRequest) -> _Reply:
    return _fault_reply(
        request.message_id,
        _SHELL_NOT_FOUND,
        f"The request for the Windows Remote Shell with ShellId {request.shell_id} failed because the shell was "
        "not found on the server. Possible causes are: the specified ShellId is incorrect or the shell no longer "
        "exists on the server. Provide the correct ShellId or create a new shell and retry the operation.",
    )


def _endless_output(request: _SoapRequest, command: _Command) -> _Reply:
    """One Receive of a command that never stops writing: a full envelope of stdout, the command still running."""
    budget = max(1024, (request.max_envelope_size - ENVELOPE_OVERHEAD) * 3 // 4)
    encoded = base64.b64encode(b"A" * budget).decode("ascii")
    body = (
        f'<rsp:ReceiveResponse><rsp:Stream Name="stdout" CommandId="{command.id}">{encoded}</rsp:Stream>'
        f'<rsp:CommandState CommandId="{command.id}" State="{STATE_RUNNING}"/></rsp:ReceiveResponse>'
    )
    return _ok(f"{NS_SHELL}/ReceiveResponse", request.message_id, body)


def _command_not_found(request: _SoapRequest, command_id: str) -> _Reply:
    return _fault_reply(
        request.message_id,
        _COMMAND_NOT_FOUND,
        f"The request for the Windows Remote Shell command with CommandId {command_id} failed because the "
        "command was not found on the server.",
    )


def _invalid(request: _SoapRequest, reason: str) -> _Reply:
    return _fault_reply(request.message_id, _INVALID_MESSAGE, reason)


def _unauthorized() -> _Reply:
    return _Reply(401, b"", (("WWW-Authenticate", "Negotiate"), ("WWW-Authenticate", 'Basic realm="WSMAN"')))
