#!/usr/bin/env python3
"""Generate the baseline roles (gateway, workstation) from one description of their role areas.

Both roles run the same modules the same way; they differ only in the baseline they pass, the controls the
catalog gives each baseline, and some knobs. Writing their tasks, defaults and argument_specs by hand would copy
the same YAML twice; this script writes them from ROLE_AREAS below, the areas' options (each knob's type, allowed
values and default) and the catalog, and tests/unit/test_role_gen.py fails when a generated file is not current.
Edit ROLE_AREAS, then run: scripts/regen

Usage: scripts/role_gen.py [--check]
"""

from __future__ import annotations

import argparse
import importlib
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / ".collections"))
sys.path.insert(0, str(REPO_ROOT / "scripts"))
CATALOG_MODULE = "ansible_collections.onepacs.baseline.plugins.plugin_utils._catalog"
ROLE_INPUTS_MODULE = "ansible_collections.onepacs.baseline.plugins.plugin_utils._role_inputs"
ROLES = {
    "gateway": "OnePacs Gateway server",
    "workstation": "PCs running the OnePacs Workstation and Study Retriever",
}
SEED_FILES = {"gateway": "onepacs-gateway-best-practices.txt", "workstation": "onepacs-workstation-security.txt"}
BOTH = ("gateway", "workstation")


class _ModuleDefault:
    """The default of a knob that has no role-level default of its own: its module option's."""

    def __repr__(self) -> str:
        return "MODULE_DEFAULT"


MODULE_DEFAULT: Any = _ModuleDefault()


@dataclass(frozen=True)
class Knob:
    """One role variable: onepacs_<role>_<section>_<name>, passed to the module option `option`.

    Its type, allowed values and default are the module option's (the area's `options`), read when the role is
    generated; only a role-level `default` that differs from the module's is written here."""

    name: str
    description: str
    roles: tuple[str, ...] = BOTH
    option: str | None = None
    default: Any = MODULE_DEFAULT

    @property
    def module_option(self) -> str:
        return self.option or self.name

    def spec(self, module: str) -> dict[str, Any]:
        """The knob's argument spec: the module option's type, default, elements and choices, and the description."""
        options = importlib.import_module(ROLE_INPUTS_MODULE).area_class(module).options
        if self.module_option not in options:
            raise ValueError(f"knob {self.name}: {self.module_option} is not an option of {module}")
        option = {"type": "str", **options[self.module_option]}
        if self.default is not MODULE_DEFAULT:
            option["default"] = self.default
        spec: dict[str, Any] = {"type": option["type"], "default": option.get("default")}
        spec["description"] = self.description
        spec.update({key: option[key] for key in ("elements", "choices") if option.get(key)})
        return spec


@dataclass(frozen=True)
class RoleArea:
    """The part of a baseline role that runs one control module: one task, its switch
    onepacs_<role>_<name>_enabled, its tags (name and control ids) and its knobs (docs/architecture.md, Glossary)."""

    name: str
    module: str
    title: str
    knobs: tuple[Knob, ...] = field(default_factory=tuple)


