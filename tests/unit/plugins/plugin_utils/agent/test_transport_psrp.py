"""psrp end to end below the network: ansible-core's psrp connection plugin and pypsrp's real RunspacePool and
PowerShell pipeline objects, talking to a simulated PSRP server that answers through the lab's simulated host.

Only the WinRS shell (the WS-Management Command/Send/Receive calls) is replaced. Everything the client does with
the server's answer is the real code: pypsrp defragments and deserializes the PSRP messages (PIPELINE_OUTPUT,
PIPELINE_HOST_CALL SetShouldExit, PIPELINE_STATE), and the psrp plugin's _parse_pipeline_result builds stdout from
the pipeline's output objects and the host UI writes only, and rc from SetShouldExit or the error stream.

What the server does with the bootstrap mirrors what PowerShell does in a remote runspace (no powershell.exe, host
"ServerRemoteHost"): the input lines arrive as $input, what the script emits is pipeline output, `exit N` is a
SetShouldExit(N) host call, and nothing written to [Console]::Out reaches the client. So the agent's answer arrives
only if core.ps1's Write-OnePacsResponse emits it as pipeline output there (checked in the last test here).
"""

from __future__ import annotations

import base64
import re
import struct
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from ansible.playbook.play_context import PlayContext
from ansible.plugins.loader import connection_loader, shell_loader
from pypsrp.complex_objects import (
    HostMethodIdentifier,
    PSInvocationState,
    RunspacePoolState,
)
from pypsrp.host import PSHost, PSHostUserInterface
from pypsrp.messages import (
    Destination,
    Message,
    MessageType,
    PipelineHostCall,
    PipelineState,
)
from pypsrp.powershell import Fragmenter, RunspacePool
from pypsrp.serializer import Serializer

from ansible_collections.onepacs.baseline.plugins.plugin_utils._paths import AGENT_DIR
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent import _framing as framing
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._transport import (
    AgentError,
    bootstrap_script,
    run_ops,
)
from winlab.simulator import SimulatedHost
from winlab.wsman import CommandOutcome, language_mode_outcome, run_bootstrap

PROFILE = "server2022-desktop-fresh"
NS_SHELL = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"


