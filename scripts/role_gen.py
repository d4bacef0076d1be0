#!/usr/bin/env python3
"""Generate the baseline roles (gateway, workstation) from one description of their areas.

Both roles run the same modules the same way; they differ only in the baseline they pass, the controls the
catalog gives each baseline, and some knobs. Writing their tasks, defaults and argument_specs by hand would copy
the same YAML twice; this script writes them from AREAS below and the catalog, and tests/unit/test_role_gen.py
fails when a generated file is not current. Edit AREAS, then run: scripts/role_gen.py && scripts/role_readme.py

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
CATALOG_MODULE = "ansible_collections.onepacs.baseline.plugins.plugin_utils._catalog"
ROLES = {
    "gateway": "OnePacs Gateway server",
    "workstation": "PCs running the OnePacs Workstation and Study Retriever",
}
SEED_FILES = {"gateway": "onepacs-gateway-best-practices.txt", "workstation": "onepacs-workstation-security.txt"}
BOTH = ("gateway", "workstation")


@dataclass(frozen=True)
class Knob:
    """One role variable: onepacs_<role>_<area>_<name>, passed to the module option `option`."""

    name: str
    type: str
    default: Any
    description: str
    roles: tuple[str, ...] = BOTH
    elements: str | None = None
    choices: tuple[str, ...] | None = None
    option: str | None = None

    @property
    def module_option(self) -> str:
        return self.option or self.name


@dataclass(frozen=True)
class Area:
    name: str
    module: str
    title: str
    knobs: tuple[Knob, ...] = field(default_factory=tuple)


MODES = ("audit", "enforce")

AREAS: tuple[Area, ...] = (
    Area(
        "host_facts",
        "win_host_facts",
        "Host facts - supported OS, installation type, address, installed software, OnePacs versions",
        (
            Knob(
                "expected_ipv4",
                "str",
                None,
                "NET-01 internal IPv4 address reserved for this gateway (RFC 1918); "
                "set per host. Unset, NET-01 fails as not configured.",
                roles=("gateway",),
            ),
            Knob(
                "software_allow",
                "list",
                [],
                "SW-01 patterns (fnmatch, case-insensitive) of installed programs "
                "allowed besides the OnePacs components (dedicated use).",
                elements="str",
            ),
            Knob(
                "software_deny",
                "list",
                [],
                "SW-01 patterns of programs that must not be installed; a deny match beats an allow match.",
                elements="str",
            ),
            Knob(
                "onepacs_min_versions",
                "dict",
                {},
                "SW-02 minimum version per OnePacs component, for example "
                "{gateway: '5.4.0'} or {workstation: '9.1', study_retriever: '3.2'}.",
            ),
            Knob(
                "onepacs_latest_versions",
                "dict",
                {},
                "UPD-03 the latest OnePacs release per component; older installs fail.",
                roles=("workstation",),
            ),
            Knob(
                "esu_until",
                "str",
                None,
                "SYS-02 last day (YYYY-MM-DD) of a purchased Extended Security Updates "
                "subscription, where Microsoft offers one.",
            ),
        ),
    ),
    Area(
        "power",
        "win_power",
        "Power - never sleep, no hibernation, no fast startup",
        (
            Knob(
                "standby_timeout_ac_minutes",
                "int",
                0,
                "PWR-01 minutes on AC power before sleep; 0 means never (the practice).",
                roles=("gateway",),
            ),
            Knob(
                "hibernation",
                "bool",
                False,
                "PWR-02 whether hibernation should be on; the practice turns it off.",
                roles=("gateway",),
            ),
            Knob(
                "fast_startup",
                "bool",
                False,
                "PWR-03 whether fast startup (a hybrid hibernation) should be on.",
                roles=("gateway",),
            ),
        ),
    ),
    Area("network", "win_network", "Network - only secure private networks"),
    Area(
        "antivirus",
        "win_defender",
        "Antivirus - exclusions, real-time protection, scheduled scan, current signatures",
        (
            Knob(
                "extra_exclusion_paths",
                "list",
                [],
                "AV-01 folders to exclude besides C:\\onepacs and the PostgreSQL folder found on the host.",
                roles=("gateway",),
                elements="str",
            ),
            Knob("scan_schedule_day", "int", 0, "AV-03 scheduled scan day: 0 every day, 1 Sunday .. 7 Saturday."),
            Knob("scan_schedule_time", "str", "02:00", "AV-03 scheduled scan time (HH:MM, quoted), off-hours."),
            Knob("signature_max_age_days", "int", 7, "AV-04 maximum antivirus signature age in days."),
        ),
    ),
    Area(
        "encryption",
        "win_bitlocker",
        "Encryption - BitLocker with a TPM protector",
        (
            Knob(
                "enable_os_volume",
                "bool",
                False,
                "ENC-01 turn BitLocker on where it is off (opt-in); the recovery "
                "password is escrowed to escrow_dir before protection starts; never reboots.",
            ),
            Knob(
                "escrow_dir",
                "path",
                None,
                "ENC-01 directory on the controller for recovery passwords (files "
                "with mode 0600); required when enable_os_volume is true.",
            ),
            Knob(
                "skip_hardware_test",
                "bool",
                False,
                "ENC-01 start encryption without the TPM hardware test at the next restart.",
            ),
        ),
    ),
    Area(
        "firewall",
        "win_firewall",
        "Firewall - on, inbound blocked, only allowed inbound rules, dropped packets logged",
        (
            Knob("log_max_size_kilobytes", "int", 16384, "FW-04 minimum size of each profile's firewall log, in KB."),
            Knob(
                "extra_rule_allowlist",
                "list",
                [],
                "FW-03 inbound allow rules allowed besides the defaults "
                "(OnePacs installer rules, WinRM, Core Networking): entries with one of name, group or "
                "display_name (patterns).",
                elements="dict",
            ),
            Knob(
                "rule_allowlist_mode",
                "str",
                "audit",
                "FW-03 audit reports other enabled inbound allow rules; "
                "enforce disables them (never the management rule).",
                choices=MODES,
            ),
            Knob(
                "create_management_rule",
                "bool",
                False,
                "When no enabled allow rule covers the WinRM port, create "
                "one before blocking inbound traffic instead of refusing FW-01/FW-02 (lockout guard).",
            ),
        ),
    ),
    Area(
        "updates",
        "win_update_policy",
        "Windows Update - automatic install in off-hours, recent updates",
        (
            Knob(
                "scheduled_install_day",
                "int",
                0,
                "UPD-01 day automatic updates install: 0 every day, 1 Sunday .. 7 Saturday.",
            ),
            Knob("scheduled_install_time", "int", 3, "UPD-01 hour (0-23) automatic updates install: off-hours."),
            Knob(
                "max_update_age_days",
                "int",
                45,
                "UPD-02 the newest installed update must be at most this many days old.",
            ),
        ),
    ),
    Area(
        "services",
        "win_services",
        "Services - unnecessary services disabled and stopped",
        (
            Knob(
                "extra_disabled_services",
                "list",
                [],
                "SVC-01 service names to disable and stop besides the "
                "module's default list (for example Spooler where nothing prints).",
                elements="str",
            ),
            Knob(
                "keep_services", "list", [], "SVC-01 service names of the default list this host needs.", elements="str"
            ),
        ),
    ),
    Area(
        "security_options",
        "win_security_options",
        "Security options - autologon, SMBv1, LLMNR, WDigest, anonymous enumeration, inactivity lock",
        (
            Knob(
                "inactivity_timeout_seconds",
                "int",
                900,
                "LCK-01 seconds of inactivity before the session locks (1-900).",
            ),
        ),
    ),
    Area(
        "password_policy",
        "win_account_policy",
        "Password and lockout policy",
        (
            Knob("minimum_password_length", "int", 14, "PWD-02 minimum password length."),
            Knob("maximum_password_age_days", "int", 365, "PWD-03 maximum password age in days."),
            Knob("password_history_size", "int", 24, "PWD-04 passwords remembered."),
            Knob("lockout_threshold", "int", 10, "PWD-05 bad attempts before lockout (1-10)."),
            Knob("lockout_duration_minutes", "int", 15, "PWD-05 lockout duration in minutes (15 or more)."),
            Knob(
                "lockout_reset_minutes",
                "int",
                15,
                "PWD-05 minutes after which the bad-attempt counter resets (15 or more, at most the duration).",
            ),
        ),
    ),
    Area(
        "accounts",
        "win_local_accounts",
        "Local accounts - individual accounts, Guest off, Administrators, unused accounts",
        (
            Knob(
                "allowed_accounts",
                "list",
                [],
                "ACC-01 enabled local accounts allowed (names or SIDs); the "
                "connecting account is not added automatically.",
                elements="str",
            ),
            Knob(
                "allowed_administrators",
                "list",
                [],
                "ACC-03 members allowed in Administrators (names, DOMAIN\\name or SIDs).",
                elements="str",
            ),
            Knob(
                "administrators_mode",
                "str",
                "audit",
                "ACC-03 audit reports other members; enforce removes them "
                "(never the connecting account or the last administrator).",
                choices=MODES,
            ),
            Knob(
                "unused_account_days",
                "int",
                90,
                "ACC-04 days without a logon after which an enabled account counts as unused.",
            ),
            Knob(
                "unused_accounts_mode",
                "str",
                "audit",
                "ACC-04 audit reports unused accounts; enforce disables "
                "them (never the connecting account or the last administrator).",
                choices=MODES,
            ),
        ),
    ),
    Area(
        "logging",
        "win_audit_policy",
        "Logging - advanced audit policy and Security log size",
        (
            Knob(
                "security_log_min_size_kb",
                "int",
                196608,
                "LOG-02 minimum size of the Security event log in KB (a multiple of 64).",
            ),
        ),
    ),
)


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


def _role_areas(role: str) -> list[tuple[Area, list[str]]]:
    """The areas whose module evaluates controls of this baseline, with those control ids."""
    catalog = _catalog()
    found = []
    for area in AREAS:
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
    text = {"type": "str", "required": True}
    return {
        "type": "list",
        "elements": "dict",
        "default": [],
        "description": [
            "Approved exceptions (waivers), shared by the baseline roles.",
            "An active exception makes its control excepted; an expired one is reported as failing with its date.",
        ],
        "options": {
            "id": {**text, "description": "Control id from the catalog, for example PWR-02."},
            "reason": {**text, "description": "Why the host deviates."},
            "approver": {**text, "description": "Who approved the exception."},
            "expires": {**text, "description": "Last day the exception is valid, YYYY-MM-DD."},
        },
    }


def _attestations_spec() -> dict[str, Any]:
    text = {"type": "str", "required": True}
    return {
        "type": "list",
        "elements": "dict",
        "default": [],
        "description": [
            "Attestations of the manual controls, shared by the baseline roles.",
            "A current attestation makes its control manual_attested; none or an expired one, manual_missing.",
        ],
        "options": {
            "id": {**text, "description": "Manual control id, for example MAN-04."},
            "attested_by": {**text, "description": "Who attests."},
            "date": {**text, "description": "Date of the attestation, YYYY-MM-DD."},
            "evidence": {**text, "description": "Where the evidence is (document, ticket, photo)."},
            "valid_days": {"type": "int", "default": 365, "description": "Days the attestation stays current."},
        },
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
    arguments["areas"] = {
        module: {key: value for key, value in entry.items() if key not in role_inputs["setting_variables"][module]}
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
        "onepacs_exceptions": _exceptions_spec(),
        "onepacs_attestations": _attestations_spec(),
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
        "# Approved exceptions (waivers), shared by the baseline roles: [{id, reason, approver, expires}].",
        "onepacs_exceptions: []",
        "",
        "# Attestations of the manual controls, shared by the baseline roles:",
        "# [{id, attested_by, date: YYYY-MM-DD, evidence, valid_days}].",
        "onepacs_attestations: []",
    ]
    validate: dict[str, Any] = {
        "variable_prefix": prefix,
        "role_variables": [],
        "settings": {},
        "setting_variables": {},
        "exceptions": "{{ onepacs_exceptions }}",
        "exceptions_variable": "onepacs_exceptions",
        "attestations": "{{ onepacs_attestations }}",
        "attestations_variable": "onepacs_attestations",
    }
    tasks: list[dict[str, Any]] = [
        {
            "name": "Validate the role's variables, exceptions and attestations before any host is contacted",
            "onepacs.baseline.validate_inputs": validate,
            "tags": ["always"],
        }
    ]
    results = []
    common = {
        "baseline": role,
        "enforce": f"{{{{ {prefix}enforce }}}}",
        "exceptions": "{{ onepacs_exceptions }}",
        "only": f"{{{{ {prefix}selected_controls }}}}",
    }
    baseline_areas: dict[str, dict[str, Any]] = {}
    role_inputs: dict[str, Any] = {
        "variable_prefix": prefix,
        "setting_variables": {},
        "exceptions_variable": "onepacs_exceptions",
        "attestations_variable": "onepacs_attestations",
    }
    for area, ids in [*areas, (Area("attestations", "win_attestations", "Manual controls - attestations"), manual_ids)]:
        enabled = f"{prefix}{area.name}_enabled"
        defaults += ["", _comment(f"--- {area.title} ({', '.join(ids)})")]
        defaults += [_comment(f'Practice: "{quote}"') for quote in _practices(role, area.module)]
        defaults.append(f"{enabled}: true")
        specs[enabled] = {"type": "bool", "default": True, "description": f"Evaluate {', '.join(ids)}."}
        args = dict(common)
        if area.module == "win_attestations":
            args = {key: value for key, value in args.items() if key != "enforce"}
            args["attestations"] = "{{ onepacs_attestations }}"
        for knob in area.knobs:
            if role not in knob.roles:
                continue
            name = f"{prefix}{area.name}_{knob.name}"
            defaults.append(_comment(knob.description))
            defaults.append(
                f"{name}: {yaml.safe_dump(knob.default, default_flow_style=True).strip().removesuffix('...').strip()}"
            )
            spec: dict[str, Any] = {"type": knob.type, "default": knob.default, "description": knob.description}
            if knob.elements:
                spec["elements"] = knob.elements
            if knob.choices:
                spec["choices"] = list(knob.choices)
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
            "# Generated by scripts/role_gen.py from its AREAS and the catalog (both baseline roles share it).",
            "# Inputs first: exceptions and attestations are checked against the catalog on the controller, so a",
            "# typo fails the host before any task contacts it. Then one task per area, tagged with its area and",
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
    stale = []
    for role in ROLES:
        for relative, text in render(role).items():
            path = REPO_ROOT / "roles" / role / relative
            if args.check:
                if not path.exists() or path.read_text() != text:
                    stale.append(str(path.relative_to(REPO_ROOT)))
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
    if stale:
        print("not current (run scripts/role_gen.py):", ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
