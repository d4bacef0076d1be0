"""Host text is made harmless where it enters a record or a printed task result: terminal escapes never reach the
controller's terminal raw, lone surrogates never reach a writer, sizes are capped."""

from __future__ import annotations

import json

from action_runner import run_action_plugin
from ansible_collections.onepacs.baseline.plugins.action.win_power import ActionModule as WinPower
from ansible_collections.onepacs.baseline.plugins.plugin_utils._host_text import (
    MAX_ITEMS,
    MAX_TEXT_CHARS,
    clean_text,
    clean_value,
)
from ansible_collections.onepacs.baseline.plugins.plugin_utils._records import ControlRecord, Status
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent import _framing as framing
from fake_connection import SimulatedConnection
from winlab.simulator import SimulatedHost

FAKE_PASS = "\x1b[2J\x1b[H\x1b[32mALL CONTROLS PASS\x1b[0m"
#: Every character that can drive a terminal or break a UTF-8 writer.
RAW = [chr(code) for code in (*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0))] + [
    "\u202e",
    "\u2066",
    "\ud800",
    "\udfff",
]
POWER_REGISTRY = r"HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager\Power"


def strings(value):
    """Every string in a result, keys included (json.dumps would hide C0 controls behind \\u escapes)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(key)
            yield from strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item)


def assert_harmless(value) -> None:
    for text in strings(value):
        for character in RAW:
            assert character not in text, repr(text)
        text.encode("utf-8")  # strict: no lone surrogate


def test_escapes_controls_bidi_and_surrogates_become_visible():
    assert clean_text(FAKE_PASS) == "\\x1b[2J\\x1b[H\\x1b[32mALL CONTROLS PASS\\x1b[0m"
    assert clean_text("a\x00b\x9bc\u202ed\ud800") == "a\\x00b\\x9bc\\u202ed\\ud800"
    assert clean_text("one\r\ntwo\rthree\tfour\n") == "one\ntwo\\x0dthree\tfour\n"
    for character in RAW:
        assert_harmless(clean_text(f"x{character}y"))


def test_clean_text_is_unchanged():
    for text in ("C:\\Program Files\\OnePacs", "O'Brien <b>&amp;", "\u00dcn\u00efc\u00f8d\u00e9 \u65e5\u672c", ""):
        assert clean_text(text) == text


def test_sizes_are_capped_with_a_note():
    assert clean_text("x" * (MAX_TEXT_CHARS + 10)) == "x" * MAX_TEXT_CHARS + "... [10 more characters]"
    capped = clean_value(list(range(MAX_ITEMS + 5)))
    assert len(capped) == MAX_ITEMS + 1
    assert capped[-1] == "[5 more items]"
    assert clean_value({FAKE_PASS: (FAKE_PASS,)}) == {clean_text(FAKE_PASS): [clean_text(FAKE_PASS)]}
    nested: list = []
    for _depth in range(100):
        nested = [nested]
    json.dumps(clean_value(nested))


def test_a_record_cleans_every_text_field_it_is_given():
    record = ControlRecord("PWR-01", FAKE_PASS, Status.FAIL, {"k": "\ud800"}, [FAKE_PASS], False, FAKE_PASS)
    assert_harmless(record.to_dict())
    assert "ALL CONTROLS PASS" in record.message


def test_terminal_escapes_from_a_host_never_reach_the_task_result_raw():
    """A host whose agent output is garbage with escapes (the task's failure message quotes it), and a host whose
    registry value carries them (the record's actual value and message quote it)."""
    garbage = SimulatedConnection(
        SimulatedHost.from_profile("server2022-desktop-fresh"), failures={0: (1, FAKE_PASS.encode(), b"")}
    )
    failed = run_action_plugin(WinPower, garbage, "onepacs.baseline.win_power", host="gw01")
    assert failed["failed"] is True
    assert "ALL CONTROLS PASS" in failed["msg"]
    assert_harmless(failed)

    host = SimulatedHost.from_profile("server2022-desktop-fresh")
    host.state["registry"].setdefault(POWER_REGISTRY, {})["HiberbootEnabled"] = {"type": "String", "data": FAKE_PASS}
    result = run_action_plugin(WinPower, SimulatedConnection(host), "onepacs.baseline.win_power", host="gw01")
    assert_harmless(result)
    fast_startup = next(record for record in result["controls"] if record["id"] == "PWR-03")
    assert "\\x1b[2J\\x1b[H\\x1b[32mALL CONTROLS PASS" in fast_startup["message"]


def test_a_lone_surrogate_in_agent_output_never_reaches_a_record_raw():
    host = SimulatedHost.from_profile("server2022-desktop-fresh")
    # As the agent would write them: every UTF-16 unit of a Windows string as a JSON \\uXXXX escape.
    document = '{"v": 1, "code": "failed", "error": "\\ud800\\u001b[2J\\u001b[32mALL CONTROLS PASS"}'
    stdout = f"{framing.RESULT_BEGIN}\n{document}\n{framing.RESULT_END}\n".encode()
    connection = SimulatedConnection(host, failures={0: (0, stdout, b"")})
    result = run_action_plugin(WinPower, connection, "onepacs.baseline.win_power", host="gw01")
    assert result["failed"] is True
    assert_harmless(result)
