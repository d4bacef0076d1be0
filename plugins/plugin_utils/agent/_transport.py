"""Agent transport: run the agent with a JSON request on a Windows host in one command and parse its answer.

The command line holds only a tiny bootstrap (base64 UTF-16LE, as PowerShell's -EncodedCommand wants); the agent
script and the request travel on stdin. That keeps the command far below the Windows command-line limits even when
a connection plugin re-encodes it, and it works the same over winrm, psrp and ssh (shell=powershell).

Every way this can go wrong (connection refused, rejected credentials, a host in Constrained Language Mode, a
non-zero exit, output without our markers, invalid JSON, a response of the wrong shape) ends as one exception whose
message names the host and the cause; nothing here lets a traceback reach the user.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from ansible.errors import AnsibleConnectionFailure

from .._paths import AGENT_DIR
from ._framing import (
    BOOTSTRAP_TAG,
    CORE_LOAD_FAILED_MARKER,
    EXIT_CORE_LOAD_FAILED,
    EXIT_LANGUAGE_MODE,
    EXIT_NO_REQUEST,
    FILE_TAG,
    FILE_TAG_END,
    LANGUAGE_MODE_MARKER,
    NO_REQUEST_MARKER,
    PROTOCOL_VERSION,
    REQUEST_SEPARATOR,
    RESULT_BEGIN,
    RESULT_END,
)
from ._protocol import agent_files_for, load_protocol

#: The prefix Ansible's PowerShell shell plugin uses; starting with it exactly stops the winrm connection plugin
#: from wrapping our command in a second -EncodedCommand layer.
POWERSHELL_PREFIX = "PowerShell -NoProfile -NonInteractive -ExecutionPolicy Unrestricted -EncodedCommand"

#: Upper bound for the encoded command. Older ansible-core re-encodes commands (each layer grows them about 2.7
#: times) and cmd.exe caps a command line at 8,191 characters, so the bootstrap must stay tiny.
MAX_COMMAND_CHARS = 2000

#: How much of stdout/stderr an error message quotes: enough to diagnose, never a wall of text.
EXCERPT_CHARS = 400

ERROR_CODES = frozenset(load_protocol()["error_codes"])

# ---- agent loading and outcome markers (issue 12): begin ------------------------------------------------------
# Core is loaded first, in a try, so a block (AMSI, a parse error) is reported by a marker naming core.ps1; core then
# loads each area file on its own (Invoke-OnePacsAgent -AreaScripts). Every early outcome prints its marker before it
# exits, because a second wrapping of the command turns each non-zero exit code into 1.
_BOOTSTRAP_LINES = (
    BOOTSTRAP_TAG,
    "$ProgressPreference='SilentlyContinue'",
    "$m=$ExecutionContext.SessionState.LanguageMode",
    f'if("$m" -ne \'FullLanguage\'){{"{LANGUAGE_MODE_MARKER}$m>>>";exit {EXIT_LANGUAGE_MODE}}}',
    "$s=$input|Out-String",
    f"$i=$s.IndexOf('{REQUEST_SEPARATOR}')",
    f"if($i -lt 0){{'{NO_REQUEST_MARKER}';exit {EXIT_NO_REQUEST}}}",
    f"$j=$s.IndexOf('{FILE_TAG}')",
    "if($j -lt 0 -or $j -gt $i){$j=$i}",
    "try{. ([ScriptBlock]::Create($s.Substring(0,$j)))}"
    f'catch{{"{CORE_LOAD_FAILED_MARKER}$_";exit {EXIT_CORE_LOAD_FAILED}}}',
    f"Invoke-OnePacsAgent -AreaScripts $s.Substring($j,$i-$j) -RequestJson $s.Substring($i+{len(REQUEST_SEPARATOR)})",
)
# ---- agent loading and outcome markers (issue 12): end --------------------------------------------------------


class AgentError(Exception):
    """The agent could not be run, or its answer could not be used. The message names the host and the cause."""

    def __init__(self, host: str, cause: str) -> None:
        super().__init__(f"{host}: {cause}")
        self.host = host
        self.cause = cause


@dataclass(frozen=True)
class OpResult:
    """The agent's answer to one op."""

    ok: bool
    value: Any = None
    code: str | None = None
    error: str | None = None

    def describe_error(self) -> str:
        return f"{self.code}: {self.error}"


def bootstrap_script() -> str:
    """The PowerShell run by the command line: reads stdin, loads the agent from it, hands it the request."""
    return "\n".join(_BOOTSTRAP_LINES)


@cache
def build_command() -> str:
    """The full command line: PowerShell with the bootstrap as -EncodedCommand."""
    encoded = base64.b64encode(bootstrap_script().encode("utf-16-le")).decode("ascii")
    command = f"{POWERSHELL_PREFIX} {encoded}"
    if len(command) > MAX_COMMAND_CHARS:  # pragma: no cover - guarded by a unit test
        raise AssertionError(f"bootstrap command is {len(command)} characters; keep it under {MAX_COMMAND_CHARS}")
    return command


