"""The lab fleet: many hosts in one process, state files, the control API, the inventory and the CLI."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import winrm
import yaml
from ansible.playbook.play_context import PlayContext
from ansible.plugins.loader import connection_loader

from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent import _transport
from winlab.fleet import (
    LabClient,
    LabConfig,
    LabError,
    LabNotRunning,
    bind_winrm_port,
    host_spec,
    numbered_hosts,
    process_alive,
    running_lab,
)

PROFILE = "server2022-desktop-fresh"
LAB_DIR = Path(__file__).resolve().parents[2] / "lab"

# pywinrm nags about REQUESTS_CA_BUNDLE even for plain-HTTP lab hosts, where no certificate is involved.
pytestmark = pytest.mark.filterwarnings("ignore:'pywinrm' will use an environment variable:DeprecationWarning")
MARKER = {"path": "HKLM:\\SOFTWARE\\WinlabFleetTest", "name": "Marker"}


def ansible_connection(variables: dict[str, Any]) -> Any:
    """Ansible's winrm connection plugin configured from inventory variables, as a task would get it."""
    connection = connection_loader.get("winrm", PlayContext())
    options = dict(variables)
    options["_extras"] = {key: value for key, value in variables.items() if key.startswith("ansible_winrm_")}
    connection.set_options(var_options=options)
    return connection


def run_ops(variables: dict[str, Any], host: str, ops: list[dict[str, Any]]) -> list[_transport.OpResult]:
    """Run ops the way the collection's action plugins do: the real bootstrap and agent over Ansible's winrm."""
    connection = ansible_connection(variables)
    try:
        return _transport.run_ops(connection.exec_command, host, ops)
    finally:
        connection.close()


def set_marker(value: str) -> dict[str, Any]:
    return {"op": "registry.set", "type": "String", "data": value, **MARKER}


def get_marker() -> dict[str, Any]:
    return {"op": "registry.get", **MARKER}


def inventory_hosts(path: Path) -> dict[str, dict[str, Any]]:
    return yaml.safe_load(path.read_text())["all"]["children"]["lab"]["hosts"]


