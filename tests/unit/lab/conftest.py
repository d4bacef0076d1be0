"""Fixtures the simulator tests share: a fresh host of the profile most of them exercise."""

from __future__ import annotations

import pytest

from winlab.simulator import SimulatedHost


@pytest.fixture
def server() -> SimulatedHost:
    """A fresh Windows Server 2022 with the Desktop Experience, new for each test."""
    return SimulatedHost.from_profile("server2022-desktop-fresh")
