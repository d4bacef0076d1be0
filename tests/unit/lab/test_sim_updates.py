"""updates.history in the simulator: the hotfix list with ISO dates, the Windows Update history newest first."""

from __future__ import annotations

import pytest

from sim_requests import run_one, value_of
from winlab.simulator import SimulatedHost

DEFINITION_UPDATES = "e0789628-ce08-4437-be74-2495b842f43b"


def test_hotfixes_have_iso_dates():
    host = SimulatedHost.from_profile("server2022-core-fresh")
    value = value_of(host, {"op": "updates.history"})
    assert [hotfix["id"] for hotfix in value["hotfixes"]] == ["KB5032198", "KB5032336", "KB5033118"]
    installed_on = value["hotfixes"][0]["installed_on"]
    assert len(installed_on) == 10
    assert installed_on[4] == installed_on[7] == "-"
    assert (value["history"], value["history_error"]) == ([], None)


def test_windows_update_history_is_newest_first_and_limited():
    host = SimulatedHost.from_profile("win10-22h2-fresh")
    history = value_of(host, {"op": "updates.history"})["history"]
    assert [entry["result"] for entry in history] == ["succeeded", "failed", "succeeded"]
    assert DEFINITION_UPDATES in history[0]["categories"]
    assert history[0]["date"] > history[1]["date"] > history[2]["date"]
    assert all(entry["operation"] == "install" for entry in history)
    limited = value_of(host, {"op": "updates.history", "limit": 1})["history"]
    assert limited == history[:1]


def test_an_unusable_update_agent_gives_history_error_and_still_the_hotfixes():
    host = SimulatedHost.from_profile("win10-22h2-fresh")
    host.state["updates"]["wu_error"] = "Access is denied. (0x80070005)"
    value = value_of(host, {"op": "updates.history"})
    assert value["history"] == []
    assert value["history_error"] == "the Windows Update history could not be read: Access is denied. (0x80070005)"
    assert len(value["hotfixes"]) == 4


@pytest.mark.parametrize("limit", [0, 10001, "10"])
def test_limit_out_of_range_is_invalid(limit):
    host = SimulatedHost.from_profile("win10-22h2-fresh")
    assert run_one(host, {"op": "updates.history", "limit": limit})["code"] == "invalid_argument"
