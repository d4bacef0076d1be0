from __future__ import annotations

import datetime as dt

import pytest

from agent_messages import DEFENDER_SERVICE_DOWN, REGISTRY_NO_KEY
from ansible_collections.onepacs.baseline.plugins.plugin_utils._findings import Outcome
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._transport import OpResult
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._area import InvalidOptionError
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._defender import (
    POSTGRESQL_INSTALLATION_KEYS,
    REALTIME_POLICY_KEY,
    AntivirusProduct,
    DefenderArea,
    covers,
    normalise_path,
    postgresql_dirs,
)
from control_results import by_control

DEFAULTS = {
    "extra_exclusion_paths": [],
    "scan_schedule_day": 0,
    "scan_schedule_time": "02:00",
    "signature_max_age_days": 7,
}
PG_X64 = r"C:\Program Files (x86)\PostgreSQL"
PG_X86 = r"C:\Program Files\PostgreSQL"
NOT_SUPPORTED = OpResult(ok=False, code="not_supported", error="Invalid namespace root\\SecurityCenter2")
DEFENDER_ON = {
    "display_name": "Windows Defender",
    "instance_guid": "{D68DDC3A-831F-4FAE-9E44-DA132C1ACF46}",
    "product_state": 397568,
    "path_to_signed_product_exe": "windowsdefender://",
    "timestamp": "",
}
DEFENDER_OFF = {**DEFENDER_ON, "product_state": 393472}
AVAST = {
    "display_name": "Avast Antivirus",
    "instance_guid": "{7B4D5A3E-1C2F-4E8A-9B6D-0F3A2C1E5D47}",
    "product_state": 266240,
    "path_to_signed_product_exe": r"C:\Program Files\Avast Software\Avast\wsc_proxy.exe",
    "timestamp": "",
}


def status(**overrides):
    return {
        "am_service_enabled": True,
        "antivirus_enabled": True,
        "am_running_mode": "Normal",
        "real_time_protection_enabled": True,
        "tamper_protected": False,
        "signature_age_days": 1,
        "signature_last_updated": "2026-05-01T03:00:00Z",
        "signature_version": "1.419.163.0",
        **overrides,
    }


def preferences(**overrides):
    return {
        "exclusion_paths": [],
        "disable_realtime_monitoring": False,
        "scan_schedule_day": 0,
        "scan_schedule_time": "02:00:00",
        "scan_parameters": 1,
        **overrides,
    }


def installation(base, data=None, key=r"HKLM:\SOFTWARE\WOW6432Node\PostgreSQL\Installations\postgresql-9.6"):
    return {"key": key, "values": {"Base Directory": base, "Data Directory": data}}


def probe(
    *,
    status_value=None,
    prefs=None,
    products=NOT_SUPPORTED,
    policy=REGISTRY_NO_KEY,
    installations=(),
    architecture="64-bit",
    programs=(),
):
    """Probe results shaped as the agent returns them; defaults: a server with Defender on and nothing excluded."""
    return {
        "status": status_value if isinstance(status_value, OpResult) else OpResult(True, status_value or status()),
        "preferences": prefs if isinstance(prefs, OpResult) else OpResult(True, prefs or preferences()),
        "products": products if isinstance(products, OpResult) else OpResult(True, {"products": products}),
        "realtime_policy": OpResult(True, policy),
        "postgresql": OpResult(True, {"installations": list(installations)}),
        "system": OpResult(True, {"architecture": architecture, "product_type": 3}),
        "software": OpResult(True, {"programs": list(programs), "unreadable": []}),
    }


def evaluate(params=None, **probe_args):
    area = DefenderArea({**DEFAULTS, **(params or {})})
    return by_control(area.evaluate(probe(**probe_args)))


def ops(finding):
    return [change.op for change in finding.changes]


# --------------------------------------------------------------------------------------------------- probe


