"""Bounds on one agent command: checked per Receive while a winrm-shaped connection reads, after the command for
any other connection, and read from the host's variables with a clear error naming a bad one."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleActionFail

from action_runner import run_action_plugin
from ansible_collections.onepacs.baseline.plugins.action.win_power import ActionModule as WinPower
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._bounds import (
    BoundExceededError,
    Bounds,
    bounded,
    bounds_from,
)
from fake_connection import SimulatedConnection
from winlab.simulator import SimulatedHost


class StillRunning(Exception):
    """Stands for pywinrm's WinRMOperationTimeoutError: the command has not finished yet."""


class WinrmShaped:
    """The shape of ansible-core's winrm connection: exec_command reads output one Receive at a time through
    _winrm_get_raw_command_output, retrying while the command is still running, until it is done."""

    def __init__(self, receives, clock):
        self.receives = list(receives)
        self.clock = clock
        self.calls = 0

    def _winrm_get_raw_command_output(self):
        self.calls += 1
        self.clock.now += 1
        if not self.receives:
            raise StillRunning()
        answer = self.receives.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def exec_command(self, cmd, in_data=None, sudoable=True):
        stdout, stderr, done = [], [], False
        while not done:
            try:
                out, err, _rc, done = self._winrm_get_raw_command_output()
            except StillRunning:
                continue
            stdout.append(out)
            stderr.append(err)
        return 0, b"".join(stdout), b"".join(stderr)


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_endless_output_is_stopped_while_reading():
    clock = Clock()
    endless = [(b"x" * 1000, b"", -1, False)] * 10_000
    connection = WinrmShaped(endless, clock)
    bounds = Bounds(max_response_bytes=5000, max_command_seconds=1000)
    with (
        pytest.raises(BoundExceededError, match=r"more than 5000 bytes of output \(6000 so far\)"),
        bounded(connection, bounds, clock) as execute,
    ):
        execute("cmd", in_data=b"", sudoable=False)
    assert connection.calls == 6
    assert "_winrm_get_raw_command_output" not in vars(connection)  # the plugin's own method is back


def test_a_command_that_never_finishes_is_stopped_after_its_time():
    clock = Clock()
    connection = WinrmShaped([StillRunning()] * 10_000, clock)
    with (
        pytest.raises(BoundExceededError, match=r"ran longer than 30 s"),
        bounded(connection, Bounds(max_command_seconds=30), clock) as execute,
    ):
        execute("cmd")
    assert connection.calls == 31


def test_a_healthy_command_is_untouched():
    clock = Clock()
    connection = WinrmShaped([(b"a", b"", -1, False), StillRunning(), (b"b", b"e", 0, True)], clock)
    with bounded(connection, Bounds(), clock) as execute:
        assert execute("cmd") == (0, b"ab", b"e")


def test_other_connections_are_checked_after_the_command():
    class Plain:
        def exec_command(self, cmd, in_data=None, sudoable=True):
            return 0, b"y" * 70_000, b""

    with pytest.raises(BoundExceededError, match="more than 65536 bytes"), bounded(Plain(), Bounds(65536)) as execute:
        execute("cmd")


@pytest.mark.parametrize(
    ("variables", "problem"),
    [
        ({"onepacs_max_response_bytes": "lots"}, "onepacs_max_response_bytes: must be a whole number, got 'lots'"),
        ({"onepacs_max_response_bytes": 10}, "onepacs_max_response_bytes: must be between 65536 and 1073741824"),
        ({"onepacs_max_command_seconds": 0}, "onepacs_max_command_seconds: must be between 1 and 86400, got 0"),
        ({"onepacs_max_command_seconds": True}, "onepacs_max_command_seconds: must be a whole number, got True"),
    ],
)
def test_a_bad_bound_names_its_variable_before_the_host_is_contacted(variables, problem):
    connection = SimulatedConnection(SimulatedHost.from_profile("server2022-desktop-fresh"))
    with pytest.raises(AnsibleActionFail, match=problem):
        run_action_plugin(WinPower, connection, "onepacs.baseline.win_power", host="gw01", task_vars=variables)
    assert connection.requests == []


def test_bounds_default_and_read_from_variables():
    assert bounds_from({}) == Bounds()
    assert bounds_from({"onepacs_max_response_bytes": "1048576", "onepacs_max_command_seconds": 60}) == Bounds(
        1048576, 60
    )
