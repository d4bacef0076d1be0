"""What each Ansible connection plugin makes of the agent command and its stdin: winrm, psrp and ssh with the
PowerShell shell.

These tests drive ansible-core's own connection plugins and replace only their network step, so a change in how a
plugin wraps, re-encodes or splits a command shows up here. The winrm plugin runs through the lab end to end in
tests/integration; psrp (pypsrp) and OpenSSH on Windows have no lab, so this is where they are checked:

- winrm leaves a command alone when it starts with the PowerShell shell plugin's -EncodedCommand prefix, and
  streams in_data to the process's stdin;
- psrp decodes such a command and runs the script in its runspace, feeding in_data to it as lines of $input;
- ssh sends the command as the remote command line and in_data as the session's stdin.

TestWinrmThroughTheLab runs the installed ansible-core's winrm plugin against the lab, unchanged: ansible-core
2.16-2.18 wrap every command in a second -EncodedCommand layer (so every failure exit code arrives as 1), 2.19 does
not; the outcomes must be the same. scripts/test-ansible-versions runs these files under each ansible-core version
that meta/runtime.yml claims.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from ansible.module_utils.ansible_release import __version__ as ansible_core_version
from ansible.playbook.play_context import PlayContext
from ansible.plugins.loader import connection_loader, shell_loader

from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent import _framing as framing
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._protocol import (
    agent_files_for,
    load_protocol,
    op_family,
)
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._transport import (
    AgentError,
    agent_script,
    bootstrap_script,
    build_command,
    build_payload,
    build_request,
    parse_response,
    run_ops,
)
from winlab.fleet import LabClient, running_lab

ANSIBLE_CORE = tuple(int(part) for part in ansible_core_version.split(".")[:2])
#: ansible-core before 2.19 wraps every winrm command in a second -EncodedCommand layer, whatever its prefix.
WINRM_WRAPS_AGAIN = ANSIBLE_CORE < (2, 19)
#: ansible-core before 2.18 does the same to ssh commands with the PowerShell shell.
SSH_WRAPS_AGAIN = ANSIBLE_CORE < (2, 18)


def one_op_per_area() -> list[dict[str, Any]]:
    """An op of every area, so stdin carries every agent file (build_payload does not check op arguments)."""
    first_op: dict[str, str] = {}
    for name in sorted(load_protocol()["ops"]):
        first_op.setdefault(op_family(name), name)
    return [{"op": name, "probe": index} for index, name in enumerate(first_op.values())]


OPS = one_op_per_area()
ANSWER = [{"ok": True, "value": index} for index in range(len(OPS))]


def send_request(connection: Any) -> tuple[int, bytes, bytes]:
    """Send the agent command for OPS over the connection, as run_ops does."""
    return connection.exec_command(build_command(), in_data=build_payload(OPS), sudoable=False)


def framed_stdout(results: list[dict[str, Any]], newline: str = "\r\n") -> bytes:
    document = json.dumps({"v": framing.PROTOCOL_VERSION, "results": results})
    return f"profile noise{newline}{framing.RESULT_BEGIN}{newline}{document}{newline}{framing.RESULT_END}".encode()


def what_the_bootstrap_reads(stdin_lines: list[str]) -> tuple[str, dict[str, Any]]:
    """The agent text and request the bootstrap gets from these $input lines.

    It mirrors the bootstrap: `$s=$input|Out-String` joins the lines with the Windows newline, the agent is what
    comes before the separator, the request what comes after it.
    """
    text = "".join(f"{line}\r\n" for line in stdin_lines)
    index = text.index(framing.REQUEST_SEPARATOR)
    return text[:index], json.loads(text[index + len(framing.REQUEST_SEPARATOR) :])


def expected_agent() -> str:
    return agent_script(agent_files_for(op["op"] for op in OPS))


def open_connection(name: str, tmp_path: Path) -> Any:
    """ansible-core's connection plugin `name` with the PowerShell shell, as if its connect step had run."""
    connection = connection_loader.get(name, PlayContext(), shell=shell_loader.get("powershell"))
    variables: dict[str, Any] = {
        "ansible_host": "gw1.clinic.example",
        "ansible_user": "audit",
        "ansible_control_path_dir": str(tmp_path),
        "_extras": {},
    }
    if name != "ssh":  # ssh takes a key here; ansible-core before 2.19 insists on sshpass when given a password
        variables["ansible_password"] = "not-used"
    connection.set_options(var_options=variables)
    connection._connected = True
    connection._psrp_host = "gw1.clinic.example"  # set by psrp's connect step, read when it logs a command
    return connection