def test_probe_is_one_request_of_read_only_ops():
    planned = DefenderArea(DEFAULTS).probe_ops()
    assert [op["op"] for op in planned.values()] == [
        "defender.status",
        "defender.preferences",
        "defender.products",
        "registry.get",
        "defender.install_dirs",
        "system.info",
        "software.installed",
        "registry.get",
        "registry.get",
    ]
    assert planned["postgresql"]["keys"] == list(POSTGRESQL_INSTALLATION_KEYS)
    assert planned["postgresql"]["values"] == ["Base Directory", "Data Directory"]
    assert planned["realtime_policy"] == {
        "op": "registry.get",
        "path": REALTIME_POLICY_KEY,
        "name": "DisableRealtimeMonitoring",
    }


# --------------------------------------------------------------------------------------------------- AV-01


def test_paths_compare_case_insensitively_without_trailing_backslash_and_parents_cover():
    assert normalise_path("C:/OnePacs\\\\") == "c:\\onepacs"
    assert normalise_path("C:\\") == "c:\\"
    assert covers("c:\\ONEPACS\\", r"C:\onepacs")
    assert covers(r"C:\Program Files (x86)", PG_X64)
    assert covers("C:\\", r"C:\onepacs")
    assert not covers(r"C:\onepacs", r"C:\onepacs2")
    assert not covers(r"C:\onepacs\data", r"C:\onepacs")
    assert not covers("", r"C:\onepacs")


def test_64_bit_windows_without_a_postgresql_record_excludes_the_x86_folder():
    found = evaluate(architecture="64-bit")["AV-01"]
    assert found.outcome is Outcome.DRIFTED
    assert found.expected == [r"C:\onepacs", PG_X64]
    assert ops(found) == [
        {"op": "defender.add_exclusion", "path": r"C:\onepacs"},
        {"op": "defender.add_exclusion", "path": PG_X64},
    ]
    assert found.message.endswith("no PostgreSQL installation in the registry: default folder for 64-bit Windows)")
    assert "no OnePacs install folder among the installed programs: the seed's C:\\onepacs" in found.message


def test_32_bit_windows_without_a_postgresql_record_excludes_program_files():
    found = evaluate(architecture="32-bit")["AV-01"]
    assert ops(found)[1] == {"op": "defender.add_exclusion", "path": PG_X86}


def test_the_registry_record_wins_over_the_architecture_default():
    record = installation(r"C:\Program Files\PostgreSQL\9.6", r"C:\Program Files\PostgreSQL\9.6\data")
    found = evaluate(architecture="64-bit", installations=[record])["AV-01"]
    assert found.expected == [r"C:\onepacs", PG_X86]
    assert "found in the registry" in found.message


def test_postgresql_folders_from_records():
    assert postgresql_dirs([installation(r"C:\Program Files (x86)\PostgreSQL\9.6\\")]) == [PG_X64]
    # Not below a "PostgreSQL" folder: the base directory itself; a data directory elsewhere is added.
    assert postgresql_dirs([installation(r"D:\Apps\pg14", r"E:\pgdata")]) == [r"D:\Apps\pg14", r"E:\pgdata"]
    # Two versions under one PostgreSQL folder, data inside: one exclusion.
    both = [
        installation(r"C:\Program Files\PostgreSQL\9.6", r"C:\Program Files\PostgreSQL\9.6\data"),
        installation(r"C:\Program Files\PostgreSQL\14", None),
    ]
    assert postgresql_dirs(both) == [PG_X86]
    assert postgresql_dirs([{"key": "x", "values": {"Base Directory": None, "Data Directory": None}}]) == []


def test_present_exclusions_in_any_spelling_comply():
    prefs = preferences(exclusion_paths=["c:\\ONEPACS\\", PG_X64.upper()])
    found = evaluate(prefs=prefs)["AV-01"]
    assert (found.outcome, found.changes) == (Outcome.COMPLIANT, ())
    assert found.actual == ["c:\\ONEPACS\\", PG_X64.upper()]


def test_extra_paths_are_required_too_without_duplicates():
    params = {"extra_exclusion_paths": [r"D:\OnePacsStorage", "c:\\onepacs\\"]}
    found = evaluate(params, prefs=preferences(exclusion_paths=[r"C:\onepacs", PG_X64]))["AV-01"]
    assert found.expected == [r"C:\onepacs", PG_X64, r"D:\OnePacsStorage"]
    assert ops(found) == [{"op": "defender.add_exclusion", "path": r"D:\OnePacsStorage"}]