ROLE_AREAS: tuple[RoleArea, ...] = (
    RoleArea(
        "host_facts",
        "win_host_facts",
        "Host facts - supported OS, installation type, address, installed software, OnePacs versions",
        (
            Knob(
                "expected_ipv4",
                "NET-01 internal IPv4 address reserved for this gateway (RFC 1918); "
                "set per host. Unset, NET-01 fails as not configured.",
                roles=("gateway",),
            ),
            Knob(
                "software_allow",
                "SW-01 patterns (fnmatch, case-insensitive) of installed programs "
                "allowed besides the OnePacs components (dedicated use).",
            ),
            Knob(
                "software_deny",
                "SW-01 patterns of programs that must not be installed; a deny match beats an allow match.",
            ),
            Knob(
                "onepacs_min_versions",
                "SW-02 minimum version per OnePacs component, for example "
                "{gateway: '5.4.0'} or {workstation: '9.1', study_retriever: '3.2'}.",
            ),
            Knob(
                "onepacs_latest_versions",
                "UPD-03 the latest OnePacs release per component; older installs fail.",
                roles=("workstation",),
            ),
            Knob(
                "esu_until",
                "SYS-02 last day (YYYY-MM-DD) of a purchased Extended Security Updates "
                "subscription, where Microsoft offers one.",
            ),
        ),
    ),
    RoleArea(
        "power",
        "win_power",
        "Power - never sleep, no hibernation, no fast startup",
        (
            Knob(
                "standby_timeout_ac_minutes",
                "PWR-01 minutes on AC power before sleep; 0 means never (the practice).",
                roles=("gateway",),
            ),
            Knob(
                "hibernation", "PWR-02 whether hibernation should be on; the practice turns it off.", roles=("gateway",)
            ),
            Knob(
                "fast_startup", "PWR-03 whether fast startup (a hybrid hibernation) should be on.", roles=("gateway",)
            ),
        ),
    ),
    RoleArea("network", "win_network", "Network - only secure private networks"),
    RoleArea(
        "antivirus",
        "win_defender",
        "Antivirus - exclusions, real-time protection, scheduled scan, current signatures",
        (
            Knob(
                "extra_exclusion_paths",
                "AV-01 folders to exclude besides C:\\onepacs and the PostgreSQL folder found on the host.",
                roles=("gateway",),
            ),
            Knob("scan_schedule_day", "AV-03 scheduled scan day: 0 every day, 1 Sunday .. 7 Saturday."),
            Knob("scan_schedule_time", "AV-03 scheduled scan time (HH:MM, quoted), off-hours."),
            Knob("signature_max_age_days", "AV-04 maximum antivirus signature age in days."),
        ),
    ),
    RoleArea(
        "encryption",
        "win_bitlocker",
        "Encryption - BitLocker with a TPM protector",
        (
            Knob(
                "enable_os_volume",
                "ENC-01 turn BitLocker on where it is off (opt-in); the recovery "
                "password is escrowed to escrow_dir before protection starts; never reboots.",
            ),
            Knob(
                "escrow_dir",
                "ENC-01 directory on the controller for recovery passwords (files "
                "with mode 0600); required when enable_os_volume is true.",
            ),
            Knob(
                "escrow_dir_persistent",
                "ENC-01 escrow_dir is on storage that outlives the job (a mounted volume); required in an AWX / AAP "
                "job, where escrow_dir is refused without it.",
            ),
            Knob("skip_hardware_test", "ENC-01 start encryption without the TPM hardware test at the next restart."),
        ),
    ),
    RoleArea(
        "firewall",
        "win_firewall",
        "Firewall - on, inbound blocked, only allowed inbound rules, dropped packets logged",
        (
            Knob("log_max_size_kilobytes", "FW-04 minimum size of each profile's firewall log, in KB."),
            Knob(
                "extra_rule_allowlist",
                "FW-03 inbound allow rules allowed besides the defaults "
                "(OnePacs installer rules, WinRM, Core Networking): entries with one of name, group or "
                "display_name (patterns).",
            ),
            Knob(
                "rule_allowlist_mode",
                "FW-03 audit reports other enabled inbound allow rules; "
                "enforce disables them (never the management rule).",
            ),
            Knob(
                "create_management_rule",
                "When no enabled allow rule covers the WinRM port, create "
                "one before blocking inbound traffic instead of refusing FW-01/FW-02 (lockout guard).",
            ),
            Knob(
                "management_port",
                "TCP port the host's WinRM listener uses, for the lockout guard and the management "
                "rule; null: the port of the connection (set it when a NAT, tunnel or jump host changes the port the "
                "controller connects to; docs/reaching-clinics.md).",
            ),
            Knob(
                "management_rule_remote_addresses",
                "Remote addresses the created management rule allows (the "
                "MSP's public address, VPN range or jump host), for example ['203.0.113.10', '10.8.0.0/24']; null: "
                "the controller's address as the host sees it.",
            ),
        ),
    ),
    RoleArea(
        "updates",
        "win_update_policy",
        "Windows Update - automatic install in off-hours, recent updates",
        (
            Knob("scheduled_install_day", "UPD-01 day automatic updates install: 0 every day, 1 Sunday .. 7 Saturday."),
            Knob("scheduled_install_time", "UPD-01 hour (0-23) automatic updates install: off-hours."),
            Knob("max_update_age_days", "UPD-02 the newest installed update must be at most this many days old."),
        ),
    ),
    RoleArea(
        "services",
        "win_services",
        "Services - unnecessary services disabled and stopped",
        (
            Knob(
                "extra_disabled_services",
                "SVC-01 service names to disable and stop besides the "
                "module's default list (for example Spooler where nothing prints).",
            ),
            Knob("keep_services", "SVC-01 service names of the default list this host needs."),
        ),
    ),
    RoleArea(
        "security_options",
        "win_security_options",
        "Security options - autologon, SMBv1, LLMNR, WDigest, anonymous enumeration, inactivity lock",
        (Knob("inactivity_timeout_seconds", "LCK-01 seconds of inactivity before the session locks (1-900)."),),
    ),
    RoleArea(
        "password_policy",
        "win_account_policy",
        "Password and lockout policy",
        (
            Knob("minimum_password_length", "PWD-02 minimum password length."),
            Knob("maximum_password_age_days", "PWD-03 maximum password age in days."),
            Knob("password_history_size", "PWD-04 passwords remembered."),
            Knob("lockout_threshold", "PWD-05 bad attempts before lockout (1-10)."),
            Knob("lockout_duration_minutes", "PWD-05 lockout duration in minutes (15 or more)."),
            Knob(
                "lockout_reset_minutes",
                "PWD-05 minutes after which the bad-attempt counter resets (15 or more, at most the duration).",
            ),
        ),
    ),
    RoleArea(
        "accounts",
        "win_local_accounts",
        "Local accounts - individual accounts, Guest off, Administrators, unused accounts",
        (
            Knob(
                "allowed_accounts",
                "ACC-01 enabled local accounts allowed (names or SIDs); the "
                "connecting account is not added automatically.",
            ),
            Knob("allowed_administrators", "ACC-03 members allowed in Administrators (names, DOMAIN\\name or SIDs)."),
            Knob(
                "administrators_mode",
                "ACC-03 audit reports other members; enforce removes them "
                "(never the connecting account or the last administrator).",
            ),
            Knob("unused_account_days", "ACC-04 days without a logon after which an enabled account counts as unused."),
            Knob(
                "unused_accounts_mode",
                "ACC-04 audit reports unused accounts; enforce disables "
                "them (never the connecting account or the last administrator).",
            ),
        ),
    ),
    RoleArea(
        "logging",
        "win_audit_policy",
        "Logging - advanced audit policy and Security log size",
        (Knob("security_log_min_size_kb", "LOG-02 minimum size of the Security event log in KB (a multiple of 64)."),),
    ),
)

