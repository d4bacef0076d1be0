"""Run an action plugin of the collection in a unit test, as Ansible's task executor would, over a stand-in
connection (usually fake_connection.SimulatedConnection)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from unittest.mock import MagicMock

import pytest
from ansible.errors import AnsibleActionFail


def make_action(
    action_class: type,
    connection: Any,
    module: str,
    args: Mapping[str, Any] | None = None,
    *,
    check_mode: bool = False,
    diff: bool = False,
    connection_options: Mapping[str, Any] | None = None,
) -> tuple[Any, MagicMock]:
    """The action plugin and its play context; `connection_options` answers the connection's get_option()."""
    task = MagicMock()
    task.args = dict(args or {})
    task.async_val = 0
    task.check_mode = check_mode
    task.action = module
    play_context = MagicMock()
    play_context.check_mode = check_mode
    play_context.diff = diff
    ansible_connection = MagicMock()
    ansible_connection.exec_command.side_effect = connection.exec_command
    if connection_options is not None:
        ansible_connection.get_option.side_effect = dict(connection_options).get
    ansible_connection._shell.tmpdir = None
    action = action_class(task, ansible_connection, play_context, loader=None, templar=None, shared_loader_obj=None)
    action._load_name = module  # set by Ansible's plugin loader in a real run
    return action, play_context


def run_action_plugin(
    action_class: type,
    connection: Any,
    module: str,
    args: Mapping[str, Any] | None = None,
    *,
    host: str,
    check_mode: bool = False,
    diff: bool = False,
    connection_options: Mapping[str, Any] | None = None,
    task_vars: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One task result of the action plugin on `host`."""
    action, _play_context = make_action(
        action_class, connection, module, args, check_mode=check_mode, diff=diff, connection_options=connection_options
    )
    return action.run(task_vars={"inventory_hostname": host, **(task_vars or {})})


def module_runner(
    action_class: type, module: str, *, host: str, connection_options: Mapping[str, Any] | None = None
) -> Callable[..., dict[str, Any]]:
    """run_action(connection, args=None, check_mode=False, diff=False, **more) for one module on one host, as a test
    file calls it; `more` is passed on to run_action_plugin (task_vars, or connection_options replacing these)."""

    def run_action(connection: Any, args: Any = None, check_mode: bool = False, diff: bool = False, **more: Any) -> Any:
        more.setdefault("connection_options", connection_options)
        return run_action_plugin(
            action_class, connection, module, args, host=host, check_mode=check_mode, diff=diff, **more
        )

    return run_action


def assert_rejected_before_contact(
    run_action: Callable[..., Any], connection: Any, args: Mapping[str, Any], message: str
) -> None:
    """The task fails on the controller with an error containing `message`, and no request reached the host."""
    with pytest.raises(AnsibleActionFail) as caught:
        run_action(connection, args)
    assert message in str(caught.value)
    assert connection.requests == []


def run_unchanged(run_action: Callable[..., Any], connection: Any, *args: Any, **kwargs: Any) -> Any:
    """run_action(connection, ...) that must leave the simulated host exactly as it was (check mode, or nothing to
    change); returns the task result."""
    before = connection.host.snapshot()
    result = run_action(connection, *args, **kwargs)
    assert connection.host.snapshot() == before
    return result


def run_with_agent_denied(run_action: Callable[..., Any], connection: Any, *args: Any, **kwargs: Any) -> Any:
    """run_action(connection, ...) where the agent's first command exits 1 with 'Access is denied' on stderr; the
    task must fail. Returns the task result."""
    connection.failures[0] = (1, b"", b"powershell.exe: Access is denied")
    result = run_action(connection, *args, **kwargs)
    assert result["failed"] is True
    return result


def run_again_changing_nothing(run_action: Callable[..., Any], connection: Any, *args: Any, **kwargs: Any) -> Any:
    """The run after an enforcing one (its probe and its apply: two round trips) finds nothing to change, so it is
    a third round trip and no more. Returns its task result."""
    again = run_action(connection, *args, **kwargs)
    assert again["changed"] is False
    assert len(connection.requests) == 3
    return again
