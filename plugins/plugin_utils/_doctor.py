"""The first-contact check (onepacs.baseline.win_doctor, playbooks/doctor.yml): every read op of the protocol once,
in one request, and a compatibility table of what the host answered.

It never changes a host: the request holds only ops the protocol marks "mutates: false" (checked when the request is
built), so it also carries none of the agent's write files. Each op's arguments are chosen to address something
every Windows host has (the Administrators group, the Security event log, the WinRM service, the sleep timeout).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .agent._protocol import load_protocol
from .agent._transport import OpResult

#: Power scheme GUIDs of the sleep timeout on AC (SUB_SLEEP / STANDBYIDLE), as powercfg /aliases lists them:
#: https://learn.microsoft.com/windows-hardware/customize/power-settings/sleep-settings-sleep-idle-timeout
_SLEEP_SUBGROUP = "238c9fa8-0aad-41ed-83f4-97be242c8f20"
_SLEEP_AFTER = "29f6c1db-86da-48c5-9fdb-f2b67b1f44da"

#: Arguments for the read ops that need some; every other read op is sent without arguments.
READ_OP_ARGS: dict[str, dict[str, Any]] = {
    "accounts.group_members": {"sid": "S-1-5-32-544"},
    "defender.install_dirs": {"keys": [], "values": []},
    "eventlog.get": {"name": "Security"},
    "power.query": {"settings": [{"subgroup": _SLEEP_SUBGROUP, "setting": _SLEEP_AFTER}]},
    "registry.get": {"path": "HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion", "name": "CurrentBuildNumber"},
    "services.get": {"names": ["WinRM"]},
    "updates.history": {"limit": 1},
}

_DOMAIN_ROLES = (
    "standalone workstation",
    "member workstation",
    "standalone server",
    "member server",
    "backup domain controller",
    "primary domain controller",
)


class DoctorRequestError(ValueError):
    """The doctor's request would hold an op that writes (a programming error, never a host's)."""


def doctor_ops() -> list[dict[str, Any]]:
    """Every read op of the protocol once, in name order, with READ_OP_ARGS where it needs arguments."""
    ops = load_protocol()["ops"]
    unknown = sorted(set(READ_OP_ARGS) - set(ops))
    writes = sorted(name for name in READ_OP_ARGS if name in ops and ops[name].get("mutates"))
    if unknown or writes:
        raise DoctorRequestError(f"doctor arguments for unknown ops {unknown} or ops that write {writes}")
    return [{"op": name, **READ_OP_ARGS.get(name, {})} for name, spec in sorted(ops.items()) if not spec.get("mutates")]


def _value(results: dict[str, OpResult], op: str) -> dict[str, Any]:
    result = results.get(op)
    return result.value if result is not None and result.ok and isinstance(result.value, dict) else {}


def diagnose(ops: Sequence[dict[str, Any]], results: Sequence[OpResult]) -> dict[str, Any]:
    """The JSON document for one host that answered: its environment and each op's outcome."""
    by_name = {op["op"]: result for op, result in zip(ops, results, strict=True)}
    info = _value(by_name, "system.info")
    session = _value(by_name, "system.session")
    role = session.get("domain_role")
    environment = {
        "powershell_version": info.get("powershell_version"),
        "language_mode": info.get("language_mode"),
        "user": session.get("user"),
        "elevated": session.get("elevated"),
        "integrity_level": session.get("integrity_level"),
        "os_caption": info.get("os_caption"),
        "build": f"{info['current_build']}.{info.get('ubr', 0)}" if info.get("current_build") else None,
        "installation_type": info.get("installation_type"),
        "domain_role": _DOMAIN_ROLES[role] if isinstance(role, int) and 0 <= role < len(_DOMAIN_ROLES) else None,
        "domain": info.get("domain") if info.get("part_of_domain") else None,
        "amsi_providers": [entry.get("name") or entry.get("clsid") for entry in session.get("amsi_providers", [])],
    }
    outcomes = {
        name: {"ok": True} if result.ok else {"ok": False, "code": result.code, "error": result.error}
        for name, result in by_name.items()
    }
    failed = sorted(name for name, outcome in outcomes.items() if not outcome["ok"])
    return {"reached": True, "agent_error": None, "environment": environment, "ops": outcomes, "failed_ops": failed}


def unreached(cause: str) -> dict[str, Any]:
    """The JSON document for a host whose agent did not answer (unreachable, Constrained Language Mode, blocked)."""
    return {"reached": False, "agent_error": cause, "environment": {}, "ops": {}, "failed_ops": []}


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "?"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "none"
    return str(value)


def table(host: str, report: dict[str, Any]) -> list[str]:
    """The compatibility table as lines of text ('what | finding')."""
    if not report["reached"]:
        return [f"{host}: the agent did not answer", f"cause | {report['agent_error']}"]
    env = report["environment"]
    elevation = "elevated" if env["elevated"] else "NOT elevated"
    lines = [
        f"{host}: {len(report['ops']) - len(report['failed_ops'])}/{len(report['ops'])} read ops answered",
        f"PowerShell | {_shown(env['powershell_version'])} {_shown(env['language_mode'])}",
        f"token | {_shown(env['user'])}, {elevation}, integrity {_shown(env['integrity_level'])}",
        f"OS | {_shown(env['os_caption'])} build {_shown(env['build'])} ({_shown(env['installation_type'])})",
        f"domain role | {_shown(env['domain_role'])}" + (f" of {env['domain']}" if env["domain"] else ""),
        f"AMSI providers | {_shown(env['amsi_providers'])}",
    ]
    for name, outcome in sorted(report["ops"].items()):
        lines.append(f"{name} | ok" if outcome["ok"] else f"{name} | {outcome['code']}: {outcome['error']}")
    return lines
