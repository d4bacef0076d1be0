"""win_baseline against one task per area: the same records and host state on every lab profile, both baselines,
check and enforce, also when ops fail; and its command count (one to audit, two to enforce)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from ansible.errors import AnsibleConnectionFailure
from baseline_runner import LoadingActionModule, make_action, records_by_id, run_baseline, run_each_area

from ansible_collections.onepacs.baseline.plugins.plugin_utils._baseline_audit import applies_in_shared_command
from fake_connection import SimulatedConnection
from winlab.sim_profiles import list_profiles
from winlab.simulator import SimulatedHost

PROFILES = list_profiles()
BASELINES = ("gateway", "workstation")

#: Ops the host refuses, as Windows does when a policy or a broken provider blocks them.
OpFilter = Callable[[Mapping[str, Any]], bool]


class RefusingHost(SimulatedHost):
    """A simulated host whose chosen ops fail (access denied) and change nothing; every other op runs."""

    def __init__(self, state: dict, refuses: OpFilter) -> None:
        super().__init__(state)
        self.refuses = refuses

    def _run(self, entry: Any) -> dict:
        if isinstance(entry, Mapping) and self.refuses(entry):
            return {"ok": False, "code": "access_denied", "error": "Access is denied. (test: refused op)"}
        return super()._run(entry)


def twin_connections(profile: str, refuses: OpFilter | None = None) -> tuple[SimulatedConnection, SimulatedConnection]:
    """Two hosts in the same state (profiles resolve relative dates when loaded, so it is loaded once)."""
    state = SimulatedHost.from_profile(profile).snapshot()

    def host() -> SimulatedHost:
        return RefusingHost(copy.deepcopy(state), refuses) if refuses else SimulatedHost(copy.deepcopy(state))

    return SimulatedConnection(host()), SimulatedConnection(host())


def both_paths(profile: str, baseline: str, check_mode: bool, refuses: OpFilter | None = None):
    per_area, single = twin_connections(profile, refuses)
    expected = run_each_area(per_area, baseline, check_mode=check_mode)
    result = run_baseline(single, {"baseline": baseline}, check_mode=check_mode)
    return per_area, single, expected, result


@pytest.mark.parametrize("check_mode", [True, False], ids=["check", "enforce"])
@pytest.mark.parametrize("baseline", BASELINES)
@pytest.mark.parametrize("profile", PROFILES)
def test_the_same_records_and_host_state_as_one_task_per_area(profile, baseline, check_mode):
    per_area, single, expected, result = both_paths(profile, baseline, check_mode)

    assert records_by_id(result) == expected
    assert single.host.snapshot() == per_area.host.snapshot()
    # One command to audit; enforcing adds one for the fixes of every area. (BitLocker, which fixes in commands of
    # its own, changes nothing with the role defaults: enable_os_volume is an opt-in.)
    changed = any(area.get("changed") for area in result["areas"].values())
    assert result["commands"] == len(single.requests) == (2 if changed and not check_mode else 1), single.ops


FAILURES: dict[str, OpFilter] = {
    "power fixes refused": lambda op: op.get("op") in ("power.set", "power.hibernate"),
    "every registry write refused": lambda op: op.get("op") == "registry.set",
    "firewall probe refused": lambda op: str(op.get("op")) == "firewall.profiles",
}


@pytest.mark.parametrize(
    ("profile", "baseline", "failure"),
    [
        *(("server2022-desktop-fresh", "gateway", failure) for failure in FAILURES),
        ("win11-24h2-fresh", "workstation", "every registry write refused"),
        ("win10-22h2-fresh", "workstation", "firewall probe refused"),
    ],
)
def test_failed_ops_of_one_area_never_stop_the_others_and_give_the_same_records(profile, baseline, failure):
    per_area, single, expected, result = both_paths(profile, baseline, False, FAILURES[failure])

    found = records_by_id(result)
    assert found == expected
    assert single.host.snapshot() == per_area.host.snapshot()
    assert any(record["status"] == "error" for record in found.values()), failure
    assert any(record["status"] == "fixed" for record in found.values()), failure
    assert result["failed"] is True
    assert len(single.requests) == 2


def test_a_connection_lost_in_the_shared_apply_leaves_every_fix_unconfirmed_and_the_host_unreachable():
    host = SimulatedHost.from_profile("server2022-desktop-fresh")
    lost = AnsibleConnectionFailure("connection aborted")
    lost.apply_first = True  # type: ignore[attr-defined]  # the writes reached the host before the link died
    connection = SimulatedConnection(host, failures={1: lost})

    result = run_baseline(connection, check_mode=False)

    assert result["unreachable"] is True
    assert len(connection.requests) == 2
    unconfirmed = [record for record in result["controls"] if "sent but not confirmed" in record["message"]]
    assert unconfirmed
    assert {record["status"] for record in unconfirmed} == {"error"}
    assert not any(record["status"] == "fixed" for record in result["controls"])
    again = records_by_id(run_baseline(SimulatedConnection(host)))
    assert {again[record["id"]]["status"] for record in unconfirmed} == {"pass"}


def test_areas_that_need_their_own_apply_are_bitlocker_and_the_host_facts():
    connection = SimulatedConnection(SimulatedHost.from_profile("server2022-desktop-fresh"))
    own = []
    for module in ("win_bitlocker", "win_host_facts", "win_power", "win_firewall", "win_local_accounts"):
        action = make_action(LoadingActionModule, connection, {}, False, "win_baseline")._area_action(
            module, {"baseline": "gateway"}
        )
        if not applies_in_shared_command(action):
            own.append(module)
    assert own == ["win_bitlocker", "win_host_facts"]
