"""The lab's WS-Management endpoint, driven by the real pywinrm client (and Ansible's winrm connection plugin)."""

from __future__ import annotations

import base64
import json
import socket
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import winrm
import xmltodict
from ansible.playbook.play_context import PlayContext
from ansible.plugins.loader import connection_loader
from winrm.exceptions import InvalidCredentialsError, WinRMOperationTimeoutError, WSManFaultError

from winlab.fleet import LabClient, running_lab
from winlab.wsman import OPERATION_TIMEOUT_FAULT_CODE, framing, innermost_script, is_bootstrap

PROFILE = "server2022-desktop-fresh"
PREFIX = "PowerShell -NoProfile -NonInteractive -ExecutionPolicy Unrestricted -EncodedCommand"
MARKER_PATH = "HKLM:\\SOFTWARE\\WinlabTest"


# ---- helpers ---------------------------------------------------------------------------------------------------


def encode(script: str) -> str:
    return base64.b64encode(script.encode("utf-16-le")).decode("ascii")


def bootstrap_command(layers: int = 1) -> list[str]:
    """Our bootstrap as PowerShell -EncodedCommand, wrapped ``layers - 1`` more times as Ansible may do."""
    command = f"{PREFIX} {encode(framing.BOOTSTRAP_TAG + chr(10) + '$s=$input|Out-String')}"
    for _ in range(layers - 1):
        command = f"{PREFIX} {encode(command)}"
    return command.split(" ")


def payload(ops: list[dict[str, Any]], agent: str = "function Invoke-OnePacsAgent {}") -> bytes:
    request = json.dumps({"v": 1, "ops": ops}, separators=(",", ":"))
    return f"{agent}\n{framing.REQUEST_SEPARATOR}\n{request}\n".encode("ascii")


def framed_document(stdout: bytes) -> dict[str, Any]:
    lines = stdout.decode("ascii").splitlines()
    begin = lines.index(framing.RESULT_BEGIN)
    assert lines[begin + 2] == framing.RESULT_END
    return json.loads(lines[begin + 1])


def connect(lab: LabClient, host: str, password: str | None = None, **options: Any) -> winrm.Protocol:
    settings: dict[str, Any] = {
        "transport": "basic",
        "username": lab.user,
        "password": lab.password if password is None else password,
        "operation_timeout_sec": 1,
        "read_timeout_sec": 4,
        "proxy": None,
        "ca_trust_path": None,
    }
    if lab.ca_cert is not None:
        settings.update(server_cert_validation="validate", ca_trust_path=str(lab.ca_cert))
    settings.update(options)
    return winrm.Protocol(lab.url(host), **settings)


def run(protocol: winrm.Protocol, command: list[str], stdin: bytes | None = None) -> tuple[bytes, bytes, int]:
    """One command in its own shell, as pywinrm users do it; stdin in one chunk."""
    shell_id = protocol.open_shell()
    try:
        command_id = protocol.run_command(shell_id, command[0], command[1:])
        if stdin is not None:
            protocol.send_command_input(shell_id, command_id, stdin, end=True)
        result = protocol.get_command_output(shell_id, command_id)
        protocol.cleanup_command(shell_id, command_id)
        return result
    finally:
        protocol.close_shell(shell_id)


