"""Strings from hosts are data, never code or markup: software, account and firewall rule names holding quotes,
newlines, control characters, markup and Jinja reach the control records end to end, as text: unchanged, except
that control characters, terminal escapes and bidi controls are made visible (_host_text.clean_text), so none of
them reaches a terminal raw. The host facts keep the exact text.

A lab host gets such names, the gateway role audits it (check mode) and the records are read back from what
Ansible handed the callback. The Jinja one would create a file if anything templated it; the report generator
escapes markup when it renders (roles/report), so here the records must simply carry the exact text.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.onepacs.baseline.plugins.plugin_utils._host_text import clean_text
from playbook import run_playbook

pytestmark = pytest.mark.integration

GATEWAY = Path(__file__).resolve().parents[2] / "playbooks" / "gateway.yml"
HOST = "gw-hostile"
UNINSTALL = "HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall"


def hostile_strings(marker: Path) -> dict[str, str]:
    return {
        "quotes": 'O\'Brien "the admin" `tick`',
        "newlines": "line one\nline two\r\nline three",
        "controls": "bell\x07 esc\x1b[31mred\x1b[0m del\x7f tab\t",
        "markup": "<script>alert('x')</script><b>bold</b>&amp;",
        "jinja": f"{{{{ lookup('pipe', 'touch {marker}') }}}}",
        "shell": "$(id) `id` ${HOME} %USERPROFILE%",
        "unicode": "\u202etxt.exe\u200b \u00dcn\u00efc\u00f8d\u00e9 \u65e5\u672c",
    }


def inject(state: dict[str, Any], names: dict[str, str]) -> None:
    """Installed programs, an enabled local account and an inbound allow rule per hostile name."""
    recent = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for index, (kind, name) in enumerate(names.items()):
        state["registry"][f"{UNINSTALL}\\Hostile-{kind}"] = {
            "DisplayName": {"type": "String", "data": f"{name} (program)"},
            "DisplayVersion": {"type": "String", "data": "1.0"},
            "Publisher": {"type": "String", "data": name},
        }
        state["accounts"]["users"][str(1100 + index)] = {
            "Name": f"{name} (account)",
            "FullName": name,
            "Description": name,
            "Enabled": True,
            "LastLogon": recent,
            "PasswordLastSet": recent,
            "PasswordNeverExpires": False,
            "PasswordRequired": True,
        }
        state["firewall"]["rules"][f"{name} (rule)"] = {
            "DisplayName": f"{name} (rule display)",
            "DisplayGroup": name,
            "Group": name,
            "Direction": "Inbound",
            "Action": "Allow",
            "Enabled": True,
            "Profile": ["Any"],
            "Protocol": "TCP",
            "LocalPort": [str(40000 + index)],
            "RemoteAddress": ["Any"],
        }


def text_leaves(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in text_leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in text_leaves(item)]
    return []


def test_hostile_names_reach_the_records_as_text(start_lab, tmp_path: Path):
    marker = tmp_path / "templated"
    names = hostile_strings(marker)
    lab = start_lab({HOST: "server2022-desktop-fresh"}, groups=["gateways"])
    state = lab.state(HOST)
    inject(state, names)
    lab.set_state(HOST, state)

    allow = tmp_path / "allow.json"  # SW-01 compares only when told what is allowed
    allow.write_text(json.dumps({"onepacs_gateway_host_facts_software_allow": ["PostgreSQL*"]}))

    run = run_playbook(GATEWAY, lab.inventory, tmp_path / "audit", "--check", "-e", f"@{allow}")

    assert "Traceback" not in run.stdout + run.stderr
    for raw in ("\x1b", "\x07", "\u202e"):  # no terminal escape, bell or bidi override reaches the terminal raw
        assert raw not in run.stdout + run.stderr, repr(raw)
    assert not marker.exists(), "a string from the host was templated"
    role_records = run.result(HOST, "set_fact")["result"]["ansible_facts"]["onepacs_gateway_controls"]
    by_id = {record["id"]: record for record in role_records}
    for control_id, suffix in (("SW-01", "(program)"), ("ACC-01", "(account)"), ("FW-03", "(rule)")):
        leaves = text_leaves(by_id[control_id])
        for kind, name in names.items():
            assert any(clean_text(f"{name} {suffix}") in leaf for leaf in leaves), (control_id, kind, leaves)
            assert not any("\x1b" in leaf or "\x07" in leaf for leaf in leaves), (control_id, kind)
    software = run.result(HOST, "win_baseline")["result"]["ansible_facts"]["onepacs_host"]["software"]
    for name in names.values():
        assert any(name in leaf for leaf in text_leaves(software)), name
