"""Requests to a simulated host in unit tests: run ops as the agent protocol frames them, take a result's value, or
check its error."""

from __future__ import annotations

from typing import Any

from winlab.simulator import SimulatedHost


def run(host: SimulatedHost, *ops: dict) -> list[dict]:
    """Execute ops in one request and return the results list."""
    return host.execute({"v": 1, "ops": list(ops)})["results"]


def run_one(host: SimulatedHost, op: dict) -> dict:
    (result,) = run(host, op)
    return result


def value_of(host: SimulatedHost, op: dict) -> Any:
    result = run_one(host, op)
    assert result["ok"], result
    return result["value"]


def assert_error(result: dict, code: str, mentions: str | None = None) -> None:
    assert result["ok"] is False, result
    assert result["code"] == code, result
    if mentions is not None:
        assert mentions in result["error"], result
