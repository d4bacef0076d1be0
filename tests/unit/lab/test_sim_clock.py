"""The lab clock: an op that writes the time writes the held moment, so twin hosts compare equal."""

from __future__ import annotations

from datetime import UTC, datetime

from sim_requests import value_of
from winlab import sim_clock
from winlab.simulator import SimulatedHost

MOMENT = datetime(2026, 11, 25, 9, 30, 59, tzinfo=UTC)


def test_a_signature_update_is_stamped_with_the_held_moment():
    host = SimulatedHost.from_profile("server2022-desktop-fresh")
    with sim_clock.held(MOMENT):
        value_of(host, {"op": "defender.update_signatures"})
        status = value_of(host, {"op": "defender.status"})
    assert status["signature_last_updated"] == "2026-11-25T09:30:59Z"


def test_the_clock_runs_again_after_the_block():
    with sim_clock.held(MOMENT):
        assert sim_clock.now() == MOMENT
    assert sim_clock.now() > MOMENT
