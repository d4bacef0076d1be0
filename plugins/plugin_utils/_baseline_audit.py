"""A whole baseline in one command per host to audit it, two to enforce it (win_baseline).

Each area still runs as its own action plugin (onepacs.baseline.win_<area>, loaded through Ansible's action
loader), so every control is decided by the same Area class and engine as with one task per area; only the round
trips are shared:

1. Plan: each area action runs until its first host call, which is recorded instead of sent.
2. Probe: the recorded ops, identical ones once, go to the host in ONE command.
3. Evaluate: each area action runs again and its probe call is answered from that response. Host facts come
   first and are passed on in task_vars, as they would be between two tasks of a play. An area with drifted
   controls to fix (outside check mode, with enforce) stops at its apply call, which is recorded.
4. Apply: the recorded fixes of every area go to the host in ONE more command, in area order, each area's ops in
   the order the area gave them. An op's failure is that op's result, so one area's failed fix never stops the
   others'; a lost connection or an unreadable answer is handed to every area that had fixes in the command.
5. Conclude: each area that applied runs once more, its probe and apply calls answered from the two responses,
   and concludes its records exactly as it does on its own.

Between 4 and 5 is where a confirm step belongs (the commit-confirmed issue, not built here): the applied ops and
their results of every area are at hand in `_ModuleRun.apply_ops` / `_ModuleRun.apply_results`, and the host has
not been contacted since.

Two kinds of area apply on their own, as their own task would, in step 3: an area whose fix needs controller work
between two host steps (it overrides ControlAction._apply_changes; BitLocker escrows the recovery password before
protection goes on), and an area that returns facts (later areas read them, so it must be complete before they
run). With the roles' defaults neither sends a fix (BitLocker's is an opt-in; host facts are audit only), so
enforcing any lab profile costs at most two commands (tests/unit/plugins/action/test_win_baseline_paths.py).

Measured on the lab (docs/performance.md): ansible-core spends about as much controller CPU on each task of each
host as the agent spends answering all the probes, so removing tasks is what makes fleet audits cheap.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import json
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ansible.errors import AnsibleActionFail, AnsibleConnectionFailure, AnsibleError
from ansible.plugins.action import ActionBase

from ._action_loading import load_action
from ._catalog import Catalog, load_catalog
from ._common_options import COMMON_OPTIONS
from ._control_action import ControlAction
from ._exceptions import DEFAULT_MAX_DAYS
from ._host_text import clean_result
from ._records import Status
from ._role_inputs import (
    InputProblems,
    SharedInputs,
    attestation_entry,
    check_area_settings,
    host_inputs,
    shared_variables,
    unknown_variable_errors,
)
from .agent._bounds import Bounds, InvalidBoundError, bounded, bounds_from
from .agent._transport import AgentError, OpResult, run_ops
from .areas._area import Area
from .areas._lifecycle import load_table

COLLECTION = "onepacs.baseline"
HOST_FACTS_MODULE = "win_host_facts"
ATTESTATIONS_MODULE = "win_attestations"
#: Keys of an `areas` entry that are not options of the area module: the switch that turns the area off, and the
#: tags of its task in the role's per-area mode (with them, --tags and --skip-tags select the area here too).
ENABLED_KEY = "enabled"
TAGS_KEY = "tags"
#: What `areas` keeps of each area's result. Records, facts and diffs are returned once, merged; repeating them
#: would double the result that Ansible pickles and copies for every host.
AREA_RESULT_KEYS = ("msg", "summary", "changed", "failed", "reboot_required", "unreachable")

OPTIONS: dict[str, dict[str, Any]] = {
    **COMMON_OPTIONS,
    "baseline": {"type": "str", "choices": ["gateway", "workstation"], "required": True},
    # Area module name (win_power, ...) -> that module's own options, plus `enabled` (default true) and `tags`.
    "areas": {"type": "dict", "default": {}},
    # The role variables behind the options, checked as validate_inputs checks them, before the host is contacted.
    "role_inputs": {
        "type": "dict",
        "options": {
            "variable_prefix": {"type": "str", "required": True},
            "role_variables": {"type": "list", "elements": "str", "required": True},
            "setting_variables": {"type": "dict", "default": {}},
            "exceptions_variable": {"type": "str", "default": "onepacs_exceptions"},
            "attestations_variable": {"type": "str", "default": "onepacs_attestations"},
            "max_waiver_days_variable": {"type": "str", "default": "onepacs_max_waiver_days"},
        },
    },
}


def _warm_up() -> None:
    """Parse the catalog and import every area's action plugin when Ansible loads this plugin.

    Ansible's strategy imports a task's action plugin in the controller's main process, and every host's worker
    is a fork of that process: what is loaded here is inherited by all of them instead of being parsed and
    imported again per host (most of the controller CPU of a task otherwise; docs/performance.md). A broken
    catalog or plugin still fails the task, when it runs.
    """
    actions_package = __name__.rsplit(".plugin_utils.", 1)[0] + ".action"
    with contextlib.suppress(ImportError, ValueError, OSError):
        for module in sorted({control.module for control in load_catalog().controls}):
            importlib.import_module(f"{actions_package}.{module}")
    # The OS lifecycle table (win_host_facts, SYS-01) is YAML too: parsed per host it was a fifth of a worker's CPU.
    with contextlib.suppress(ValueError, OSError):
        load_table()


class _ProbePlanned(Exception):
    """Stops an area action at its probe call during planning; carries the ops it would have sent."""

    def __init__(self, ops: Sequence[dict[str, Any]]) -> None:
        super().__init__("probe planned")
        self.ops = list(ops)


class _ApplyPlanned(Exception):
    """Stops an area action at its apply call during evaluation; carries the fix ops it would have sent."""

    def __init__(self, ops: Sequence[dict[str, Any]]) -> None:
        super().__init__("apply planned")
        self.ops = list(ops)


def op_key(op: Mapping[str, Any]) -> str:
    """Identity of an op: equal ops from two areas (system.info, the same registry value) are sent once."""
    return json.dumps(op, sort_keys=True, separators=(",", ":"))


def baseline_modules(catalog: Catalog, baseline: str) -> list[str]:
    """The area modules that evaluate controls of the baseline: host facts first (later areas reuse them),
    attestations last (they show evidence from the host facts), the others in catalog order."""
    modules = list(dict.fromkeys(control.module for control in catalog.for_baseline(baseline)))
    first = [module for module in modules if module == HOST_FACTS_MODULE]
    last = [module for module in modules if module == ATTESTATIONS_MODULE]
    return first + [module for module in modules if module not in (HOST_FACTS_MODULE, ATTESTATIONS_MODULE)] + last


def short_module_name(name: str) -> str:
    """'onepacs.baseline.win_power' or 'win_power' -> 'win_power'."""
    return name.removeprefix(f"{COLLECTION}.")


def runs_with_tags(tags: Collection[str], run_tags: Collection[str], skip_tags: Collection[str]) -> bool:
    """Whether Ansible runs a task with these tags (neither `always` nor `never`) under --tags and --skip-tags,
    as its Taggable.evaluate_tags decides (special tags `all` and `tagged` included)."""
    tags, run, skip = set(tags), set(run_tags) or {"all"}, set(skip_tags)
    selected = "all" in run or bool(tags & run) or ("tagged" in run and bool(tags))
    skipped = "all" in skip or bool(tags & skip) or ("tagged" in skip and bool(tags))
    return selected and not skipped


def area_arguments(
    modules: Sequence[str],
    areas: Mapping[str, Any],
    common: Mapping[str, Any],
    selected_by_tags: Callable[[str, Sequence[str]], bool] = lambda module, tags: True,
) -> list[tuple[str, dict[str, Any]]]:
    """(module, task args) of every enabled area, in `modules` order: the common options, then the area's own.
    An area with `tags` runs only when `selected_by_tags(module, tags)` says its per-area task would run.

    Raises AnsibleActionFail for an area the baseline does not have, or an entry that is not a mapping."""
    given: dict[str, Mapping[str, Any]] = {}
    for name, raw_entry in areas.items():
        module = short_module_name(str(name))
        if module not in modules:
            raise AnsibleActionFail(
                f"areas: {name!r} is not an area module of this baseline; expected one of {', '.join(modules)}"
            )
        entry = {} if raw_entry is None else raw_entry
        if not isinstance(entry, Mapping):
            raise AnsibleActionFail(f"areas.{name}: expected a mapping of {module} options, got {entry!r}")
        given[module] = entry
    selected = []
    for module in modules:
        options = dict(given.get(module, {}))
        enabled = options.pop(ENABLED_KEY, True)
        if not isinstance(enabled, bool):
            raise AnsibleActionFail(f"areas.{module}.{ENABLED_KEY}: expected true or false, got {enabled!r}")
        tags = options.pop(TAGS_KEY, None)
        if tags is not None and (not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags)):
            raise AnsibleActionFail(f"areas.{module}.{TAGS_KEY}: expected a list of tags, got {tags!r}")
        if enabled and (tags is None or selected_by_tags(module, tags)):
            selected.append((module, {**common, **options}))
    return selected


def check_role_inputs(
    inputs: Mapping[str, Any],
    areas: Mapping[str, Any],
    task_vars: Mapping[str, Any],
    render: Callable[[Any], Any],
    *,
    audit_only: bool,
) -> tuple[SharedInputs, list[str]]:
    """The checks of validate_inputs, naming the role variable at fault, so that the single-command audit needs
    no task of its own for them: the role variables, then the host's merged and scoped waivers and attestations
    (returned, with one message per entry left out). Raises AnsibleActionFail as validate_inputs fails."""
    settings_variables = inputs["setting_variables"] or {}
    role = InputProblems(errors=unknown_variable_errors(task_vars, inputs["variable_prefix"], inputs["role_variables"]))
    for name, entry in areas.items():
        module = short_module_name(str(name))
        variables = settings_variables.get(module) or {}
        # The options behind role variables; the others (attestations) come from the shared variables below.
        options = {key: value for key, value in (entry or {}).items() if key in variables and key != ENABLED_KEY}
        enabled = (entry or {}).get(ENABLED_KEY, True)
        if not isinstance(enabled, bool):
            role.errors.append(f"{variables.get(ENABLED_KEY, module)}: expected true or false")
        role.check(
            lambda module=module, options=options, variables=variables: check_area_settings(module, options, variables)
        )
    max_days = render(task_vars.get(inputs["max_waiver_days_variable"], DEFAULT_MAX_DAYS))
    if isinstance(max_days, bool) or not isinstance(max_days, int) or max_days < 1:
        role.errors.append(f"{inputs['max_waiver_days_variable']}: must be a whole number of days, at least 1")
        max_days = DEFAULT_MAX_DAYS
    shared, left_out = host_inputs(
        shared_variables(task_vars, render), task_vars, today=dt.date.today(), max_days=max_days
    )
    if role.errors or (left_out and not audit_only):
        host = str(task_vars.get("inventory_hostname", "this host"))
        raise AnsibleActionFail(InputProblems(errors=role.errors + left_out).message(host))
    return shared, left_out


@dataclass
class _ModuleRun:
    """One area module of the run: its action plugin, its probe and apply ops, and its result once it ran."""

    module: str
    action: ControlAction | None
    result: dict[str, Any] = field(default_factory=dict)
    probe: list[dict[str, Any]] = field(default_factory=list)
    #: Task vars the area runs with (the play's, plus the facts of the areas before it).
    task_vars: dict[str, Any] = field(default_factory=dict)
    #: Fix ops the area sends in the shared apply command, and their results (or why there are none).
    apply_ops: list[dict[str, Any]] = field(default_factory=list)
    apply_results: list[OpResult] = field(default_factory=list)
    apply_failure: AgentError | AnsibleConnectionFailure | None = None


def applies_in_shared_command(action: ControlAction) -> bool:
    """Whether the area's fixes can wait for the shared apply command: not when the fix needs controller work
    between host steps (an _apply_changes of its own) or when later areas read facts the area returns."""
    return type(action)._apply_changes is ControlAction._apply_changes and type(action).AREA.facts is Area.facts


def _merge_diffs(diffs: Sequence[Mapping[str, Any]], header: str) -> dict[str, Any] | None:
    if not diffs:
        return None
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for diff in diffs:
        before.update(diff.get("before") or {})
        after.update(diff.get("after") or {})
    return {"before": before, "after": after, "before_header": header, "after_header": header}


def _summary(areas: Sequence[_ModuleRun]) -> dict[str, int]:
    """Counts per status over every area, every status present (zero included), as each area reports them."""
    totals = {str(status): 0 for status in Status}
    for area in areas:
        for status, count in (area.result.get("summary") or {}).items():
            totals[status] = totals.get(status, 0) + int(count)
    return totals


class BaselineAction(ActionBase):
    """win_baseline: every area module of a baseline, their probes in one command per host."""

    TRANSFERS_FILES = False
    _requires_connection = True
    _supports_check_mode = True
    _supports_async = False
    #: The host's output and time bounds, read from its variables by run() (agent/_bounds.py).
    _bounds: Bounds = Bounds()

    def _load_action(self, name: str, task: Any) -> Any:
        """An action plugin by its full name, as Ansible loads one for a task (None when there is none)."""
        return load_action(self, name, task)

    def _area_action(self, module: str, args: dict[str, Any]) -> ControlAction:
        """The area's own action plugin, for a copy of this task with the area's arguments."""
        task = self._task.copy()
        task.args = args
        action = self._load_action(f"{COLLECTION}.{module}", task)
        if not isinstance(action, ControlAction):
            raise AnsibleActionFail(f"{COLLECTION}.{module} is not a control module of this collection")
        return action

    def _send(self, host: str, ops: Sequence[dict[str, Any]]) -> list[OpResult]:
        """One command on the host (the only place this action talks to it); counted for the result."""
        self._commands += 1
        with bounded(self._connection, self._bounds) as execute:  # bounds hook: agent/_bounds.py
            return run_ops(execute, host, ops)

    def run(self, tmp: str | None = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        task_vars = dict(task_vars or {})
        host = str(task_vars.get("inventory_hostname", self._connection._play_context.remote_addr))
        self._commands = 0
        try:
            self._bounds = bounds_from(task_vars)
        except InvalidBoundError as exc:
            raise AnsibleActionFail(str(exc)) from None
        _validation, params = self.validate_argument_spec(argument_spec=OPTIONS)
        catalog = load_catalog()
        common = {name: params[name] for name in COMMON_OPTIONS}
        areas = params["areas"]
        if params["role_inputs"]:
            areas = self._options_from_role_variables(params["role_inputs"], areas, task_vars)
            audit_only = bool(self._play_context.check_mode) or not common["enforce"]
            shared, left_out = check_role_inputs(
                params["role_inputs"], areas, task_vars, self._templar.template, audit_only=audit_only
            )
            common["exceptions"] = [exception.to_entry() for exception in shared.exceptions.values()]
            areas[ATTESTATIONS_MODULE] = {
                **dict(areas.get(ATTESTATIONS_MODULE) or {}),
                "attestations": [attestation_entry(attestation) for attestation in shared.attestations.values()],
            }
            for error in left_out:
                self._display.warning(f"{host}: {error} (entry ignored; this audit treats it as absent)")
            # What validate_inputs returns, so the report reads the applied entries and the left-out ones here too.
            result.update(
                exceptions=common["exceptions"],
                attestations=areas[ATTESTATIONS_MODULE]["attestations"],
                input_errors=left_out,
            )
        run_tags = task_vars.get("ansible_run_tags") or ["all"]
        skip_tags = task_vars.get("ansible_skip_tags") or []

        def selected_by_tags(module: str, tags: Sequence[str]) -> bool:
            ids = [control.id for control in catalog.for_module(module) if params["baseline"] in control.baselines]
            return runs_with_tags([*tags, *ids], run_tags, skip_tags)

        modules = baseline_modules(catalog, params["baseline"])
        selected = area_arguments(modules, areas, common, selected_by_tags)

        areas = [self._plan(module, args, task_vars) for module, args in selected]
        responses, probe_error = self._probe(host, areas)
        facts: dict[str, Any] = {}
        for area in areas:
            if area.action is None:
                continue
            area.task_vars = {**task_vars, "ansible_facts": {**(task_vars.get("ansible_facts") or {}), **facts}}
            self._evaluate(host, area, responses, probe_error)
            facts.update(area.result.get("ansible_facts") or {})
        applying = [area for area in areas if area.apply_ops]
        self._apply(host, applying)
        for area in applying:
            self._conclude(area, responses)
        return self._finish(result, host, areas, facts)

    def _options_from_role_variables(
        self, inputs: Mapping[str, Any], areas: Mapping[str, Any], task_vars: Mapping[str, Any]
    ) -> dict[str, Any]:
        """`areas` with every option the task does not give read from the role variable behind it.

        The role's audit entry point passes the names, not '{{ variable }}' templates: Ansible compiles each
        template of a task's arguments again for every host (its worker is a fresh fork), about a third of the
        controller CPU of this task with sixty of them (docs/performance.md). Values are templated here, so a
        variable that refers to another still works.
        """
        merged: dict[str, Any] = {short_module_name(str(name)): dict(entry or {}) for name, entry in areas.items()}
        for module, variables in (inputs["setting_variables"] or {}).items():
            entry = merged.setdefault(module, {})
            for option, variable in (variables or {}).items():
                if option not in entry and variable in task_vars:
                    entry[option] = self._templar.template(task_vars[variable])
        return merged

    def _plan(self, module: str, args: dict[str, Any], task_vars: dict[str, Any]) -> _ModuleRun:
        """Run the area action up to its probe and keep the ops it would send (none when it needs no host)."""
        try:
            action = self._area_action(module, args)
        except AnsibleError as exc:
            return _ModuleRun(module, None, {"failed": True, "msg": f"{module}: {exc.message}"})

        def record(host: str, ops: Sequence[dict[str, Any]]) -> list[OpResult]:
            if not ops:
                return []
            raise _ProbePlanned(ops)

        action._run_ops = record  # type: ignore[method-assign]
        try:
            action.run(task_vars=task_vars)
        except _ProbePlanned as planned:
            return _ModuleRun(module, action, probe=planned.ops)
        except AnsibleError as exc:  # invalid options: reported for this area, the others still run
            return _ModuleRun(module, None, {"failed": True, "msg": f"{module}: {exc.message}"})
        return _ModuleRun(module, action)

    def _probe(self, host: str, areas: Sequence[_ModuleRun]) -> tuple[dict[str, OpResult], AgentError | None]:
        """Every planned probe op in one command (equal ops once). A connection failure propagates (the host is
        unreachable); an agent error is handed to every area, which reports it as its own probe would."""
        unique = {op_key(op): op for area in areas for op in area.probe}
        try:
            results = self._send(host, list(unique.values())) if unique else []
        except AgentError as exc:
            return {}, exc
        return dict(zip(unique, results, strict=True)), None

    def _run_area(self, area: _ModuleRun) -> None:
        """Run the area action to its result; an Ansible error fails this area alone, as its own task would."""
        if area.action is None:
            raise RuntimeError(f"{area.module}: its action plugin was not loaded before it ran")
        try:
            area.result = area.action.run(task_vars=area.task_vars)
        except AnsibleError as exc:
            area.result = {"failed": True, "msg": f"{area.module}: {exc.message}"}

    def _evaluate(
        self, host: str, area: _ModuleRun, responses: Mapping[str, OpResult], probe_error: AgentError | None
    ) -> None:
        """Run the area with its probe answered from the shared response. Its fixes are recorded for the shared
        apply command when they can wait for it (applies_in_shared_command), else they go to the host now."""
        action = area.action
        if action is None:
            raise RuntimeError(f"{area.module}: its action plugin was not loaded before serving its probe")
        shared_apply = applies_in_shared_command(action)
        calls = 0

        def serve(host: str, ops: Sequence[dict[str, Any]]) -> list[OpResult]:
            nonlocal calls
            calls += 1
            if calls == 1:
                return self._answer_probe(host, ops, responses, probe_error)
            if shared_apply:
                raise _ApplyPlanned(ops)
            return self._send(host, ops)

        action._run_ops = serve  # type: ignore[method-assign]
        try:
            self._run_area(area)
        except _ApplyPlanned as planned:
            area.apply_ops = planned.ops

    def _answer_probe(
        self, host: str, ops: Sequence[dict[str, Any]], responses: Mapping[str, OpResult], error: AgentError | None
    ) -> list[OpResult]:
        """An area's probe call, answered from the shared response (the host only for ops it does not hold)."""
        if error is not None:
            raise error
        keys = [op_key(op) for op in ops]
        if all(key in responses for key in keys):
            return [responses[key] for key in keys]
        return self._send(host, ops)

    def _apply(self, host: str, areas: Sequence[_ModuleRun]) -> None:
        """The recorded fixes of every area in one command; each area gets its own slice of the results. A failure
        of the command itself (lost connection, unreadable answer) is every area's, as on its own apply."""
        ops = [op for area in areas for op in area.apply_ops]
        if not ops:
            return
        try:
            results = self._send(host, ops)
        except (AgentError, AnsibleConnectionFailure) as exc:
            for area in areas:
                area.apply_failure = exc
            return
        start = 0
        for area in areas:
            area.apply_results = results[start : start + len(area.apply_ops)]
            start += len(area.apply_ops)

    def _conclude(self, area: _ModuleRun, responses: Mapping[str, OpResult]) -> None:
        """Run the area once more, its probe and apply calls answered from the two shared responses, so it
        concludes its records (read-back checks, errors, diff, warnings) exactly as it does on its own."""
        action = area.action
        if action is None:
            raise RuntimeError(f"{area.module}: its action plugin was not loaded before concluding it")
        calls = 0

        def serve(host: str, ops: Sequence[dict[str, Any]]) -> list[OpResult]:
            nonlocal calls
            calls += 1
            if calls == 1:
                return self._answer_probe(host, ops, responses, None)
            if calls == 2 and area.apply_failure is not None:
                raise area.apply_failure
            if calls == 2 and list(ops) == area.apply_ops:
                return area.apply_results
            # Decisions depend only on the probe answers, the options and the date: a different fix now means
            # the date changed between the two runs. What was sent is not what the area would conclude from.
            raise AgentError(host, "the fix changed between planning and applying it; the next run reads the host")

        action._run_ops = serve  # type: ignore[method-assign]
        self._run_area(area)

    def _finish(
        self, result: dict[str, Any], host: str, areas: Sequence[_ModuleRun], facts: dict[str, Any]
    ) -> dict[str, Any]:
        controls = [record for area in areas for record in area.result.get("controls") or []]
        failed = [str(area.result.get("msg")) for area in areas if area.result.get("failed")]
        result["controls"] = controls
        result["summary"] = _summary(areas)
        result["areas"] = {
            area.module: {key: area.result[key] for key in AREA_RESULT_KEYS if key in area.result} for area in areas
        }
        result["changed"] = any(area.result.get("changed") for area in areas)
        result["reboot_required"] = any(area.result.get("reboot_required") for area in areas)
        result["commands"] = self._commands
        if facts:
            result["ansible_facts"] = facts
        # dict.fromkeys: the same warning from several areas (the connection's settings) is given once
        warnings = list(dict.fromkeys(warning for area in areas for warning in area.result.get("warnings") or []))
        if warnings:
            result.setdefault("warnings", []).extend(warnings)
        diff = _merge_diffs(
            [area.result["diff"] for area in areas if area.result.get("diff")], f"win_baseline on {host}"
        )
        if diff:
            result["diff"] = diff
        if any(area.result.get("unreachable") for area in areas):
            result["unreachable"] = True
        if failed:
            result["failed"] = True
            result["msg"] = "; ".join(failed)
        else:
            counts = ", ".join(f"{count} {status}" for status, count in result["summary"].items() if count)
            result["msg"] = f"{len(controls)} controls in {len(areas)} areas, {self._commands} commands: {counts}"
        return clean_result(result)


_warm_up()
