"""Role-level input checks on the controller: every area's settings, every role variable, and the shared waiver
and attestation lists, before any host.

Types are checked by the role's argument_specs when the role starts, but ranges and formats (an inactivity limit
of 5000 s, a scan time of 25:00) are only known to the areas, and Ansible ignores a misspelt variable like any
other. The roles therefore hand validate_inputs each area's settings with the name of the role variable behind
each option, and the list of variables they define, so one clear error names the variable before any task
contacts the host. Every problem of a host is collected (`InputProblems`) so one run shows them all.

Merging (docs/exceptions-and-attestations.md): Ansible gives a host one value per variable name, so a list set in
group_vars/all and another set in group_vars/clinic_x replace each other. The shared lists are therefore read
from every variable named `onepacs_exceptions` or `onepacs_exceptions_<anything>` (and the same for
`onepacs_attestations`), concatenated in the order of their names; each inventory level uses its own suffix.
"""

from __future__ import annotations

import copy
import datetime as dt
import importlib
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ._catalog import Catalog, load_catalog
from ._exceptions import (
    SCOPE_FIELDS,
    ControlException,
    HostIdentity,
    InvalidExceptionError,
    parse_exception,
    parse_scope,
    scope_covers,
    select_for_host,
)
from ._suggest import name_hint
from .areas._area import Area, InvalidOptionError
from .areas._attestations import Attestation, newest_per_control, parse_attestation

ACTION_PACKAGE = "ansible_collections.onepacs.baseline.plugins.action"
EXCEPTIONS_VARIABLE = "onepacs_exceptions"
ATTESTATIONS_VARIABLE = "onepacs_attestations"
MAX_DAYS_VARIABLE = "onepacs_max_waiver_days"
# Every shared variable a user sets for the baseline roles; names of the onepacs_ namespace close to one of these
# (onepacs_exception, onepacs_attestation_clinic) are typos that would silently drop waivers.
SHARED_VARIABLES = (EXCEPTIONS_VARIABLE, ATTESTATIONS_VARIABLE, MAX_DAYS_VARIABLE)
# Prefixes of the collection's other variable families: not this check's business.
OTHER_FAMILIES = ("onepacs_gateway_", "onepacs_workstation_", "onepacs_report_", "onepacs_audit_")
_MERGED = {name: re.compile(rf"^{name}(?:_[A-Za-z0-9_]+)?$") for name in (EXCEPTIONS_VARIABLE, ATTESTATIONS_VARIABLE)}
_Parsed = TypeVar("_Parsed")


class InvalidRoleInputError(ValueError):
    """A role variable is unknown or has a value its area rejects; the message names the variable."""


@dataclass
class InputProblems:
    """Every input error of one host, in the order found; each names the variable (and entry and field)."""

    errors: list[str] = field(default_factory=list)

    def check(self, action: Callable[[], Any]) -> Any:
        """Run one check, keeping its error instead of stopping at it."""
        try:
            return action()
        except (InvalidRoleInputError, InvalidExceptionError, InvalidOptionError) as exc:
            self.errors.append(str(exc))
            return None

    def message(self, host: str) -> str:
        count = len(self.errors)
        lines = "\n".join(f"  - {error}" for error in self.errors)
        return f"{count} input error{'s' if count != 1 else ''} for {host} (no host was contacted):\n{lines}"


def area_class(module: str) -> type[Area]:
    try:
        return importlib.import_module(f"{ACTION_PACKAGE}.{module}").ActionModule.AREA
    except (ImportError, AttributeError):
        raise InvalidRoleInputError(f"settings: {module!r} is not a control module of this collection") from None


