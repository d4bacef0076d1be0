"""Bad input at fleet scale, end to end: one ansible-playbook run over lab hosts that each carry one mistake in
their inventory variables (for the gateway role) or in a module's arguments.

Every host must fail with one message naming the variable or argument, and the lab must have seen no request at
all from the controller for that host (not one HTTP request, so not even a WinRM shell was opened).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
import yaml

from playbook import PlaybookRun, run_playbook
from winlab.fleet import LabClient, running_lab

pytestmark = pytest.mark.integration

PROFILE = "server2022-core-fresh"
IN_A_MONTH = (dt.date.today() + dt.timedelta(days=30)).isoformat()
EXCEPTION = {"id": "PWR-02", "reason": "vendor tool", "approver": "it@clinic.example", "expires": IN_A_MONTH}
ATTESTATION = {"id": "MAN-04", "attested_by": "j.doe", "date": "2026-01-10", "evidence": "photo"}
TOMORROW = (dt.date.today() + dt.timedelta(days=1)).isoformat()
# host -> (its bad inventory variables for the gateway role, text the failure must contain)
ROLE_CASES: dict[str, tuple[dict[str, Any], str]] = {
    "role-wrong-type": ({"onepacs_gateway_power_hibernation": "sometimes"}, "onepacs_gateway_power_hibernation"),
    "role-wrong-int": (
        {"onepacs_gateway_updates_scheduled_install_time": "3am"},
        "onepacs_gateway_updates_scheduled_install_time",
    ),
    "role-wrong-choice": (
        {"onepacs_gateway_accounts_administrators_mode": "sometimes"},
        "onepacs_gateway_accounts_administrators_mode",
    ),
    "role-wrong-list": (
        {"onepacs_gateway_accounts_allowed_accounts": {"a": 1}},
        "onepacs_gateway_accounts_allowed_accounts",
    ),
    "role-unknown-key": (
        {"onepacs_exceptions": [EXCEPTION | {"approved_by": "x"}]},
        "onepacs_exceptions[0]: unknown field(s) approved_by",
    ),
    "role-shared-typo": (
        {"onepacs_exception": [EXCEPTION]},
        "onepacs_exception: not a variable of the baseline roles, so nothing reads it (did you mean "
        "onepacs_exceptions?)",
    ),
    "role-waiver-too-long": (
        {"onepacs_exceptions": [EXCEPTION | {"expires": "2099-12-31"}]},
        "onepacs_exceptions[0].expires: 2099-12-31 is more than 365 days away",
    ),
    "role-loose-id": (
        {"onepacs_exceptions_clinic": [EXCEPTION | {"id": "MAN-4"}]},
        "onepacs_exceptions_clinic[0].id: 'MAN-4' is not a control id of the catalog (did you mean MAN-04?)",
    ),
    "role-missing-key": (
        {"onepacs_exceptions": [{key: value for key, value in EXCEPTION.items() if key != "expires"}]},
        "expires",
    ),
    "role-bad-date": (
        {"onepacs_exceptions": [EXCEPTION | {"expires": "31/12/2026"}]},
        "onepacs_exceptions[0].expires: '31/12/2026' is not a date in YYYY-MM-DD form",
    ),
    "role-unknown-id": (
        {"onepacs_exceptions": [EXCEPTION | {"id": "PWR-99"}]},
        "onepacs_exceptions[0].id: 'PWR-99' is not a control id of the catalog",
    ),
    "role-future-attestation": (
        {"onepacs_attestations": [ATTESTATION | {"date": TOMORROW}]},
        f"onepacs_attestations[0].date: {TOMORROW} is in the future",
    ),
    "role-not-manual": (
        {"onepacs_attestations": [ATTESTATION | {"id": "PWR-01"}]},
        "onepacs_attestations[0].id: PWR-01 is not a manual control",
    ),
}
# host -> (module, its bad arguments, text the failure must contain)
MODULE_CASES: dict[str, tuple[str, dict[str, Any], str]] = {
    "module-unknown-key": ("win_power", {"hibernate": False}, "Unsupported parameters"),
    "module-wrong-type": (
        "win_security_options",
        {"inactivity_timeout_seconds": "fifteen"},
        "inactivity_timeout_seconds",
    ),
    "module-out-of-range": ("win_update_policy", {"scheduled_install_time": 25}, "scheduled_install_time: must be"),
    "module-bad-date": ("win_host_facts", {"esu_until": "2027-13-45"}, "esu_until: '2027-13-45' is not a date"),
    "module-unknown-id": ("win_power", {"only": ["PWR-99"]}, "only: 'PWR-99' is not a control id of the catalog"),
    "module-bad-rule": (
        "win_firewall",
        {"extra_rule_allowlist": [{"name": "a", "group": "b"}]},
        "extra_rule_allowlist[0]",
    ),
}


def playbook() -> str:
    tasks = [
        {
            "name": "The gateway role with this host's variables",
            "ansible.builtin.include_role": {"name": "onepacs.baseline.gateway"},
            "when": "inventory_hostname.startswith(('role-', 'gap-'))",
        }
    ]
    for host, (module, args, _) in MODULE_CASES.items():
        tasks.append(
            {
                "name": f"{module} for {host}",
                f"onepacs.baseline.{module}": args,
                "when": f"inventory_hostname == '{host}'",
            }
        )
    return yaml.safe_dump([{"name": "One mistake per host", "hosts": "all", "gather_facts": False, "tasks": tasks}])


# Mistakes not caught before the host is contacted yet (docs/reliability.md, "Not covered yet"): the roles do not
# hand their area arguments to validate_inputs, so a value of the right type but out of range fails only at its
# area's task, after the earlier areas ran, naming the module option; a misspelled variable is ignored.
# The other areas are switched off on these hosts to keep the run short.
AREAS = ("host_facts", "power", "antivirus", "encryption", "firewall", "updates", "services", "security_options")
AREAS += ("password_policy", "accounts", "logging", "attestations")


def only_areas(*kept: str) -> dict[str, bool]:
    return {f"onepacs_gateway_{area}_enabled": area in kept for area in AREAS}


ROLE_VARIABLE_CASES: dict[str, tuple[dict[str, Any], str]] = {
    "gap-out-of-range": (
        only_areas("power", "security_options") | {"onepacs_gateway_security_options_inactivity_timeout_seconds": 5000},
        "onepacs_gateway_security_options_inactivity_timeout_seconds",
    ),
    "gap-misspelled": (
        only_areas("power") | {"onepacs_gateway_power_hibernaton": True},
        "onepacs_gateway_power_hibernaton",
    ),
}


@dataclass
class Mistakes:
    lab: LabClient
    run: PlaybookRun


@pytest.fixture(scope="module")
def mistakes(tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("bad-input")
    with running_lab(work / "lab", dict.fromkeys([*ROLE_CASES, *ROLE_VARIABLE_CASES, *MODULE_CASES], PROFILE)) as lab:
        inventory = yaml.safe_load(lab.inventory.read_text())
        for host, (variables, _) in (ROLE_CASES | ROLE_VARIABLE_CASES).items():
            inventory["all"]["children"]["lab"]["hosts"][host].update(variables)
        inventory_path = lab.state_dir / "mistakes.yml"
        inventory_path.write_text(yaml.safe_dump(inventory))
        playbook_path = work / "mistakes.yml"
        playbook_path.write_text(playbook())
        yield Mistakes(lab, run_playbook(playbook_path, inventory_path, work / "run", "--forks", "18"))


def failure_messages(run: PlaybookRun, host: str) -> list[str]:
    return [event["result"]["msg"] for event in run.events if event["host"] == host and event["status"] == "failed"]


def test_every_mistake_fails_its_host_naming_it_before_the_host_is_contacted(mistakes: Mistakes):
    run = mistakes.run
    assert run.rc != 0
    assert "Traceback" not in run.stdout + run.stderr
    expected = {host: named for host, (_, named) in ROLE_CASES.items()}
    expected |= {host: named for host, (_, _, named) in MODULE_CASES.items()}
    for host, named in expected.items():
        assert run.recap[host]["failed"] == 1, (host, run.recap[host])
        (message,) = failure_messages(run, host)
        assert named in message, host
        assert mistakes.lab.stats(host)["http_requests"] == 0, f"{host} was contacted"


def test_a_role_variable_out_of_range_fails_naming_it_before_the_host_is_contacted(mistakes: Mistakes):
    host = "gap-out-of-range"
    _, named = ROLE_VARIABLE_CASES[host]
    assert any(named in message for message in failure_messages(mistakes.run, host))
    assert mistakes.lab.stats(host)["http_requests"] == 0


def test_a_misspelled_role_variable_fails_naming_it_before_the_host_is_contacted(mistakes: Mistakes):
    host = "gap-misspelled"
    _, named = ROLE_VARIABLE_CASES[host]
    assert any(named in message for message in failure_messages(mistakes.run, host))
    assert mistakes.lab.stats(host)["http_requests"] == 0


ALL_AT_ONCE = "role-all-at-once"


@pytest.fixture(scope="module")
def many_mistakes(tmp_path_factory: pytest.TempPathFactory):
    """One host with five mistakes in four variables, run in enforce mode (the mistakes must stop it)."""
    work = tmp_path_factory.mktemp("all-at-once")
    with running_lab(work / "lab", {ALL_AT_ONCE: PROFILE}) as lab:
        inventory = yaml.safe_load(lab.inventory.read_text())
        inventory["all"]["children"]["lab"]["hosts"][ALL_AT_ONCE].update(
            {
                "onepacs_exceptions": [EXCEPTION | {"id": "MAN-4"}, EXCEPTION | {"expires": "31/12/2026"}],
                "onepacs_exceptions_clinic": [{"id": "PWR-01"}],
                "onepacs_attestations": [ATTESTATION | {"date": TOMORROW}],
                "onepacs_gateway_power_hibernaton": True,
            }
        )
        inventory_path = lab.state_dir / "many.yml"
        inventory_path.write_text(yaml.safe_dump(inventory))
        playbook_path = work / "many.yml"
        playbook_path.write_text(playbook())
        yield Mistakes(lab, run_playbook(playbook_path, inventory_path, work / "run"))


def test_every_input_error_of_a_host_comes_in_one_message_without_an_argument_spec_dump(many_mistakes: Mistakes):
    (message,) = failure_messages(many_mistakes.run, ALL_AT_ONCE)
    assert message.startswith(f"5 input errors for {ALL_AT_ONCE} (no host was contacted):"), message
    for expected in (
        "onepacs_gateway_power_hibernaton: not a variable of this role (did you mean "
        "onepacs_gateway_power_hibernation?)",
        "onepacs_exceptions[0].id: 'MAN-4' is not a control id of the catalog (did you mean MAN-04?)",
        "onepacs_exceptions[1].expires: '31/12/2026' is not a date in YYYY-MM-DD form",
        "onepacs_exceptions_clinic[0].reason: is required",
        f"onepacs_attestations[0].date: {TOMORROW} is in the future",
    ):
        assert expected in message
    assert "argument_spec" not in many_mistakes.run.stdout
    assert many_mistakes.lab.stats(ALL_AT_ONCE)["http_requests"] == 0