def run_ops(protocol: winrm.Protocol, ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    stdout, stderr, rc = run(protocol, bootstrap_command(), payload(ops))
    assert rc == 0, stderr
    return framed_document(stdout)["results"]


def set_marker(value: str) -> dict[str, Any]:
    return {"op": "registry.set", "path": MARKER_PATH, "name": "Marker", "type": "String", "data": value}


def get_marker() -> dict[str, Any]:
    return {"op": "registry.get", "path": MARKER_PATH, "name": "Marker"}


def send_like_ansible(protocol: winrm.Protocol, shell_id: str, command_id: str, data: bytes, eof: bool) -> None:
    """Ansible's winrm connection sends stdin chunks without an End attribute until the last one."""
    message = {
        "env:Envelope": protocol._get_soap_header(
            resource_uri="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd",
            action="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send",
            shell_id=shell_id,
        )
    }
    stream = message["env:Envelope"].setdefault("env:Body", {}).setdefault("rsp:Send", {}).setdefault("rsp:Stream", {})
    stream["@Name"] = "stdin"
    stream["@CommandId"] = command_id
    stream["#text"] = base64.b64encode(data)
    if eof:
        stream["@End"] = "true"
    protocol.send_message(xmltodict.unparse(message))


# ---- fixtures --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabClient]:
    hosts = {"plain": PROFILE, "faulty": PROFILE, "guarded": PROFILE}
    with running_lab(tmp_path_factory.mktemp("wsman-http"), hosts=hosts, password="Lab-Passw0rd") as client:
        yield client


@pytest.fixture
def faulty(lab: LabClient) -> Iterator[LabClient]:
    """The lab, with host "faulty" back to normal after the test."""
    yield lab
    lab.fault("faulty", "none")


@pytest.fixture
def guarded(lab: LabClient) -> Iterator[LabClient]:
    """The lab, with host "guarded" restored to its starting state after the test."""
    original = lab.state("guarded")
    yield lab
    lab.set_state("guarded", original)


# ---- command lines ---------------------------------------------------------------------------------------------


def test_innermost_script_peels_every_encoded_layer() -> None:
    script = framing.BOOTSTRAP_TAG + "\nWrite-Output 1"
    once = f"{PREFIX} {encode(script)}"
    twice = f"{PREFIX} {encode('Set-StrictMode -Version Latest' + chr(10) + once)}"
    assert innermost_script(once) == script
    assert innermost_script(twice) == script
    assert innermost_script(f"powershell.exe -enc {encode(script)}") == script
    assert innermost_script(f"pwsh -ec {encode(script)}") == script


def test_innermost_script_is_none_without_an_encoded_command() -> None:
    assert innermost_script("ipconfig /all") is None
    assert innermost_script("PowerShell -ExecutionPolicy Unrestricted -Command Get-Date") is None
    assert innermost_script(f"{PREFIX} !!!not-base64!!!") is None


def test_bootstrap_is_recognised_by_its_first_line_only() -> None:
    assert is_bootstrap(framing.BOOTSTRAP_TAG + "\r\n$x=1")
    assert is_bootstrap("\ufeff" + framing.BOOTSTRAP_TAG)
    assert not is_bootstrap("$x=1\n" + framing.BOOTSTRAP_TAG)
    assert not is_bootstrap(None)
    assert not is_bootstrap("")


# ---- the protocol ----------------------------------------------------------------------------------------------


def test_bootstrap_returns_the_simulator_response_framed(lab: LabClient) -> None:
    request = {"v": 1, "ops": [{"op": "system.info"}, {"op": "no.such_op"}]}
    expected = lab.fleet.endpoint("plain").host.execute(request)  # read-only ops: same answer twice

    stdout, stderr, rc = run(connect(lab, "plain"), bootstrap_command(), payload(request["ops"]))

    assert (rc, stderr) == (0, b"")
    assert framed_document(stdout) == json.loads(json.dumps(expected))
    assert stdout.decode("ascii").endswith(framing.RESULT_END + "\r\n")


def test_ansible_double_wrapped_command_with_stdin_in_chunks_without_end(lab: LabClient) -> None:
    protocol = connect(lab, "plain")
    data = payload([{"op": "system.info"}], agent="# agent\n" * 2000)
    shell_id = protocol.open_shell(codepage=65001)
    command = bootstrap_command(layers=2)
    command_id = protocol.run_command(shell_id, command[0], command[1:], console_mode_stdin=False)
    chunks = [data[: len(data) // 3], data[len(data) // 3 : -20], data[-20:]]
    for index, chunk in enumerate(chunks):
        send_like_ansible(protocol, shell_id, command_id, chunk, eof=index == len(chunks) - 1)
    stdout, stderr, rc = protocol.get_command_output(shell_id, command_id)
    protocol.cleanup_command(shell_id, command_id)
    protocol.close_shell(shell_id)

    assert (rc, stderr) == (0, b"")
    assert framed_document(stdout)["results"][0]["ok"] is True


def test_one_shell_runs_several_commands(lab: LabClient) -> None:
    protocol = connect(lab, "plain")
    shell_id = protocol.open_shell()
    answers = []
    for _ in range(3):
        command_id = protocol.run_command(shell_id, bootstrap_command()[0], bootstrap_command()[1:])
        protocol.send_command_input(shell_id, command_id, payload([{"op": "system.info"}]), end=True)
        answers.append(protocol.get_command_output(shell_id, command_id))
        protocol.cleanup_command(shell_id, command_id)
    protocol.close_shell(shell_id)
    assert [rc for _, _, rc in answers] == [0, 0, 0]
    assert len({stdout for stdout, _, _ in answers}) == 1


def test_large_output_is_split_over_several_receives(lab: LabClient) -> None:
    ops = [{"op": f"no.such_op_{index:05d}"} for index in range(3000)]
    before = lab.stats("plain")["request_log"]

    results = run_ops(connect(lab, "plain"), ops)

    receives = [entry for entry in lab.stats("plain")["request_log"] if entry["action"] == "Receive"]
    assert len(results) == len(ops)
    assert len(receives) - len([entry for entry in before if entry["action"] == "Receive"]) > 1


def test_output_is_ascii_even_for_non_ascii_values(lab: LabClient) -> None:
    ops = [set_marker("Gr\u00fc\u00dfe"), {"op": "no.such_op_\u00e9"}]
    stdout, _, rc = run(connect(lab, "plain"), bootstrap_command(), payload(ops))
    assert rc == 0
    assert "\\u00fc\\u00dfe" in stdout.decode("ascii")  # decode raises if non-ASCII bytes leaked
    results = framed_document(stdout)["results"]
    assert results[0]["value"]["data"] == "Gr\u00fc\u00dfe"
    assert results[1]["code"] == "unknown_op"


def test_stdin_without_separator_exits_2_with_the_marker(lab: LabClient) -> None:
    stdout, _, rc = run(connect(lab, "plain"), bootstrap_command(), b"function Invoke-OnePacsAgent {}\n")
    assert (rc, stdout) == (framing.EXIT_NO_REQUEST, f"{framing.NO_REQUEST_MARKER}\r\n".encode())


def test_a_second_wrapping_turns_every_failure_exit_code_into_1(lab: LabClient) -> None:
    # PowerShell -Command/-EncodedCommand running our command as its last native command exits 1 when it failed.
    stdout, _, rc = run(connect(lab, "plain"), bootstrap_command(layers=2), b"no separator\n")
    assert (rc, stdout) == (1, f"{framing.NO_REQUEST_MARKER}\r\n".encode())
    stdout, _, rc = run(connect(lab, "plain"), bootstrap_command(layers=2), payload([{"op": "system.info"}]))
    assert rc == 0
    assert framed_document(stdout)["results"][0]["ok"] is True


def test_invalid_request_json_exits_1_with_a_message(lab: LabClient) -> None:
    stdin = f"agent\n{framing.REQUEST_SEPARATOR}\n{{not json\n".encode("ascii")
    stdout, stderr, rc = run(connect(lab, "plain"), bootstrap_command(), stdin)
    assert rc == 1
    assert b"not valid JSON" in stderr
    assert framing.RESULT_BEGIN.encode() not in stdout


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        (["ipconfig", "/all"], "ipconfig /all"),
        (f"{PREFIX} {encode('Get-Service WinRM')}".split(" "), "Get-Service WinRM"),
    ],
)
def test_unknown_commands_exit_1_naming_the_command(lab: LabClient, command: list[str], shown: str) -> None:
    stdout, stderr, rc = run(connect(lab, "plain"), command)
    assert (rc, stdout) == (1, b"")
    assert stderr.decode() == f"winlab: unsupported command: {shown}\r\n"


def test_signal_and_delete_echo_the_message_id(lab: LabClient) -> None:
    protocol = connect(lab, "plain")
    shell_id = protocol.open_shell()
    command_id = protocol.run_command(shell_id, "hostname")
    for action, body in (
        ("http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal", {"rsp:Signal": {"@CommandId": command_id}}),
        ("http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete", {}),
    ):
        message_id = uuid.uuid4()
        envelope = {
            "env:Envelope": protocol.build_wsman_header(
                action=action,
                resource_uri="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd",
                shell_id=shell_id,
                message_id=message_id,
            )
        }
        envelope["env:Envelope"]["env:Body"] = body
        answer = xmltodict.parse(protocol.send_message(xmltodict.unparse(envelope)))
        assert answer["s:Envelope"]["s:Header"]["a:RelatesTo"] == f"uuid:{message_id}"


def test_unknown_shell_is_a_soap_fault(lab: LabClient) -> None:
    with pytest.raises(WSManFaultError) as raised:
        connect(lab, "plain").run_command(str(uuid.uuid4()).upper(), "hostname")
    assert "shell was not found" in raised.value.reason


def test_wrong_password_gets_401(lab: LabClient) -> None:
    with pytest.raises(InvalidCredentialsError):
        connect(lab, "plain", password="wrong").open_shell()
    with pytest.raises(InvalidCredentialsError):
        connect(lab, "plain", username="someone-else").open_shell()


def test_receive_long_polls_until_stdin_ends(lab: LabClient) -> None:
    protocol = connect(lab, "plain")
    shell_id = protocol.open_shell()
    command_id = protocol.run_command(shell_id, bootstrap_command()[0], bootstrap_command()[1:])
    data = payload([{"op": "system.info"}])
    protocol.send_command_input(shell_id, command_id, data[:100], end=False)
    timeouts_before = lab.stats("plain")["operation_timeouts"]

    started = time.monotonic()
    with pytest.raises(WinRMOperationTimeoutError):
        protocol.get_command_output_raw(shell_id, command_id)
    assert 0.9 <= time.monotonic() - started < 3

    protocol.send_command_input(shell_id, command_id, data[100:], end=True)
    stdout, _, rc = protocol.get_command_output(shell_id, command_id)
    protocol.close_shell(shell_id)
    assert rc == 0
    assert framed_document(stdout)["results"][0]["ok"] is True
    assert lab.stats("plain")["operation_timeouts"] == timeouts_before + 1


def test_the_timeout_fault_carries_the_wsman_code(lab: LabClient) -> None:
    protocol = connect(lab, "plain")
    shell_id = protocol.open_shell()
    command_id = protocol.run_command(shell_id, bootstrap_command()[0], bootstrap_command()[1:])
    envelope = {
        "env:Envelope": protocol.build_wsman_header(
            action="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive",
            resource_uri="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd",
            shell_id=shell_id,
        )
    }
    envelope["env:Envelope"]["env:Body"] = {"rsp:Receive": {"rsp:DesiredStream": {"@CommandId": command_id}}}
    response = protocol.transport.build_session().post(
        protocol.transport.endpoint, data=xmltodict.unparse(envelope).encode(), timeout=4
    )
    protocol.close_shell(shell_id)
    assert response.status_code == 500
    assert f'Code="{OPERATION_TIMEOUT_FAULT_CODE}"' in response.text


# ---- faults ----------------------------------------------------------------------------------------------------


def test_refuse_closes_the_port_and_none_reopens_it(faulty: LabClient) -> None:
    port = faulty.hosts()["faulty"]["port"]
    faulty.fault("faulty", "refuse")
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    with pytest.raises(requests.exceptions.ConnectionError):
        connect(faulty, "faulty").open_shell()

    faulty.fault("faulty", "none")
    assert run_ops(connect(faulty, "faulty"), [{"op": "system.info"}])[0]["ok"] is True


def test_unauthorized_fault_answers_401(faulty: LabClient) -> None:
    faulty.fault("faulty", "unauthorized")
    with pytest.raises(InvalidCredentialsError):
        connect(faulty, "faulty").open_shell()


def test_server_error_fault_fails_the_command_with_http_500(faulty: LabClient) -> None:
    faulty.fault("faulty", "server_error")
    protocol = connect(faulty, "faulty")
    shell_id = protocol.open_shell()
    with pytest.raises(WSManFaultError) as raised:
        protocol.run_command(shell_id, bootstrap_command()[0], bootstrap_command()[1:])
    protocol.close_shell(shell_id)
    assert raised.value.code == 500
    assert "server_error" in raised.value.reason


@pytest.mark.parametrize(("mode", "applied"), [("drop", False), ("drop_after_apply", True)])
def test_dropped_connection_with_and_without_the_write(faulty: LabClient, mode: str, applied: bool) -> None:
    marker = f"{mode}-{uuid.uuid4()}"
    faulty.fault("faulty", mode)
    with pytest.raises(requests.exceptions.ConnectionError):
        run(connect(faulty, "faulty"), bootstrap_command(), payload([set_marker(marker)]))
    assert faulty.stats("faulty")["dropped"] >= 1

    faulty.fault("faulty", "none")
    result = run_ops(connect(faulty, "faulty"), [get_marker()])[0]
    assert result["ok"] is True
    assert (result["value"]["data"] == marker) is applied


def test_delay_fault_delays_every_response(faulty: LabClient) -> None:
    faulty.fault("faulty", "delay", delay_ms=150)
    protocol = connect(faulty, "faulty")
    started = time.monotonic()
    shell_id = protocol.open_shell()
    protocol.close_shell(shell_id)
    assert time.monotonic() - started >= 0.3
    durations = [entry["ms"] for entry in faulty.stats("faulty")["request_log"][-2:]]
    assert min(durations) >= 150


def test_slow_fault_makes_receive_time_out_and_retry(faulty: LabClient) -> None:
    faulty.fault("faulty", "slow", delay_ms=1300)
    timeouts_before = faulty.stats("faulty")["operation_timeouts"]
    started = time.monotonic()
    results = run_ops(connect(faulty, "faulty"), [{"op": "system.info"}])
    assert results[0]["ok"] is True
    assert time.monotonic() - started >= 1.3
    assert faulty.stats("faulty")["operation_timeouts"] == timeouts_before + 1


# ---- what the simulated host decides ---------------------------------------------------------------------------


def test_constrained_language_mode_exits_3_with_the_marker(guarded: LabClient) -> None:
    state = guarded.state("guarded")
    state["powershell"]["language_mode"] = "ConstrainedLanguage"
    guarded.set_state("guarded", state)

    stdout, stderr, rc = run(connect(guarded, "guarded"), bootstrap_command(), payload([set_marker("never")]))

    assert rc == framing.EXIT_LANGUAGE_MODE
    assert stdout == f"{framing.LANGUAGE_MODE_MARKER}ConstrainedLanguage>>>\r\n".encode()
    assert stderr == b""


def test_constrained_language_mode_double_wrapped_exits_1_with_the_marker(guarded: LabClient) -> None:
    state = guarded.state("guarded")
    state["powershell"]["language_mode"] = "ConstrainedLanguage"
    guarded.set_state("guarded", state)

    stdout, _, rc = run(connect(guarded, "guarded"), bootstrap_command(layers=2), payload([set_marker("never")]))

    assert rc == 1
    assert stdout == f"{framing.LANGUAGE_MODE_MARKER}ConstrainedLanguage>>>\r\n".encode()


def test_an_amsi_blocked_area_file_fails_only_the_ops_it_defines(guarded: LabClient) -> None:
    state = guarded.state("guarded")
    state["powershell"]["amsi_blocked_files"] = ["registry_write"]
    guarded.set_state("guarded", state)
    agent = (
        "function Invoke-OnePacsAgent {}\n"
        f"{framing.FILE_TAG}registry{framing.FILE_TAG_END}\nfunction Invoke-OpRegistryGet {{}}\n"
        f"{framing.FILE_TAG}registry_write{framing.FILE_TAG_END}\nfunction Invoke-OpRegistrySet {{}}\n"
    )
    ops = [{"op": "registry.get", "path": MARKER_PATH, "name": "Marker"}, set_marker("never")]

    stdout, _, rc = run(connect(guarded, "guarded"), bootstrap_command(), payload(ops, agent=agent))

    results = framed_document(stdout)["results"]
    assert rc == 0
    assert results[0]["ok"] is True
    assert results[1]["code"] == "blocked"
    assert "agent/registry_write.ps1" in results[1]["error"]
    assert "never" not in json.dumps(guarded.state("guarded")["registry"])


def test_an_amsi_blocked_core_is_reported_by_its_marker(guarded: LabClient) -> None:
    state = guarded.state("guarded")
    state["powershell"]["amsi_blocked_files"] = ["core"]
    guarded.set_state("guarded", state)

    stdout, _, rc = run(connect(guarded, "guarded"), bootstrap_command(layers=2), payload([{"op": "system.info"}]))

    assert rc == 1
    assert stdout.startswith(framing.CORE_LOAD_FAILED_MARKER.encode())
    assert b"malicious content" in stdout


def test_a_disabled_lab_account_gets_401(guarded: LabClient) -> None:
    state = guarded.state("guarded")
    account = next(user for user in state["accounts"]["users"].values() if user["Name"] == guarded.user)
    account["Enabled"] = False
    guarded.set_state("guarded", state)

    with pytest.raises(InvalidCredentialsError):
        connect(guarded, "guarded").open_shell()


@pytest.mark.parametrize("obstacle", ["firewall_rule", "winrm_service"])
def test_a_blocked_port_drops_the_connection_but_still_accepts_tcp(guarded: LabClient, obstacle: str) -> None:
    port = guarded.hosts()["guarded"]["port"]
    state = guarded.state("guarded")
    if obstacle == "winrm_service":
        state["services"]["WinRM"]["State"] = "Stopped"
    else:
        for profile in state["firewall"]["profiles"].values():
            profile["DefaultInboundAction"] = "Block"
        for rule in state["firewall"]["rules"].values():
            if str(port) in rule.get("LocalPort", []):
                rule["Enabled"] = False
    guarded.set_state("guarded", state)
    dropped_before = guarded.stats("guarded")["dropped"]

    with pytest.raises(requests.exceptions.ConnectionError, match="Remote end closed connection"):
        connect(guarded, "guarded").open_shell()
    assert guarded.stats("guarded")["dropped"] == dropped_before + 1


def test_the_lab_port_is_what_the_simulated_firewall_allows(guarded: LabClient) -> None:
    port = guarded.hosts()["guarded"]["port"]
    rules = guarded.state("guarded")["firewall"]["rules"].values()
    assert any(str(port) in rule.get("LocalPort", []) for rule in rules)
    assert not any("5985" in rule.get("LocalPort", []) for rule in rules)


def test_ansible_winrm_connection_reuses_its_shell_for_several_commands(lab: LabClient) -> None:
    connection = connection_loader.get("winrm", PlayContext())
    variables = {
        "ansible_host": "127.0.0.1",
        "ansible_port": lab.hosts()["plain"]["port"],
        "ansible_user": lab.user,
        "ansible_password": lab.password,
        "ansible_winrm_transport": "basic",
        "ansible_winrm_scheme": "http",
        "ansible_winrm_proxy": None,
    }
    connection.set_options(var_options={**variables, "_extras": {k: v for k, v in variables.items() if "winrm" in k}})
    before = lab.stats("plain")
    try:
        command = " ".join(bootstrap_command())
        answers = [connection.exec_command(command, in_data=payload([{"op": "system.info"}])) for _ in range(2)]
        unsupported = connection.exec_command("hostname")
    finally:
        connection.close()
    after = lab.stats("plain")

    assert [rc for rc, _, _ in answers] == [0, 0]
    assert framed_document(answers[0][1]) == framed_document(answers[1][1])
    assert unsupported == (1, b"", b"winlab: unsupported command: hostname\r\n")
    assert (after["shells"] - before["shells"], after["commands"] - before["commands"]) == (1, 3)
    assert after["open_shells"] == 0


# ---- counters --------------------------------------------------------------------------------------------------


def test_stats_count_requests_shells_and_commands(lab: LabClient) -> None:
    before = lab.stats("plain")
    run_ops(connect(lab, "plain"), [{"op": "system.info"}])
    after = lab.stats("plain")
    # Create, Command, Send, Receive, Signal, Delete
    assert after["http_requests"] - before["http_requests"] == 6
    assert after["shells"] - before["shells"] == 1
    assert after["commands"] - before["commands"] == 1
    assert [entry["action"] for entry in after["request_log"][-6:]] == [
        "Create",
        "Command",
        "Send",
        "Receive",
        "Signal",
        "Delete",
    ]


# ---- HTTPS -----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def https_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabClient]:
    with running_lab(tmp_path_factory.mktemp("wsman-https"), hosts={"secure": PROFILE}, https=True) as client:
        yield client


def test_https_with_certificate_validation_against_the_lab_ca(https_lab: LabClient) -> None:
    assert https_lab.url("secure").startswith("https://127.0.0.1:")
    assert run_ops(connect(https_lab, "secure"), [{"op": "system.info"}])[0]["ok"] is True


def test_https_fails_validation_without_the_lab_ca(https_lab: LabClient) -> None:
    with pytest.raises(requests.exceptions.SSLError):
        connect(https_lab, "secure", ca_trust_path=None).open_shell()
