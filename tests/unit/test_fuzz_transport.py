"""Property-based tests of the transport's answer parser and of its handling of connection errors.

Whatever a host sends back (truncated, oversized, not UTF-8, not JSON, JSON of the wrong shape, no markers, JSON
nested thousands deep) and however the connection plugin fails, the controller gets either one result per op or
one error naming the host and the cause: never a Python traceback.

Hypothesis runs derandomized (a fixed seed per test) and without its example database, so every run of the suite
tries the same cases.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from ansible.errors import AnsibleConnectionFailure, AnsibleError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent import _framing as framing
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._transport import (
    ERROR_CODES,
    AgentError,
    OpResult,
    parse_response,
    readable_stderr,
    run_ops,
)

HOST = "gw01.clinic-a"
OPS = 3
#: An error message quotes at most 400 characters of output; with the host and the cause it stays short.
MAX_MESSAGE = 1500
CASES = settings(
    max_examples=1000, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)
FEWER_CASES = settings(CASES, max_examples=300)

json_leaves = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
# Shallow on purpose: the parser never looks inside values, and deep structures make each case slow to generate.
json_values = (
    json_leaves
    | st.lists(json_leaves, max_size=3)
    | st.dictionaries(st.text(max_size=6), json_leaves | st.lists(json_leaves, max_size=2), max_size=3)
)
good_results = st.lists(
    st.fixed_dictionaries({"ok": st.just(True), "value": json_values})
    | st.fixed_dictionaries(
        {"ok": st.just(False), "code": st.sampled_from(sorted(ERROR_CODES)), "error": st.text(max_size=40)}
    ),
    min_size=OPS,
    max_size=OPS,
)
noise = st.text(max_size=60).map(lambda text: text.replace(framing.RESULT_BEGIN, "").replace(framing.RESULT_END, ""))


def frame(body: str | bytes, before: str = "", after: str = "") -> bytes:
    raw = body.encode("utf-8") if isinstance(body, str) else body
    return (
        f"{before}{framing.RESULT_BEGIN}\r\n".encode()
        + raw
        + f"\r\n{framing.RESULT_END}\r\n{after}".encode("utf-8", errors="surrogatepass")
    )


def document(results: list[Any]) -> str:
    return json.dumps({"v": 1, "results": results})


@st.composite
def valid_output(draw: st.DrawFn) -> bytes:
    return frame(document(draw(good_results)), draw(noise), draw(noise))


@st.composite
def truncated_output(draw: st.DrawFn) -> bytes:
    """A valid answer cut anywhere before its end marker is complete."""
    whole = draw(valid_output())
    end = whole.rindex(framing.RESULT_END.encode()) + len(framing.RESULT_END)
    return whole[: draw(st.integers(0, end - 1))]


@st.composite
def oversized_output(draw: st.DrawFn) -> bytes:
    """Megabytes in one value, or megabytes of noise around the frame."""
    size = draw(st.integers(100_000, 1_000_000))
    if draw(st.booleans()):
        results = [{"ok": True, "value": "x" * size}] + [{"ok": True, "value": None}] * (OPS - 1)
        return frame(document(results))
    return b"y" * size + draw(valid_output())


@st.composite
def non_utf8_output(draw: st.DrawFn) -> bytes:
    whole = draw(valid_output())
    at = draw(st.integers(0, len(whole)))
    garbage = draw(st.binary(min_size=1, max_size=16).map(lambda data: b"\xff" + data))
    return whole[:at] + garbage + whole[at:]


@st.composite
def non_json_output(draw: st.DrawFn) -> bytes:
    return frame(draw(st.text(max_size=200)))


@st.composite
def wrong_shape_output(draw: st.DrawFn) -> bytes:
    shaped = st.one_of(
        json_values,
        st.fixed_dictionaries({"v": json_values, "results": json_values}),
        st.fixed_dictionaries({"v": st.just(1), "results": st.lists(json_values, max_size=OPS + 1)}),
        st.fixed_dictionaries({"v": st.just(1), "results": st.just([]), "code": json_values, "error": json_values}),
    )
    return frame(json.dumps(draw(shaped)))


@st.composite
def deeply_nested_output(draw: st.DrawFn) -> bytes:
    depth = draw(st.integers(500, 50_000))
    opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
    return frame(f'{{"v": 1, "results": {opener * depth}1{closer * depth}}}')


marker_less_output = st.binary(max_size=300) | st.text(max_size=300).map(str.encode)
any_output = st.one_of(
    valid_output(),
    truncated_output(),
    oversized_output(),
    non_utf8_output(),
    non_json_output(),
    wrong_shape_output(),
    deeply_nested_output(),
    marker_less_output,
)
exit_codes = st.sampled_from([0, 0, 0, 1, 2, 3, -1, 255]) | st.integers(-(2**31), 2**31)


def outcome(rc: int, stdout: bytes, stderr: bytes) -> list[OpResult] | AgentError:
    """Results or the AgentError; any other exception escapes and fails the test."""
    try:
        return parse_response(HOST, rc, stdout, stderr, OPS)
    except AgentError as exc:
        return exc


def assert_clear(result: list[OpResult] | AgentError) -> None:
    if isinstance(result, AgentError):
        message = str(result)
        assert message.startswith(f"{HOST}: ")
        assert result.cause
        assert len(message) < MAX_MESSAGE, message[:200]
        assert "Traceback" not in message
        return
    assert len(result) == OPS
    for op_result in result:
        assert isinstance(op_result, OpResult)
        assert op_result.ok or (op_result.code in ERROR_CODES and isinstance(op_result.error, str))


@CASES
@given(rc=exit_codes, stdout=any_output, stderr=st.binary(max_size=200) | st.just(b""))
def test_any_output_gives_results_or_one_clear_error(rc, stdout, stderr):
    assert_clear(outcome(rc, stdout, stderr))


@FEWER_CASES
@given(stdout=valid_output())
def test_a_complete_answer_with_exit_code_zero_is_read(stdout):
    result = outcome(0, stdout, b"")
    assert isinstance(result, list), result


@FEWER_CASES
@given(stdout=truncated_output() | marker_less_output)
def test_output_without_a_complete_frame_is_no_result(stdout):
    result = outcome(0, stdout, b"")
    assert isinstance(result, AgentError)
    assert result.cause.startswith(("the agent returned no result", "the agent returned invalid JSON", "malformed"))


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(text=st.text(max_size=300))
def test_any_stderr_text_is_made_readable(text):
    assert isinstance(readable_stderr("#< CLIXML\r\n" + text), str)
    assert readable_stderr(text) == text


# ---- regressions -------------------------------------------------------------------------------------------------


def test_json_nested_too_deeply_is_an_agent_error_not_a_recursion_error():
    with pytest.raises(AgentError, match=f"^{HOST}: the agent returned JSON nested too deeply to read"):
        parse_response(HOST, 0, frame('{"v": 1, "results": ' + "[" * 100_000 + "]" * 100_000 + "}"), b"", 1)


class RaisingConnection:
    def __init__(self, error: BaseException) -> None:
        self.error = error

    def exec_command(self, cmd: str, in_data: bytes | None = None, sudoable: bool = True) -> tuple[int, bytes, bytes]:
        raise self.error


def run_with(error: BaseException) -> list[OpResult]:
    return run_ops(RaisingConnection(error).exec_command, HOST, [{"op": "system.info"}])


def test_a_connection_dropped_mid_command_is_a_connection_failure_naming_the_host():
    # What pywinrm lets through when the host closes the connection without answering (the lab's drop fault).
    dropped = requests.exceptions.ConnectionError(
        "('Connection aborted.', RemoteDisconnected('Remote end closed connection without response'))"
    )
    with pytest.raises(AnsibleConnectionFailure) as caught:
        run_with(dropped)
    assert str(caught.value).startswith(
        f"{HOST}: the connection was dropped by the host or the network in the middle of the command ("
    )


def test_a_read_timeout_from_requests_is_a_connection_failure_naming_the_host():
    timeout = requests.exceptions.ReadTimeout("HTTPConnectionPool(host='gw01', port=5986): Read timed out.")
    with pytest.raises(AnsibleConnectionFailure, match=f"^{HOST}: the host stopped answering within the read timeout"):
        run_with(timeout)


def test_a_soap_fault_is_an_agent_error_naming_the_host_and_the_cause():
    class WSManFaultError(Exception):  # stands in for winrm.exceptions.WSManFaultError
        pass

    fault = WSManFaultError(
        "The WS-Management service cannot process the request. (extended fault data: {'transport_message': "
        "'Bad HTTP response returned from server. Code 500', 'http_status_code': 500})"
    )
    with pytest.raises(AgentError) as caught:
        run_with(fault)
    assert str(caught.value).startswith(
        f"{HOST}: the connection could not run the agent: the WinRM service on the host failed the request "
        "(HTTP 500 with a SOAP fault) (WSManFaultError: The WS-Management service"
    )


def test_other_ansible_errors_of_the_connection_name_the_host():
    with pytest.raises(AgentError, match=f"^{HOST}: the connection could not run the agent: AnsibleError: boom"):
        run_with(AnsibleError("boom"))


def test_an_interrupt_is_not_swallowed():
    with pytest.raises(KeyboardInterrupt):
        run_with(KeyboardInterrupt())


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(
    kind=st.sampled_from([OSError, ConnectionResetError, ValueError, RuntimeError, AnsibleError, KeyError]),
    message=st.text(max_size=100),
)
def test_any_error_of_the_connection_plugin_names_the_host(kind, message):
    with pytest.raises((AgentError, AnsibleConnectionFailure)) as caught:
        run_with(kind(message))
    assert str(caught.value).startswith(f"{HOST}: ")