def test_exclusion_read_back_counts_any_covering_entry():
    (change, _) = evaluate()["AV-01"].changes
    assert change.verify(preferences(exclusion_paths=["C:\\ONEPACS\\"])) == (True, "present")
    assert change.verify(preferences(exclusion_paths=[])) == (False, "absent")


def test_third_party_antivirus_makes_av01_manual_with_the_paths_to_exclude():
    x86 = installation(r"C:\Program Files\PostgreSQL\9.6", key=r"HKLM:\SOFTWARE\PostgreSQL\Installations\pg")
    found = evaluate(
        status_value=DEFENDER_SERVICE_DOWN,
        prefs=OpResult(ok=False, code="failed", error="0x800106ba"),
        products=[DEFENDER_OFF, AVAST],
        installations=[x86],
        architecture="32-bit",
    )
    av01 = found["AV-01"]
    assert (av01.outcome, av01.changes) == (Outcome.UNATTESTED, ())
    assert av01.message.startswith(
        r"manual check in Avast Antivirus: exclusions for C:\onepacs; C:\Program Files\PostgreSQL are present"
    )
    assert "Microsoft Defender is not running (AMRunningMode 'Not running')" in av01.message
    assert "Attest it in antivirus_attestations (AV-01)" in av01.message
    assert av01.actual["other_products"] == ["Avast Antivirus (on, signatures up to date)"]
    assert av01.actual["product_in_use"] == "Avast Antivirus"
    # Security Center reports the product on and current: AV-02 and AV-04 hold, AV-03 is manual.
    assert found["AV-02"].outcome is Outcome.COMPLIANT
    assert found["AV-02"].message.startswith("real-time protection by Avast Antivirus")
    assert found["AV-04"].outcome is Outcome.COMPLIANT
    assert (found["AV-03"].outcome, found["AV-03"].changes) == (Outcome.UNATTESTED, ())
    assert found["AV-03"].message.startswith(
        "manual check in Avast Antivirus: a scan is scheduled (every day at 02:00:00)"
    )
    assert all(not finding.changes for finding in found.values())


def test_third_party_product_out_of_date_or_off_fails_manually():
    stale = {**AVAST, "product_state": 266256}
    off = {**AVAST, "display_name": "Old AV", "product_state": 262144}
    found = evaluate(status_value=DEFENDER_SERVICE_DOWN, products=[DEFENDER_OFF, stale, off])
    assert found["AV-02"].outcome is Outcome.COMPLIANT  # Avast is on
    assert found["AV-04"].outcome is Outcome.DRIFTED
    assert "Security Center reports Avast Antivirus (on, signatures out of date), Old AV (off" in found["AV-04"].message
    found = evaluate(status_value=DEFENDER_SERVICE_DOWN, products=[DEFENDER_OFF, off])
    assert found["AV-02"].outcome is Outcome.DRIFTED
    assert found["AV-02"].changes == ()


def test_passive_defender_on_a_server_is_manual_for_the_product_in_use():
    found = evaluate(status_value=status(am_running_mode="Passive Mode", real_time_protection_enabled=False))
    for control in ("AV-01", "AV-02", "AV-03", "AV-04"):
        assert (found[control].outcome, found[control].changes) == (Outcome.UNATTESTED, ()), control
        assert "Microsoft Defender runs in Passive Mode" in found[control].message
    assert "a third-party antivirus that Windows does not name here" in found["AV-01"].message


def test_defender_removed_is_manual_too():
    removed = OpResult(ok=False, code="not_supported", error="Invalid class MSFT_MpComputerStatus")
    found = evaluate(status_value=removed, prefs=removed)
    assert "Microsoft Defender Antivirus is not installed" in found["AV-01"].message
    assert found["AV-01"].actual["defender"] == "not installed"


