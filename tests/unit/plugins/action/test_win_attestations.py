from __future__ import annotations

import datetime as dt

import pytest
from ansible.errors import AnsibleActionFail

from action_runner import run_action_plugin
from ansible_collections.onepacs.baseline.plugins.action.win_attestations import ActionModule
from ansible_collections.onepacs.baseline.plugins.action.win_host_facts import ActionModule as HostFactsAction
from control_results import statuses
from fake_connection import SimulatedConnection

HOST = "gw01"
RECENT = (dt.date.today() - dt.timedelta(days=10)).isoformat()


def run(action_class, connection, args=None, task_vars=None, name="win_attestations"):
    module = f"onepacs.baseline.{name}"
    return run_action_plugin(action_class, connection, module, args, host=HOST, check_mode=True, task_vars=task_vars)


def attestation(control_id, date=RECENT):
    return {"id": control_id, "attested_by": "J. Doe", "date": date, "evidence": "ticket IT-1234"}


def gather(connection):
    return run(HostFactsAction, connection, name="win_host_facts")["ansible_facts"]


def test_after_win_host_facts_no_round_trip_is_needed_and_evidence_is_shown():
    connection = SimulatedConnection.from_profile("server2019-fresh")
    facts = gather(connection)
    result = run(ActionModule, connection, {"attestations": [attestation("MAN-03")]}, {"ansible_facts": facts})
    assert len(connection.requests) == 1  # the facts round trip only
    found = statuses(result)
    assert found["MAN-03"] == "manual_attested"
    assert found["MAN-01"] == "manual_missing"  # a physical server: physical-only controls apply
    records = {record["id"]: record for record in result["controls"]}
    assert records["MAN-06"]["message"].endswith("host evidence: Secure Boot is off (UEFI)")
    assert records["MAN-09"]["actual"]["host_evidence"]["windows_server_backup"] is True
    assert "last successful Windows Server Backup" in records["MAN-09"]["message"]
    assert result["changed"] is False
    assert "failed" not in result


def test_on_a_virtual_machine_physical_only_controls_are_not_applicable():
    connection = SimulatedConnection.from_profile("server2022-desktop-fresh")
    facts = gather(connection)
    result = run(ActionModule, connection, {"baseline": "gateway"}, {"ansible_facts": facts})
    found = statuses(result)
    assert {found[control] for control in ("MAN-01", "MAN-02", "MAN-03", "MAN-05", "MAN-06")} == {"not_applicable"}
    assert found["MAN-04"] == "manual_missing"
    assert "MAN-10" not in found  # workstation only


def test_without_host_facts_only_system_info_is_asked_and_evidence_is_not_collected():
    connection = SimulatedConnection.from_profile("server2022-desktop-fresh")
    result = run(ActionModule, connection, {"baseline": "gateway"})
    assert connection.ops == [["system.info"]]
    assert statuses(result)["MAN-01"] == "not_applicable"
    record = next(record for record in result["controls"] if record["id"] == "MAN-09")
    assert record["message"].endswith(
        "host evidence: not collected: run onepacs.baseline.win_host_facts earlier in the play"
    )


def test_without_physical_only_controls_in_scope_the_host_is_never_contacted():
    connection = SimulatedConnection.from_profile("win11-24h2-hardened")
    result = run(ActionModule, connection, {"baseline": "workstation", "attestations": [attestation("MAN-10")]})
    assert connection.requests == []
    assert statuses(result) == {"MAN-04": "manual_missing", "MAN-10": "manual_attested", "MAN-11": "manual_missing"}


def test_mdm_enrolment_is_evidence_on_a_managed_workstation():
    connection = SimulatedConnection.from_profile("win11-24h2-hardened")
    facts = gather(connection)
    result = run(ActionModule, connection, {"only": ["MAN-10"]}, {"ansible_facts": facts})
    (record,) = result["controls"]
    assert record["status"] == "manual_missing"
    assert record["message"].endswith("host evidence: enrolled in an MDM")


def test_explicit_host_facts_win_over_the_gathered_ones():
    connection = SimulatedConnection.from_profile("win11-24h2-hardened")
    facts = gather(connection)
    result = run(
        ActionModule,
        connection,
        {"only": ["MAN-10"], "host_facts": {"mdm_enrolled": False}},
        {"ansible_facts": facts},
    )
    assert result["controls"][0]["message"].endswith("host evidence: not enrolled in any MDM")


def test_an_active_exception_excepts_a_manual_control():
    connection = SimulatedConnection.from_profile("win11-24h2-hardened")
    exception = {"id": "MAN-11", "reason": "keys escrowed by the MSP", "approver": "ciso", "expires": "2999-01-01"}
    result = run(ActionModule, connection, {"baseline": "workstation", "exceptions": [exception]})
    assert statuses(result)["MAN-11"] == "excepted"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (attestation("PWR-01"), "attestations[0].id: PWR-01 is not a manual control (kind enforce)"),
        (attestation("MAN-01", "01/02/2026"), "attestations[0].date: '01/02/2026' is not a date in YYYY-MM-DD form"),
        (attestation("MAN-01", "2999-01-01"), "attestations[0].date: 2999-01-01 is in the future"),
    ],
)
def test_bad_attestations_fail_before_the_host_is_contacted(entry, message):
    connection = SimulatedConnection.from_profile("server2019-fresh")
    with pytest.raises(AnsibleActionFail) as caught:
        run(ActionModule, connection, {"attestations": [entry]})
    assert str(caught.value).startswith(message)
    assert connection.requests == []
