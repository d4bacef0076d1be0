"""Lab hosts for end-to-end tests: simulated Windows hosts behind real WinRM endpoints on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from winlab.fleet import LabClient, running_lab


@pytest.fixture
def start_lab(tmp_path: Path) -> Iterator[Callable[..., LabClient]]:
    """Start a lab with the given {inventory name: profile} hosts; stopped at the end of the test."""
    with ExitStack() as stack:
        started = 0

        def start(hosts: dict[str, str], **options) -> LabClient:
            nonlocal started
            started += 1
            return stack.enter_context(running_lab(tmp_path / f"lab{started}", hosts, **options))

        yield start
