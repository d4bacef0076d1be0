"""A simulated Windows host: its state as JSON and one Python implementation of every agent op over it.

This is a test double for tests/ and the lab; nothing in plugins/ imports it. The WinRM server hands each decoded
request to SimulatedHost.execute() and writes the response between the result markers, so the controller sees
exactly what the real agent.ps1 would print.

    host = SimulatedHost.from_profile("server2022-core-fresh", name="gw01")
    host.execute({"v": 1, "ops": [{"op": "system.info"}]})  # -> {"v": 1, "results": [{"ok": true, ...}]}
"""

from __future__ import annotations

import copy
import importlib
import json
import pkgutil
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from winlab import sim_access
from winlab.plugin_code import plugin_module
from winlab.sim_errors import OpError
from winlab.sim_op import Op, op_name_of, unknown_op
from winlab.sim_profiles import ProfileError, list_profiles, load_profile
from winlab.sim_registry import parse_key_path, registry_of
from winlab.sim_schema import ACTIVE_COMPUTER_NAME_KEY, COMPUTER_NAME_KEY, prepare_state

__all__ = ["OPS", "PROTOCOL_VERSION", "ProfileError", "SimulatedHost", "list_profiles", "load_profile"]

#: Request/response "v": the controller's own number.
PROTOCOL_VERSION: int = plugin_module("plugin_utils.agent._framing").PROTOCOL_VERSION


def _discover_ops() -> dict[str, Op]:
    """Every Op in the OPS tuple of a winlab.sim_ops_<area> module: adding an area is adding one module."""
    modules = sorted(info.name for info in pkgutil.iter_modules([str(Path(__file__).parent)]))
    ops: dict[str, Op] = {}
    for module in (name for name in modules if name.startswith("sim_ops_")):
        for op in importlib.import_module(f"winlab.{module}").OPS:
            if op.name in ops:
                raise RuntimeError(f"winlab.{module}: op {op.name} is implemented twice")
            ops[op.name] = op
    return ops


#: The dispatch table: op name -> Op (callable as op(state, request_op), with .args mirroring the protocol).
OPS: dict[str, Op] = _discover_ops()

_REQUEST_WITHOUT_OPS = OpError("invalid_argument", 'the request has no "ops" list')
_UNSUPPORTED_VERSION = OpError(
    "invalid_argument", f"unsupported request version (this agent speaks protocol version {PROTOCOL_VERSION})"
)
_NETBIOS_INVALID = re.compile(r"[^A-Z0-9-]")
_NETBIOS_MAX = 15


class SimulatedHost:
    """One simulated Windows host. Not thread-safe: the WinRM server serialises calls per host."""

    def __init__(self, state: dict, name: str = "host") -> None:
        """Take ownership of `state` (it becomes the live state, put in canonical form in place)."""
        self.name = name
        self.state = prepare_state(state)

    @classmethod
    def from_profile(cls, name_or_path: str | Path, name: str | None = None) -> SimulatedHost:
        """A host from a bundled profile name or a profile file. Given a `name`, the host also takes it as its
        computer name (upper case, NetBIOS-safe, at most 15 characters), as a freshly named machine would."""
        state = load_profile(name_or_path)
        host = cls(state, name=name or state["profile"]["name"])
        if name:
            host._rename_computer(name)
        return host

    @property
    def language_mode(self) -> str:
        """$ExecutionContext.SessionState.LanguageMode of a session on this host."""
        return (self.state.get("powershell") or {}).get("language_mode", "FullLanguage")

    @property
    def amsi_blocked_files(self) -> frozenset[str]:
        """Agent files (stems: 'core', 'defender_write') the host's antimalware scanning (AMSI) blocks on load."""
        return frozenset((self.state.get("powershell") or {}).get("amsi_blocked_files") or ())

    def execute(self, request: Mapping[str, Any]) -> dict:
        """Answer a protocol request as the agent does: one result per op, in order, op failures as failed results.
        A request without an "ops" list gets a response-level invalid_argument and no results; one whose "v" is
        not 1 gets invalid_argument for every op. Only a request that is not a JSON object raises ValueError."""
        if not isinstance(request, Mapping):
            raise ValueError(f"a request is a JSON object, got {type(request).__name__}")
        entries = request.get("ops")
        if not isinstance(entries, list):
            return {"v": PROTOCOL_VERSION, "results": [], **_REQUEST_WITHOUT_OPS.as_result_fields()}
        version = request.get("v")
        if isinstance(version, bool) or version != PROTOCOL_VERSION:
            return {"v": PROTOCOL_VERSION, "results": [_UNSUPPORTED_VERSION.as_result() for _ in entries]}
        return {"v": PROTOCOL_VERSION, "results": [self._run(entry) for entry in entries]}

    def snapshot(self) -> dict:
        """A deep copy of the live state."""
        return copy.deepcopy(self.state)

    def admits(self, username: str, port: int, source_address: str | None = None) -> tuple[bool, str]:
        """Whether Windows would let `username` in over WinRM on `port` (the port the host's listener is bound to)
        from `source_address` (default: the controller's address as the host sees it), with the reason:
        "admitted", or the first obstacle (see sim_access)."""
        return sim_access.admits(self.state, username, port, source_address)

    def controller_admitted(self, port: int, source_address: str | None = None) -> tuple[bool, str]:
        """Whether the controller's TCP connection reaches the WinRM listener at all (service and firewall only)."""
        return sim_access.controller_admitted(self.state, port, source_address)

    def _run(self, entry: Any) -> dict:
        try:
            name = op_name_of(entry)
            op = OPS.get(name)
            if op is None:
                raise unknown_op(name)
            return {"ok": True, "value": copy.deepcopy(op(self.state, entry))}
        except OpError as exc:
            return exc.as_result()
        except Exception as exc:  # the agent wraps each op in try/catch; so does the simulator
            return {"ok": False, "code": "failed", "error": f"{type(exc).__name__}: {exc}"}

    def _rename_computer(self, name: str) -> None:
        netbios = _NETBIOS_INVALID.sub("-", name.upper())[:_NETBIOS_MAX].strip("-") or "HOST"
        registry = registry_of(self.state)
        for path in (ACTIVE_COMPUTER_NAME_KEY, COMPUTER_NAME_KEY):
            registry.write(parse_key_path(path), "ComputerName", "String", netbios)


def main(argv: list[str]) -> int:
    """`python -m winlab.simulator PROFILE`: print a profile fully resolved (helps when writing one)."""
    if len(argv) != 1:
        print(f"usage: python -m winlab.simulator PROFILE   (bundled: {', '.join(list_profiles())})")
        return 2
    try:
        print(json.dumps(load_profile(argv[0]), indent=2))
    except ProfileError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
