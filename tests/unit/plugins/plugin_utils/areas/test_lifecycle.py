from __future__ import annotations

import datetime as dt

import pytest

from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._lifecycle import (
    LifecycleTableError,
    load_table,
    parse_table,
    support_verdict,
)

AUDIT_DAY = dt.date(2026, 11, 25)


def info(build, edition, product_type=1, ubr=1000, display_version=""):
    """A system.info value as the agent returns it (only what the lifecycle lookup reads)."""
    return {
        "product_type": product_type,
        "current_build": build,
        "edition_id": edition,
        "ubr": ubr,
        "display_version": display_version,
    }


WIN10_PRO = info("19045", "Professional", ubr=3930, display_version="22H2")
WIN11_ENTERPRISE_24H2 = info("26100", "Enterprise", ubr=1742, display_version="24H2")


def test_windows_10_22h2_pro_audited_on_2026_11_25_fails_with_the_end_date():
    verdict = support_verdict(WIN10_PRO, AUDIT_DAY)
    assert verdict.supported is False
    assert "reached end of support on 2025-10-14" in verdict.message
    assert verdict.message.startswith("Windows 10 22H2 (EditionID Professional, build 19045.3930)")
    assert "Extended Security Updates can cover it until 2028-10-10" in verdict.message
    assert verdict.actual["end_of_support"] == "2025-10-14"


def test_windows_11_24h2_enterprise_passes_until_its_end_date_and_fails_the_day_after():
    last_day = support_verdict(WIN11_ENTERPRISE_24H2, dt.date(2027, 10, 12))
    assert last_day.supported is True
    assert last_day.message.endswith("is supported until 2027-10-12 (0 days left)")
    assert support_verdict(WIN11_ENTERPRISE_24H2, AUDIT_DAY).supported is True
    after = support_verdict(WIN11_ENTERPRISE_24H2, dt.date(2027, 10, 13))
    assert after.supported is False
    assert "reached end of support on 2027-10-12" in after.message


def test_the_same_build_ends_earlier_for_home_and_pro_than_for_enterprise():
    pro = support_verdict(info("26100", "Professional"), AUDIT_DAY)
    assert pro.supported is False
    assert "2026-10-13" in pro.message
    education = support_verdict(info("26100", "Education"), AUDIT_DAY)
    assert education.supported is True
    assert education.release.name == "Windows 11 24H2"


@pytest.mark.parametrize(
    ("build", "edition", "release", "ends"),
    [
        ("17763", "EnterpriseS", "Windows 10 Enterprise LTSC 2019", "2029-01-09"),
        ("19044", "EnterpriseS", "Windows 10 Enterprise LTSC 2021", "2027-01-12"),
        ("19044", "IoTEnterpriseS", "Windows 10 IoT Enterprise LTSC 2021", "2032-01-13"),
        ("19044", "Enterprise", "Windows 10 21H2", "2024-06-11"),
        ("26100", "EnterpriseS", "Windows 11 Enterprise LTSC 2024", "2029-10-09"),
        ("26200", "Professional", "Windows 11 25H2", "2027-10-12"),
        ("22631", "Enterprise", "Windows 11 23H2", "2026-11-10"),
    ],
)
def test_ltsc_editions_are_matched_by_edition_id(build, edition, release, ends):
    verdict = support_verdict(info(build, edition), AUDIT_DAY)
    assert (verdict.release.name, verdict.release.ends.isoformat()) == (release, ends)


@pytest.mark.parametrize(
    ("build", "release", "ends"),
    [
        ("14393", "Windows Server 2016", "2027-01-12"),
        ("17763", "Windows Server 2019", "2029-01-09"),
        ("20348", "Windows Server 2022", "2031-10-14"),
        ("26100", "Windows Server 2025", "2034-11-14"),
    ],
)
def test_servers_are_matched_by_build_whatever_the_edition(build, release, ends):
    verdict = support_verdict(info(build, "ServerDatacenterEval", product_type=3), AUDIT_DAY)
    assert verdict.supported is True
    assert (verdict.release.name, verdict.release.ends.isoformat()) == (release, ends)


