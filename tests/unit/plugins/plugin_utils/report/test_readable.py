from __future__ import annotations

import pytest

from ansible_collections.onepacs.baseline.plugins.plugin_utils.report._readable import readable, sentence


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ({"attestation": None}, "Attestation: none"),
        (None, "none"),
        (True, "yes"),
        ([], "none"),
        (["C:\\onepacs", "C:\\Program Files (x86)\\PostgreSQL"], "C:\\onepacs, C:\\Program Files (x86)\\PostgreSQL"),
        ({"enabled": True, "scan_day": 0}, "Enabled: yes\nScan day: 0"),
        ({"profiles": {"domain": True, "public": False}}, "Profiles: Domain: yes, Public: no"),
        ([{"name": "a", "port": 80}, {"name": "b", "port": 443}], "Name: a, Port: 80\nName: b, Port: 443"),
    ],
)
def test_values_read_as_words_not_json(value, shown):
    assert readable(value) == shown
    assert "{" not in readable(value)


def test_would_set_becomes_a_sentence():
    message = "fast startup is on; would set HiberbootEnabled: 1 -> 0"
    assert sentence(message) == "Fast startup is on. Enforcement would change HiberbootEnabled from 1 to 0."


def test_several_changes_and_a_residual_read_as_one_sentence_each():
    message = "would set standby AC: 30 -> 0; hibernate: True -> False; would still fail: needs a reboot"
    assert sentence(message) == (
        "Enforcement would change standby AC from 30 to 0, and hibernate from yes to no. "
        "It would still fail: needs a reboot."
    )


def test_enforcement_off_is_explained():
    assert sentence("drifted; enforcement is off (would set SMB1: 1 -> 0)") == (
        "Enforcement is off for this area; it would change SMB1 from 1 to 0."
    )


def test_plain_messages_are_kept_with_a_capital_and_a_full_stop():
    assert sentence("compliant") == "Compliant."