#: Last in every role: the manual controls, from the shared onepacs_attestations variable.
ATTESTATIONS = RoleArea("attestations", "win_attestations", "Manual controls - attestations")


def _catalog() -> Any:
    return importlib.import_module(CATALOG_MODULE).load_catalog()


def _comment(text: str) -> str:
    return "\n".join(textwrap.wrap(text, 116, initial_indent="# ", subsequent_indent="#   "))


class _Dumper(yaml.SafeDumper):
    """Indented block sequences, as yamllint's default indentation rule wants them."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, width=110, allow_unicode=True)


def _role_areas(role: str) -> list[tuple[RoleArea, list[str]]]:
    """The areas whose module evaluates controls of this baseline, with those control ids."""
    catalog = _catalog()
    found = []
    for area in ROLE_AREAS:
        ids = [control.id for control in catalog.for_module(area.module) if role in control.baselines]
        if ids:
            found.append((area, ids))
    return found


def _practices(role: str, module: str) -> list[str]:
    quotes: list[str] = []
    for control in _catalog().for_module(module):
        for ref in control.seed:
            if ref.doc == role and role in control.baselines and ref.quote not in quotes:
                quotes.append(ref.quote)
    return quotes


def _exceptions_spec() -> dict[str, Any]:
    # elements raw: validate_inputs checks every entry itself and reports all problems at once, by index and
    # field; a typed sub-spec here would stop at the first one with the whole argument spec in the message.
    return {
        "type": "list",
        "elements": "raw",
        "default": [],
        "description": [
            "Approved exceptions (waivers), shared by the baseline roles: id, reason, approver, expires (YYYY-MM-DD,",
            "at most onepacs_max_waiver_days away), and optionally hosts (names or patterns) and groups.",
            "Every onepacs_exceptions_<suffix> variable is merged in (docs/exceptions-and-attestations.md).",
            "An active exception makes its control excepted; an expired one is reported as failing with its date.",
        ],
    }


def _attestations_spec() -> dict[str, Any]:
    return {
        "type": "list",
        "elements": "raw",
        "default": [],
        "description": [
            "Attestations of the manual controls, shared by the baseline roles: id, attested_by, date, evidence,",
            "valid_days (default 365, at most onepacs_max_waiver_days), and optionally hosts and groups.",
            "Every onepacs_attestations_<suffix> variable is merged in (docs/exceptions-and-attestations.md).",
            "A current attestation makes its control manual_attested; none or an expired one, manual_missing.",
        ],
    }


def _show_areas_task(result: str) -> dict[str, Any]:
    """The terminal shows one line per area, as it does with one task per area."""
    return {
        "name": "Show the result of each area (audit_mode single_command)",
        "ansible.builtin.debug": {
            "msg": f"{{{{ {result}.areas | dict2items | map(attribute='key')\n"
            f"| zip({result}.areas | dict2items | map(attribute='value.msg'))\n"
            "| map('join', ': ') | list }}"
        },
        "when": f"{result}.areas is defined",
        "tags": ["always"],
    }


def _audit_entry_point(single_command_task: dict[str, Any], role_inputs: dict[str, Any]) -> str:
    """tasks/audit.yml: the single-command task alone, for playbooks/audit.yml (tasks_from: audit)."""
    arguments = dict(single_command_task["onepacs.baseline.win_baseline"])
    # win_baseline reads the role variables named in role_inputs itself: a '{{ variable }}' per option would be
    # compiled again for every host (docs/performance.md).
    # The waivers and attestations too: win_baseline merges every onepacs_exceptions*/onepacs_attestations* list
    # and scopes it to the host, as validate_inputs does for the per-task entry point.
    del arguments["exceptions"]
    arguments["areas"] = {
        module: {
            key: value
            for key, value in entry.items()
            if key not in role_inputs["setting_variables"][module] and key != "attestations"
        }
        for module, entry in arguments["areas"].items()
    }
    task = {
        **{key: value for key, value in single_command_task.items() if key != "when"},
        "name": "Audit every area in one WinRM command per host (check mode; unreachable hosts are recorded)",
        "onepacs.baseline.win_baseline": {**arguments, "role_inputs": role_inputs},
        "check_mode": True,
        "ignore_unreachable": True,
    }
    return "\n".join(
        [
            "---",
            "# Generated by scripts/role_gen.py. The audit entry point (playbooks/audit.yml imports it with",
            "# tasks_from: audit): one task, one WinRM command per host, in check mode. It checks the role's",
            "# variables as validate_inputs does before the host is contacted, selects areas by --tags and",
            "# --skip-tags like the per-area tasks, and keeps an unreachable host in the play with its cause in",
            "# the registered result, so that the playbook records it. It is one task because every task costs",
            "# the controller about as much CPU per host as the audit itself (docs/performance.md).",
            _dump([task]),
        ]
    )


def render(role: str) -> dict[str, str]:
    """Every generated file of one role: relative path -> text."""
    prefix = f"onepacs_{role}_"
    areas = _role_areas(role)
    manual_ids = [c.id for c in _catalog().for_module("win_attestations") if role in c.baselines]
    specs: dict[str, Any] = {
        f"{prefix}enforce": {
            "type": "bool",
            "default": True,
            "description": "Enforce drifted controls; false reports only, even outside check mode.",
        },
        f"{prefix}audit_mode": {
            "type": "str",
            "default": "single_command",
            "choices": ["per_area", "single_command"],
            "description": [
                "single_command runs onepacs.baseline.win_baseline: every area in one WinRM command per host to audit",
                "(check mode), two to enforce (one probe, one apply of every drifted control), with the same records",
                "as per_area. per_area runs one task (one command, plus one per area with drift) per area.",
            ],
        },
        f"{prefix}allow_baseline_mismatch": {
            "type": "bool",
            "default": False,
            "description": [
                "Enforce even when the host's facts say it is not a " + role + " (onepacs.baseline.baseline_guard);",
                "set it per host, only after checking the host really belongs in this group.",
            ],
        },
        "onepacs_exceptions": _exceptions_spec(),
        "onepacs_attestations": _attestations_spec(),
        "onepacs_max_waiver_days": {
            "type": "int",
            "default": 365,
            "description": "Longest a waiver may run (expires at most this many days away) or an attestation last.",
        },
    }
    defaults = [
        "---",
        _comment(f"onepacs.baseline.{role} - every knob of the OnePacs {role} baseline ({ROLES[role]})."),
        f"# Source: {SEED_FILES[role]}; each area names its controls and the practices they serve.",
        "# Generated by scripts/role_gen.py; meta/argument_specs.yml validates every variable before any host is",
        "# touched, and README.md is generated from it.",
        "",
        "# Enforce drifted controls (false: report only, even outside check mode). Audits run playbooks/audit.yml,",
        "# which uses check mode and never changes a host.",
        f"{prefix}enforce: true",
        "",
        "# single_command: onepacs.baseline.win_baseline evaluates every area in one WinRM command per host (check",
        "# mode), two when enforcing (docs/performance.md). per_area: one task, and one command, per area (plus one",
        "# per area with drift), for those who want each area as its own task. The records are the same.",
        f"{prefix}audit_mode: single_command",
        "",
        f"# Enforce even when the host's facts say it is not a {role} (a client OS running the Workstation in",
        "# gateways, or the reverse); set it per host, after checking. Audits only warn.",
        f"{prefix}allow_baseline_mismatch: false",
        "",
        "# Approved exceptions (waivers), shared by the baseline roles: [{id, reason, approver, expires}].",
        "onepacs_exceptions: []",
        "",
        "# Attestations of the manual controls, shared by the baseline roles:",
        "# [{id, attested_by, date: YYYY-MM-DD, evidence, valid_days}].",
        "onepacs_attestations: []",
        "",
        "# Longest a waiver may run and an attestation stay current, in days (shared by the baseline roles).",
        "onepacs_max_waiver_days: 365",
    ]
    validate: dict[str, Any] = {
        "variable_prefix": prefix,
        "role_variables": [],
        "settings": {},
        "setting_variables": {},
        "max_waiver_days": "{{ onepacs_max_waiver_days }}",
        "enforce": f"{{{{ {prefix}enforce }}}}",
    }
    tasks: list[dict[str, Any]] = [
        {
            "name": "Validate the role's variables, exceptions and attestations before any host is contacted",
            "onepacs.baseline.validate_inputs": validate,
            "register": f"{prefix}inputs",
            "tags": ["always"],
        },
        {
            "name": f"Refuse to enforce on a host whose facts say it is not a {role}",
            "onepacs.baseline.baseline_guard": {
                "baseline": role,
                "enforce": f"{{{{ {prefix}enforce }}}}",
                "allow_mismatch": f"{{{{ {prefix}allow_baseline_mismatch }}}}",
                "override_variable": f"{prefix}allow_baseline_mismatch",
            },
            "register": f"{prefix}guard",
            "tags": ["always"],
        },
    ]
    results = []
    common = {
        "baseline": role,
        "enforce": f"{{{{ {prefix}enforce }}}}",
        "exceptions": f"{{{{ {prefix}inputs.exceptions }}}}",
        "only": f"{{{{ {prefix}selected_controls }}}}",
    }
    baseline_areas: dict[str, dict[str, Any]] = {}
    role_inputs: dict[str, Any] = {
        "variable_prefix": prefix,
        "setting_variables": {},
        "exceptions_variable": "onepacs_exceptions",
        "attestations_variable": "onepacs_attestations",
    }
    for area, ids in [*areas, (ATTESTATIONS, manual_ids)]:
        enabled = f"{prefix}{area.name}_enabled"
        defaults += ["", _comment(f"--- {area.title} ({', '.join(ids)})")]
        defaults += [_comment(f'Practice: "{quote}"') for quote in _practices(role, area.module)]
        defaults.append(f"{enabled}: true")
        specs[enabled] = {"type": "bool", "default": True, "description": f"Evaluate {', '.join(ids)}."}
        args = dict(common)
        if area.module == "win_attestations":
            args = {key: value for key, value in args.items() if key != "enforce"}
            args["attestations"] = f"{{{{ {prefix}inputs.attestations }}}}"
        for knob in area.knobs:
            if role not in knob.roles:
                continue
            name = f"{prefix}{area.name}_{knob.name}"
            spec = knob.spec(area.module)
            defaults.append(_comment(knob.description))
            default = yaml.safe_dump(spec["default"], default_flow_style=True).strip().removesuffix("...").strip()
            defaults.append(f"{name}: {default}")
            specs[name] = spec
            args[knob.module_option] = f"{{{{ {name} }}}}"
            validate["settings"].setdefault(area.module, {})[knob.module_option] = f"{{{{ {name} }}}}"
            validate["setting_variables"].setdefault(area.module, {})[knob.module_option] = name
        result = f"{prefix}{area.name}_result"
        results.append(result)
        baseline_areas[area.module] = {
            "enabled": f"{{{{ {enabled} }}}}",
            "tags": [area.name],
            **{key: value for key, value in args.items() if key not in common},
        }
        role_inputs["setting_variables"][area.module] = {
            "enabled": enabled,
            **validate["setting_variables"].get(area.module, {}),
        }
        tasks.append(
            {
                "name": area.title,
                f"onepacs.baseline.{area.module}": args,
                "register": result,
                "ignore_errors": True,
                "when": [enabled, f"{prefix}audit_mode == 'per_area'"],
                "tags": [area.name, *ids],
            }
        )
    results.append(f"{prefix}single_command_result")
    single_command_task = {
        "name": "Every area in one command per host to audit, two to enforce (audit_mode single_command)",
        "onepacs.baseline.win_baseline": {**common, "areas": baseline_areas},
        "register": f"{prefix}single_command_result",
        "ignore_errors": True,
        "when": f"{prefix}audit_mode == 'single_command'",
        # always: --skip-tags of one area must not skip the others; win_baseline selects the areas by the tags.
        "tags": ["always"],
    }
    tasks.append(single_command_task)
    # Every variable the role reads or sets, and the playbooks' host pattern: anything else with the prefix is a typo.
    validate["role_variables"] = sorted(
        {
            *(name for name in specs if name.startswith(prefix)),
            *results,
            f"{prefix}selected_controls",
            f"{prefix}inputs",
            f"{prefix}guard",
            f"{prefix}controls",
            f"{prefix}failed_areas",
            f"{prefix}area_results",
            f"{prefix}hosts",
        }
    )
    tasks.append(
        {
            "name": "Collect the control records of every area",
            "ansible.builtin.set_fact": {
                f"{prefix}controls": f"{{{{ {prefix}area_results | selectattr('controls', 'defined')\n"
                "| map(attribute='controls') | flatten }}",
                f"{prefix}failed_areas": f"{{{{ ({prefix}area_results | selectattr('failed', 'defined')\n"
                "| selectattr('failed') | list) + (" + f"{prefix}area_results | selectattr('unreachable', 'defined')\n"
                "| selectattr('unreachable') | list) | map(attribute='msg') | list }}",
            },
            "vars": {f"{prefix}area_results": [f"{{{{ {name} | default({{}}) }}}}" for name in results]},
            "tags": ["always"],
        }
    )
    tasks.append(_show_areas_task(f"{prefix}single_command_result"))
    tasks.append(
        {
            "name": "Fail the host if an area could not be evaluated or enforced",
            "ansible.builtin.fail": {"msg": f"{{{{ {prefix}failed_areas | join('; ') }}}}"},
            "when": f"{prefix}failed_areas | length > 0",
            "tags": ["always"],
        }
    )
    tasks_text = "\n".join(
        [
            "---",
            "# Generated by scripts/role_gen.py from its ROLE_AREAS and the catalog (both baseline roles share it).",
            "# Inputs first: the role variables are checked, and every onepacs_exceptions*/onepacs_attestations* list",
            "# is merged, scoped to this host and checked on the controller, so a typo fails the host before any task",
            "# contacts it (an audit goes on without a bad entry). The guard then refuses to enforce on a host whose",
            "# facts say it is the other kind of machine. Then one task per area, tagged with its area and",
            "# control ids. A failing area never stops the others: each task registers its result and ignores its",
            "# own failure; the last task fails the host if any area failed, after all of them ran, so the run still",
            "# reports every control. Host facts come first: later tasks reuse them instead of asking the host again.",
            _dump(tasks).replace("\n- name:", "\n\n- name:"),
        ]
    )
    argument_specs = {
        "argument_specs": {
            "main": {
                "short_description": f"Audit and enforce the OnePacs {role} baseline",
                "description": [
                    f"Applies every control of the OnePacs {role} practices to {ROLES[role]}, one task per area.",
                    "Run it in check mode (or through playbooks/audit.yml) to audit without changing anything.",
                    f"Sets {prefix}controls, the control records of every area, for reports.",
                ],
                "author": ["OnePacs baseline contributors"],
                "examples": (
                    f"- name: OnePacs {role} baseline\n"
                    f"  hosts: {role}s\n"
                    "  gather_facts: false\n"
                    "  roles:\n"
                    f"    - role: onepacs.baseline.{role}\n"
                    "      vars:\n"
                    f"        {prefix}enforce: false  # report only\n"
                ),
                "options": specs,
            }
        }
    }
    vars_text = "\n".join(
        [
            "---",
            "# Generated by scripts/role_gen.py.",
            "# Control ids named with --tags (for example --tags PWR-02); empty means every control of the tasks",
            "# that run.",
            f"{prefix}selected_controls: \"{{{{ ansible_run_tags | select('match', '^[A-Z]{{2,3}}-[0-9]{{2}}$') "
            '| list }}"',
            "",
        ]
    )
    return {
        "defaults/main.yml": "\n".join(defaults) + "\n",
        "tasks/main.yml": tasks_text,
        "tasks/audit.yml": _audit_entry_point(
            single_command_task, {**role_inputs, "role_variables": validate["role_variables"]}
        ),
        "meta/argument_specs.yml": "---\n" + _dump(argument_specs),
        "vars/main.yml": vars_text,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when a generated file is not current")
    args = parser.parse_args()
    files = {REPO_ROOT / "roles" / role / relative: text for role in ROLES for relative, text in render(role).items()}
    generated = importlib.import_module("_generated")
    return generated.write_or_check(files, check=args.check, root=REPO_ROOT)


if __name__ == "__main__":
    sys.exit(main())