def test_server_2012_r2_is_unsupported_even_on_its_esu_years():
    verdict = support_verdict(info("9600", "ServerStandard", product_type=3), AUDIT_DAY)
    assert verdict.supported is False
    assert "reached end of support on 2023-10-10" in verdict.message


def test_an_unlisted_build_cannot_be_confirmed():
    verdict = support_verdict(info("18363", "Professional"), AUDIT_DAY)
    assert verdict.supported is False
    assert verdict.release is None
    assert "client Windows (EditionID Professional, build 18363.1000) is not in the lifecycle table" in verdict.message


def test_an_unknown_edition_gets_the_earliest_end_date_of_its_build():
    verdict = support_verdict(info("26100", "SomeFutureEdition"), AUDIT_DAY)
    assert verdict.release.ends == dt.date(2026, 10, 13)
    assert "EditionID 'SomeFutureEdition' is not in the lifecycle table" in verdict.message


def test_esu_licence_keeps_windows_10_supported_until_the_date_inventory_gives():
    covered = support_verdict(WIN10_PRO, AUDIT_DAY, esu_until=dt.date(2027, 10, 12))
    assert covered.supported is True
    assert "covered by Extended Security Updates until 2027-10-12 (321 days left)" in covered.message
    assert covered.actual["esu_until"] == "2027-10-12"
    lapsed = support_verdict(WIN10_PRO, AUDIT_DAY, esu_until=dt.date(2026, 10, 13))
    assert lapsed.supported is False
    assert "Extended Security Updates coverage ended on 2026-10-13" in lapsed.message


def test_esu_is_capped_at_the_last_esu_date_and_ignored_where_there_is_none():
    capped = support_verdict(WIN10_PRO, dt.date(2028, 10, 11), esu_until=dt.date(2030, 1, 1))
    assert capped.supported is False
    assert "capped at the last ESU date 2028-10-10" in capped.message
    no_esu = support_verdict(info("22631", "Professional"), AUDIT_DAY, esu_until=dt.date(2027, 1, 1))
    assert no_esu.supported is False
    assert "esu_until is ignored" in no_esu.message


def test_every_end_date_is_a_patch_tuesday():
    table = load_table()
    dates = [release.ends for release in table.releases] + [r.esu_until for r in table.releases if r.esu_until]
    assert [day for day in dates if day.weekday() != 1] == []


def test_table_is_recent_and_covers_the_lab_releases():
    table = load_table()
    assert table.reviewed >= dt.date(2026, 11, 1)
    for family, build in (("server", "20348"), ("server", "17763"), ("client", "19045"), ("client", "26100")):
        assert table.candidates(family, build)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            {
                "reviewed": "2026-01-01",
                "releases": [{"name": "X", "family": "mac", "build": "1", "ends": "2030-01-01"}],
            },
            "releases[0].family",
        ),
        (
            {
                "reviewed": "2026-01-01",
                "releases": [{"name": "X", "family": "client", "build": "1", "ends": "2030-01-01"}],
            },
            "releases[0].class",
        ),
        (
            {
                "reviewed": "2026-01-01",
                "releases": [{"name": "X", "family": "server", "build": 1, "ends": "2030-01-01"}],
            },
            "releases[0].build",
        ),
        (
            {"reviewed": "2026-01-01", "releases": [{"name": "X", "family": "server", "build": "1", "ends": "soon"}]},
            "releases[0].ends",
        ),
        (
            {
                "reviewed": "2026-01-01",
                "releases": [
                    {"name": "X", "family": "server", "build": "1", "ends": "2030-01-01"},
                    {"name": "Y", "family": "server", "build": "1", "ends": "2031-01-01"},
                ],
            },
            "twice",
        ),
        ({"reviewed": "2026-01-01", "edition_classes": {"pro": ["Professional"]}}, "edition_classes.pro"),
    ],
)
def test_malformed_tables_are_rejected_naming_the_entry(document, message):
    with pytest.raises(LifecycleTableError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_table(document)
