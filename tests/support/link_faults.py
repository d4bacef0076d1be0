"""A lab fault the lab's switches cannot time: the link dies right after a request that wrote to the host.

The lab's `drop_after_apply` drops every command, the read-only probe included, so the controller never gets as far
as sending a change. `drop_after_write` lets the probe through and cuts the connection only once a request has
changed the simulated host: the writes happen, the answer (with the values read back) never arrives. That is the
window between write and read-back that the engine must report as `error`, never as `fixed` or `pass`.

Works on labs started in the test process (`running_lab`, the `start_lab` fixture), whose endpoints it reaches.
"""

from __future__ import annotations

import contextlib
import json
import socket
from typing import Any

from winlab.fleet import LabClient


class DropAfterWrite:
    """A simulated host wrapper: after a request that changed the state, every open connection of the host's
    endpoint is cut, so the reply is lost; the port stays open, so the client's clean-up and the next run get in.

    (The endpoint's own stop_listening() would also close the port, and a client that reconnects at once would
    then see "connection refused" or not depending on timing.)"""

    def __init__(self, endpoint: Any, inner: Any) -> None:
        self._endpoint = endpoint
        self.inner = inner
        self.drops = 0

    def execute(self, request: Any) -> dict[str, Any]:
        before = _fingerprint(self.inner.snapshot())
        response = self.inner.execute(request)
        if _fingerprint(self.inner.snapshot()) != before:
            self.drops += 1
            self._cut_connections()
        return response

    def _cut_connections(self) -> None:
        # Called by the endpoint while it holds its (re-entrant) lock, from the thread that will write the reply.
        for connection in list(self._endpoint._connections):
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _fingerprint(state: Any) -> str:
    return json.dumps(state, sort_keys=True, default=str)


def drop_after_write(lab: LabClient, host: str) -> DropAfterWrite:
    """Switch `host` to dropping the connection after each request that writes; `restore_link` undoes it."""
    if lab.fleet is None:
        raise RuntimeError("drop_after_write needs a lab running in this process (running_lab / start_lab)")
    endpoint = lab.fleet.endpoint(host)
    wrapper = DropAfterWrite(endpoint, endpoint.host)
    endpoint.replace_host(wrapper)
    return wrapper


def restore_link(lab: LabClient, host: str) -> None:
    """Put the host's own simulated state back behind its endpoint (its state stays as the writes left it)."""
    assert lab.fleet is not None
    endpoint = lab.fleet.endpoint(host)
    if isinstance(endpoint.host, DropAfterWrite):
        endpoint.replace_host(endpoint.host.inner)