@cache
def agent_script(files: frozenset[str]) -> str:
    """The agent for a request: agent/core.ps1, then each named agent file behind its FILE_TAG line.

    Sending only the files in use keeps each command's stdin small (a probe of one area is a few KB), and keeps the
    write handlers (agent/<area>_write.ps1) out of every request that only reads.
    """
    core = (AGENT_DIR / "core.ps1").read_text(encoding="ascii")
    tagged = (
        f"{FILE_TAG}{name}{FILE_TAG_END}\n" + (AGENT_DIR / f"{name}.ps1").read_text(encoding="ascii")
        for name in sorted(files)
    )
    return "\n".join([core, *tagged])


def build_request(ops: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {"v": PROTOCOL_VERSION, "ops": [dict(op) for op in ops]}


def build_payload(ops: Sequence[dict[str, Any]], agent: str | None = None) -> bytes:
    """stdin for the command: the agent, the separator line, the request as one ASCII JSON line."""
    request = json.dumps(build_request(ops), ensure_ascii=True, separators=(",", ":"))
    script = agent_script(agent_files_for(op["op"] for op in ops)) if agent is None else agent
    return f"{script}\n{REQUEST_SEPARATOR}\n{request}\n".encode("ascii")


def _excerpt(text: str) -> str:
    text = text.strip()
    if len(text) > EXCERPT_CHARS:
        return text[:EXCERPT_CHARS] + f"... [{len(text) - EXCERPT_CHARS} more characters]"
    return text


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    return data.decode("utf-8", errors="replace")


_CLIXML_STRING = re.compile(r"<S S=\"Error\">(.*?)</S>", re.DOTALL)


def readable_stderr(stderr: str) -> str:
    """PowerShell may send errors as CLIXML on some transports; keep only the error text."""
    if not stderr.lstrip().startswith("#< CLIXML"):
        return stderr
    parts = _CLIXML_STRING.findall(stderr)
    text = "".join(parts).replace("_x000D__x000A_", "\n")
    return re.sub(r"_x([0-9A-F]{4})_", lambda m: chr(int(m.group(1), 16)), text)


def _language_mode(stdout: str) -> str | None:
    start = stdout.find(LANGUAGE_MODE_MARKER)
    if start < 0:
        return None
    end = stdout.find(">>>", start + len(LANGUAGE_MODE_MARKER))
    return stdout[start + len(LANGUAGE_MODE_MARKER) : end if end >= 0 else None].strip() or "unknown"


def _framed_json(stdout: str) -> str | None:
    """The text between the last begin marker and the end marker after it, or None when the frame is incomplete."""
    begin = stdout.rfind(RESULT_BEGIN)
    if begin < 0:
        return None
    end = stdout.find(RESULT_END, begin)
    if end < 0:
        return None
    return stdout[begin + len(RESULT_BEGIN) : end].strip()


def _op_result(index: int, raw: Any, host: str) -> OpResult:
    if not isinstance(raw, dict) or not isinstance(raw.get("ok"), bool):
        raise AgentError(host, f"malformed agent response: result {index} is not an object with a boolean 'ok'")
    if raw["ok"]:
        return OpResult(ok=True, value=raw.get("value"))
    code = raw.get("code")
    error = raw.get("error")
    if code not in ERROR_CODES or not isinstance(error, str):
        raise AgentError(host, f"malformed agent response: result {index} has an unknown error code {code!r}")
    return OpResult(ok=False, code=code, error=error)


def parse_response(
    host: str, rc: int, stdout: bytes | str, stderr: bytes | str, expected_results: int
) -> list[OpResult]:
    """Turn the command's output into one result per op, or raise AgentError naming the cause.

    Outcomes are read from markers in stdout, never from the exit code alone: a command wrapped a second time
    (ansible-core before 2.19, ssh with PowerShell as the default shell) exits 1 for every failure, and psrp exits 1
    whenever anything reached PowerShell's error stream. A complete frame is the agent's answer whatever the code.
    """
    out = _decode(stdout)
    err = readable_stderr(_decode(stderr))
    framed = _framed_json(out)
    if framed is None:
        raise AgentError(host, _early_outcome(rc, out, err))
    try:
        document = json.loads(framed)
    except ValueError as exc:
        raise AgentError(host, f"the agent returned invalid JSON ({exc}): {_excerpt(framed)}") from None
    except RecursionError:  # json raises it, not ValueError, for arrays or objects nested thousands deep
        raise AgentError(host, f"the agent returned JSON nested too deeply to read: {_excerpt(framed)}") from None
    if not isinstance(document, dict) or document.get("v") != PROTOCOL_VERSION:
        raise AgentError(host, f"malformed agent response: expected protocol version {PROTOCOL_VERSION}")
    results = document.get("results")
    if isinstance(document.get("error"), str):
        raise AgentError(host, f"the agent could not read the request: {document.get('code')}: {document['error']}")
    if not isinstance(results, list) or len(results) != expected_results:
        count = len(results) if isinstance(results, list) else "no"
        raise AgentError(host, f"malformed agent response: {count} results for {expected_results} ops")
    return [_op_result(index, raw, host) for index, raw in enumerate(results)]


# ---- outcome markers (issue 12): begin ------------------------------------------------------------------------
def _early_outcome(rc: int, out: str, err: str) -> str:
    """Why there is no framed answer: the bootstrap's marker if it printed one, else what the command left."""
    if mode := _language_mode(out):
        return (
            f"PowerShell runs in {mode} mode (AppLocker or WDAC policy); the agent needs FullLanguage. "
            "Allow the connecting account to run unrestricted PowerShell over WinRM, or exempt the host."
        )
    if NO_REQUEST_MARKER in out or (rc == EXIT_NO_REQUEST and not out.strip()):
        return "the agent bootstrap received no request on stdin (the connection dropped input?)"
    if (start := out.find(CORE_LOAD_FAILED_MARKER)) >= 0:
        reason = out[start + len(CORE_LOAD_FAILED_MARKER) :].strip() or f"exit code {EXIT_CORE_LOAD_FAILED}"
        return (
            "the host blocked agent/core.ps1 while loading it (antimalware scanning (AMSI) or a script policy; "
            f"see docs/troubleshooting.md): {_excerpt(reason)}"
        )
    detail = f"stderr: {_excerpt(err)}" if err.strip() else f"stdout: {_excerpt(out) or '(empty)'}"
    return f"the agent returned no result (exit code {rc}); {detail}"


# ---- outcome markers (issue 12): end --------------------------------------------------------------------------


#: exec_command(cmd, in_data=..., sudoable=False) of an Ansible connection plugin.
Executor = Callable[..., tuple[int, bytes, bytes]]


def run_ops(execute: Executor, host: str, ops: Sequence[dict[str, Any]]) -> list[OpResult]:
    """Run ops on the host in one round trip.

    Connection-level failures (also the requests errors the winrm connection lets through) become
    AnsibleConnectionFailure (Ansible then reports the host UNREACHABLE and goes on with the others), reworded so
    that the host and the likely cause come first. Any other error of the connection plugin, such as a WinRM SOAP
    fault, becomes an AgentError for this host.
    """
    if not ops:
        return []
    try:
        rc, stdout, stderr = execute(build_command(), in_data=build_payload(ops), sudoable=False)
    except (AnsibleConnectionFailure, OSError) as exc:
        # The winrm connection lets requests' errors through (they are OSErrors), e.g. a link that dies in the
        # middle of a command; left alone they reach the user as a bare "Connection aborted" without host or cause.
        raise AnsibleConnectionFailure(f"{host}: {describe_connection_failure(_error_text(exc))}") from None
    except Exception as exc:
        # Any other error of the connection plugin (a WinRM SOAP fault, ...) fails this host, not the whole run.
        cause = describe_connection_failure(f"{type(exc).__name__}: {_error_text(exc)}")
        raise AgentError(host, f"the connection could not run the agent: {cause}") from None
    return parse_response(host, rc, stdout, stderr, len(ops))


def _error_text(exc: BaseException) -> str:
    return str(exc).strip() or f"{type(exc).__name__} without a message"


_CONNECTION_HINTS = (
    ("credentials were rejected", "authentication failed (HTTP 401): check ansible_user and ansible_password"),
    ("HTTP 401", "authentication failed (HTTP 401): check ansible_user and ansible_password"),
    ("Connection refused", "connection refused: WinRM is not listening on that port, or a firewall rejects it"),
    ("Read timed out", "the host stopped answering within the read timeout"),
    ("timed out", "the connection timed out: the host is down, or a firewall drops WinRM traffic"),
    ("CERTIFICATE_VERIFY_FAILED", "TLS certificate validation failed: set ansible_winrm_ca_trust_path to the CA"),
    ("Connection aborted", "the connection was dropped by the host or the network in the middle of the command"),
    ("RemoteDisconnected", "the connection was dropped by the host or the network in the middle of the command"),
    ("Connection reset", "the connection was dropped by the host or the network in the middle of the command"),
    ("Code 500", "the WinRM service on the host failed the request (HTTP 500 with a SOAP fault)"),
    ("Name or service not known", "the host name does not resolve"),
)


def describe_connection_failure(message: str) -> str:
    """Lead with the likely cause in plain words, then keep the original message for the details."""
    for needle, cause in _CONNECTION_HINTS:
        if needle in message:
            return f"{cause} ({message.strip()})"
    return message.strip()
