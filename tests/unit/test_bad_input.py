"""Bad module arguments, for every control module: one clear error naming the argument, before any host contact.

Each case runs the real action plugin with a connection that fails the test if it is used: wrong types, unknown
keys, values out of range, malformed dates and unknown control ids must all stop the task on the controller with
an AnsibleActionFail whose message names the argument. Generated arguments (hypothesis) check the same for any
input: validation either rejects it that way or lets the task go on to contact the host.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

import pytest
from ansible.errors import AnsibleActionFail
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from action_runner import make_action

REPO_ROOT = Path(__file__).resolve().parents[2]
HOST = "gw01.clinic-a"
VALID_EXCEPTION = {"id": "PWR-02", "reason": "vendor tool", "approver": "it@clinic.example", "expires": "2099-12-31"}


class HostContacted(BaseException):
    """Raised by the test connection: validation let the task reach the host. A BaseException, so the transport's
    handling of connection errors lets it through."""


def control_modules() -> dict[str, Any]:
    modules = {}
    for path in sorted((REPO_ROOT / "plugins" / "action").glob("win_*.py")):
        plugin = importlib.import_module(f"ansible_collections.onepacs.baseline.plugins.action.{path.stem}")
        if hasattr(plugin.ActionModule, "AREA"):
            modules[path.stem] = plugin
    return modules


MODULES = control_modules()


class Unreachable:
    """The stand-in connection: any command it is asked to run means validation let the task reach the host."""

    def __init__(self, module: str) -> None:
        self.module = module

    def exec_command(self, *args: Any, **kwargs: Any) -> Any:
        raise HostContacted(self.module)


def run_action(module: str, args: dict[str, Any]) -> tuple[dict[str, Any] | None, MagicMock]:
    action, _play_context = make_action(
        MODULES[module].ActionModule,
        Unreachable(module),
        f"onepacs.baseline.{module}",
        args,
        check_mode=True,
        connection_options={"port": 5986, "remote_user": "labadmin"},
    )
    return action.run(task_vars={"inventory_hostname": HOST}), action._connection


def rejected(module: str, args: dict[str, Any]) -> str:
    """The message of the AnsibleActionFail the arguments must cause, after checking no host was contacted."""
    with pytest.raises(AnsibleActionFail) as caught:
        run_action(module, args)
    message = str(caught.value)
    assert "Traceback" not in message
    return message


def generic_cases() -> list[tuple[str, dict[str, Any], str]]:
    """(module, arguments, text the error must contain) for what every control module takes."""
    cases = []
    for module, plugin in MODULES.items():
        cases += [
            (module, {"bogus_option": 1}, "bogus_option"),
            (module, {"enforce": "perhaps"}, "'enforce'"),
            (module, {"baseline": "server"}, "baseline"),
            (module, {"only": ["PWR-99"]}, "only: 'PWR-99' is not a control id"),
            (module, {"exceptions": "PWR-02"}, "'exceptions'"),
            (module, {"exceptions": [VALID_EXCEPTION | {"id": "XYZ-01"}]}, "exceptions[0].id"),
            (module, {"exceptions": [VALID_EXCEPTION | {"expires": "31/12/2026"}]}, "exceptions[0].expires"),
            (module, {"exceptions": [VALID_EXCEPTION | {"expires": "2026-02-30"}]}, "exceptions[0].expires"),
            (module, {"exceptions": [{"id": "PWR-02", "reason": "r", "expires": "2099-01-01"}]}, "approver"),
        ]
        for option, spec in plugin.ActionModule.AREA.options.items():
            if spec.get("type") == "int":
                cases.append((module, {option: "twelve"}, f"'{option}'"))
            elif spec.get("type") == "bool":
                cases.append((module, {option: "perhaps"}, f"'{option}'"))
            elif spec.get("choices") and spec.get("type") == "str":
                cases.append((module, {option: "sometimes"}, option))
            elif spec.get("type") == "dict":
                cases.append((module, {option: "not a mapping"}, f"'{option}'"))
    return cases


# Values the argspec accepts by type but the area rejects (ranges, formats, ids): (module, arguments, text).
OUT_OF_RANGE = [
    ("win_power", {"standby_timeout_ac_minutes": -1}, "standby_timeout_ac_minutes"),
    ("win_account_policy", {"minimum_password_length": 500}, "minimum_password_length"),
    ("win_account_policy", {"lockout_threshold": 0}, "lockout_threshold"),
    ("win_account_policy", {"lockout_duration_minutes": 15, "lockout_reset_minutes": 30}, "lockout_reset_minutes"),
    ("win_audit_policy", {"security_log_min_size_kb": 100}, "security_log_min_size_kb"),
    ("win_defender", {"scan_schedule_day": 9}, "scan_schedule_day"),
    ("win_defender", {"scan_schedule_time": "25:99"}, "scan_schedule_time"),
    ("win_defender", {"signature_max_age_days": -1}, "signature_max_age_days"),
    ("win_defender", {"extra_exclusion_paths": [""]}, "extra_exclusion_paths[0]"),
    ("win_firewall", {"log_max_size_kilobytes": 0}, "log_max_size_kilobytes"),
    ("win_firewall", {"log_max_size_kilobytes": 40000}, "log_max_size_kilobytes"),
    ("win_firewall", {"management_port": 70000}, "management_port"),
    ("win_firewall", {"extra_rule_allowlist": [{"bogus": "x"}]}, "extra_rule_allowlist.bogus"),
    ("win_firewall", {"extra_rule_allowlist": [{"name": "a", "group": "b"}]}, "extra_rule_allowlist[0]"),
    ("win_host_facts", {"expected_ipv4": "8.8.8.8"}, "expected_ipv4"),
    ("win_host_facts", {"expected_ipv4": "10.0.0.300"}, "expected_ipv4"),
    ("win_host_facts", {"esu_until": "2027-13-45"}, "esu_until"),
    ("win_host_facts", {"onepacs_min_versions": {"gateway": "five"}}, "onepacs_min_versions.gateway"),
    ("win_host_facts", {"onepacs_min_versions": {"viewer": "1.0"}}, "onepacs_min_versions.viewer"),
    ("win_host_facts", {"software_deny": [""]}, "software_deny"),
    ("win_local_accounts", {"unused_account_days": 0}, "unused_account_days"),
    ("win_local_accounts", {"allowed_administrators": [""]}, "allowed_administrators[0]"),
    ("win_network", {"wifi_authentication": ["WEP"]}, "wifi_authentication"),
    ("win_network", {"wifi_authentication": []}, "wifi_authentication"),
    ("win_security_options", {"inactivity_timeout_seconds": 5000}, "inactivity_timeout_seconds"),
    ("win_security_options", {"inactivity_timeout_seconds": 0}, "inactivity_timeout_seconds"),
    ("win_services", {"keep_services": [""]}, "keep_services[0]"),
    ("win_update_policy", {"scheduled_install_time": 25}, "scheduled_install_time"),
    ("win_update_policy", {"scheduled_install_day": 9}, "scheduled_install_day"),
    ("win_update_policy", {"max_update_age_days": 0}, "max_update_age_days"),
    ("win_bitlocker", {"enable_os_volume": True}, "escrow_dir"),
    ("win_bitlocker", {"escrow_dir": "relative/escrow"}, "escrow_dir"),
    ("win_attestations", {"attestations": [{"id": "PWR-01"}]}, "attestations[0]"),
    (
        "win_attestations",
        {"attestations": [{"id": "MAN-04", "attested_by": "x", "date": "2026-99-01", "evidence": "y"}]},
        "attestations[0].date",
    ),
    (
        "win_attestations",
        {"attestations": [{"id": "MAN-04", "attested_by": "x", "date": "2099-01-01", "evidence": "y"}]},
        "attestations[0].date",
    ),
]


@pytest.mark.parametrize(("module", "args", "named"), generic_cases(), ids=lambda value: str(value)[:40])
def test_wrong_types_unknown_keys_dates_and_ids_fail_naming_the_argument(module, args, named):
    assert named in rejected(module, args)


@pytest.mark.parametrize(("module", "args", "named"), OUT_OF_RANGE, ids=lambda value: str(value)[:40])
def test_values_out_of_range_fail_naming_the_argument(module, args, named):
    assert named in rejected(module, args)


def test_every_control_module_is_covered():
    assert len(MODULES) >= 13
    assert {module for module, _, _ in OUT_OF_RANGE} == set(MODULES)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_valid_defaults_reach_the_host(module):
    """The other side: without bad input, validation passes and the task goes on (the connection is used)."""
    with pytest.raises(HostContacted):
        run_action(module, {})


arguments = st.dictionaries(
    st.sampled_from(["enforce", "only", "exceptions", "baseline", "bogus"]),
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=12)
    | st.lists(
        st.text(max_size=8) | st.dictionaries(st.text(max_size=8), st.text(max_size=12), max_size=4), max_size=3
    ),
    max_size=4,
)


@settings(max_examples=150, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(module=st.sampled_from(sorted(MODULES)), args=arguments)
def test_any_arguments_are_rejected_naming_one_or_go_on_to_the_host(module, args):
    try:
        result, connection = run_action(module, args)
    except HostContacted:
        return
    except AnsibleActionFail as exc:
        message = str(exc)
        assert any(name in message for name in (*args, "parameters")), message
        return
    # Nothing to evaluate (only names controls of other modules) or nothing to ask the host.
    assert result is not None
    assert connection.exec_command.call_count == 0