def check_area_settings(module: str, settings: Mapping[str, Any], variables: Mapping[str, str]) -> None:
    """Validate one area's options as its module would, naming the role variable behind a rejected option."""
    area = area_class(module)
    unknown = sorted(set(settings) - set(area.options))
    if unknown:
        raise InvalidRoleInputError(f"settings.{module}: {', '.join(unknown)} is not an option of {module}")
    # A copy: the validator writes into the spec's defaults (see areas/_area.py module_argument_spec).
    result = ArgumentSpecValidator(copy.deepcopy(area.options)).validate(dict(settings))
    for error in result.errors:
        option = next((name for name in settings if f"'{name}'" in str(error) or str(error).startswith(name)), None)
        raise InvalidRoleInputError(f"{variables.get(option or '', module)}: {error}")
    try:
        area(result.validated_parameters)
    except InvalidOptionError as exc:
        option, _sep, problem = str(exc).partition(": ")
        raise InvalidRoleInputError(f"{variables.get(option, option)}: {problem or exc}") from None


def unknown_variable_errors(defined: Iterable[str], prefix: str, declared: Collection[str]) -> list[str]:
    """A variable that carries the role's prefix but is not one of the role's is a typo: name it, with a guess."""
    return [
        f"{name}: not a variable of this role{name_hint(name, declared)}"
        for name in sorted(defined)
        if name.startswith(prefix) and name not in declared
    ]


def check_unknown_variables(defined: Iterable[str], prefix: str, declared: Collection[str]) -> None:
    errors = unknown_variable_errors(defined, prefix, declared)
    if errors:
        raise InvalidRoleInputError("; ".join(errors))


def merged_variable_names(defined: Iterable[str], base: str) -> list[str]:
    """The variables merged into the shared list `base`: base itself first, then base_<suffix> by name."""
    pattern = _MERGED[base]
    return sorted((name for name in defined if pattern.match(name)), key=lambda name: (name != base, name))


def shared_variable_errors(defined: Iterable[str]) -> list[str]:
    """Names in the onepacs_ namespace that look like a shared variable but are not one (onepacs_exception)."""
    errors = []
    for name in sorted(defined):
        if not name.startswith("onepacs_") or name.startswith(OTHER_FAMILIES) or name in SHARED_VARIABLES:
            continue
        if any(pattern.match(name) for pattern in _MERGED.values()):
            continue
        singular = name.startswith(("onepacs_exception", "onepacs_attestation"))
        hint = name_hint(name, SHARED_VARIABLES)
        if singular and not hint:
            hint = f" (did you mean {'onepacs_exceptions' if 'exception' in name else 'onepacs_attestations'}...?)"
        if hint:
            errors.append(f"{name}: not a variable of the baseline roles, so nothing reads it{hint}")
    return errors


def _entries(value: Any, variable: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, Sequence) or isinstance(value, str | bytes):
        raise InvalidExceptionError(f"{variable}: expected a list, got {type(value).__name__}")
    return list(value)


@dataclass
class SharedInputs:
    """The host's waivers and attestations after merging, scoping and validation."""

    exceptions: dict[str, ControlException] = field(default_factory=dict)
    attestations: dict[str, Attestation] = field(default_factory=dict)
    sources: dict[str, list[str]] = field(default_factory=dict)


def _split_scope(entry: Any, where: str) -> tuple[Any, tuple[str, ...], tuple[str, ...]]:
    """An attestation entry without its scope, and the scope (the same rules as an exception's)."""
    if not isinstance(entry, Mapping) or not set(SCOPE_FIELDS) & set(entry):
        return entry, (), ()
    hosts = parse_scope(entry, "hosts", where)
    groups = parse_scope(entry, "groups", where)
    return {key: value for key, value in entry.items() if key not in SCOPE_FIELDS}, hosts, groups


