"""services.get / services.set with Service Control Manager semantics over state["services"].

State: services by name (the case Get-Service shows), each with DisplayName, StartMode (Auto, Manual, Disabled,
Boot, System as Win32_Service reports it), State (Running, Stopped, ...) and an optional DelayedAutoStart. Names
match case-insensitively, as the Service Control Manager does. A service that is not installed is data for
services.get and not_found for services.set, the way Get-Service and Set-Service fail on Windows. Dependencies
between services are not modelled. An optional lab-only "StopHangs": true makes the service stay in StopPending
when asked to stop, as a service whose stop handler never returns does; the agent waits 30 seconds for it.

services.set acts on the one service whose name is exactly `name`: the agent opens it by that name
([ServiceController]::new) and hands the object to Set-/Stop-Service, because their -Name takes wildcards
(sim_wildcard); `services_selected_by_name` is what Stop-Service -Name would select instead.
"""

from __future__ import annotations

from winlab import sim_wildcard as wildcard
from winlab.sim_errors import OpError, invalid_argument
from winlab.sim_op import Op

#: States from which Stop-Service brings a service to Stopped.
_STOPPABLE = ("Running", "Paused", "StartPending")
#: How long the agent waits for a stopping service (Stop-OnePacsServiceWithin in agent/services_write.ps1).
STOP_TIMEOUT_SECONDS = 30


def _find(state: dict, name: str) -> str | None:
    wanted = name.casefold()
    return next((key for key in state.get("services") or {} if key.casefold() == wanted), None)


def _entry(state: dict, asked: str) -> dict:
    name = _find(state, asked)
    if name is None:
        return {
            "name": asked,
            "exists": False,
            "display_name": None,
            "start_mode": None,
            "state": None,
            "delayed_auto_start": None,
        }
    service = state["services"][name]
    return {
        "name": name,
        "exists": True,
        "display_name": service.get("DisplayName", name),
        "start_mode": service.get("StartMode"),
        "state": service.get("State"),
        "delayed_auto_start": bool(service.get("DelayedAutoStart", False)),
    }


def services_get(state: dict, args: dict) -> dict:
    """The asked services in asked order; a missing one has exists false."""
    names = args["names"]
    for index, name in enumerate(names):
        if not isinstance(name, str) or not name:
            raise invalid_argument("names", f"item {index} is not a service name: {name!r}")
    return {"services": [_entry(state, name) for name in names]}


def services_set(state: dict, args: dict) -> dict:
    """Set-Service -StartupType and/or Stop-Service, then read the service back."""
    if "start_mode" not in args and not args.get("stop"):
        raise invalid_argument("start_mode", "services.set needs 'start_mode' or 'stop' (or both)")
    name = _find(state, args["name"])
    if name is None:
        raise OpError("not_found", f"Cannot find any service with service name '{args['name']}'.")
    service = state["services"][name]
    if "start_mode" in args:
        # Windows keeps the DelayedAutostart flag whatever the start type; it only matters for Auto.
        service["StartMode"] = args["start_mode"]
    if args.get("stop") and service.get("State") in _STOPPABLE:
        if service.get("StopHangs"):
            service["State"] = "StopPending"
            raise OpError(
                "failed",
                f"{name} did not stop within {STOP_TIMEOUT_SECONDS} seconds (state: StopPending); it was asked to "
                "stop and may still stop later",
            )
        service["State"] = "Stopped"
    return _entry(state, name)


def services_selected_by_name(state: dict, name: str) -> list[str]:
    """The services `Stop-Service -Name <name>` would stop: every one the name matches as a pattern."""
    return wildcard.matching(name, state.get("services") or {})


OPS = (
    Op("services.get", services_get),
    Op("services.set", services_set),
)