def test_unreadable_defender_status_is_an_error_for_the_defender_controls_only():
    denied = OpResult(ok=False, code="access_denied", error="Access is denied")
    found = evaluate(status_value=denied, products=[DEFENDER_ON])
    for control in ("AV-01", "AV-02", "AV-03", "AV-04"):
        assert found[control].outcome is Outcome.ERROR
        assert found[control].message == "could not read Defender's status: access_denied: Access is denied"
    assert found["AV-05"].outcome is Outcome.COMPLIANT


def test_unknown_architecture_without_a_record_is_an_error():
    results = probe()
    results["system"] = OpResult(ok=False, code="failed", error="WMI broken")
    (found,) = [f for f in DefenderArea(DEFAULTS).evaluate(results) if f.control_id == "AV-01"]
    assert found.outcome is Outcome.ERROR
    assert found.message.startswith("cannot tell which PostgreSQL folder to exclude")


# --------------------------------------------------------------------------------------------------- AV-02


def test_real_time_protection_off_by_preference_is_turned_on():
    found = evaluate(
        status_value=status(real_time_protection_enabled=False), prefs=preferences(disable_realtime_monitoring=True)
    )["AV-02"]
    assert ops(found) == [{"op": "defender.set", "disable_realtime_monitoring": False}]
    assert found.changes[0].verify(preferences()) == (True, False)
    assert found.message == "real-time protection is off (DisableRealtimeMonitoring is True)"


def test_group_policy_that_turns_real_time_off_is_reported_not_fought():
    policy = {"key_exists": True, "exists": True, "type": "DWord", "data": 1}
    found = evaluate(
        status_value=status(real_time_protection_enabled=False),
        prefs=preferences(disable_realtime_monitoring=True),
        policy=policy,
    )["AV-02"]
    assert (found.outcome, found.changes) == (Outcome.DRIFTED, ())
    assert (
        "Group Policy turns it off: HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows Defender\\Real-Time Protection\\"
        "DisableRealtimeMonitoring = 1 overrides Set-MpPreference" in found.message
    )


def test_real_time_off_for_no_known_reason_is_not_changed():
    found = evaluate(status_value=status(real_time_protection_enabled=False))["AV-02"]
    assert (found.outcome, found.changes) == (Outcome.DRIFTED, ())
    assert "check Defender's health" in found.message


def test_real_time_on_complies():
    assert evaluate()["AV-02"].outcome is Outcome.COMPLIANT


# --------------------------------------------------------------------------------------------------- AV-03


def test_scan_schedule_drift_sets_day_and_time_separately():
    found = evaluate(
        {"scan_schedule_time": "2:30"}, prefs=preferences(scan_schedule_day=8, scan_schedule_time="03:00:00")
    )["AV-03"]
    assert found.expected == {"scan_schedule_day": 0, "scan_schedule_time": "02:30:00"}
    assert ops(found) == [
        {"op": "defender.set", "scan_schedule_day": 0},
        {"op": "defender.set", "scan_schedule_time": "02:30:00"},
    ]
    assert found.message == "scheduled scan: never (wanted: every day at 02:30:00)"
    day, time = found.changes
    assert day.verify(preferences(scan_schedule_day=0)) == (True, 0)
    assert time.verify(preferences(scan_schedule_time="03:00:00")) == (False, "03:00:00")


def test_matching_schedule_complies():
    found = evaluate(
        {"scan_schedule_day": 1, "scan_schedule_time": "23:30"},
        prefs=preferences(scan_schedule_day=1, scan_schedule_time="23:30:00"),
    )["AV-03"]
    assert (found.outcome, found.message) == (Outcome.COMPLIANT, "scheduled scan: Sunday at 23:30:00")


# --------------------------------------------------------------------------------------------------- AV-04


def test_old_signatures_are_updated_and_the_age_read_back():
    found = evaluate(status_value=status(signature_age_days=41))["AV-04"]
    assert found.outcome is Outcome.DRIFTED
    assert ops(found) == [{"op": "defender.update_signatures"}]
    change = found.changes[0]
    assert (change.before, change.after) == (41, "at most 7 days old")
    assert change.verify({"signature_age_days": 0}) == (True, "at most 7 days old")
    assert change.verify({"signature_age_days": 9}) == (False, 9)
    assert found.message.startswith("signatures are 41 days old (version 1.419.163.0")


