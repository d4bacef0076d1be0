"""registry.get / registry.set / registry.remove over the simulated registry (see sim_registry for the rules)."""

from __future__ import annotations

from winlab.sim_errors import invalid_argument
from winlab.sim_op import Op
from winlab.sim_registry import KeyPath, RegistryPathError, convert_data, parse_key_path, registry_of


def _key_arg(args: dict) -> KeyPath:
    try:
        return parse_key_path(args["path"])
    except RegistryPathError as exc:
        raise invalid_argument("path", str(exc)) from None


def _read_back(state: dict, key: KeyPath, name: str) -> dict:
    key_exists, value = registry_of(state).read(key, name)
    return {
        "key_exists": key_exists,
        "exists": value is not None,
        "type": value["type"] if value else None,
        "data": value["data"] if value else None,
    }


def registry_get(state: dict, args: dict) -> dict:
    """One value; a missing key or value is data (exists false), not an error. data=false leaves out the data."""
    value = _read_back(state, _key_arg(args), args["name"])
    if args.get("data") is False:
        value["data"] = None
    return value


def registry_set(state: dict, args: dict) -> dict:
    """Write one value, creating the key path (New-Item -Force), then read it back."""
    key = _key_arg(args)
    try:
        data = convert_data(args["type"], args["data"])
    except ValueError as exc:
        raise invalid_argument("data", f"cannot store as {args['type']}: {exc}") from None
    registry_of(state).write(key, args["name"], args["type"], data)
    return _read_back(state, key, args["name"])


def registry_remove(state: dict, args: dict) -> dict:
    """Delete one value, never a key; a missing value (or key) succeeds with existed false."""
    key = _key_arg(args)
    registry = registry_of(state)
    existed = registry.delete(key, args["name"])
    _, value = registry.read(key, args["name"])
    return {"existed": existed, "exists": value is not None}


OPS = (
    Op("registry.get", registry_get),
    Op("registry.set", registry_set),
    Op("registry.remove", registry_remove),
)