class SimulatedPsrpShell:
    """The server side of one runspace pool's WinRS shell: collects the client's fragments, runs the bootstrap in a
    simulated remote runspace when the input ends, and answers Receive with PSRP fragments."""

    def __init__(self, pool: RunspacePool, host: SimulatedHost) -> None:
        self.pool = pool
        self.host = host
        self.serializer = Serializer()
        self.partial = b""
        self.script: str | None = None
        self.lines: list[str] = []
        self.pending = b""

    # WinRS calls made by pypsrp

    def command(self, executable: str, arguments: list[str], command_id: str | None = None) -> ET.Element:
        self._take(base64.b64decode(arguments[0]))
        return ET.fromstring(
            f'<r xmlns:rsp="{NS_SHELL}"><rsp:CommandResponse><rsp:CommandId>{command_id}</rsp:CommandId>'
            "</rsp:CommandResponse></r>"
        )

    def send(self, stream: str, data: bytes, command_id: str | None = None, end: bool | None = None) -> None:
        self._take(data)

    def receive(self, stream: str, command_id: str | None = None, timeout: int | None = None) -> tuple:
        pending, self.pending = self.pending, b""
        return "Done", 0, {"stdout": pending}

    def signal(self, code: str, command_id: str) -> None:
        return None

    # what the remote runspace does

    def _take(self, data: bytes) -> None:
        for message_type, pipeline_id, body in self._messages(data):
            if message_type == MessageType.CREATE_PIPELINE:
                command = re.search(r'<S N="Cmd">(.*?)</S>', body, re.DOTALL)
                assert command is not None
                self.script = self.serializer.deserialize(f"<S>{command.group(1)}</S>")
                self.pipeline_id = pipeline_id
                if '<B N="NoInput">true</B>' in body:
                    self._run()
            elif message_type == MessageType.PIPELINE_INPUT:
                self.lines.append(str(self.serializer.deserialize(body)))
            elif message_type == MessageType.END_OF_PIPELINE_INPUT:
                self._run()

    def _messages(self, data: bytes) -> list[tuple[int, str, str]]:
        """[MS-PSRP] 2.2.4 fragments -> 2.2.1 messages, as (type, pipeline id, XML body). The server side parses
        the raw message (pypsrp's client cannot deserialize the CreatePipeline host info it sends)."""
        messages = []
        while data:
            is_end = bool(data[16] & 0x2)
            length = struct.unpack(">I", data[17:21])[0]
            self.partial += data[21 : 21 + length]
            data = data[21 + length :]
            if is_end:
                raw, self.partial = self.partial, b""
                message_type = struct.unpack("<I", raw[4:8])[0]
                pipeline_id = str(uuid.UUID(bytes_le=raw[24:40])).upper()
                messages.append((message_type, pipeline_id, raw[40:].decode("utf-8-sig")))
        return messages

    def _run(self) -> None:
        assert self.script == bootstrap_script(), "psrp must run the decoded bootstrap in the runspace"
        if self.host.language_mode != "FullLanguage":
            outcome = language_mode_outcome(self.host.language_mode)
        else:
            # `$input | Out-String` joins the input objects with the Windows newline.
            outcome = run_bootstrap("".join(f"{line}\r\n" for line in self.lines).encode(), self.host)
        self.pending = self._answer(outcome)

    def _answer(self, outcome: CommandOutcome) -> bytes:
        """The outcome as a remote runspace reports it: every line the bootstrap or the agent emitted is one
        PIPELINE_OUTPUT string, a non-zero exit is a SetShouldExit host call, then the pipeline state."""
        messages = [
            self._pack(MessageType.PIPELINE_OUTPUT, self.serializer.serialize(line))
            for line in outcome.stdout.decode().splitlines()
        ]
        if outcome.exit_code:
            call = PipelineHostCall(ci=-100, mi=HostMethodIdentifier(value=6), mp=[outcome.exit_code])
            messages.append(self._message(call))
        messages.append(self._message(PipelineState(state=PSInvocationState.COMPLETED)))
        return b"".join(self._fragment(index, message) for index, message in enumerate(messages, start=1))

    def _message(self, data: Any) -> bytes:
        return Message(Destination.CLIENT, self.pool.id, self.pipeline_id, data, self.serializer).pack()

    def _pack(self, message_type: int, body: Any) -> bytes:
        """[MS-PSRP] 2.2.1: destination, type, runspace pool and pipeline ids (little-endian GUIDs), UTF-8 XML."""
        xml = body if isinstance(body, bytes) else ET.tostring(body, encoding="utf-8", method="xml")
        return (
            struct.pack("<II", Destination.CLIENT, message_type)
            + uuid.UUID(self.pool.id).bytes_le
            + uuid.UUID(self.pipeline_id).bytes_le
            + xml
        )

    @staticmethod
    def _fragment(object_id: int, message: bytes) -> bytes:
        """[MS-PSRP] 2.2.4: one fragment holding the whole message (start and end bits set)."""
        return struct.pack(">QQB", object_id, 0, 0x3) + struct.pack(">I", len(message)) + message


def psrp_connection(tmp_path: Path, host: SimulatedHost) -> Any:
    """ansible-core's psrp plugin, connected to a simulated server through the real pypsrp runspace pool."""
    connection = connection_loader.get("psrp", PlayContext(), shell=shell_loader.get("powershell"))
    connection.set_options(
        var_options={
            "ansible_host": "gw1.clinic.example",
            "ansible_user": "audit",
            "ansible_password": "x",
            "_extras": {},
        }
    )
    connection._build_kwargs()
    connection.host = PSHost(None, None, False, "Ansible PSRP Host", None, PSHostUserInterface(), None)
    pool = RunspacePool.__new__(RunspacePool)
    pool.id = str(uuid.uuid4()).upper()
    pool.state = RunspacePoolState.OPENED
    pool.host = connection.host
    pool.apartment_state = 2
    pool.protocol_version = "2.3"
    pool.max_envelope_size = 153600
    pool.pipelines = {}
    pool.session_key = None
    pool.serializer = Serializer()
    pool._fragmenter = Fragmenter(pool.max_envelope_size, pool.serializer)
    pool.shell = SimulatedPsrpShell(pool, host)
    connection.runspace = pool
    connection._connected = True
    connection._last_pipeline = None
    return connection