@pytest.mark.parametrize(
    ("age", "limit", "outcome"),
    [(7, 7, Outcome.COMPLIANT), (8, 7, Outcome.DRIFTED), (0, 0, Outcome.COMPLIANT), (None, 7, Outcome.DRIFTED)],
)
def test_signature_age_limit(age, limit, outcome):
    found = evaluate({"signature_max_age_days": limit}, status_value=status(signature_age_days=age))["AV-04"]
    assert found.outcome is outcome


# --------------------------------------------------------------------------------------------------- AV-05


def test_product_state_decoding():
    decoded = {
        state: (product.scanner, product.up_to_date)
        for state in (397568, 393472, 397584, 266240, 266256, 270336, 274432)
        for product in [AntivirusProduct("x", state)]
    }
    assert decoded == {
        397568: ("on", True),
        393472: ("off", True),
        397584: ("on", False),
        266240: ("on", True),
        266256: ("on", False),
        270336: ("snoozed", True),
        274432: ("expired", True),
    }
    assert AntivirusProduct.from_result(DEFENDER_ON).is_defender
    assert AntivirusProduct.from_result({**DEFENDER_ON, "instance_guid": ""}).is_defender  # by its product path
    assert not AntivirusProduct.from_result(AVAST).is_defender


def test_av05_needs_one_product_on_and_up_to_date():
    assert evaluate(products=[DEFENDER_ON])["AV-05"].outcome is Outcome.COMPLIANT
    found = evaluate(products=[DEFENDER_OFF, {**AVAST, "product_state": 266256}])["AV-05"]
    assert (found.outcome, found.changes) == (Outcome.DRIFTED, ())
    assert found.actual == [
        "Windows Defender (off, signatures up to date)",
        "Avast Antivirus (on, signatures out of date)",
    ]
    assert evaluate(products=[])["AV-05"].message.startswith("Security Center lists no antivirus product")


def test_av05_is_not_applicable_where_security_center_does_not_exist():
    found = evaluate(products=NOT_SUPPORTED)["AV-05"]
    assert found.outcome is Outcome.NOT_APPLICABLE
    assert "client Windows only" in found.message
    failed = evaluate(products=OpResult(ok=False, code="failed", error="RPC"))["AV-05"]
    assert failed.outcome is Outcome.ERROR


# --------------------------------------------------------------------------------------------------- options


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"scan_schedule_day": 8}, "scan_schedule_day: 8 is not 0 (every day) or 1..7"),
        ({"scan_schedule_day": -1}, "scan_schedule_day: -1 is not"),
        ({"scan_schedule_time": "120"}, "scan_schedule_time: '120' is not a time of day HH:MM (quote it in YAML"),
        ({"scan_schedule_time": "24:00"}, "scan_schedule_time: '24:00'"),
        ({"signature_max_age_days": -1}, "signature_max_age_days: must be 0 or a positive number of days"),
        ({"extra_exclusion_paths": ["  "]}, "extra_exclusion_paths[0]: must be a non-empty path"),
    ],
)
def test_invalid_options_are_rejected_naming_the_option(params, message):
    with pytest.raises(InvalidOptionError) as caught:
        DefenderArea({**DEFAULTS, **params})
    assert str(caught.value).startswith(message)


# ------------------------------------------------------------------------ folders from the host, third-party AV

ONEPACS_ON_D = {"name": "OnePacs Gateway", "publisher": "OnePacs LLC", "install_location": "D:\\OnePacs\\"}
SOPHOS = {
    "name": "Sophos Endpoint Agent",
    "publisher": "Sophos Limited",
    "install_location": r"C:\Program Files\Sophos",
}
PASSIVE = status(am_running_mode="Passive Mode", real_time_protection_enabled=False)


