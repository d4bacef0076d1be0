"""Property-based tests of every area's reading of op results: answers of the wrong shape never crash a run.

For each Area of a control module (found through plugins/action/win_*.py ActionModule.AREA), hypothesis draws
1,000 seeds; each seed turns the real probe results of a lab profile into wrong-shape ones (keys dropped, types
swapped, junk values, hostile strings, op errors with unexpected codes). The run loop's evaluation step must give
findings that become valid control records, or one clear per-host error ("malformed agent response"), never an
exception. Every read-back of every fix must also cope with any value.

Drawing a seed and mutating with random.Random(seed) keeps each case cheap; derandomize=True and no example
database make every run try the same cases.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import math
import random
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from action_runner import run_action_plugin
from ansible_collections.onepacs.baseline.plugins.plugin_utils._catalog import load_catalog
from ansible_collections.onepacs.baseline.plugins.plugin_utils._control_action import evaluate_results
from ansible_collections.onepacs.baseline.plugins.plugin_utils._engine import Policy, conclude, decide
from ansible_collections.onepacs.baseline.plugins.plugin_utils._findings import Finding
from ansible_collections.onepacs.baseline.plugins.plugin_utils._records import Status
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent import _framing as framing
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._transport import ERROR_CODES, AgentError, OpResult
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._area import (
    Area,
    Connection,
    InvalidOptionError,
    module_argument_spec,
)
from winlab.simulator import SimulatedHost

REPO_ROOT = Path(__file__).resolve().parents[2]
HOST = "gw01.clinic-a"
PROFILES = ("server2019-fresh", "server2022-core-hardened", "win11-24h2-fresh", "win10-22h2-x86-fresh")
#: Opt-ins that make the areas plan fixes they would not plan by default, so more of their code runs.
OPT_INS: dict[str, dict[str, Any]] = {
    "win_firewall": {"rule_allowlist_mode": "enforce", "create_management_rule": True},
    "win_local_accounts": {"administrators_mode": "enforce", "unused_accounts_mode": "enforce"},
    "win_bitlocker": {"enable_os_volume": True, "escrow_dir": "/nonexistent-onepacs-escrow"},
    "win_host_facts": {"software_deny": ["*Chrome*"], "onepacs_min_versions": {"gateway": "9.0"}},
}
HOSTILE = (
    'O\'Brien "quoted" `back`',
    "line one\nline two\r\nthree",
    "\x00\x07\x1b[31mred\x1b[0m\x7f",
    "<script>alert(1)</script>&amp;",
    "{{ lookup('pipe', 'id') }}",
    "\u202eevil\u200b\ufeff",
    "\ud800",
    "x" * 5000,
)
JUNK = (None, True, False, 0, -1, 2**63, 1.5, math.nan, math.inf, "", "0", "true", [], {}, [None], {"": None})
CASES = settings(
    max_examples=1000, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)


def control_areas() -> dict[str, type[Area]]:
    areas = {}
    for path in sorted((REPO_ROOT / "plugins" / "action").glob("win_*.py")):
        module = importlib.import_module(f"ansible_collections.onepacs.baseline.plugins.action.{path.stem}")
        area = getattr(module.ActionModule, "AREA", None)
        if area is not None:
            areas[path.stem] = area
    return areas


AREAS = control_areas()


def make_area(module: str, host_facts: Any = None) -> Area:
    params = ArgumentSpecValidator(module_argument_spec(AREAS[module])).validate(OPT_INS.get(module, {}))
    assert not params.error_messages, params.error_messages
    values = dict(params.validated_parameters)
    if host_facts is not None:
        values["host_facts"] = host_facts
    return AREAS[module](values, Connection(user="labadmin", port=5985))


@cache
def real_results(module: str) -> tuple[dict[str, OpResult], ...]:
    """What each lab profile answers to the area's probe."""
    answers = []
    for profile in PROFILES:
        probe = make_area(module).probe_ops()
        response = SimulatedHost.from_profile(profile).execute({"v": 1, "ops": list(probe.values())})
        answers.append(
            {
                key: OpResult(ok=raw["ok"], value=raw.get("value"), code=raw.get("code"), error=raw.get("error"))
                for key, raw in zip(probe, response["results"], strict=True)
            }
        )
    return tuple(answers)


