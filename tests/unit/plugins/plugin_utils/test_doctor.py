"""The first-contact check's request and table (plugin_utils/_doctor.py)."""

from __future__ import annotations

import pytest

from ansible_collections.onepacs.baseline.plugins.plugin_utils import _doctor
from ansible_collections.onepacs.baseline.plugins.plugin_utils._doctor import (
    DoctorRequestError,
    diagnose,
    doctor_ops,
    table,
    unreached,
)
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._protocol import agent_files_for, load_protocol
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._transport import OpResult


def test_every_read_op_once_and_no_write():
    ops = load_protocol()["ops"]
    names = [op["op"] for op in doctor_ops()]
    assert sorted(names) == sorted(name for name, spec in ops.items() if not spec.get("mutates"))
    assert len(names) == len(set(names))
    assert not any(name.endswith("_write") for name in agent_files_for(names))


def test_arguments_for_an_op_that_writes_are_refused(monkeypatch):
    monkeypatch.setitem(_doctor.READ_OP_ARGS, "registry.set", {})
    with pytest.raises(DoctorRequestError, match="ops that write"):
        doctor_ops()


def test_table_names_the_environment_and_each_failed_op():
    ops = [{"op": "system.info"}, {"op": "system.session"}, {"op": "defender.products"}]
    info = {
        "powershell_version": "5.1.17763.1",
        "language_mode": "FullLanguage",
        "os_caption": "Windows Server",
        "current_build": "17763",
        "ubr": 1,
        "installation_type": "Server",
        "part_of_domain": True,
        "domain": "clinic.example",
    }
    session = {
        "user": "CLINIC\\audit",
        "elevated": False,
        "integrity_level": "Medium",
        "domain_role": 3,
        "amsi_providers": [{"clsid": "2781761e-28e0-4109-99fe-b9d127c57afe", "name": ""}],
    }
    results = [
        OpResult(True, info),
        OpResult(True, session),
        OpResult(False, None, "not_supported", "Invalid namespace"),
    ]
    report = diagnose(ops, results)
    assert report["failed_ops"] == ["defender.products"]
    assert table("gw1", report) == [
        "gw1: 2/3 read ops answered",
        "PowerShell | 5.1.17763.1 FullLanguage",
        "token | CLINIC\\audit, NOT elevated, integrity Medium",
        "OS | Windows Server build 17763.1 (Server)",
        "domain role | member server of clinic.example",
        "AMSI providers | 2781761e-28e0-4109-99fe-b9d127c57afe",
        "defender.products | not_supported: Invalid namespace",
        "system.info | ok",
        "system.session | ok",
    ]


def test_a_host_that_did_not_answer_is_a_row_with_the_cause():
    assert table("ws1", unreached("ws1: PowerShell runs in ConstrainedLanguage mode")) == [
        "ws1: the agent did not answer",
        "cause | ws1: PowerShell runs in ConstrainedLanguage mode",
    ]