def test_onepacs_install_folder_comes_from_the_host():
    found = evaluate(programs=[ONEPACS_ON_D], prefs=preferences(exclusion_paths=[r"C:\onepacs", PG_X64]))["AV-01"]
    assert found.expected == [r"D:\OnePacs", PG_X64]
    assert ops(found) == [{"op": "defender.add_exclusion", "path": r"D:\OnePacs"}]
    assert "OnePacs folder from the installed programs" in found.message


@pytest.mark.parametrize(
    ("data_dir", "why"),
    [
        ("C:\\", "it is a drive root"),
        ("C:", "it is a drive root"),
        (r"C:\Users\*\pgdata", "it holds a wildcard"),
        (r"C:\Users\drpatel", "it is a user profile folder"),
        (r"C:\Windows\Temp\pg", "it is inside the system folder C:\\Windows"),
        (r"C:\Program Files", "it contains the system folder C:\\Program Files"),
        (r"%ProgramData%\pgdata", "it holds an environment variable"),
        (r"\\nas\share\pgdata", "it is not a folder on a local drive"),
        (r"D:\data\..\..\pgdata", "it holds . or .. segments"),
        (r"D:\Clinic", "no folder in it is named like postgres or pgsql or pg*"),
        (r"C:\ProgramData\Clinic", "no folder in it is named like postgres or pgsql or pg*"),
    ],
)
def test_a_dangerous_postgresql_folder_from_the_host_never_becomes_an_exclusion(data_dir, why):
    record = installation(r"C:\Program Files (x86)\PostgreSQL\9.6", data_dir)
    found = evaluate(installations=[record], prefs=preferences(exclusion_paths=[r"C:\onepacs", PG_X64]))["AV-01"]
    assert all(change.op["path"] != data_dir for change in found.changes)
    assert data_dir not in found.expected
    assert found.outcome is Outcome.DRIFTED
    assert f"{data_dir} (reported by the host as a PostgreSQL folder; never excluded: {why}" in found.message
    assert PG_X64 in found.expected  # the installation's own folder is still excluded


def test_a_real_postgresql_data_folder_elsewhere_is_excluded():
    record = installation(r"C:\Program Files (x86)\PostgreSQL\9.6", r"E:\PostgreSQL\data")
    found = evaluate(installations=[record], prefs=preferences(exclusion_paths=[r"C:\onepacs", PG_X64]))["AV-01"]
    assert ops(found) == [{"op": "defender.add_exclusion", "path": r"E:\PostgreSQL\data"}]


def test_a_server_whose_antivirus_is_third_party_gets_manual_checks_naming_the_product():
    found = evaluate(status_value=PASSIVE, programs=[SOPHOS])
    for control in ("AV-01", "AV-02", "AV-03", "AV-04"):
        assert found[control].outcome is Outcome.UNATTESTED, control
        assert found[control].changes == ()
        assert found[control].message.startswith("manual check in Sophos Endpoint Agent: "), control
    assert found["AV-05"].outcome is Outcome.NOT_APPLICABLE  # no Security Center on Windows Server


def test_a_current_attestation_makes_the_manual_check_attested():
    attested = {
        "id": "AV-01",
        "attested_by": "J. Rivera",
        "date": "2026-11-20",
        "evidence": "Sophos Central policy 'OnePacs' excludes C:\\onepacs and the PostgreSQL folder (screenshot)",
    }
    area = DefenderArea({**DEFAULTS, "antivirus_attestations": [attested]}, today=dt.date(2026, 12, 1))
    found = by_control(area.evaluate(probe(status_value=PASSIVE, programs=[SOPHOS])))
    assert found["AV-01"].outcome is Outcome.ATTESTED
    assert "attested by J. Rivera on 2026-11-20" in found["AV-01"].message
    assert found["AV-03"].outcome is Outcome.UNATTESTED


def test_only_the_antivirus_controls_can_be_attested_here():
    bad = {"id": "AV-05", "attested_by": "x", "date": "2026-11-20", "evidence": "y"}
    with pytest.raises(InvalidOptionError, match=r"antivirus_attestations\[0\]\.id: AV-05 cannot be attested here"):
        DefenderArea({**DEFAULTS, "antivirus_attestations": [bad]})