@pytest.fixture
def simulated_host() -> SimulatedHost:
    return SimulatedHost.from_profile(PROFILE)


def test_the_agents_answer_reaches_the_controller_through_the_pipeline(
    tmp_path: Path, simulated_host: SimulatedHost
) -> None:
    connection = psrp_connection(tmp_path, simulated_host)
    results = run_ops(connection.exec_command, "gw1", [{"op": "system.info"}, {"op": "defender.status"}])
    assert [result.ok for result in results] == [True, True]
    assert (
        results[0].value["computer_name"]
        == simulated_host.execute({"v": 1, "ops": [{"op": "system.info"}]})["results"][0]["value"]["computer_name"]
    )


def test_constrained_language_mode_is_named_over_psrp(tmp_path: Path, simulated_host: SimulatedHost) -> None:
    simulated_host.state["powershell"]["language_mode"] = "ConstrainedLanguage"
    connection = psrp_connection(tmp_path, simulated_host)
    with pytest.raises(AgentError, match="PowerShell runs in ConstrainedLanguage mode"):
        run_ops(connection.exec_command, "gw1", [{"op": "system.info"}])


def test_exit_codes_arrive_through_set_should_exit(tmp_path: Path, simulated_host: SimulatedHost) -> None:
    simulated_host.state["powershell"]["language_mode"] = "ConstrainedLanguage"
    connection = psrp_connection(tmp_path, simulated_host)
    rc, stdout, _stderr = connection.exec_command(
        "PowerShell -NoProfile -NonInteractive -ExecutionPolicy Unrestricted -EncodedCommand "
        + base64.b64encode(bootstrap_script().encode("utf-16-le")).decode(),
        in_data=b"x\n",
        sudoable=False,
    )
    assert rc == framing.EXIT_LANGUAGE_MODE
    assert stdout.decode().startswith(framing.LANGUAGE_MODE_MARKER)


def test_a_blocked_write_file_fails_only_the_write_over_psrp(tmp_path: Path, simulated_host: SimulatedHost) -> None:
    simulated_host.state["powershell"]["amsi_blocked_files"] = ["registry_write"]
    connection = psrp_connection(tmp_path, simulated_host)
    key = "HKLM:\\SOFTWARE\\WinlabTest"
    ops = [
        {"op": "registry.get", "path": key, "name": "Marker"},
        {"op": "registry.set", "path": key, "name": "Marker", "type": "String", "data": "x"},
    ]
    results = run_ops(connection.exec_command, "gw1", ops)
    assert results[0].ok is True
    assert (results[1].code, "agent/registry_write.ps1" in str(results[1].error)) == ("blocked", True)


def write_response_body() -> str:
    text = (AGENT_DIR / "core.ps1").read_text(encoding="ascii")
    start = text.index("function Write-OnePacsResponse")
    return text[start : text.index("\n}\n", start)]


def test_the_agent_emits_its_answer_as_pipeline_output_outside_the_console_host() -> None:
    # The server above assumes it; this holds core.ps1 to it: outside ConsoleHost the three frame lines are emitted
    # (bare string statements are pipeline output), before any [Console]::Out write.
    body = write_response_body()
    branch = re.search(r"if \(\$Host\.Name -ne 'ConsoleHost'\) \{(.*?)\n    \}", body, re.DOTALL)
    assert branch is not None
    emitted = [line.strip() for line in branch.group(1).strip().splitlines()]
    assert emitted == [f"'{framing.RESULT_BEGIN}'", "$Json", f"'{framing.RESULT_END}'", "return"]
    assert body.index("ConsoleHost") < body.index("[System.Console]::Out")


def test_console_only_output_never_reaches_the_psrp_controller(tmp_path: Path, simulated_host: SimulatedHost) -> None:
    # What the agent did before: [Console]::Out only. In a remote runspace that is no output at all.
    connection = psrp_connection(tmp_path, simulated_host)
    shell = connection.runspace.shell
    shell._answer = lambda outcome: SimulatedPsrpShell._answer(shell, CommandOutcome(b"", b"", outcome.exit_code))
    with pytest.raises(AgentError, match=r"the agent returned no result \(exit code 0\); stdout: \(empty\)"):
        run_ops(connection.exec_command, "gw1", [{"op": "system.info"}])