@cache
def real_host_facts() -> tuple[dict[str, Any], ...]:
    facts = []
    for results in real_results("win_host_facts"):
        produced = make_area("win_host_facts").facts(results)
        assert produced is not None
        facts.append(produced["onepacs_host"])
    return tuple(facts)


def junk(rng: random.Random) -> Any:
    if rng.random() < 0.3:
        return rng.choice(HOSTILE)
    value = rng.choice(JUNK)
    return json.loads(json.dumps(value)) if isinstance(value, list | dict) else value


def mutate(value: Any, rng: random.Random, depth: int = 0) -> Any:
    """value with one random part changed: a key dropped or added, a type swapped, a leaf replaced by junk."""
    if depth > 6 or rng.random() < 0.15:
        return junk(rng)
    if isinstance(value, dict | list) and value:
        # A part is dropped, junk added, or one part mutated; a dict's keys are dropped a little more often.
        is_dict = isinstance(value, dict)
        copy: dict[Any, Any] | list[Any] = dict(value) if is_dict else list(value)
        where = rng.choice(list(copy)) if is_dict else rng.randrange(len(copy))
        drop, add = (0.25, 0.35) if is_dict else (0.2, 0.3)
        action = rng.random()
        if action < drop:
            del copy[where]
        elif action < add:
            extra = junk(rng)
            if isinstance(copy, dict):
                copy[rng.choice(HOSTILE)] = extra
            else:
                copy.append(extra)
        else:
            copy[where] = mutate(copy[where], rng, depth + 1)
        return copy
    if isinstance(value, str):
        return rng.choice([*HOSTILE, value + rng.choice(HOSTILE), None, 7])
    return junk(rng)


def wrong_shape(result: OpResult, rng: random.Random) -> OpResult:
    roll = rng.random()
    if roll < 0.2:
        return result
    if roll < 0.75:
        value = result.value if result.ok else junk(rng)
        return OpResult(ok=True, value=mutate(value, rng))
    if roll < 0.85:
        return OpResult(ok=True, value=junk(rng))
    return OpResult(ok=False, code=rng.choice(sorted(ERROR_CODES)), error=rng.choice(HOSTILE))


def assert_records_from(module: str, findings: list[Finding], rng: random.Random) -> None:
    catalog = load_catalog()
    own = {control.id for control in catalog.for_module(module)}
    assert all(isinstance(finding, Finding) and finding.control_id in own for finding in findings)
    policy = Policy(today=dt.date.today(), check_mode=True, enforce=True)
    for record in conclude(decide(findings, catalog, policy)):
        as_dict = record.to_dict()
        assert as_dict["status"] in set(Status)
        json.dumps(as_dict, default=repr)
    for finding in findings:
        for change in finding.changes:
            verified, _ = change.verify(junk(rng))
            assert isinstance(verified, bool)


def outcome(module: str, area: Area, results: Mapping[str, OpResult]) -> tuple[list[Finding], Any] | AgentError:
    wanted = {control.id for control in load_catalog().for_module(module)}
    try:
        return evaluate_results(HOST, area, results, wanted)
    except AgentError as exc:
        return exc


def assert_clear_error(error: AgentError) -> None:
    message = str(error)
    assert message.startswith(f"{HOST}: malformed agent response: ")
    assert len(message) < 600
    assert "Traceback" not in message


PROBING = [module for module in AREAS if make_area(module).probe_ops()]


@pytest.mark.parametrize("module", PROBING)
@CASES
@given(seed=st.integers(0, 2**32 - 1))
def test_wrong_shape_results_give_records_or_one_clear_error(module, seed):
    rng = random.Random(seed)
    real = rng.choice(real_results(module))
    results = {key: wrong_shape(result, rng) for key, result in real.items()}
    area = make_area(module)

    result = outcome(module, area, results)

    if isinstance(result, AgentError):
        assert_clear_error(result)
        return
    findings, facts = result
    assert_records_from(module, findings, rng)
    if facts is not None:
        json.dumps(facts, default=repr)


