"""A stand-in for an Ansible connection plugin in unit tests: answers agent commands from a simulated host.

It checks what a real host would see (our bootstrap command, the request on stdin) and counts the round trips,
so action-plugin tests can assert call counts as well as results.
"""

from __future__ import annotations

import json
from typing import Any

from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent import _framing as framing
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._transport import build_command
from winlab.simulator import SimulatedHost


class SimulatedConnection:
    def __init__(self, host: SimulatedHost, failures: dict[int, Exception | tuple[int, bytes, bytes]] | None = None):
        self.host = host
        self.requests: list[dict[str, Any]] = []
        #: call index (0-based) -> an exception to raise or a raw (rc, stdout, stderr) to return instead
        self.failures = failures or {}

    def exec_command(self, cmd: str, in_data: bytes | None = None, sudoable: bool = True) -> tuple[int, bytes, bytes]:
        assert cmd == build_command()
        assert sudoable is False
        assert in_data is not None
        request = json.loads(in_data.decode("ascii").split(framing.REQUEST_SEPARATOR + "\n", 1)[1])
        self.requests.append(request)
        failure = self.failures.get(len(self.requests) - 1)
        if isinstance(failure, Exception):
            if getattr(failure, "apply_first", False):
                self.host.execute(request)
            raise failure
        if failure is not None:
            return failure
        response = json.dumps(self.host.execute(request))
        return 0, f"{framing.RESULT_BEGIN}\r\n{response}\r\n{framing.RESULT_END}\r\n".encode(), b""

    @classmethod
    def from_profile(cls, profile: str, **host_options: Any) -> SimulatedConnection:
        """A connection to a fresh simulated host of a lab profile (tests/lab/winlab/profiles); host_options go to
        SimulatedHost.from_profile (name=...)."""
        return cls(SimulatedHost.from_profile(profile, **host_options))

    @property
    def ops(self) -> list[list[str]]:
        return [[op["op"] for op in request["ops"]] for request in self.requests]
