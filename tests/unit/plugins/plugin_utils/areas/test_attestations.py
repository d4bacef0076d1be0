from __future__ import annotations

import datetime as dt

import pytest

from ansible_collections.onepacs.baseline.plugins.plugin_utils._catalog import load_catalog
from ansible_collections.onepacs.baseline.plugins.plugin_utils._findings import Outcome
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._area import InvalidOptionError
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._attestations import (
    NOT_COLLECTED,
    AttestationsArea,
)
from control_results import by_control

TODAY = dt.date(2026, 11, 25)
MANUAL_IDS = [control.id for control in load_catalog().for_module("win_attestations")]
HOST_FACTS = {
    "firmware_type": "UEFI",
    "secure_boot": False,
    "mdm_enrolled": True,
    "backup": {
        "installed": True,
        "last_success": "2026-09-22T03:00:00Z",
        "last_attempt": "2026-11-24T03:00:00Z",
        "last_result_hr": -2147024784,
    },
}


def attestation(control_id="MAN-03", date="2026-06-01", **extra):
    return {
        "id": control_id,
        "attested_by": "J. Doe, clinic IT",
        "date": date,
        "evidence": "UPS self-test log",
        **extra,
    }


def area(attestations=(), host_facts=None):
    return AttestationsArea({"attestations": list(attestations), "host_facts": host_facts}, today=TODAY)


def findings(attestations=(), host_facts=None):
    return by_control(area(attestations, host_facts).evaluate({}))


def test_all_eleven_manual_controls_and_no_probe():
    assert sorted(MANUAL_IDS) == [f"MAN-{number:02d}" for number in range(1, 12)]
    assert area().probe_ops() == {}
    assert set(findings()) == set(MANUAL_IDS)


def test_without_attestations_every_control_is_missing():
    found = findings()
    assert {finding.outcome for finding in found.values()} == {Outcome.UNATTESTED}
    assert found["MAN-03"].message == "no attestation in inventory (attestations)"
    assert found["MAN-03"].actual == {"attestation": None}
    assert found["MAN-03"].expected == load_catalog().get("MAN-03").expected


def test_a_current_attestation_is_attested_with_who_and_when():
    finding = findings([attestation()])["MAN-03"]
    assert finding.outcome is Outcome.ATTESTED
    assert finding.message == ("attested by J. Doe, clinic IT on 2026-06-01, valid until 2027-06-01: UPS self-test log")
    assert finding.actual["attestation"] == {
        "attested_by": "J. Doe, clinic IT",
        "date": "2026-06-01",
        "valid_until": "2027-06-01",
        "evidence": "UPS self-test log",
    }


def test_an_expired_attestation_is_missing_and_says_the_date():
    finding = findings([attestation(date="2026-01-01", valid_days=90)])["MAN-03"]
    assert finding.outcome is Outcome.UNATTESTED
    assert finding.message == (
        "attestation expired: attested by J. Doe, clinic IT on 2026-01-01, valid 90 days, until 2026-04-01; "
        "attest again"
    )


def test_an_attestation_is_current_through_its_last_day():
    last_day = TODAY - dt.timedelta(days=30)
    assert findings([attestation(date=last_day.isoformat(), valid_days=30)])["MAN-03"].outcome is Outcome.ATTESTED
    assert findings([attestation(date=last_day.isoformat(), valid_days=29)])["MAN-03"].outcome is Outcome.UNATTESTED


def test_the_newest_of_several_attestations_counts():
    found = findings([attestation(date="2026-08-01"), attestation(date="2025-01-01")])["MAN-03"]
    assert found.actual["attestation"]["date"] == "2026-08-01"
    assert found.outcome is Outcome.ATTESTED


def test_dates_from_yaml_may_be_date_objects():
    found = findings([attestation(date=dt.date(2026, 6, 1))])["MAN-03"]
    assert found.outcome is Outcome.ATTESTED