@CASES
@given(seed=st.integers(0, 2**32 - 1))
def test_wrong_shape_host_facts_give_attestation_records_or_one_clear_error(seed):
    """win_attestations reads no op results but the host facts win_host_facts gathered: the same rule holds."""
    rng = random.Random(seed)
    facts = mutate(rng.choice(real_host_facts()), rng)
    if facts is not None and not isinstance(facts, Mapping):  # an option error naming host_facts
        with pytest.raises(InvalidOptionError, match=r"^host_facts: "):
            make_area("win_attestations", host_facts=facts)
        return
    area = make_area("win_attestations", host_facts=facts)
    result = outcome("win_attestations", area, {})
    if isinstance(result, AgentError):
        assert_clear_error(result)
        return
    assert_records_from("win_attestations", result[0], rng)


def test_every_control_module_with_an_area_is_fuzzed():
    assert len(AREAS) >= 13
    assert set(AREAS) - set(PROBING) == {"win_attestations"}


@pytest.mark.parametrize("module", PROBING)
def test_the_real_answers_of_every_profile_evaluate_without_the_safety_net(module):
    """The guard is for broken answers only: what the lab profiles answer must evaluate cleanly."""
    for results in real_results(module):
        findings, _ = evaluate_results(
            HOST, make_area(module), results, {c.id for c in load_catalog().for_module(module)}
        )
        assert findings


# ---- the run loop turns an area's exception into error records (regression) ------------------------------------


class CorruptingConnection:
    """Answers from a simulated host, with the value of every op named in `corrupt` replaced."""

    def __init__(self, profile: str, corrupt: dict[str, Any]) -> None:
        self.host = SimulatedHost.from_profile(profile)
        self.corrupt = corrupt
        self.calls = 0

    def exec_command(self, cmd: str, in_data: bytes | None = None, sudoable: bool = True) -> tuple[int, bytes, bytes]:
        self.calls += 1
        assert in_data is not None
        request = json.loads(in_data.decode("ascii").split(framing.REQUEST_SEPARATOR + "\n", 1)[1])
        response = self.host.execute(request)
        for op, result in zip(request["ops"], response["results"], strict=True):
            if op["op"] in self.corrupt:
                result.clear()
                result.update(ok=True, value=self.corrupt[op["op"]])
        body = json.dumps(response)
        return 0, f"{framing.RESULT_BEGIN}\r\n{body}\r\n{framing.RESULT_END}\r\n".encode(), b""


def run_action(module: str, connection: CorruptingConnection, facts: dict[str, Any] | None = None) -> dict[str, Any]:
    plugin = importlib.import_module(f"ansible_collections.onepacs.baseline.plugins.action.{module}")
    return run_action_plugin(
        plugin.ActionModule,
        connection,
        f"onepacs.baseline.{module}",
        host=HOST,
        check_mode=True,
        connection_options={"port": 5986, "remote_user": "labadmin"},
        task_vars={"ansible_facts": facts or {}},
    )


def test_an_area_that_cannot_read_an_answer_fails_its_controls_with_the_cause():
    result = run_action("win_power", CorruptingConnection("server2022-desktop-fresh", {"power.query": "garbage"}))

    assert result["failed"] is True
    assert result["msg"].startswith(f"{HOST}: malformed agent response: the op results do not have the shape")
    assert {record["status"] for record in result["controls"]} == {"error"}
    assert {record["id"] for record in result["controls"]} == {"PWR-01", "PWR-02", "PWR-03"}
    assert result["changed"] is False


def test_a_system_info_of_the_wrong_shape_fails_the_controls_with_the_cause():
    connection = CorruptingConnection("server2019-fresh", {"system.info": {"product_type": "server", "is_virtual": 0}})

    result = run_action("win_bitlocker", connection)

    assert connection.calls == 1
    assert result["failed"] is True
    assert "malformed agent response" in result["msg"]
    assert {record["status"] for record in result["controls"]} == {"error"}


def test_host_facts_of_the_wrong_shape_from_an_earlier_task_fail_the_controls_with_the_cause():
    facts = {"onepacs_host": {"system": {"product_type": [], "is_virtual": "maybe"}}}

    result = run_action("win_bitlocker", CorruptingConnection("server2019-fresh", {}), facts)

    assert result["failed"] is True
    assert "malformed agent response" in result["msg"]
    assert {record["status"] for record in result["controls"]} == {"error"}