def shared_inputs(
    variables: Mapping[str, Any],
    catalog: Catalog,
    host: HostIdentity,
    *,
    today: dt.date,
    max_days: int,
    problems: InputProblems,
) -> SharedInputs:
    """Merge every onepacs_exceptions*/onepacs_attestations* list, keep the entries that cover host, and record
    every problem in problems (naming `variable[index].field`); a bad entry is left out, the others are kept."""
    result = SharedInputs()
    candidates = _parsed_entries(
        variables,
        EXCEPTIONS_VARIABLE,
        lambda entry, where: parse_exception(entry, catalog.ids(), where, today=today, max_days=max_days),
        problems,
        result.sources,
    )
    result.exceptions, ambiguous = select_for_host(candidates, host)
    problems.errors.extend(ambiguous)

    scoped = _parsed_entries(
        variables,
        ATTESTATIONS_VARIABLE,
        lambda entry, where: _scoped_attestation(entry, catalog, where, today=today, max_days=max_days, host=host),
        problems,
        result.sources,
    )
    attestations = [parsed for _where, parsed in scoped if parsed is not False]
    result.attestations = newest_per_control(attestations)
    return result


def _parsed_entries(
    variables: Mapping[str, Any],
    base: str,
    parse: Callable[[Any, str], _Parsed | None],
    problems: InputProblems,
    sources: dict[str, list[str]],
) -> list[tuple[str, _Parsed]]:
    """Every entry of the variables merged into `base`, parsed, with where it stands (`variable[index]`); an entry
    that does not parse is recorded in problems and left out. The variables read are recorded in sources."""
    names = merged_variable_names(variables, base)
    sources[base] = names
    parsed_entries: list[tuple[str, _Parsed]] = []
    for variable in names:
        entries = problems.check(lambda variable=variable: _entries(variables[variable], variable)) or []
        for index, entry in enumerate(entries):
            where = f"{variable}[{index}]"
            parsed = problems.check(lambda entry=entry, where=where: parse(entry, where))
            if parsed is not None:
                parsed_entries.append((where, parsed))
    return parsed_entries


def _scoped_attestation(
    entry: Any, catalog: Catalog, where: str, *, today: dt.date, max_days: int, host: HostIdentity
) -> Attestation | bool:
    """The attestation when it covers host, False when it is for other hosts; raises on a bad entry."""
    unscoped, hosts, groups = _split_scope(entry, where)
    attestation = parse_attestation(unscoped, catalog, today, where)
    if attestation.valid_days > max_days:
        raise InvalidOptionError(
            f"{where}.valid_days: {attestation.valid_days} is more than {max_days} days (the longest an attestation "
            f"may stay current; {MAX_DAYS_VARIABLE})"
        )
    return attestation if scope_covers(hosts, groups, host) else False


def attestation_entry(attestation: Attestation) -> dict[str, Any]:
    """The attestation as win_attestations takes it (scope already applied)."""
    return {
        "id": attestation.control_id,
        "attested_by": attestation.attested_by,
        "date": attestation.date.isoformat(),
        "evidence": attestation.evidence,
        "valid_days": attestation.valid_days,
    }


def shared_variables(
    task_vars: Mapping[str, Any],
    render: Callable[[Any], Any],
    bases: tuple[str, ...] = (EXCEPTIONS_VARIABLE, ATTESTATIONS_VARIABLE),
) -> dict[str, Any]:
    """Every variable of the host named after one of `bases` (onepacs_exceptions*, onepacs_attestations*), rendered:
    what shared_inputs merges."""
    return {name: render(value) for name, value in task_vars.items() if name.startswith(bases)}


def host_inputs(
    variables: Mapping[str, Any], task_vars: Mapping[str, Any], *, today: dt.date, max_days: int
) -> tuple[SharedInputs, list[str]]:
    """The host's merged and scoped waivers and attestations, and one message per entry left out (a misspelt shared
    variable, a bad entry). The caller decides: a bad entry stops an enforcing run; an audit leaves it out and goes
    on, since leaving a waiver out can only make it stricter (docs/exceptions-and-attestations.md)."""
    host = str(task_vars.get("inventory_hostname", "this host"))
    problems = InputProblems(errors=shared_variable_errors(task_vars))
    identity = HostIdentity(host, frozenset(map(str, task_vars.get("group_names") or ())))
    inputs = shared_inputs(variables, load_catalog(), identity, today=today, max_days=max_days, problems=problems)
    return inputs, problems.errors