def test_host_evidence_is_shown_but_never_attests():
    found = findings(host_facts=HOST_FACTS)
    secure_boot = found["MAN-06"]
    assert secure_boot.outcome is Outcome.UNATTESTED
    assert secure_boot.message == "no attestation in inventory (attestations); host evidence: Secure Boot is off (UEFI)"
    assert secure_boot.actual["host_evidence"] == {"firmware_type": "UEFI", "secure_boot": False}
    mdm = found["MAN-10"]
    assert mdm.outcome is Outcome.UNATTESTED
    assert mdm.message.endswith("host evidence: enrolled in an MDM")
    backup = found["MAN-09"]
    assert backup.outcome is Outcome.UNATTESTED
    assert backup.message.endswith("host evidence: last successful Windows Server Backup 2026-09-22T03:00:00Z")
    assert backup.actual["host_evidence"]["last_result_hr"] == -2147024784
    assert "host_evidence" not in found["MAN-03"].actual


def test_evidence_accompanies_an_attestation():
    found = findings([attestation("MAN-06", evidence="setup password in vault, USB boot off")], HOST_FACTS)["MAN-06"]
    assert found.outcome is Outcome.ATTESTED
    assert found.message.endswith("USB boot off; host evidence: Secure Boot is off (UEFI)")


@pytest.mark.parametrize(
    ("facts", "control_id", "evidence"),
    [
        ({"firmware_type": "BIOS", "secure_boot": None}, "MAN-06", "legacy BIOS firmware: no Secure Boot"),
        ({"mdm_enrolled": False}, "MAN-10", "not enrolled in any MDM"),
        ({"mdm_enrolled": None}, "MAN-10", "MDM enrolment unknown (the host did not report it)"),
        ({"backup": {"installed": False}}, "MAN-09", "Windows Server Backup is not installed"),
        ({"backup": {"installed": True, "last_success": None}}, "MAN-09", "Windows Server Backup has no successful"),
    ],
)
def test_evidence_variants(facts, control_id, evidence):
    assert f"host evidence: {evidence}" in findings(host_facts=facts)[control_id].message


def test_without_host_facts_the_evidence_is_not_collected():
    assert findings()["MAN-06"].message.endswith(f"host evidence: {NOT_COLLECTED}")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (attestation("MAN-99"), "attestations[0].id: 'MAN-99' is not a control id of the catalog"),
        (attestation("SW-01"), "attestations[0].id: SW-01 is not a manual control (kind audit)"),
        (attestation(date="2026-13-01"), "attestations[0].date: '2026-13-01' is not a date in YYYY-MM-DD form"),
        (attestation(date="2026-11-26"), "attestations[0].date: 2026-11-26 is in the future (today is 2026-11-25)"),
        ({"id": "MAN-03", "attested_by": "x", "evidence": "y"}, "attestations[0].date: is required"),
        (attestation(attested_by=" "), "attestations[0].attested_by: is required"),
        (attestation(evidence=None), "attestations[0].evidence: is required"),
        (attestation(valid_days=0), "attestations[0].valid_days: must be at least 1"),
        (attestation(valid_days=3000000), "attestations[0].valid_days: must be at most 3660 (ten years), got 3000000"),
        (attestation(valid_days="a year"), "attestations[0].valid_days: must be a whole number of days"),
        (attestation(approver="ciso"), "attestations[0]: unknown field(s) approver"),
        ("MAN-03", "attestations[0]: expected a mapping"),
    ],
)
def test_malformed_attestations_are_rejected_naming_the_field(entry, message):
    with pytest.raises(InvalidOptionError) as caught:
        area([entry])
    assert str(caught.value).startswith(message)


def test_the_index_names_the_bad_entry():
    with pytest.raises(InvalidOptionError, match=r"^attestations\[1\]\.id: "):
        area([attestation("MAN-01"), attestation("MAN-42")])
