"""The contract every area (power, firewall, ...) implements: plan probe ops, then compare their results.

Adding a module is: an Area subclass (options as plain argspec data, probe_ops, evaluate), agent and simulator
ops for anything new, a three-line action plugin, a documentation stub and tests.
"""

from __future__ import annotations

import copy
import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar, TypeVar

from .._common_options import COMMON_OPTIONS
from .._findings import Finding
from ..agent._transport import OpResult


class InvalidOptionError(ValueError):
    """A module option has a value the argspec cannot reject by type alone; the message names the option."""


@dataclass(frozen=True)
class Connection:
    """How the controller reaches the host, for the lockout guards: a firewall change must keep `port` open, and
    the connecting `user` must never be disabled or removed from Administrators. None where unknown."""

    user: str | None = None
    port: int | None = None


_DECIDES = "_onepacs_decides"
_Method = TypeVar("_Method", bound=Callable[..., Any])


def decides(*control_ids: str) -> Callable[[_Method], _Method]:
    """Mark the area method whose finding (or findings) decide these controls; Area.decided_by is built from it."""

    def mark(method: _Method) -> _Method:
        setattr(method, _DECIDES, control_ids)
        return method

    return mark


class Area(ABC):
    #: The module name, as in the catalog's `module` field.
    module: ClassVar[str]
    #: The area's own options in Ansible argspec form (plain data); common options are added by the action.
    options: ClassVar[dict[str, dict[str, Any]]]
    #: Control id -> the name of the method whose finding decides that control, built from the methods' @decides
    #: marks when the class is defined. The one list of the module's control ids in its area:
    #: tests/unit/plugins/plugin_utils/areas/test_decided_by.py holds it equal to the catalog's controls of the
    #: module and checks that each finding comes from its method.
    decided_by: ClassVar[Mapping[str, str]] = MappingProxyType({})

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        decided_by: dict[str, str] = {}
        for name, member in vars(cls).items():
            for control_id in getattr(getattr(member, "__func__", member), _DECIDES, ()):
                if control_id in decided_by:
                    first = decided_by[control_id]
                    raise TypeError(f"{cls.__name__}: {control_id} is decided by both {first} and {name}")
                decided_by[control_id] = name
        cls.decided_by = MappingProxyType(decided_by)

    def __init__(self, params: Mapping[str, Any], connection: Connection | None = None) -> None:
        self.params = params
        self.connection = connection or Connection()
        self.validate()

    def validate(self) -> None:
        """Reject option values the argspec cannot (ranges, formats), raising InvalidOptionError."""
        return

    @abstractmethod
    def probe_ops(self) -> dict[str, dict[str, Any]]:
        """Read-only ops to run, keyed by a name evaluate() uses to find each result."""

    @abstractmethod
    def evaluate(self, results: Mapping[str, OpResult]) -> list[Finding]:
        """One finding per control of this module, from the probe results."""

    def facts(self, results: Mapping[str, OpResult]) -> dict[str, Any] | None:
        """Facts to return as ansible_facts (win_host_facts); None for areas that only evaluate controls."""
        return None


class DatedArea(Area):
    """An area whose findings depend on the run date: the controller's date, which tests pin with `today`."""

    def __init__(
        self, params: Mapping[str, Any], connection: Connection | None = None, *, today: dt.date | None = None
    ) -> None:
        self.today = today or dt.date.today()
        super().__init__(params, connection)


def module_argument_spec(area: type[Area]) -> dict[str, dict[str, Any]]:
    """The argspec of the area's module: its options and the common ones, as a fresh copy.

    Ansible's argument validator writes into the spec it is given (it adds the absent suboptions of a default
    list's entries as None), so validating with the area's own `options` would change them for the rest of the
    process: the next validation, the doc stub checks and the role generator would all see altered defaults.
    """
    return copy.deepcopy({**area.options, **COMMON_OPTIONS})
