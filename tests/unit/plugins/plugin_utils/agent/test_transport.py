from __future__ import annotations

import base64
import json

import pytest
from ansible.errors import AnsibleConnectionFailure
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.onepacs.baseline.plugins.plugin_utils._paths import AGENT_DIR
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent import _framing as framing
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._protocol import load_protocol
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._transport import (
    MAX_COMMAND_CHARS,
    POWERSHELL_PREFIX,
    AgentError,
    OpResult,
    bootstrap_script,
    build_command,
    build_payload,
    parse_response,
    readable_stderr,
    run_ops,
)
from powershell import assert_valid_powershell

HOST = "gw01.clinic-a"


def framed(document: object, noise: str = "") -> bytes:
    body = document if isinstance(document, str) else json.dumps(document)
    return f"{noise}{framing.RESULT_BEGIN}\r\n{body}\r\n{framing.RESULT_END}\r\n".encode()


def ok_response(*values: object) -> dict:
    return {"v": 1, "results": [{"ok": True, "value": value} for value in values]}


class TestCommand:
    def test_command_is_the_prefix_ansible_does_not_re_encode(self):
        assert build_command().startswith(POWERSHELL_PREFIX + " ")

    def test_command_stays_far_below_the_cmd_exe_limit_even_after_one_re_encoding(self):
        command = build_command()
        assert len(command) < MAX_COMMAND_CHARS
        assert len(command) * 2.7 < 8191

    def test_encoded_part_decodes_to_the_bootstrap(self):
        encoded = build_command().split(" ")[-1]
        assert base64.b64decode(encoded).decode("utf-16-le") == bootstrap_script()

    def test_bootstrap_starts_with_the_tag_the_lab_recognises(self):
        assert bootstrap_script().splitlines()[0] == framing.BOOTSTRAP_TAG

    def test_bootstrap_is_valid_powershell(self):
        assert_valid_powershell(bootstrap_script(), "bootstrap")

    def test_bootstrap_skips_exactly_the_separator(self):
        assert f"$i+{len(framing.REQUEST_SEPARATOR)})" in bootstrap_script()


class TestPayload:
    def test_payload_is_agent_separator_then_request(self):
        payload = build_payload([{"op": "system.info"}], agent="function Invoke-OnePacsAgent {}").decode("ascii")
        agent, request = payload.split(f"\n{framing.REQUEST_SEPARATOR}\n")
        assert agent == "function Invoke-OnePacsAgent {}"
        assert json.loads(request) == {"v": 1, "ops": [{"op": "system.info"}]}

    def test_non_ascii_request_values_are_escaped(self):
        payload = build_payload([{"op": "registry.get", "path": "HKLM:\\Gerät", "name": "é"}], agent="")
        payload.decode("ascii")
        assert "\\u00e4" in payload.decode("ascii")


def parse_or_error(rc: int, stdout: bytes, stderr: bytes) -> list[OpResult] | str:
    """The results, or the AgentError message; any other exception escapes and fails the test."""
    try:
        return parse_response(HOST, rc, stdout, stderr, 1)
    except AgentError as exc:
        return str(exc)


