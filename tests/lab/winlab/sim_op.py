"""What a simulated op is: a name and a handler over the host state; its arguments are the protocol's.

The arguments an op takes, their types, choices and ranges, and whether it mutates are read from
plugins/plugin_utils/agent/protocol/<area>.yml, the one statement of them. Argument checking lives here, once, so
every op rejects malformed input the same way: a missing required argument, an argument of the wrong JSON type, a
value outside the declared choices or range, or an argument the protocol does not declare are all invalid_argument
errors that name the argument. As in the agent, an explicit null counts as "not given" and a whole float (1.0) is an
int. Unlike the agent, an undeclared argument is refused: on Windows it would be ignored silently, which hides a
misspelt optional argument.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from winlab.plugin_code import plugin_module
from winlab.sim_errors import OpError, invalid_argument
from winlab.sim_registry import whole_number

_PROTOCOL = plugin_module("plugin_utils.agent._protocol")

#: Handler signature: (live host state, checked arguments) -> the op's "value".
Handler = Callable[[dict, dict], Any]

_TYPE_CHECKS: dict[str, Callable[[Any], bool]] = {
    "string": lambda value: isinstance(value, str),
    "int": lambda value: whole_number(value) is not None,
    "bool": lambda value: isinstance(value, bool),
    "list": lambda value: isinstance(value, list),
    "dict": lambda value: isinstance(value, dict),
    "any": lambda value: True,
}


@dataclass(frozen=True)
class Op:
    """A protocol op the simulator implements. Calling it checks the arguments, then runs the handler."""

    name: str
    handler: Handler

    def __post_init__(self) -> None:
        if self.name not in _PROTOCOL.load_protocol()["ops"]:
            raise ValueError(f"op {self.name!r} is not in the protocol (plugins/plugin_utils/agent/protocol)")

    @property
    def args(self) -> Mapping[str, Any]:
        """The declared arguments: name -> ArgSpec (type, required, choices, minimum, maximum)."""
        return _PROTOCOL.op_args(self.name)

    @property
    def mutates(self) -> bool:
        return bool(_PROTOCOL.load_protocol()["ops"][self.name]["mutates"])

    def __call__(self, state: dict, request_op: Mapping[str, Any]) -> Any:
        """Run this op for one entry of a request's "ops" list (its "op" key is ignored here)."""
        return self.handler(state, self.check_args(request_op))

    def check_args(self, request_op: Mapping[str, Any]) -> dict:
        """The op's arguments from a request entry, validated against the declaration; raises OpError."""
        given = {key: value for key, value in request_op.items() if key != "op" and value is not None}
        for key in given:
            if key not in self.args:
                raise invalid_argument(key, f"{self.name} takes no such argument")
        for key, spec in self.args.items():
            if key not in given:
                if spec.required:
                    raise invalid_argument(key, f"required by {self.name} but missing")
                continue
            value = given[key]
            if not _TYPE_CHECKS[spec.type](value):
                raise invalid_argument(key, f"expected {spec.type}, got {type(value).__name__} {value!r}")
            if spec.choices is not None and value not in spec.choices:
                raise invalid_argument(key, f"{value!r} is not one of {', '.join(spec.choices)}")
            if spec.type == "int":
                given[key] = number = whole_number(value)
                problem = _range_problem(number, spec.minimum, spec.maximum)
                if problem:
                    raise invalid_argument(key, problem)
        return given


def _range_problem(number: int, minimum: int | None, maximum: int | None) -> str | None:
    """What is wrong with number against the declared inclusive range, or None when it lies in it."""
    if (minimum is None or number >= minimum) and (maximum is None or number <= maximum):
        return None
    if minimum is None:
        return f"{number} is above {maximum}"
    if maximum is None:
        return f"{number} is below {minimum}"
    return f"{number} is not between {minimum} and {maximum}"


def op_name_of(request_op: Any) -> str:
    """The op name of a request entry; an entry that is not an object, or has no string name, is invalid_argument."""
    if not isinstance(request_op, Mapping):
        raise OpError("invalid_argument", f"an op must be a JSON object, got {request_op!r}")
    name = request_op.get("op")
    if not isinstance(name, str) or not name:
        raise invalid_argument("op", f"every entry of 'ops' needs a non-empty string op name, got {name!r}")
    return name


def unknown_op(name: str) -> OpError:
    """The error the agent returns for an op name it has no handler for."""
    return OpError("unknown_op", f"the agent has no handler for op {name!r}")