class ReadsTheAnswer:
    """What every connection's test class checks at the end: run_ops reads the agent's framed answer back."""

    #: The line ending the host's shell writes (PowerShell over OpenSSH writes bare LF).
    newline = "\r\n"

    def capture(self, tmp_path: Path, stdout: bytes = b"") -> tuple[Any, dict[str, Any]]:
        raise NotImplementedError

    def test_run_ops_reads_the_answer(self, tmp_path: Path) -> None:
        connection, _seen = self.capture(tmp_path, stdout=framed_stdout(ANSWER, newline=self.newline))
        results = run_ops(connection.exec_command, "gw1", OPS)
        assert [result.value for result in results] == list(range(len(OPS)))


class TestWinrm(ReadsTheAnswer):
    def capture(self, tmp_path: Path, stdout: bytes = b"") -> tuple[Any, dict[str, Any]]:
        connection = open_connection("winrm", tmp_path)
        seen: dict[str, Any] = {}

        def winrm_exec(command, args=(), from_exec=False, stdin_iterator=None):
            seen.update(command=command, args=[str(arg) for arg in args], from_exec=from_exec)
            seen["stdin"] = b"".join(chunk for chunk, _last in stdin_iterator or ())
            return 0, stdout, b""

        connection._winrm_exec = winrm_exec
        return connection, seen

    def test_command_is_sent_as_built_not_wrapped_again(self, tmp_path: Path) -> None:
        connection, seen = self.capture(tmp_path)
        send_request(connection)
        sent = " ".join([seen["command"], *seen["args"]])
        if WINRM_WRAPS_AGAIN:
            outer = base64.b64decode(seen["args"][-1]).decode("utf-16-le")
            assert build_command() in outer
        else:
            assert sent == build_command()
            assert seen["args"][-1] == base64.b64encode(bootstrap_script().encode("utf-16-le")).decode()

    def test_a_command_without_the_shell_prefix_would_be_wrapped(self, tmp_path: Path) -> None:
        # Why the prefix matters: any other spelling is encoded into a second -EncodedCommand layer.
        connection, seen = self.capture(tmp_path)
        other = build_command().replace("PowerShell", "powershell.exe", 1)
        connection.exec_command(other, in_data=build_payload(OPS), sudoable=False)
        assert seen["args"][-1] != other.rsplit(" ", 1)[-1]

    def test_stdin_is_the_payload(self, tmp_path: Path) -> None:
        connection, seen = self.capture(tmp_path)
        send_request(connection)
        assert seen["stdin"] == build_payload(OPS)
        agent, request = what_the_bootstrap_reads(seen["stdin"].decode("ascii").splitlines())
        assert agent.replace("\r\n", "\n") == expected_agent() + "\n"
        assert request == build_request(OPS)