class TestParseResponse:
    def test_values_come_back_in_order(self):
        results = parse_response(HOST, 0, framed(ok_response(1, "two")), b"", 2)
        assert results == [OpResult(ok=True, value=1), OpResult(ok=True, value="two")]

    def test_profile_noise_before_the_frame_is_ignored(self):
        noise = "Loading personal and system profiles took 712ms.\r\n" + framing.RESULT_END + "\r\n"
        results = parse_response(HOST, 0, framed(ok_response(True), noise=noise), b"", 1)
        assert results[0].value is True

    def test_op_errors_are_data(self):
        document = {"v": 1, "results": [{"ok": False, "code": "not_found", "error": "no such service"}]}
        (result,) = parse_response(HOST, 0, framed(document), b"", 1)
        assert (result.ok, result.code, result.describe_error()) == (False, "not_found", "not_found: no such service")

    def test_constrained_language_mode_is_named(self):
        stdout = f"{framing.LANGUAGE_MODE_MARKER}ConstrainedLanguage>>>\r\n".encode()
        with pytest.raises(AgentError) as caught:
            parse_response(HOST, framing.EXIT_LANGUAGE_MODE, stdout, b"", 1)
        assert str(caught.value).startswith(f"{HOST}: PowerShell runs in ConstrainedLanguage mode (AppLocker or WDAC")

    def test_missing_request_is_named(self):
        with pytest.raises(AgentError, match="received no request on stdin"):
            parse_response(HOST, framing.EXIT_NO_REQUEST, f"{framing.NO_REQUEST_MARKER}\r\n".encode(), b"", 1)

    # A second wrapping (ansible-core 2.16-2.18's winrm plugin, ssh with PowerShell as the default shell) turns every
    # non-zero exit code into 1: the marker alone must decide.
    def test_constrained_language_mode_through_a_second_wrapping(self):
        stdout = f"{framing.LANGUAGE_MODE_MARKER}ConstrainedLanguage>>>\r\n".encode()
        with pytest.raises(AgentError, match="PowerShell runs in ConstrainedLanguage mode"):
            parse_response(HOST, 1, stdout, b"", 1)

    def test_missing_request_through_a_second_wrapping(self):
        with pytest.raises(AgentError, match="received no request on stdin"):
            parse_response(HOST, 1, f"{framing.NO_REQUEST_MARKER}\r\n".encode(), b"", 1)

    def test_blocked_core_through_a_second_wrapping_names_the_file_and_reason(self):
        stdout = f"{framing.CORE_LOAD_FAILED_MARKER}This script contains malicious content\r\n".encode()
        with pytest.raises(AgentError) as caught:
            parse_response(HOST, 1, stdout, b"", 1)
        assert "blocked agent/core.ps1 while loading it" in str(caught.value)
        assert str(caught.value).endswith("This script contains malicious content")

    def test_no_marker_quotes_stderr_and_exit_code(self):
        with pytest.raises(AgentError) as caught:
            parse_response(HOST, 1, b"", b"The term 'Invoke-OnePacsAgent' is not recognized", 1)
        assert str(caught.value) == (
            f"{HOST}: the agent returned no result (exit code 1); "
            "stderr: The term 'Invoke-OnePacsAgent' is not recognized"
        )

    def test_truncated_output_is_no_result(self):
        truncated = framed(ok_response(1))[:-30]
        with pytest.raises(AgentError, match="the agent returned no result"):
            parse_response(HOST, 0, truncated, b"", 1)

    def test_empty_output_says_empty(self):
        with pytest.raises(AgentError, match=r"stdout: \(empty\)"):
            parse_response(HOST, 0, b"", b"", 1)

    def test_invalid_json_is_named_and_quoted(self):
        with pytest.raises(AgentError, match=r"invalid JSON .*\{\"v\": 1, \"res"):
            parse_response(HOST, 0, framed('{"v": 1, "res'), b"", 1)

    def test_a_complete_frame_is_the_answer_whatever_the_exit_code(self):
        # psrp exits 1 when anything reached the error stream, even after the agent answered every op.
        (result,) = parse_response(HOST, 1, framed(ok_response(1)), b"a stray warning", 1)
        assert result.ok is True

    @pytest.mark.parametrize(
        ("document", "message"),
        [
            ({"v": 2, "results": []}, "expected protocol version 1"),
            ([], "expected protocol version 1"),
            ({"v": 1, "results": [{"ok": True}]}, "1 results for 2 ops"),
            ({"v": 1}, "no results for 2 ops"),
            ({"v": 1, "results": [{"ok": "yes"}, {"ok": True}]}, "result 0 is not an object with a boolean 'ok'"),
            ({"v": 1, "results": [{"ok": True}, {"ok": False, "code": "weird", "error": "x"}]}, "unknown error code"),
        ],
    )
    def test_wrong_shapes_are_malformed(self, document, message):
        with pytest.raises(AgentError, match=message):
            parse_response(HOST, 0, framed(document), b"", 2)

    @pytest.mark.parametrize(
        ("exit_code", "code", "error"),
        [
            (0, "invalid_argument", "request is not JSON"),
            (1, "failed", "agent failure: depth"),  # an agent failure in the frame, through a second wrapping
        ],
    )
    def test_request_level_error_is_named(self, exit_code, code, error):
        document = {"v": 1, "results": [], "code": code, "error": error}
        with pytest.raises(AgentError, match=f"could not read the request: {code}: {error}"):
            parse_response(HOST, exit_code, framed(document), b"", 1)

    def test_long_output_is_cut_in_messages(self):
        with pytest.raises(AgentError) as caught:
            parse_response(HOST, 1, b"", b"x" * 5000, 1)
        assert len(str(caught.value)) < 600
        assert "4600 more characters" in str(caught.value)

    def test_clixml_stderr_becomes_text(self):
        clixml = (
            '#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
            '<S S="Error">Access is denied._x000D__x000A_</S></Objs>'
        )
        assert readable_stderr(clixml) == "Access is denied.\n"

    @settings(max_examples=300, deadline=None)
    @given(rc=st.integers(-1, 300), stdout=st.binary(max_size=512), stderr=st.binary(max_size=128))
    def test_any_garbage_is_an_agent_error_or_results(self, rc, stdout, stderr):
        outcome = parse_or_error(rc, stdout, stderr)
        assert outcome.startswith(f"{HOST}: ") if isinstance(outcome, str) else len(outcome) == 1

    @settings(max_examples=300, deadline=None)
    @given(body=st.text(max_size=200))
    def test_any_framed_text_is_an_agent_error_or_results(self, body):
        outcome = parse_or_error(0, framed(body), b"")
        assert outcome.startswith(f"{HOST}: ") if isinstance(outcome, str) else len(outcome) == 1