def wait_for(condition: Any, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return bool(condition())


def port_closed(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


# ---- configuration ---------------------------------------------------------------------------------------------


def test_host_specs_and_numbered_names() -> None:
    assert host_spec("gw1=server2022-core-fresh") == host_spec(" gw1 = server2022-core-fresh ")
    assert host_spec("ws=/tmp/x=y.json").profile == "/tmp/x=y.json"
    assert [spec.name for spec in numbered_hosts(3, PROFILE)] == ["host001", "host002", "host003"]
    assert numbered_hosts(1200, PROFILE, prefix="w")[-1].name == "w1200"
    with pytest.raises(LabError):
        host_spec("no-profile")


@pytest.mark.parametrize(("names", "groups"), [(["a", "a"], []), (["bad name"], []), ([], []), (["a"], ["bad-group"])])
def test_invalid_lab_configurations_are_rejected(tmp_path: Path, names: list[str], groups: list[str]) -> None:
    with pytest.raises(LabError):
        LabConfig(state_dir=tmp_path, hosts=[host_spec(f"{name}={PROFILE}") for name in names], groups=groups)


def test_bind_winrm_port_moves_the_standard_and_known_lab_ports_only() -> None:
    state = {
        "firewall": {
            "rules": {
                "http": {"LocalPort": ["5985"]},
                "https": {"LocalPort": ["5986", "40000"]},
                "rdp": {"LocalPort": ["3389"]},
                "both": {"LocalPort": ["41000", "5985"]},
                "any": {"LocalPort": ["Any"]},
            }
        }
    }
    bind_winrm_port(state, 41000, 5985, {40000})
    ports = {name: rule["LocalPort"] for name, rule in state["firewall"]["rules"].items()}
    assert ports == {
        "http": ["41000"],
        "https": ["5986", "41000"],
        "rdp": ["3389"],
        "both": ["41000"],
        "any": ["Any"],
    }


# ---- an in-process lab -----------------------------------------------------------------------------------------


def test_running_lab_writes_lab_json_inventory_and_host_states(tmp_path: Path) -> None:
    hosts = {"gw1": PROFILE, "ws1": PROFILE}
    with running_lab(tmp_path, hosts=hosts, groups=["clinic_a"]) as lab:
        info = json.loads((tmp_path / "lab.json").read_text())
        inventory = yaml.safe_load(lab.inventory.read_text())
        listed = lab.hosts()

        assert info["pid"] == os.getpid()
        assert set(info["hosts"]) == set(hosts) == set(listed)
        assert oct((tmp_path / "lab.json").stat().st_mode & 0o777) == "0o600"
        assert lab.inventory == tmp_path / "inventory.yml"
        assert set(inventory["all"]["children"]["clinic_a"]["hosts"]) == set(hosts)
        ports = set()
        for name, variables in inventory["all"]["children"]["lab"]["hosts"].items():
            assert variables["ansible_port"] == listed[name]["port"] == info["hosts"][name]["port"]
            assert variables["ansible_host"] == "127.0.0.1"
            assert variables["ansible_connection"] == "winrm"
            assert variables["ansible_winrm_transport"] == "basic"
            assert variables["ansible_winrm_scheme"] == "http"
            assert (variables["ansible_user"], variables["ansible_password"]) == (lab.user, lab.password)
            assert variables["lab_profile"] == PROFILE
            assert "ansible_winrm_ca_trust_path" not in variables
            assert json.loads((tmp_path / "hosts" / f"{name}.json").read_text()) == lab.state(name)
            ports.add(variables["ansible_port"])
        assert len(ports) == len(hosts)


def test_the_https_inventory_validates_against_the_lab_ca(tmp_path: Path) -> None:
    with running_lab(tmp_path, hosts={"gw1": PROFILE}, https=True, user="Administrator", password="S3cret!") as lab:
        variables = inventory_hosts(lab.inventory)["gw1"]
        assert variables["ansible_winrm_scheme"] == "https"
        assert variables["ansible_winrm_server_cert_validation"] == "validate"
        assert Path(variables["ansible_winrm_ca_trust_path"]) == lab.ca_cert == tmp_path / "certs" / "ca.pem"
        assert (variables["ansible_user"], variables["ansible_password"]) == ("Administrator", "S3cret!")

        results = run_ops(variables, "gw1", [{"op": "system.info"}])

        assert results[0].ok


@pytest.mark.parametrize("https", [False, True])
def test_hardened_hosts_with_a_blocking_firewall_are_reachable_on_the_lab_port(tmp_path: Path, https: bool) -> None:
    hosts = {"gw": "server2022-desktop-hardened", "ws": "win11-24h2-hardened"}
    with running_lab(tmp_path, hosts=hosts, https=https) as lab:
        variables = inventory_hosts(lab.inventory)
        for name in hosts:
            state = lab.state(name)
            assert {profile["DefaultInboundAction"] for profile in state["firewall"]["profiles"].values()} == {"Block"}
            assert run_ops(variables[name], name, [{"op": "system.info"}])[0].ok


def test_each_change_is_saved_and_set_state_copies_a_host(tmp_path: Path) -> None:
    with running_lab(tmp_path, hosts={"gw1": PROFILE, "gw2": PROFILE}) as lab:
        variables = inventory_hosts(lab.inventory)
        saved = tmp_path / "hosts" / "gw1.json"
        before = saved.read_text()

        assert run_ops(variables["gw1"], "gw1", [set_marker("saved")])[0].ok
        assert saved.read_text() != before
        assert json.loads(saved.read_text()) == lab.state("gw1")

        lab.set_state("gw2", lab.state("gw1"))
        copied = run_ops(variables["gw2"], "gw2", [get_marker()])[0]
        assert copied.value["data"] == "saved"
        assert json.loads((tmp_path / "hosts" / "gw2.json").read_text()) == lab.state("gw2")


def test_resume_keeps_each_host_state_and_a_fresh_start_does_not(tmp_path: Path) -> None:
    with running_lab(tmp_path, hosts={"gw1": PROFILE}) as lab:
        run_ops(inventory_hosts(lab.inventory)["gw1"], "gw1", [set_marker("kept")])

    with running_lab(tmp_path, hosts={"gw1": PROFILE}, resume=True) as lab:
        resumed = run_ops(inventory_hosts(lab.inventory)["gw1"], "gw1", [get_marker()])[0]
    with running_lab(tmp_path, hosts={"gw1": PROFILE}) as lab:
        fresh = run_ops(inventory_hosts(lab.inventory)["gw1"], "gw1", [get_marker()])[0]

    assert resumed.value["data"] == "kept"
    assert fresh.value["exists"] is False


def test_leaving_the_lab_closes_every_port_and_thread(tmp_path: Path) -> None:
    threads_before = set(threading.enumerate())
    with running_lab(tmp_path, hosts={f"h{index}": PROFILE for index in range(20)}) as lab:
        ports = [host["port"] for host in lab.hosts().values()]
        winrm.Protocol(
            lab.url("h0"), transport="basic", username=lab.user, password=lab.password, proxy=None
        ).open_shell()  # leaves a keep-alive connection open
        assert set(threading.enumerate()) - threads_before

    assert all(port_closed(port) for port in ports)
    assert not (tmp_path / "lab.json").exists()
    assert wait_for(lambda: not set(threading.enumerate()) - threads_before)
    with pytest.raises(LabNotRunning):
        LabClient(tmp_path)


def test_control_api_needs_the_lab_token(tmp_path: Path) -> None:
    with running_lab(tmp_path, hosts={"gw1": PROFILE}) as lab:
        url = f"http://127.0.0.1:{lab.info['control_port']}/hosts"
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with pytest.raises(urllib.error.HTTPError) as raised:
            opener.open(url, timeout=5)
        assert raised.value.code == 403
        with pytest.raises(LabError, match="no host named"):
            lab.fault("nope", "drop")
        with pytest.raises(ValueError, match="bogus"):
            lab.fault("gw1", "bogus")
        assert lab.fault("gw1", "delay", delay_ms=5) == {"mode": "delay", "delay_ms": 5}
        assert lab.hosts()["gw1"]["fault"] == {"mode": "delay", "delay_ms": 5}


# ---- the CLI ---------------------------------------------------------------------------------------------------


def winlab(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ, PYTHONPATH=str(LAB_DIR))
    result = subprocess.run(
        [sys.executable, "-m", "winlab", *args],
        check=False,
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def ansible_raw(inventory: Path, pattern: str, command: str) -> subprocess.CompletedProcess[str]:
    dead_proxy = "http://127.0.0.1:9"
    environment = dict(os.environ, HTTP_PROXY=dead_proxy, HTTPS_PROXY=dead_proxy, ANSIBLE_NOCOLOR="1")
    ansible = Path(sys.executable).parent / "ansible"
    return subprocess.run(
        [str(ansible), "-i", str(inventory), pattern, "-m", "ansible.builtin.raw", "-a", command],
        check=False,
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )


def test_cli_start_writes_a_usable_inventory_and_stop_leaves_nothing_behind(tmp_path: Path) -> None:
    state_dir = tmp_path / "lab"
    started = winlab(
        "start", "--state-dir", str(state_dir), "--count", "2", "--profile", PROFILE, "--https", "--group", "clinic_x"
    )
    inventory_path = Path(started.stdout.strip().splitlines()[-1])
    lab = LabClient(state_dir)
    try:
        assert lab.pid != os.getpid()
        assert process_alive(lab.pid)
        inventory = yaml.safe_load(inventory_path.read_text())
        assert set(inventory["all"]["children"]["clinic_x"]["hosts"]) == {"host001", "host002"}
        variables = inventory["all"]["children"]["lab"]["hosts"]["host002"]
        assert run_ops(variables, "host002", [set_marker("cli")])[0].ok
        # Ansible itself connects with the inventory, TLS validation and all, even with a dead proxy configured.
        adhoc = ansible_raw(inventory_path, "clinic_x", "hostname")
        for host in ("host001", "host002"):
            assert f"{host} | FAILED" in adhoc.stdout
        assert adhoc.stdout.count("winlab: unsupported command: hostname") >= 2

        again = winlab("start", "--state-dir", str(state_dir), "--count", "1", "--profile", PROFILE, check=False)
        assert again.returncode == 1
        assert "already running" in again.stderr

        winlab("fault", "--state-dir", str(state_dir), "host001", "slow", "--delay-ms", "10")
        assert "fault=slow (10 ms)" in winlab("status", "--state-dir", str(state_dir)).stdout
        stats = json.loads(winlab("stats", "--state-dir", str(state_dir), "host002", "--no-log").stdout)
        assert stats["commands"] == 2  # the agent run and the raw command
        assert "request_log" not in stats
    finally:
        stopped = winlab("stop", "--state-dir", str(state_dir), check=False)

    assert stopped.returncode == 0, stopped.stderr
    assert wait_for(lambda: not process_alive(lab.pid))
    assert not (state_dir / "lab.json").exists()
    assert port_closed(variables["ansible_port"])
    assert winlab("status", "--state-dir", str(state_dir), check=False).returncode == 3
    # The last state stays readable after the lab stopped.
    state = json.loads(winlab("state", "--state-dir", str(state_dir), "host002").stdout)
    assert state == json.loads((state_dir / "hosts" / "host002.json").read_text())


def test_cli_start_reports_a_bad_profile_and_leaves_no_process(tmp_path: Path) -> None:
    result = winlab("start", "--state-dir", str(tmp_path), "--host", "x=no-such-profile", check=False)
    assert result.returncode == 1
    assert "failed to start" in result.stderr
    assert not (tmp_path / "lab.json").exists()