class TestPsrp(ReadsTheAnswer):
    def capture(self, tmp_path: Path, stdout: bytes = b"") -> tuple[Any, dict[str, Any]]:
        connection = open_connection("psrp", tmp_path)
        seen: dict[str, Any] = {}

        def exec_psrp_script(script, input_data=None, use_local_scope=True, arguments=None):
            seen.update(script=script, input_data=input_data, arguments=arguments)
            return 0, stdout, b""

        connection._exec_psrp_script = exec_psrp_script
        return connection, seen

    def test_bootstrap_runs_in_the_runspace_decoded(self, tmp_path: Path) -> None:
        connection, seen = self.capture(tmp_path)
        send_request(connection)
        # psrp recognises the shell prefix, decodes the script and runs it without starting powershell.exe.
        assert seen["script"] == bootstrap_script()
        assert seen["arguments"] is None

    def test_stdin_arrives_as_input_lines_the_bootstrap_joins_back(self, tmp_path: Path) -> None:
        connection, seen = self.capture(tmp_path)
        send_request(connection)
        # 2.19 sends one input object per line; older versions one object holding all of stdin. Out-String joins
        # either back into the same text before the bootstrap looks for the separator.
        text = build_payload(OPS).decode("ascii")
        lines = seen["input_data"] if isinstance(seen["input_data"], list) else [seen["input_data"]]
        assert lines in (text.splitlines(), [text])
        agent, request = what_the_bootstrap_reads(lines)
        assert agent.replace("\r\n", "\n").rstrip("\n") == expected_agent().rstrip("\n")
        assert request == build_request(OPS)

    def test_payload_lines_are_the_same_for_python_and_powershell(self) -> None:
        # psrp splits stdin with str.splitlines(), which also breaks at \f, \v, \x1c-\x1e and \x85; PowerShell
        # reads stdin lines at \n and \r\n only. The payload has no such characters, so both see the same lines.
        text = build_payload(OPS).decode("ascii")
        assert text.splitlines() == text.removesuffix("\n").split("\n")


class TestSshWithPowerShell(ReadsTheAnswer):
    newline = "\n"

    def capture(
        self, tmp_path: Path, stdout: bytes = b"", rc: int = 0, stderr: bytes = b""
    ) -> tuple[Any, dict[str, Any]]:
        connection = open_connection("ssh", tmp_path)
        seen: dict[str, Any] = {}

        def run(command, in_data, sudoable=True, checkrc=True):
            seen.update(argv=[bytes(part).decode() for part in command], in_data=in_data, sudoable=sudoable)
            return rc, stdout, stderr

        connection._run = run
        return connection, seen

    def test_command_is_the_remote_command_line(self, tmp_path: Path) -> None:
        connection, seen = self.capture(tmp_path)
        send_request(connection)
        assert seen["argv"][0] == "ssh"
        assert seen["argv"][-2] == "gw1.clinic.example"
        if SSH_WRAPS_AGAIN:
            # ansible-core before 2.18 wraps it once more ("chcp.com 65001 > $null ; PowerShell ... -EncodedCommand").
            assert build_command() in base64.b64decode(seen["argv"][-1].rsplit(" ", 1)[-1]).decode("utf-16-le")
        else:
            assert seen["argv"][-1] == build_command()
        # No pseudo-terminal: it would echo stdin and turn \n into \r\n on the way.
        assert "-tt" not in seen["argv"]

    def test_stdin_is_the_payload(self, tmp_path: Path) -> None:
        connection, seen = self.capture(tmp_path)
        send_request(connection)
        assert seen["in_data"] == build_payload(OPS)
        assert seen["sudoable"] is False

    def test_powershell_errors_on_stderr_are_quoted_as_text(self, tmp_path: Path) -> None:
        # PowerShell over OpenSSH writes errors as CLIXML; the message must quote the words, not the XML.
        clixml = (
            b'#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
            b'<S S="Error">Execution of scripts is disabled by Group Policy_x000D__x000A_</S></Objs>'
        )
        connection, _seen = self.capture(tmp_path, rc=1, stderr=clixml)
        with pytest.raises(AgentError) as error:
            run_ops(connection.exec_command, "gw1", OPS)
        assert "stderr: Execution of scripts is disabled by Group Policy" in str(error.value)
        assert "CLIXML" not in str(error.value)


