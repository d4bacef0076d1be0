"""The action every control module runs: plan -> probe (one round trip) -> compare -> apply -> records.

Action plugins stay three lines (`class ActionModule(ControlAction): AREA = PowerArea`); everything shared lives
here so no module repeats it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from ansible.errors import AnsibleActionFail, AnsibleConnectionFailure, AnsibleError
from ansible.plugins.action import ActionBase

from ._catalog import Catalog, Control, load_catalog
from ._engine import Decision, HostProfile, Policy, conclude, decide, pending_changes
from ._exceptions import HostIdentity, InvalidExceptionError, parse_exceptions
from ._findings import Change, Finding
from ._host_text import clean_result
from ._records import ControlRecord, Status, summarize
from ._suggest import control_id_hint
from .agent._bounds import Bounds, InvalidBoundError, bounded, bounds_from
from .agent._connection_warnings import connection_warnings
from .agent._transport import AgentError, OpResult, run_ops
from .areas._area import Area, Connection, InvalidOptionError, module_argument_spec

SYSTEM_INFO_KEY = "__system_info"
#: ansible_facts key win_host_facts sets; its "system" entry is the system.info op's value.
HOST_FACTS_KEY = "onepacs_host"

# Parse the catalog when Ansible loads an area's action plugin: its strategy imports the plugin in the controller's
# main process, and the worker of every task and host is a fork of it, so they inherit the parsed catalog instead of
# parsing it again (half of the controller CPU of a role run otherwise; docs/performance.md). load_catalog does not
# cache errors: a broken catalog still fails the task, when it runs.
with contextlib.suppress(ValueError, OSError):
    load_catalog()


def _module_controls(catalog: Catalog, module: str, selected: set[str], baseline: str | None) -> list[Control]:
    """The module's controls this task evaluates: the selected ones (all when none is), within the baseline."""
    return [
        control
        for control in catalog.for_module(module)
        if (not selected or control.id in selected) and (baseline is None or baseline in control.baselines)
    ]


def _needs_host_profile(controls: Sequence[Control]) -> bool:
    return any(control.physical_only or len(control.os) < 2 for control in controls)


def _validate_only(only: Sequence[str], catalog: Catalog) -> set[str]:
    # `-a only=[SYS-02]` reaches the module as the text "[SYS-02]", which the list type splits on commas only.
    wanted = [control_id.strip().strip("[]").strip().strip("'\"") for control_id in only]
    wanted = [control_id for control_id in wanted if control_id]
    unknown = [control_id for control_id in wanted if control_id not in catalog]
    if unknown:
        hints = "".join(control_id_hint(control_id, catalog.ids()) for control_id in unknown)
        raise AnsibleActionFail(f"only: {', '.join(map(repr, unknown))} is not a control id of the catalog{hints}")
    return set(wanted)


def unreadable_answer(exc: Exception) -> str:
    """The cause reported when op results do not have the shape protocol/*.yml gives them."""
    detail = str(exc)
    if len(detail) > 200:
        detail = detail[:200] + "..."
    shape = "the op results do not have the shape protocol/*.yml gives them"
    return f"malformed agent response: {shape} ({type(exc).__name__}: {detail})"


def evaluate_results(
    host: str, area: Area, results: Mapping[str, OpResult], wanted: set[str]
) -> tuple[list[Finding], dict[str, Any] | None]:
    """The area's findings for the wanted controls, and its facts.

    Areas trust the result shapes protocol/*.yml documents. An answer of another shape (a broken WMI provider, an
    agent bug) must fail this module's controls on this host with the cause, never end the run with a traceback,
    so any exception of the area becomes an AgentError.
    """
    try:
        facts = area.facts(results)
        findings = [finding for finding in area.evaluate(results) if finding.control_id in wanted]
    except Exception as exc:
        raise AgentError(host, unreadable_answer(exc)) from None
    return findings, facts


def _error_records(controls: Sequence[Control], message: str) -> list[ControlRecord]:
    return [
        ControlRecord(control.id, control.title, Status.ERROR, control.expected, None, False, message)
        for control in controls
    ]


def _diff(decisions: Sequence[Decision], records: Sequence[ControlRecord], header: str) -> dict[str, Any] | None:
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for decision, record in zip(decisions, records, strict=True):
        if not record.changed:
            continue
        for change in decision.finding.changes:
            before[f"{decision.control.id} {change.setting}"] = change.before
            after[f"{decision.control.id} {change.setting}"] = change.after
    if not before:
        return None
    return {"before": before, "after": after, "before_header": header, "after_header": header}


