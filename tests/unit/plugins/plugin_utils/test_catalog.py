"""The control catalog against the project's control table and the two seed documents, and the loader's schema
checks.

The control table (baselines, kind, module and HIPAA mapping of every control) is kept below, verbatim, as the
catalog's specification; docs/controls.md is what the collection publishes from the catalog.

The seed documents are not part of the collection: ONEPACS_SEEDS_DIR names their directory, by default
<repo>/../shared/seeds. Without them the tests that read them skip, naming the directory they looked in, so a
fresh clone passes on its own. CI (.ci/run) sets ONEPACS_REQUIRE_SEEDS=1, which turns their absence into a
failure: the catalog's whole claim is that it covers them, so CI never skips these tests silently.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from ansible_collections.onepacs.baseline.plugins.plugin_utils._catalog import (
    CONTROL_AREAS,
    DEFAULT_CATALOG_PATH,
    Catalog,
    Control,
    load_catalog,
)

REPO_ROOT = Path(__file__).resolve().parents[4]
SEEDS_DIR_ENV = "ONEPACS_SEEDS_DIR"
REQUIRE_SEEDS_ENV = "ONEPACS_REQUIRE_SEEDS"
# The gateway document uses U+2022 bullets and U+2043 hyphen bullets; quotes start after them.
BULLETS = "\u2022\u2043"

# The control table (the specification the catalog was written from), one row per control: (B column, kind
# column), verbatim. The names below keep its file name, CONTROLS.md, to say where the rows came from.
CONTROLS_MD = {
    "PWR-01": ("G", "enforce"),
    "PWR-02": ("G", "enforce"),
    "PWR-03": ("G", "enforce"),
    "MAN-01": ("G phys", "manual"),
    "MAN-02": ("G phys", "manual"),
    "MAN-03": ("G phys", "manual"),
    "SW-01": ("G W", "audit"),
    "SW-02": ("W (G)", "audit"),
    "NET-01": ("G", "audit"),
    "NET-02": ("W", "audit"),
    "AV-01": ("G", "enforce"),
    "AV-02": ("G W", "enforce"),
    "AV-03": ("G W", "enforce"),
    "AV-04": ("G W", "enforce"),
    "AV-05": ("W", "audit"),
    "ENC-01": ("G phys, W", "enforce (opt-in)"),
    "ENC-02": ("W", "audit"),
    "MAN-06": ("G phys", "manual"),
    "SYS-01": ("G", "audit"),
    "SYS-02": ("G W", "audit"),
    "UPD-01": ("G W", "enforce"),
    "UPD-02": ("G W", "audit"),
    "UPD-03": ("W", "audit"),
    "SVC-01": ("G W", "enforce"),
    "SEC-01": ("G", "enforce"),
    "SEC-02": ("G W", "enforce"),
    "SEC-03": ("G W", "enforce"),
    "SEC-04": ("G W", "enforce"),
    "SEC-05": ("G W", "enforce"),
    "SEC-06": ("G W", "enforce"),
    "LCK-01": ("W (G)", "enforce"),
    "FW-01": ("G W", "enforce"),
    "FW-02": ("G W", "enforce"),
    "FW-03": ("G W", "audit (enforce opt-in)"),
    "FW-04": ("G W", "enforce"),
    "ACC-01": ("G W", "audit"),
    "ACC-02": ("G W", "enforce"),
    "ACC-03": ("G W", "audit (enforce opt-in)"),
    "ACC-04": ("G W", "audit (enforce opt-in)"),
    "ACC-05": ("W", "audit"),
    "PWD-01": ("G W", "enforce"),
    "PWD-02": ("G W", "enforce"),
    "PWD-03": ("G W", "enforce"),
    "PWD-04": ("G W", "enforce"),
    "PWD-05": ("G W", "enforce"),
    "PWD-06": ("G W", "enforce"),
    "LOG-01": ("G W", "enforce"),
    "LOG-02": ("G W", "enforce"),
    "MAN-07": ("G", "manual"),
    "MAN-04": ("G W", "manual"),
    "MAN-05": ("G phys", "manual"),
    "MAN-08": ("G", "manual"),
    "MAN-09": ("G", "manual (automated evidence where Windows Server Backup is used)"),
    "MAN-10": ("W", "manual"),
    "MAN-11": ("G W", "manual"),
}

# Which module evaluates which control: by id where a prefix is split between modules, else by prefix.
MODULE_BY_ID = {
    "SW-01": "win_host_facts",
    "SW-02": "win_host_facts",
    "NET-01": "win_host_facts",
    "NET-02": "win_network",
    "SYS-01": "win_host_facts",
    "SYS-02": "win_host_facts",
    "UPD-01": "win_update_policy",
    "UPD-02": "win_update_policy",
    "UPD-03": "win_host_facts",
}
MODULE_BY_PREFIX = {
    "PWR": "win_power",
    "MAN": "win_attestations",
    "AV": "win_defender",
    "ENC": "win_bitlocker",
    "SVC": "win_services",
    "SEC": "win_security_options",
    "LCK": "win_security_options",
    "FW": "win_firewall",
    "ACC": "win_local_accounts",
    "PWD": "win_account_policy",
    "LOG": "win_audit_policy",
}

KNOWN_SAFEGUARDS = (
    "164.308(a)(1)(ii)(B)",
    "164.308(a)(3)",
    "164.308(a)(4)",
    "164.308(a)(5)(ii)(B)",
    "164.308(a)(5)(ii)(C)",
    "164.308(a)(5)(ii)(D)",
    "164.308(a)(7)",
    "164.310(a)(1)",
    "164.310(c)",
    "164.310(d)(1)",
    "164.312(a)(2)(i)",
    "164.312(a)(2)(iii)",
    "164.312(a)(2)(iv)",
    "164.312(b)",
    "164.312(e)(1)",
)

# The HIPAA mapping table of CONTROLS.md in its own notation; rows citing several paragraphs are split into them,
# and each listed control must support at least one of its row's safeguards.
HIPAA_TABLE = (
    (("164.308(a)(1)(ii)(B)",), "SYS-* UPD-* SEC-* SVC-01 SW-01"),
    (("164.308(a)(3)", "164.308(a)(4)"), "ACC-01 ACC-03 ACC-04 ACC-05"),
    (("164.308(a)(5)(ii)(B)",), "AV-*"),
    (("164.308(a)(5)(ii)(C)",), "LOG-01 LOG-02 MAN-07"),
    (("164.308(a)(5)(ii)(D)",), "PWD-*"),
    (("164.308(a)(7)",), "PWR-* MAN-01..03 MAN-09"),
    (("164.310(a)(1)", "164.310(c)", "164.310(d)(1)"), "MAN-04 MAN-05 MAN-06 MAN-10"),
    (("164.312(a)(2)(i)",), "ACC-01 SEC-02"),
    (("164.312(a)(2)(iii)",), "LCK-01"),
    (("164.312(a)(2)(iv)",), "ENC-* MAN-11"),
    (("164.312(b)",), "LOG-*"),
    (("164.312(e)(1)",), "FW-* NET-02 SEC-03 SEC-04"),
)

# Every non-blank line of the seed documents, after the bullet, whitespace runs as one space: the lines that state
# a practice, which some control must serve, and the rest (headings, page furniture, introductions).
GATEWAY_PRACTICE_LINES = (
    (
        "It is recommended that the OnePacs Gateway server be used solely for the purpose of transmitting "
        "studies to OnePacs, and facilitating OnePacs EMR integration. Installing any unrelated software "
        "packages increases the risk of issues and may impact performance."
    ),
    "Adjust the power settings of the OS to never sleep (always on).",
    "Disable hibernation",
    "The gateway must have a static internal IP address set from a router DHCP reservation",
    "For performance purposes, it is best to add anti-virus exclusions for:",
    r"c:\onepacs",
    r"c:\Program Files (x86)\PostgreSQL",
    r"(c:\Program Files\PostgreSQL on 32-bit systems)",
    (
        "Configure the BIOS to restart automatically after a power failure and to automatically power on "
        "shortly before normal usage begins"
    ),
    "An uninterruptible power supply (UPS) is recommended.",
    (
        "Careful attention to physical security is important. Access to the room where the server is located "
        "(either a physical server, or the host machine in a VM setting) should be controlled, preferably by a "
        "method with user-specific tracking such as keycard access"
    ),
    (
        "It is useful to engage physical lock devices on the hardware itself when available, in order to avoid "
        "theft of the device, and also to prevent opening of the device for the purpose of removing storage "
        "devices"
    ),
    "Bitlocker drive encryption with a Trusted Platform Module (TPM) is suggested for physical (non-VM) servers",
    (
        "For physical (non-VM) devices, it may be useful to secure BIOS settings with a password, and disable "
        "booting from alternate media"
    ),
    "A Windows Server Core install is recommended. Unnecessary Windows services should be disabled",
    (
        "Application of a Windows Security Baseline should be considered as a useful means of maintaining "
        "consistent security policies across various Windows installs within an organization"
    ),
    "Configure Windows Updates to run automatically during off-hours",
    "Disable automatic administrator login to the recovery console",
    (
        "Windows Firewall should be configured to disallow incoming connections, other than for ports "
        "specifically opened by the installer(s) for the OnePacs software system components"
    ),
    "Provision logon accounts only to individuals with a genuine need to access the system",
    (
        "For each user who needs access to the system, provision accounts with only the necessary privilege "
        "levels needed for that user to execute their responsibilities"
    ),
    (
        "Regularly disable or delete accounts that are no longer needed, and regularly review and reduce "
        "privilege/permission levels that are no longer needed"
    ),
    (
        "Mandate appropriate password complexity, and set other password related policies as considered best by "
        "your organization"
    ),
    (
        "It is useful to check security and other logs regularly to screen for unauthorized or inappropriate "
        "access, including screening for authentication events, privilege escalation and usage, and other user "
        "access activity"
    ),
    "Regular system scans should be scheduled with the security software solution(s) of your choice",
    (
        "Your network firewall and monitoring software will be of utility in monitoring for and blocking "
        "unauthorized access, as well as screening for anomalies such as spikes in traffic that could reflect "
        "data exfiltration"
    ),
    "Regular system backups will be useful in a recovery situation",
)

GATEWAY_OTHER_LINES = (
    "Page tree",
    "Versions Compared",
    "Key",
    "This line was added.",
    "This line was removed.",
    "Formatting was changed.",
    "...",
    (
        "Should you experience any problem with the above setup, please contact OnePacs customer support for "
        "further assistance."
    ),
    "Summary of OnePacs Gateway Best Practices",
    (
        "The server/server environment on which the OnePacs Gateway software package runs is chosen by, "
        "configured, and maintained by the OnePacs client. Accordingly, it is the responsibility of the client "
        "to ensure the reliable and secure operation of the server."
    ),
    "OnePacs recommends the following as Best Practices in management of the server/server environment:",
    "Function and reliability",
    "For physical machines (rather than virtual machines):",
    "General security",
    (
        "The OnePacs Gateway stores sensitive information on the local server storage device(s), including "
        "Protected Health Information (PHI) as defined by the Health Insurance Portability and Accountability "
        "Act (HIPAA). Accordingly it should be treated with the same degree of security vigilance that would be "
        "appropriate for any other server at your facility containing similar information. The specific "
        "security measures and management procedures are at the discretion of the OnePacs client, however, "
        "OnePacs offers the following suggested best practices for consideration:"
    ),
    "Uninstalling and reinstalling the Gateway software",
)

WORKSTATION_PRACTICE_LINES = (
    (
        "Whole Disk Encryption - The OnePacs end user license agreement requires use of disk encryption to "
        "secure any protected health information (PHI) that may reside on user's PC as a result of using the "
        "OnePacs Workstation and Study Retriever. Modern operating systems have this functionality built-it "
        "(e.g. FileVault on macOS, BitLocker on Windows). Ensure that whole disk encryption is enabled and "
        "secured by a complex encryption key."
    ),
    (
        "Operating System - The use of a supported Operating System is required. Ensure that the software is up "
        "to date and that security patches are configured to install automatically."
    ),
    (
        "User Account / Password - Each user should have an individual user account on the PC and in OnePacs. "
        "The user account should be secured by a complex password that is held privately."
    ),
    (
        "Automatic Logout/Lockout - The operating system should be configured to automatically log the user out "
        "or lock the screen after a period of inactivity."
    ),
    "Firewall - A firewall on the PC should be enabled and configured to block any incoming unauthorized requests.",
    (
        "Anti-Virus - Anti-virus software should be installed, have a valid license, and be configured to "
        "automatically scan and update. This functionality is built into modern versions of Microsoft Windows."
    ),
    (
        "Dedicated Use - The PC used for the OnePacs Workstation and Study Retriever should be solely used for "
        "the purpose of reviewing medical images with the OnePacs platform. The PC should not be used for "
        "personal use."
    ),
    (
        "Remote Wipe - Installation of software giving the user the ability to remotely execute a secure wipe "
        "of the hard drive(s) is recommended so that in the event of lost or stolen hardware the physical media "
        "can be secured."
    ),
    (
        "Limited Physical Access - Any hardware running the OnePacs Workstation and Study Retriever should be "
        "physically secured when not actively in use."
    ),
    (
        "Use of Secure Private Networks - Only secure private networks should be used when accessing data via "
        "the OnePacs platform."
    ),
    (
        "OnePacs Software Updates - It is recommended that users run the most recent versions of the OnePacs "
        "Workstation and Study Retriever as security patches are occasionally applied."
    ),
)

WORKSTATION_OTHER_LINES = (
    "Child pages",
    "Security Considerations",
    "Skip to end of metadata",
    "Go to start of metadata",
    (
        "When using the OnePacs Workstation and/or Study Retriever, OnePacs recommends the following practices "
        "to satisfy HIPAA and other regulatory requirements. Please note that this list is not intended to "
        "represent a complete checklist for regulatory compliance. Consult with the compliance officer at your "
        "organization to determine policies and procedures to ensure adherence to regulatory mandates."
    ),
)
SEED_LINES = {
    "gateway": (GATEWAY_PRACTICE_LINES, GATEWAY_OTHER_LINES),
    "workstation": (WORKSTATION_PRACTICE_LINES, WORKSTATION_OTHER_LINES),
}
PRACTICE_LINES = [(doc, line) for doc, (practice, _) in SEED_LINES.items() for line in practice]


def normalise(text: str) -> str:
    """Whitespace runs (including the documents' non-breaking spaces) as one space."""
    return " ".join(text.split())


def seed_document_lines(text: str) -> list[str]:
    """The document's non-blank lines, bullets stripped, normalised."""
    lines = (normalise(line.strip().lstrip(BULLETS)) for line in text.splitlines())
    return [line for line in lines if line]


def parse_b_column(notation: str) -> tuple[set[str], set[str]]:
    """CONTROLS.md's B column -> (baselines, baselines on which only physical machines are in scope)."""
    names = {"G": "gateway", "W": "workstation", "(G)": "gateway"}
    baselines: set[str] = set()
    physical: set[str] = set()
    for part in notation.split(","):
        tokens = part.split()
        part_baselines = {names[token] for token in tokens if token != "phys"}
        baselines |= part_baselines
        if "phys" in tokens:
            physical |= part_baselines
    return baselines, physical


def parse_kind_column(notation: str) -> tuple[str, bool]:
    """CONTROLS.md's kind column -> (kind, enforce_opt_in)."""
    if notation.startswith("manual"):
        return "manual", False
    if "opt-in" in notation:
        return "enforce", True
    return notation, False


def expand_ids(notation: str) -> list[str]:
    """CONTROLS.md's id lists ("SYS-*", "MAN-01..03", "SVC-01") -> control ids."""
    ids: list[str] = []
    for token in notation.split():
        if token.endswith("-*"):
            ids += [control_id for control_id in CONTROLS_MD if control_id.startswith(token[:-1])]
        elif ".." in token:
            first, last = token.split("..")
            prefix, start = first.rsplit("-", 1)
            ids += [f"{prefix}-{number:02d}" for number in range(int(start), int(last) + 1)]
        else:
            ids.append(token)
    return ids


def expected_module(control_id: str) -> str:
    return MODULE_BY_ID.get(control_id) or MODULE_BY_PREFIX[control_id.partition("-")[0]]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def seeds_required() -> bool:
    return os.environ.get(REQUIRE_SEEDS_ENV, "") not in ("", "0")


def read_seed_lines(seeds_dir: Path, seeds: Mapping[str, str]) -> dict[str, list[str]]:
    """Each seed document's lines. A missing document skips the test with the reason, or fails it where
    ONEPACS_REQUIRE_SEEDS is set (CI)."""
    lines: dict[str, list[str]] = {}
    for doc, filename in seeds.items():
        path = seeds_dir / filename
        if not path.is_file():
            reason = (
                f"seed document {path} not found: set {SEEDS_DIR_ENV} to the directory holding {filename} "
                "(default: <repo>/../shared/seeds)"
            )
            if seeds_required():
                pytest.fail(f"{reason}; {REQUIRE_SEEDS_ENV} is set, so the seed tests must run", pytrace=False)
            pytest.skip(reason)
        lines[doc] = seed_document_lines(path.read_text(encoding="utf-8"))
    return lines


@pytest.fixture(scope="module")
def seed_lines(catalog: Catalog) -> dict[str, list[str]]:
    seeds_dir = Path(os.environ.get(SEEDS_DIR_ENV) or REPO_ROOT.parent / "shared" / "seeds")
    return read_seed_lines(seeds_dir, catalog.seeds)


# ------------------------------------------------------------------ the catalog follows CONTROLS.md


def test_catalog_holds_exactly_the_controls_of_controls_md(catalog: Catalog) -> None:
    assert sorted(catalog.ids()) == sorted(CONTROLS_MD)


def test_control_ids_are_unique(catalog: Catalog) -> None:
    ids = catalog.ids()
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("control_id", CONTROLS_MD)
def test_baselines_and_physical_scope_follow_controls_md(catalog: Catalog, control_id: str) -> None:
    baselines, physical = parse_b_column(CONTROLS_MD[control_id][0])
    control = catalog.get(control_id)
    assert set(control.baselines) == baselines
    assert set(control.physical_only) == physical


@pytest.mark.parametrize("control_id", CONTROLS_MD)
def test_kind_follows_controls_md(catalog: Catalog, control_id: str) -> None:
    control = catalog.get(control_id)
    assert (control.kind, control.enforce_opt_in) == parse_kind_column(CONTROLS_MD[control_id][1])


@pytest.mark.parametrize("control_id", CONTROLS_MD)
def test_module_follows_the_module_plan(catalog: Catalog, control_id: str) -> None:
    assert catalog.get(control_id).module == expected_module(control_id)


@pytest.mark.parametrize("control_id", CONTROLS_MD)
def test_entry_is_complete_and_well_formed(catalog: Catalog, control_id: str) -> None:
    control = catalog.get(control_id)
    assert re.fullmatch(r"[A-Z]{2,3}-\d{2}", control.id)
    for text in (control.title, control.expected, control.mechanism, control.remediation):
        assert isinstance(text, str)
        assert text.strip() == text
        assert text
    assert control.area in CONTROL_AREAS
    assert control.severity in ("high", "medium", "low")
    assert control.os
    assert set(control.os) <= {"server", "client"}
    assert set(control.physical_only) <= set(control.baselines)
    assert isinstance(control.enforce_opt_in, bool)
    assert len(control.hipaa) == len(set(control.hipaa))
    assert set(control.hipaa) <= set(KNOWN_SAFEGUARDS)
    assert control.seed
    for ref in control.seed:
        assert ref.doc in control.baselines, f"{control_id} quotes the {ref.doc} document but is not on that baseline"


def test_catalog_safeguards_are_the_known_list(catalog: Catalog) -> None:
    assert sorted(catalog.hipaa_safeguards) == sorted(KNOWN_SAFEGUARDS)


@pytest.mark.parametrize(("safeguards", "controls"), HIPAA_TABLE, ids=[row[1] for row in HIPAA_TABLE])
def test_hipaa_mapping_follows_controls_md(catalog: Catalog, safeguards: tuple[str, ...], controls: str) -> None:
    control_ids = expand_ids(controls)
    assert control_ids
    for control_id in control_ids:
        assert set(catalog.get(control_id).hipaa) & set(safeguards), f"{control_id} lacks {' or '.join(safeguards)}"


def test_os_scope_matches_the_host_facts_each_control_needs(catalog: Catalog) -> None:
    # Server Core exists only on Windows Server; SecurityCenter2 only on client Windows.
    assert catalog.get("SYS-01").os == ("server",)
    assert catalog.get("AV-05").os == ("client",)
    assert [c.id for c in catalog if set(c.os) != {"server", "client"}] == ["AV-05", "SYS-01"]


# ------------------------------------------------------------------ the catalog covers the seed documents


def test_catalog_names_both_seed_documents(catalog: Catalog) -> None:
    assert dict(catalog.seeds) == {
        "gateway": "onepacs-gateway-best-practices.txt",
        "workstation": "onepacs-workstation-security.txt",
    }


@pytest.mark.parametrize("control_id", CONTROLS_MD)
def test_every_seed_quote_is_on_one_line_of_its_document(
    catalog: Catalog, seed_lines: dict[str, list[str]], control_id: str
) -> None:
    for ref in catalog.get(control_id).seed:
        quote = normalise(ref.quote)
        assert any(quote in line for line in seed_lines[ref.doc]), f"{control_id}: not in {ref.doc}: {ref.quote!r}"


@pytest.mark.parametrize("doc", SEED_LINES)
def test_every_seed_line_is_classified(seed_lines: dict[str, list[str]], doc: str) -> None:
    practice, other = SEED_LINES[doc]
    assert not set(practice) & set(other)
    assert set(seed_lines[doc]) == set(practice) | set(other)


@pytest.mark.parametrize(("doc", "line"), PRACTICE_LINES, ids=[f"{doc}:{line[:40]}" for doc, line in PRACTICE_LINES])
def test_every_practice_line_is_served_by_a_control(catalog: Catalog, doc: str, line: str) -> None:
    serving = [c.id for c in catalog for ref in c.seed if ref.doc == doc and normalise(ref.quote) in line]
    assert serving, f"no control quotes this {doc} line"


@pytest.mark.parametrize("control_id", CONTROLS_MD)
def test_every_control_serves_a_practice_line(catalog: Catalog, control_id: str) -> None:
    practice = {doc: lines for doc, (lines, _) in SEED_LINES.items()}
    refs = catalog.get(control_id).seed
    assert any(normalise(ref.quote) in line for ref in refs for line in practice[ref.doc])


def test_missing_seed_document_skips_with_the_reason(
    catalog: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(REQUIRE_SEEDS_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match=SEEDS_DIR_ENV):
        read_seed_lines(tmp_path / "nowhere", catalog.seeds)


def test_missing_seed_document_fails_where_seeds_are_required(
    catalog: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(REQUIRE_SEEDS_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match=f"{SEEDS_DIR_ENV}.*{REQUIRE_SEEDS_ENV}"):
        read_seed_lines(tmp_path / "nowhere", catalog.seeds)


def test_ci_requires_the_seed_documents() -> None:
    ci = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(rf"^export {REQUIRE_SEEDS_ENV}=1$", ci, re.MULTILINE), ci


# ------------------------------------------------------------------ the loader's API


def test_load_catalog_is_cached_and_defaults_to_the_shipped_file(catalog: Catalog) -> None:
    assert load_catalog() is catalog
    assert DEFAULT_CATALOG_PATH.name == "controls.yml"
    assert DEFAULT_CATALOG_PATH.parent.name == "plugin_utils"
    assert load_catalog(DEFAULT_CATALOG_PATH).ids() == catalog.ids()


def test_get_returns_the_control_and_names_an_unknown_id(catalog: Catalog) -> None:
    assert catalog.get("PWR-01").title == "Never sleep on AC power"
    with pytest.raises(KeyError, match="XYZ-99"):
        catalog.get("XYZ-99")


def test_membership_iteration_and_ids_agree(catalog: Catalog) -> None:
    assert "FW-03" in catalog
    assert "FW-99" not in catalog
    assert 42 not in catalog
    assert [control.id for control in catalog] == catalog.ids()
    assert len(catalog) == len(CONTROLS_MD)
    assert all(isinstance(control, Control) for control in catalog)


def test_for_module_returns_each_modules_controls_in_catalog_order(catalog: Catalog) -> None:
    expected: dict[str, list[str]] = {}
    for control_id in catalog.ids():
        expected.setdefault(expected_module(control_id), []).append(control_id)
    assert catalog.modules() == list(expected)
    for module, control_ids in expected.items():
        assert [control.id for control in catalog.for_module(module)] == control_ids
    with pytest.raises(KeyError, match="win_nonexistent"):
        catalog.for_module("win_nonexistent")


@pytest.mark.parametrize("baseline", ["gateway", "workstation"])
def test_for_baseline_returns_the_baselines_controls(catalog: Catalog, baseline: str) -> None:
    expected = [cid for cid in catalog.ids() if baseline in parse_b_column(CONTROLS_MD[cid][0])[0]]
    assert [control.id for control in catalog.for_baseline(baseline)] == expected
    with pytest.raises(KeyError, match="server"):
        catalog.for_baseline("server")


# (control, baseline, OS family, virtual machine?; None = not probed) -> a phrase of the reason, or None when the
# control applies.
APPLICABILITY_CASES = [
    (("ENC-01", "gateway", "server", True), "physical machines only"),
    (("ENC-01", "gateway", "server", False), None),
    (("ENC-01", "workstation", "client", True), None),
    (("MAN-05", "gateway", "server", True), "physical machines only"),
    (("SYS-01", "gateway", "client", False), "server Windows only"),
    (("AV-05", "workstation", "server", False), "client Windows only"),
    (("PWR-01", "workstation", "client", False), "not part of the workstation baseline"),
    (("FW-01", "workstation", "client", True), None),
    (("SYS-01", "gateway", None, None), None),
    (("MAN-05", "gateway", "server", None), None),
]


@pytest.mark.parametrize(("host", "reason"), APPLICABILITY_CASES)
def test_inapplicable_reason(
    catalog: Catalog, host: tuple[str, str, str | None, bool | None], reason: str | None
) -> None:
    control_id, baseline, os_family, is_virtual = host
    result = catalog.get(control_id).inapplicable_reason(baseline, os_family=os_family, is_virtual=is_virtual)
    if reason is None:
        assert result is None
    else:
        assert result is not None
        assert reason in result
        assert control_id in result


def test_inapplicable_reason_rejects_unknown_names(catalog: Catalog) -> None:
    control = catalog.get("FW-01")
    with pytest.raises(ValueError, match="baseline"):
        control.inapplicable_reason("laptop", os_family="client", is_virtual=False)
    with pytest.raises(ValueError, match="OS family"):
        control.inapplicable_reason("workstation", os_family="linux", is_virtual=False)


def test_enforced_by_default_excludes_opt_in_and_non_enforce_controls(catalog: Catalog) -> None:
    assert catalog.get("PWR-01").enforced_by_default
    assert not catalog.get("ENC-01").enforced_by_default
    assert not catalog.get("FW-03").enforced_by_default
    assert not catalog.get("SW-01").enforced_by_default
    assert not catalog.get("MAN-01").enforced_by_default


# ------------------------------------------------------------------ the loader rejects a broken catalog


def minimal_document() -> dict[str, Any]:
    return {
        "schema_version": 1,
        "seeds": {"gateway": "gateway.txt", "workstation": "workstation.txt"},
        "hipaa_safeguards": {"164.308(a)(7)": "Contingency plan"},
        "controls": [
            {
                "id": "PWR-01",
                "title": "Never sleep on AC power",
                "area": "power",
                "module": "win_power",
                "baselines": ["gateway"],
                "kind": "enforce",
                "enforce_opt_in": False,
                "applies_to": {"physical_only": False, "os": ["server", "client"]},
                "severity": "high",
                "hipaa": ["164.308(a)(7)"],
                "seed": [{"doc": "gateway", "quote": "never sleep"}],
                "expected": "standby timeout 0",
                "mechanism": "powercfg",
                "remediation": "set it to never",
            }
        ],
    }


def write_catalog(directory: Path, document: dict[str, Any]) -> Path:
    path = directory / "controls.yml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def test_minimal_catalog_loads(tmp_path: Path) -> None:
    catalog = load_catalog(write_catalog(tmp_path, minimal_document()))
    control = catalog.get("PWR-01")
    assert control.baselines == ("gateway",)
    assert control.physical_only == ()
    assert control.seed[0].quote == "never sleep"


def test_physical_only_true_means_every_baseline_of_the_control(tmp_path: Path) -> None:
    document = minimal_document()
    control = document["controls"][0]
    control["baselines"] = ["gateway", "workstation"]
    control["applies_to"]["physical_only"] = True
    assert load_catalog(write_catalog(tmp_path, document)).get("PWR-01").physical_only == ("gateway", "workstation")


def _set(key: str, value: object) -> Callable[[dict[str, Any]], None]:
    def mutate(control: dict[str, Any]) -> None:
        control[key] = value

    return mutate


def _delete(key: str) -> Callable[[dict[str, Any]], None]:
    def mutate(control: dict[str, Any]) -> None:
        del control[key]

    return mutate


def _set_applies_to(key: str, value: object) -> Callable[[dict[str, Any]], None]:
    def mutate(control: dict[str, Any]) -> None:
        control["applies_to"][key] = value

    return mutate


BROKEN_ENTRIES = {
    "missing remediation": (_delete("remediation"), "remediation"),
    "misspelt field": (_set("remedation", "x"), "remedation"),
    "unknown kind": (_set("kind", "enforced"), "kind"),
    "unknown severity": (_set("severity", "critical"), "severity"),
    "unknown area": (_set("area", "misc"), "area"),
    "empty baselines": (_set("baselines", []), "baselines"),
    "unknown baseline": (_set("baselines", ["server"]), "baselines"),
    "repeated baseline": (_set("baselines", ["gateway", "gateway"]), "baselines"),
    "opt-in is a string": (_set("enforce_opt_in", "yes"), "enforce_opt_in"),
    "opt-in on an audit control": (lambda c: c.update(kind="audit", enforce_opt_in=True), "enforce_opt_in"),
    "manual kind outside attestations": (_set("kind", "manual"), "module"),
    "attestations module for enforce": (_set("module", "win_attestations"), "module"),
    "module name": (_set("module", "power"), "module"),
    "unknown safeguard": (_set("hipaa", ["164.999"]), "hipaa"),
    "safeguards not a list": (_set("hipaa", "164.308(a)(7)"), "hipaa"),
    "no seed": (_set("seed", []), "seed"),
    "unknown seed document": (_set("seed", [{"doc": "laptop", "quote": "x"}]), "seed[1].doc"),
    "empty quote": (_set("seed", [{"doc": "gateway", "quote": ""}]), "seed[1].quote"),
    "padded quote": (_set("seed", [{"doc": "gateway", "quote": " x"}]), "seed[1].quote"),
    "empty expected": (_set("expected", ""), "expected"),
    "expected not text": (_set("expected", True), "expected"),
    "title too long": (_set("title", "x" * 91), "title"),
    "unknown os": (_set_applies_to("os", ["linux"]), "applies_to.os"),
    "empty os": (_set_applies_to("os", []), "applies_to.os"),
    "physical scope off the baselines": (_set_applies_to("physical_only", ["workstation"]), "applies_to.physical_only"),
    "missing physical scope": (lambda c: c["applies_to"].pop("physical_only"), "applies_to.physical_only"),
    "applies_to not a mapping": (_set("applies_to", ["server"]), "applies_to"),
}


@pytest.mark.parametrize("case", BROKEN_ENTRIES)
def test_broken_entry_raises_value_error_naming_the_control_and_field(tmp_path: Path, case: str) -> None:
    mutate, field = BROKEN_ENTRIES[case]
    document = minimal_document()
    mutate(document["controls"][0])
    with pytest.raises(ValueError, match=r"control PWR-01: field '" + re.escape(field) + "'"):
        load_catalog(write_catalog(tmp_path, document))


def test_malformed_id_is_named(tmp_path: Path) -> None:
    document = minimal_document()
    document["controls"][0]["id"] = "PWR-1"
    with pytest.raises(ValueError, match=r"control PWR-1: field 'id'"):
        load_catalog(write_catalog(tmp_path, document))


def test_duplicate_id_is_rejected(tmp_path: Path) -> None:
    document = minimal_document()
    document["controls"].append(copy.deepcopy(document["controls"][0]))
    with pytest.raises(ValueError, match=r"control PWR-01: field 'id' is not unique"):
        load_catalog(write_catalog(tmp_path, document))


BROKEN_TOP_LEVELS = {
    "schema version": (lambda d: d.update(schema_version=2), "schema_version"),
    "missing seeds": (lambda d: d.pop("seeds"), "seeds"),
    "empty safeguards": (lambda d: d.update(hipaa_safeguards={}), "hipaa_safeguards"),
    "no controls": (lambda d: d.update(controls=[]), "controls"),
    "extra field": (lambda d: d.update(owner="x"), "owner"),
}


@pytest.mark.parametrize("case", BROKEN_TOP_LEVELS)
def test_broken_top_level_raises_value_error_naming_the_field(tmp_path: Path, case: str) -> None:
    mutate, field = BROKEN_TOP_LEVELS[case]
    document = minimal_document()
    mutate(document)
    with pytest.raises(ValueError, match=f"field '{field}'"):
        load_catalog(write_catalog(tmp_path, document))


def test_duplicate_yaml_key_is_rejected(tmp_path: Path) -> None:
    path = write_catalog(tmp_path, minimal_document())
    text = path.read_text(encoding="utf-8").replace("  severity: high\n", "  severity: high\n  severity: low\n")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="duplicate key 'severity'"):
        load_catalog(path)


def test_invalid_yaml_is_a_value_error(tmp_path: Path) -> None:
    path = tmp_path / "controls.yml"
    path.write_text("controls: [\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid YAML"):
        load_catalog(path)
