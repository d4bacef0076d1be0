"""Fixtures of the action plugin tests."""

from __future__ import annotations

import pytest
from baseline_runner import stop_simulator_clock


@pytest.fixture
def frozen_simulator_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two paths run one after the other write the same timestamps (Defender's signature update time)."""
    stop_simulator_clock(monkeypatch)
