"""Running another module's action plugin from inside an action, as Ansible would load it for a task.

win_baseline runs every area's action in one task and baseline_guard asks win_host_facts for the facts it needs;
both must hand the plugin the same connection, loader and templar as their own task has.
"""

from __future__ import annotations

from typing import Any

from ansible.plugins.action import ActionBase


def load_action(owner: ActionBase, name: str, task: Any) -> Any:
    """The action plugin `name` (full name) for `task`, sharing owner's connection and loaders (None if unknown)."""
    return owner._shared_loader_obj.action_loader.get(
        name,
        task=task,
        connection=owner._connection,
        play_context=owner._play_context,
        loader=owner._loader,
        templar=owner._templar,
        shared_loader_obj=owner._shared_loader_obj,
    )
