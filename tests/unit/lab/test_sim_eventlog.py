"""eventlog.get / eventlog.set in the simulator: sizes in bytes from the Event Log service's registry keys; the
Group Policy twin (KB) is not theirs."""

from __future__ import annotations

import pytest

from sim_requests import run_one, value_of
from winlab.simulator import SimulatedHost

SECURITY_KEY = "HKLM:\\SYSTEM\\CurrentControlSet\\Services\\EventLog\\Security"
POWERSHELL_CHANNEL = "Microsoft-Windows-PowerShell/Operational"


@pytest.fixture
def host():
    return SimulatedHost.from_profile("win11-24h2-hardened")


def test_get_reads_a_classic_log_in_bytes_and_ignores_the_policy_value(host):
    # This profile sets the Security log to 196608 KB by policy; the log's own setting stays 20 MB.
    assert value_of(host, {"op": "eventlog.get", "name": "security"}) == {
        "name": "Security",
        "max_size_bytes": 20971520,
        "log_mode": "Circular",
        "enabled": True,
        "log_file_path": "%SystemRoot%\\System32\\Winevt\\Logs\\Security.evtx",
    }


def test_get_reads_a_channel(host):
    value = value_of(host, {"op": "eventlog.get", "name": POWERSHELL_CHANNEL})
    assert (value["max_size_bytes"], value["enabled"]) == (15728640, True)
    assert value["log_file_path"].endswith("Microsoft-Windows-PowerShell%4Operational.evtx")


def test_retention_values_give_the_log_mode(host):
    host.state["registry"][SECURITY_KEY]["Retention"] = {"type": "DWord", "data": 4294967295}
    assert value_of(host, {"op": "eventlog.get", "name": "Security"})["log_mode"] == "Retain"
    host.state["registry"][SECURITY_KEY]["AutoBackupLogFiles"] = {"type": "DWord", "data": 1}
    assert value_of(host, {"op": "eventlog.get", "name": "Security"})["log_mode"] == "AutoBackup"


def test_set_writes_bytes_to_the_service_key_and_reads_back(host):
    value = value_of(host, {"op": "eventlog.set", "name": "Security", "max_size_bytes": 201326592})
    assert value["max_size_bytes"] == 201326592
    assert host.state["registry"][SECURITY_KEY]["MaxSize"] == {"type": "DWord", "data": 201326592}


@pytest.mark.parametrize(
    ("op", "code"),
    [
        ({"op": "eventlog.get", "name": "NoSuchLog"}, "not_found"),
        ({"op": "eventlog.set", "name": "NoSuchLog", "max_size_bytes": 1048576}, "not_found"),
        ({"op": "eventlog.set", "name": "Security", "max_size_bytes": 0}, "invalid_argument"),
        ({"op": "eventlog.set", "name": "Security", "max_size_bytes": 2**32}, "invalid_argument"),
        ({"op": "eventlog.set", "name": "Security"}, "invalid_argument"),
    ],
)
def test_errors(host, op, code):
    assert run_one(host, op)["code"] == code


def test_a_read_only_log_key_refuses_the_write(host):
    host.state["registry_access"][SECURITY_KEY] = "read"
    result = run_one(host, {"op": "eventlog.set", "name": "Security", "max_size_bytes": 201326592})
    assert result["code"] == "access_denied"