class FakeConnection:
    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls = []

    def exec_command(self, cmd, in_data=None, sudoable=True):
        self.calls.append({"cmd": cmd, "in_data": in_data, "sudoable": sudoable})
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


class TestRunOps:
    def test_one_command_carries_every_op(self):
        connection = FakeConnection((0, framed(ok_response(1, 2, 3)), b""))
        ops = [{"op": "system.info"}, {"op": "registry.get", "path": "HKLM:\\X", "name": "a"}, {"op": "power.query"}]
        results = run_ops(connection.exec_command, HOST, ops)
        assert [r.value for r in results] == [1, 2, 3]
        assert len(connection.calls) == 1
        call = connection.calls[0]
        assert call["cmd"] == build_command()
        assert call["sudoable"] is False
        assert call["in_data"].endswith(b'"ops":' + json.dumps(ops, separators=(",", ":")).encode() + b"}\n")

    def test_no_ops_no_round_trip(self):
        connection = FakeConnection()
        assert run_ops(connection.exec_command, HOST, []) == []
        assert connection.calls == []

    def test_rejected_credentials_stay_a_connection_failure_with_the_cause_first(self):
        failure = AnsibleConnectionFailure("basic: the specified credentials were rejected by the server")
        connection = FakeConnection(failure)
        with pytest.raises(AnsibleConnectionFailure) as caught:
            run_ops(connection.exec_command, HOST, [{"op": "system.info"}])
        assert str(caught.value).startswith(f"{HOST}: authentication failed (HTTP 401)")

    def test_refused_connection_names_the_cause(self):
        failure = AnsibleConnectionFailure("winrm connection error: [Errno 111] Connection refused")
        with pytest.raises(AnsibleConnectionFailure, match=f"^{HOST}: connection refused: WinRM is not listening"):
            run_ops(FakeConnection(failure).exec_command, HOST, [{"op": "system.info"}])


def test_the_bootstrap_cuts_stdin_into_exactly_core_then_the_tagged_area_files():
    # What the bootstrap and Split-OnePacsAreaScripts do with stdin, on a payload with every agent file.
    ops = [{"op": name} for name in sorted(load_protocol()["ops"])]
    text = build_payload(ops).decode("ascii")
    request_at = text.index(framing.REQUEST_SEPARATOR)
    first_tag = text.index(framing.FILE_TAG)
    assert text[:first_tag].rstrip("\n") == (AGENT_DIR / "core.ps1").read_text(encoding="ascii").rstrip("\n")
    sections = text[first_tag:request_at].split(framing.FILE_TAG)[1:]
    names = [section.split(framing.FILE_TAG_END, 1)[0] for section in sections]
    assert names == sorted(path.stem for path in AGENT_DIR.glob("*.ps1") if path.stem != "core")