@pytest.mark.parametrize("name", ["winrm", "psrp", "ssh"])
def test_each_connection_uses_the_powershell_shell(name: str, tmp_path: Path) -> None:
    connection = open_connection(name, tmp_path)
    assert connection._shell.SHELL_FAMILY == "powershell"
    assert build_command().startswith(
        connection._shell._encode_script("", as_list=False, strict_mode=False, preserve_rc=False)
    )


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with running_lab(tmp_path_factory.mktemp("versions"), hosts={"gw": "server2022-desktop-fresh"}) as client:
        yield client


class TestWinrmThroughTheLab:
    """The installed ansible-core's winrm plugin, unchanged, against the lab's WinRM endpoint."""

    def connection(self, lab: LabClient, tmp_path: Path) -> Any:
        connection = connection_loader.get("winrm", PlayContext(), shell=shell_loader.get("powershell"))
        host, port = lab.url("gw").split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)
        winrm_options = {"ansible_winrm_scheme": "http", "ansible_winrm_transport": "basic"}
        connection.set_options(
            var_options={
                "ansible_host": host,
                "ansible_port": int(port),
                "ansible_user": lab.user,
                "ansible_password": lab.password,
                **winrm_options,
                "_extras": winrm_options,
            }
        )
        return connection

    @pytest.fixture
    def state(self, lab: LabClient) -> Any:
        original = lab.state("gw")
        yield original
        lab.set_state("gw", original)

    def test_the_agent_answers(self, lab: LabClient, tmp_path: Path, state: Any) -> None:
        results = run_ops(self.connection(lab, tmp_path).exec_command, "gw", [{"op": "system.info"}])
        assert results[0].ok is True

    def test_constrained_language_mode_is_named_whatever_the_exit_code(
        self, lab: LabClient, tmp_path: Path, state: Any
    ) -> None:
        changed = {**state, "powershell": {**state["powershell"], "language_mode": "ConstrainedLanguage"}}
        lab.set_state("gw", changed)
        connection = self.connection(lab, tmp_path)
        rc, stdout, stderr = connection.exec_command(build_command(), in_data=build_payload(OPS[:1]), sudoable=False)
        assert rc == (1 if WINRM_WRAPS_AGAIN else framing.EXIT_LANGUAGE_MODE)
        with pytest.raises(AgentError, match="PowerShell runs in ConstrainedLanguage mode"):
            parse_response("gw", rc, stdout, stderr, 1)

    def test_a_missing_request_is_named_whatever_the_exit_code(self, lab: LabClient, tmp_path: Path) -> None:
        connection = self.connection(lab, tmp_path)
        rc, stdout, stderr = connection.exec_command(build_command(), in_data=b"no separator\n", sudoable=False)
        assert rc == (1 if WINRM_WRAPS_AGAIN else framing.EXIT_NO_REQUEST)
        with pytest.raises(AgentError, match="received no request on stdin"):
            parse_response("gw", rc, stdout, stderr, 1)

    def test_a_blocked_core_is_named_whatever_the_exit_code(self, lab: LabClient, tmp_path: Path, state: Any) -> None:
        lab.set_state("gw", {**state, "powershell": {**state["powershell"], "amsi_blocked_files": ["core"]}})
        with pytest.raises(AgentError, match=r"blocked agent/core\.ps1 while loading it .*: This script contains"):
            run_ops(self.connection(lab, tmp_path).exec_command, "gw", [{"op": "system.info"}])

    def test_a_blocked_write_file_fails_only_its_ops(self, lab: LabClient, tmp_path: Path, state: Any) -> None:
        lab.set_state("gw", {**state, "powershell": {**state["powershell"], "amsi_blocked_files": ["defender_write"]}})
        ops = [{"op": "defender.status"}, {"op": "defender.add_exclusion", "path": "C:\\OnePacs"}]
        status, exclusion = run_ops(self.connection(lab, tmp_path).exec_command, "gw", ops)
        assert status.ok is True
        assert exclusion.code == "blocked"
        assert "the host blocked agent/defender_write.ps1 while loading it" in str(exclusion.error)
        assert "C:\\OnePacs" not in lab.state("gw")["defender"]["preferences"]["ExclusionPath"]