class ControlAction(ActionBase):
    AREA: ClassVar[type[Area]]

    TRANSFERS_FILES = False
    _requires_connection = True
    _supports_check_mode = True
    _supports_async = False

    #: The host's output and time bounds, read from its variables by run() (agent/_bounds.py).
    _bounds: Bounds = Bounds()

    def _run_ops(self, host: str, ops: Sequence[dict[str, Any]]) -> list[OpResult]:
        with bounded(self._connection, self._bounds) as execute:  # bounds hook: agent/_bounds.py
            return run_ops(execute, host, ops)

    def _apply_changes(self, host: str, changes: Sequence[Change], task_vars: dict[str, Any]) -> list[OpResult]:
        """Send the changes in one round trip, one result per change, in order.

        A module whose fix needs controller work between two host steps (BitLocker: escrow the recovery password
        before protection goes on) overrides this; it must still return one result per change.
        """
        return self._run_ops(host, [change.op for change in changes])

    def _connection_option(self, name: str) -> Any:
        try:
            return self._connection.get_option(name)
        except (KeyError, AnsibleError):  # the connection plugin has no such option
            return None

    def _connection_info(self) -> Connection:
        port = self._connection_option("port")
        user = self._connection_option("remote_user")
        return Connection(user=str(user) if user else None, port=int(port) if port else None)

    def run(self, tmp: str | None = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        host = str(task_vars.get("inventory_hostname", self._connection._play_context.remote_addr))
        catalog = load_catalog()

        _validation, params = self.validate_argument_spec(argument_spec=module_argument_spec(self.AREA))
        try:
            self._bounds = bounds_from(task_vars)
            area = self.AREA(params, self._connection_info())
            identity = HostIdentity(host, frozenset(map(str, task_vars.get("group_names") or ())))
            exceptions = parse_exceptions(params["exceptions"], catalog.ids(), host=identity)
        except (InvalidBoundError, InvalidOptionError, InvalidExceptionError) as exc:
            raise AnsibleActionFail(str(exc)) from None
        transport = str(getattr(self._connection, "transport", ""))
        if exposed := connection_warnings(transport, self._connection_option, host):
            result.setdefault("warnings", []).extend(exposed)
        selected = _validate_only(params["only"], catalog)
        controls = _module_controls(catalog, self.AREA.module, selected, params["baseline"])
        if not controls:
            return self._finish(result, [], [], None)
        wanted = {control.id for control in controls}

        try:
            probe_results, host_profile = self._probe(host, area, controls, task_vars)
            findings, facts = evaluate_results(host, area, probe_results, wanted)
        except AgentError as exc:
            records = _error_records(controls, exc.cause)
            return self._finish(result, records, [], None, failed_msg=str(exc))
        if facts is not None:
            result["ansible_facts"] = facts

        policy = Policy(
            today=dt.date.today(),
            check_mode=bool(self._play_context.check_mode),
            enforce=params["enforce"],
            exceptions=exceptions,
            host=host_profile,
            baseline=params["baseline"],
        )
        decisions = decide(findings, catalog, policy)

        apply_results, apply_error, unreachable = self._apply(host, decisions, task_vars)
        records = conclude(decisions, apply_results, apply_error)
        warnings = [warning for decision in decisions for warning in decision.warnings]
        diff = _diff(decisions, records, f"{self.AREA.module} on {host}") if self._play_context.diff else None
        if unreachable:
            result["unreachable"] = True
        result["reboot_required"] = any(
            decision.finding.reboot_required and record.status is Status.FIXED
            for decision, record in zip(decisions, records, strict=True)
        )
        return self._finish(result, records, warnings, diff)

    def _probe(
        self, host: str, area: Area, controls: Sequence[Control], task_vars: dict[str, Any]
    ) -> tuple[dict[str, OpResult], HostProfile]:
        """One round trip for the area's probe ops, plus system.info when applicability needs it and no earlier
        task (win_host_facts) or the area itself already provides it. Raises AgentError."""
        probe = area.probe_ops()
        known_system = (task_vars.get("ansible_facts") or {}).get(HOST_FACTS_KEY, {}).get("system")
        own_system_key = next((key for key, op in probe.items() if op == {"op": "system.info"}), None)
        if known_system is None and own_system_key is None and _needs_host_profile(controls):
            probe[SYSTEM_INFO_KEY] = {"op": "system.info"}
        results = dict(zip(probe, self._run_ops(host, list(probe.values())), strict=True))
        system_info = results.pop(SYSTEM_INFO_KEY, None) or results.get(own_system_key or "")
        try:
            host_profile = HostProfile.from_system_info(known_system) if known_system else HostProfile()
            if system_info is not None and system_info.ok:
                host_profile = HostProfile.from_system_info(system_info.value)
        except Exception as exc:  # system.info of another shape, now or in the host facts of an earlier task
            raise AgentError(host, unreadable_answer(exc)) from None
        return results, host_profile

    def _apply(
        self, host: str, decisions: Sequence[Decision], task_vars: dict[str, Any]
    ) -> tuple[list[OpResult] | None, str | None, bool]:
        """Send the pending changes: (results, error that left their outcome unknown, host became unreachable)."""
        changes = pending_changes(decisions)
        if not changes:
            return None, None, False
        try:
            return self._apply_changes(host, changes, task_vars), None, False
        except AgentError as exc:
            return None, exc.cause, False
        except AnsibleConnectionFailure as exc:
            return None, str(exc), True

    def _finish(
        self,
        result: dict[str, Any],
        records: Sequence[ControlRecord],
        warnings: Sequence[str],
        diff: dict[str, Any] | None,
        failed_msg: str | None = None,
    ) -> dict[str, Any]:
        summary = summarize(records)
        result["controls"] = [record.to_dict() for record in records]
        result["summary"] = summary
        result["changed"] = any(record.changed for record in records)
        result.setdefault("reboot_required", False)
        if warnings:
            result.setdefault("warnings", []).extend(warnings)
        if diff:
            result["diff"] = diff
        errors = [record for record in records if record.status is Status.ERROR]
        if failed_msg or errors:
            result["failed"] = True
            result["msg"] = failed_msg or "; ".join(f"{record.id}: {record.message}" for record in errors)
        else:
            counts = ", ".join(f"{count} {status}" for status, count in summary.items() if count)
            result["msg"] = f"{len(records)} controls: {counts}" if records else "no control selected"
        return clean_result(result)
