"""A warning when certificate validation is off or Basic auth runs over plain HTTP, except on loopback (the lab)."""

from __future__ import annotations

import pytest

from action_runner import make_action
from ansible_collections.onepacs.baseline.plugins.action.win_power import ActionModule as WinPower
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._connection_warnings import connection_warnings
from fake_connection import SimulatedConnection
from winlab.simulator import SimulatedHost

CLINIC_HOST = "10.20.30.40"


def winrm(**options):
    values = {"remote_addr": CLINIC_HOST, "port": 5986, "scheme": "https", "transport": ["ntlm"], "_extras": {}}
    values.update(options)
    return values.get


def test_certificate_validation_off_is_warned_about():
    (warning,) = connection_warnings("winrm", winrm(_extras={"ansible_winrm_server_cert_validation": "ignore"}), "gw01")
    assert warning.startswith("gw01: TLS certificate validation is off (ansible_winrm_server_cert_validation: ignore)")


def test_basic_over_http_is_warned_about_and_encrypted_transports_are_not():
    (warning,) = connection_warnings("winrm", winrm(scheme="http", port=5985, transport=["basic"]), "gw01")
    assert "Basic authentication over plain HTTP" in warning
    assert connection_warnings("winrm", winrm(scheme="http", port=5985, transport=["ntlm"]), "gw01") == []
    assert connection_warnings("winrm", winrm(transport="basic"), "gw01") == []  # HTTPS


@pytest.mark.parametrize("address", ["127.0.0.1", "localhost", "::1"])
def test_the_lab_on_loopback_is_not_warned_about(address):
    options = winrm(remote_addr=address, scheme="http", transport="basic")
    assert connection_warnings("winrm", options, "gw01") == []


def test_psrp_settings_are_warned_about():
    options = {
        "remote_addr": CLINIC_HOST,
        "cert_validation": "ignore",
        "protocol": "http",
        "auth": "basic",
    }.get
    assert len(connection_warnings("ansible.builtin.psrp", options, "gw01")) == 2


def test_the_module_result_carries_the_warning():
    connection = SimulatedConnection(SimulatedHost.from_profile("server2022-desktop-fresh"))
    options = {"remote_addr": CLINIC_HOST, "port": 5985, "scheme": "http", "transport": ["basic"], "_extras": {}}
    action, _context = make_action(
        WinPower, connection, "onepacs.baseline.win_power", check_mode=True, connection_options=options
    )
    action._connection.transport = "winrm"
    result = action.run(task_vars={"inventory_hostname": "gw01"})
    assert any("Basic authentication over plain HTTP" in warning for warning in result["warnings"])
