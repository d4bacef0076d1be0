"""Role-level input checks on the controller: every area's settings and every role variable, before any host.

Types are checked by the role's argument_specs when the role starts, but ranges and formats (an inactivity limit
of 5000 s, a scan time of 25:00) are only known to the areas, and Ansible ignores a misspelt variable like any
other. The roles therefore hand validate_inputs each area's settings with the name of the role variable behind
each option, and the list of variables they define, so one clear error names the variable before any task
contacts the host.
"""

from __future__ import annotations

import copy
import difflib
import importlib
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from .areas._area import Area, InvalidOptionError

ACTION_PACKAGE = "ansible_collections.onepacs.baseline.plugins.action"


class InvalidRoleInputError(ValueError):
    """A role variable is unknown or has a value its area rejects; the message names the variable."""


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


def check_unknown_variables(defined: Iterable[str], prefix: str, declared: Collection[str]) -> None:
    """A variable that carries the role's prefix but is not one of the role's is a typo: name it, with a guess."""
    for name in sorted(defined):
        if name.startswith(prefix) and name not in declared:
            guesses = difflib.get_close_matches(name, list(declared), n=1)
            hint = f" (did you mean {guesses[0]}?)" if guesses else ""
            raise InvalidRoleInputError(f"{name}: not a variable of this role{hint}")
