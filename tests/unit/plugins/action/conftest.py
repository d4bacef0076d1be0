"""Action-plugin tests run simulated hosts in-process: hold the lab clock so that two hosts driven through the same
ops (the per-area and single-command twins of test_win_baseline.py) write the same timestamps."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from winlab import sim_clock


@pytest.fixture(autouse=True)
def lab_clock_held() -> Iterator[None]:
    with sim_clock.held():
        yield
