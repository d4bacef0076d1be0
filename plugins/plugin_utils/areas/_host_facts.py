"""Host facts (win_host_facts): one read-only round trip that returns what applicability and the audit-only
controls need as ansible_facts.onepacs_host, and evaluates those audit controls from it:

- SYS-01 Server Core installation (a recommendation: reported, never fixable);
- SYS-02 Windows release still in Microsoft support on the audit date (lifecycle table, _lifecycle.py);
- NET-01 the gateway's reserved private IPv4 address (_network.py);
- SW-01 installed programs match allow/deny patterns; SW-02 OnePacs components at or above minimum versions;
  UPD-03 OnePacs components at the latest release named in inventory.

Nothing here changes a host, in check mode or not: every finding is an audit without changes. Program names are
host data: they are matched as text, returned as data and only shown quoted in messages.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from .._control_action import HOST_FACTS_KEY
from .._findings import Finding
from ..agent._transport import OpResult
from ._area import DatedArea, InvalidOptionError, decides
from ._lifecycle import support_verdict
from ._network import RFC1918_NETWORKS, is_rfc1918, reserved_address_finding, shown

#: OnePacs components, by the DisplayName pattern of their uninstall entry (case-insensitive).
ONEPACS_PRODUCTS = {
    "gateway": "OnePacs Gateway*",
    "workstation": "OnePacs Workstation*",
    "study_retriever": "OnePacs Study Retriever*",
}
#: Offending programs named in a SW-01 message; the record's actual value lists them all.
MESSAGE_LIST_LIMIT = 10

OPTIONS: dict[str, dict[str, Any]] = {
    "expected_ipv4": {"type": "str"},
    "software_allow": {"type": "list", "elements": "str", "default": []},
    "software_deny": {"type": "list", "elements": "str", "default": []},
    "onepacs_min_versions": {"type": "dict", "default": {}},
    "onepacs_latest_versions": {"type": "dict", "default": {}},
    "esu_until": {"type": "str"},
}

PROBE_OPS: dict[str, dict[str, Any]] = {
    "system": {"op": "system.info"},
    "firmware": {"op": "system.firmware"},
    "tpm": {"op": "system.tpm"},
    "mdm": {"op": "system.mdm_enrollments"},
    "backup": {"op": "system.backup"},
    "hotfix": {"op": "system.latest_hotfix"},
    "software": {"op": "software.installed"},
    "network": {"op": "network.ipconfig"},
}

_VERSION = re.compile(r"^\s*v?(\d+(?:\.\d+)*)")
_OPTION_VERSION = re.compile(r"^\d+(?:\.\d+)*$")


def parse_version(text: Any) -> tuple[int, ...] | None:
    """The leading dotted number of a version string ("4.1.7-beta" -> (4, 1, 7)); None when it has none."""
    match = _VERSION.match(str(text or ""))
    return tuple(int(part) for part in match.group(1).split(".")) if match else None


def version_at_least(installed: tuple[int, ...], wanted: tuple[int, ...]) -> bool:
    """Numeric comparison with missing parts as 0, so 3.24 >= 3.9 and 4.1 == 4.1.0."""
    width = max(len(installed), len(wanted))
    return installed + (0,) * (width - len(installed)) >= wanted + (0,) * (width - len(wanted))


def matches_any(name: str, patterns: Sequence[str]) -> str | None:
    """The first fnmatch pattern (case-insensitive) that the name matches, or None."""
    folded = name.strip().casefold()
    return next((pattern for pattern in patterns if fnmatch.fnmatchcase(folded, pattern.casefold())), None)


def onepacs_versions(programs: Sequence[Mapping[str, Any]]) -> dict[str, str | None]:
    """The highest installed version of each OnePacs component (None when not installed)."""
    found: dict[str, str | None] = {}
    for component, pattern in ONEPACS_PRODUCTS.items():
        versions = [program["version"] for program in programs if matches_any(program["name"], [pattern])]
        found[component] = max(versions, key=lambda text: parse_version(text) or (), default=None)
    return found


def _value(result: OpResult | None) -> Any:
    return result.value if result is not None and result.ok else None


def _mdm_enrolled(result: OpResult | None) -> bool | None:
    value = _value(result)
    if value is None:
        return None
    # EnrollmentState 1 is "enrolled"; an MDM that does not write it still leaves a ProviderID behind.
    return any(entry.get("enrollment_state") in (1, None) for entry in value["enrollments"])


def _parse_date_option(name: str, text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidOptionError(f"{name}: {text!r} is not a date in YYYY-MM-DD form") from None


class HostFactsArea(DatedArea):
    module: ClassVar[str] = "win_host_facts"
    options: ClassVar[dict[str, dict[str, Any]]] = OPTIONS

    def validate(self) -> None:
        expected = self.params["expected_ipv4"]
        if expected is not None and not is_rfc1918(expected):
            private = ", ".join(str(network) for network in RFC1918_NETWORKS)
            raise InvalidOptionError(f"expected_ipv4: {expected!r} is not an IPv4 address in {private} (RFC 1918)")
        for name in ("software_allow", "software_deny"):
            if any(not pattern.strip() for pattern in self.params[name]):
                raise InvalidOptionError(f"{name}: patterns must not be empty")
        for name in ("onepacs_min_versions", "onepacs_latest_versions"):
            for component, version in self.params[name].items():
                if component not in ONEPACS_PRODUCTS:
                    known = ", ".join(ONEPACS_PRODUCTS)
                    raise InvalidOptionError(f"{name}.{component}: not a OnePacs component ({known})")
                if not isinstance(version, str):
                    raise InvalidOptionError(
                        f"{name}.{component}: give the version as a quoted string such as '3.10' "
                        f"(YAML reads 3.10 as the number 3.1), got {version!r}"
                    )
                if not _OPTION_VERSION.match(version.strip()):
                    raise InvalidOptionError(f"{name}.{component}: {version!r} is not a dotted version number")
        self.esu_until = _parse_date_option("esu_until", self.params["esu_until"])

    def probe_ops(self) -> dict[str, dict[str, Any]]:
        return {key: dict(op) for key, op in PROBE_OPS.items()}

    # ------------------------------------------------------------------------------------------------ facts

    def facts(self, results: Mapping[str, OpResult]) -> dict[str, Any]:
        firmware = _value(results.get("firmware"))
        software = _value(results.get("software"))
        network = _value(results.get("network"))
        backup = _value(results.get("backup"))
        hotfix = _value(results.get("hotfix"))
        programs = None
        if software is not None:
            programs = [
                {
                    "name": program["name"].strip(),
                    "version": program["version"],
                    "publisher": program["publisher"],
                    "install_location": program["install_location"],
                    "arch": program["arch"],
                }
                for program in software["programs"]
            ]
        interfaces = None
        if network is not None:
            interfaces = {
                interface["alias"]: {
                    "index": interface["index"],
                    "description": interface["description"],
                    "mac": interface["mac"],
                    "status": interface["status"],
                    "dhcp": interface["dhcp"],
                    "addresses": [
                        {
                            "address": address["address"],
                            "prefix_length": address["prefix_length"],
                            "origin": address["prefix_origin"],
                        }
                        for address in interface["addresses"]
                    ],
                    "gateways": interface["gateways"],
                    "dns_servers": interface["dns_servers"],
                }
                for interface in network["interfaces"]
            }
        host = {
            "system": _value(results.get("system")),
            "firmware_type": firmware["firmware_type"] if firmware else None,
            "secure_boot": firmware["secure_boot"] if firmware else None,
            "tpm": _value(results.get("tpm")),
            "network": interfaces,
            "software": programs,
            "onepacs": onepacs_versions(programs) if programs is not None else None,
            "last_update": hotfix["installed_on"] if hotfix else None,
            "mdm_enrolled": _mdm_enrolled(results.get("mdm")),
            "backup": (
                {key: backup[key] for key in ("installed", "last_success", "last_attempt", "last_result_hr")}
                if backup
                else None
            ),
            "errors": {key: result.describe_error() for key, result in results.items() if not result.ok},
        }
        return {HOST_FACTS_KEY: host}

    # ------------------------------------------------------------------------------------------- findings

    def evaluate(self, results: Mapping[str, OpResult]) -> list[Finding]:
        system, software = results["system"], results["software"]
        return [
            self._server_core(system),
            self._supported_os(system),
            self._reserved_address(results["network"]),
            self._allowed_software(software),
            self._versions(software, "SW-02", "onepacs_min_versions", "minimum"),
            self._versions(software, "UPD-03", "onepacs_latest_versions", "latest release"),
        ]

    @decides("SYS-01")
    def _server_core(self, system: OpResult) -> Finding:
        expected = "Server Core"
        if not system.ok:
            return Finding.error("SYS-01", f"could not read the installation type: {system.describe_error()}", expected)
        installation = system.value.get("installation_type") or ""
        if installation == "Client":
            return Finding.not_applicable("SYS-01", "client Windows has no Server Core installation", expected)
        if installation == "Server Core":
            return Finding.compare(
                "SYS-01", expected=expected, actual=installation, compliant=True, message="Server Core installation"
            )
        kind = "Desktop Experience" if installation == "Server" else shown(installation)
        return Finding.compare(
            "SYS-01",
            expected=expected,
            actual=installation,
            compliant=False,
            message=(
                f"installation type is {installation!r} ({kind}); Server Core is recommended for the gateway. "
                "Recommendation only, never changed by this module: Desktop Experience cannot be removed in place, "
                "so plan a Server Core reinstall at the next OS or hardware refresh, or record an exception"
            ),
        )

    @decides("SYS-02")
    def _supported_os(self, system: OpResult) -> Finding:
        expected = f"in Microsoft support on {self.today.isoformat()}"
        if not system.ok:
            return Finding.error("SYS-02", f"could not read the Windows release: {system.describe_error()}", expected)
        if system.value.get("product_type") is None:
            return Finding.error("SYS-02", "system.info returned no product type", expected)
        verdict = support_verdict(system.value, self.today, self.esu_until)
        return Finding.compare(
            "SYS-02",
            expected=expected,
            actual=verdict.actual,
            compliant=verdict.supported,
            message=verdict.message if verdict.supported else f"{verdict.message} (audit only)",
        )

    @decides("NET-01")
    def _reserved_address(self, network: OpResult) -> Finding:
        return reserved_address_finding(network, self.params["expected_ipv4"])

    @decides("SW-01")
    def _allowed_software(self, software: OpResult) -> Finding:
        allow, deny = list(self.params["software_allow"]), list(self.params["software_deny"])
        expected = {"allow": allow, "deny": deny}
        if not software.ok:
            return Finding.error("SW-01", f"could not list installed programs: {software.describe_error()}", expected)
        programs = software.value["programs"]
        if not allow and not deny:
            return Finding.compare(
                "SW-01",
                expected=expected,
                actual=[],
                compliant=False,
                message=(
                    f"not configured: give software_allow and/or software_deny patterns; {len(programs)} programs "
                    "are installed (see ansible_facts.onepacs_host.software)"
                ),
            )
        # The OnePacs products are what the machine is dedicated to, so they never need listing.
        allowed = [*ONEPACS_PRODUCTS.values(), *allow]
        offending = []
        for program in programs:
            name = program["name"].strip()
            denied_by = matches_any(name, deny)
            if denied_by is not None:
                reason = f"matches deny pattern {denied_by!r}"
            elif allow and matches_any(name, allowed) is None:
                reason = "matches no allow pattern"
            else:
                continue
            offending.append(
                {
                    "name": name,
                    "version": program["version"],
                    "publisher": program["publisher"],
                    "arch": program["arch"],
                    "reason": reason,
                }
            )
        if not offending:
            return Finding.compare(
                "SW-01",
                expected=expected,
                actual=[],
                compliant=True,
                message=f"all {len(programs)} installed programs are allowed",
            )
        listed = ", ".join(
            f"{shown(item['name'])} ({'version ' + shown(item['version']) + ', ' if item['version'] else ''}"
            f"{item['reason']})"
            for item in offending[:MESSAGE_LIST_LIMIT]
        )
        more = f" and {len(offending) - MESSAGE_LIST_LIMIT} more" if len(offending) > MESSAGE_LIST_LIMIT else ""
        return Finding.compare(
            "SW-01",
            expected=expected,
            actual=offending,
            compliant=False,
            message=(
                f"{len(offending)} of {len(programs)} installed programs are not allowed: {listed}{more}. "
                "Uninstall them or, if the clinic approves them, add them to software_allow; audit only"
            ),
        )

    @decides("SW-02", "UPD-03")
    def _versions(self, software: OpResult, control_id: str, option: str, what: str) -> Finding:
        wanted: dict[str, str] = {component: version.strip() for component, version in self.params[option].items()}
        expected = {component: f">= {version}" for component, version in wanted.items()}
        if not software.ok:
            return Finding.error(
                control_id, f"could not list installed programs: {software.describe_error()}", expected
            )
        if not wanted:
            return Finding.compare(
                control_id,
                expected=expected,
                actual={},
                compliant=False,
                message=(
                    f"not configured: give {option} as {{component: version}} for "
                    f"{', '.join(ONEPACS_PRODUCTS)}; audit only"
                ),
            )
        installed = onepacs_versions(software.value["programs"])
        actual = {component: installed[component] for component in wanted}
        problems, fine = [], []
        for component, version in wanted.items():
            label = ONEPACS_PRODUCTS[component].rstrip("*")
            found = installed[component]
            if found is None:
                problems.append(f"{label} is not installed")
                continue
            parsed = parse_version(found)
            if parsed is None:
                problems.append(f"{label} reports version {shown(found)}, which is not a version number")
            elif not version_at_least(parsed, parse_version(version) or ()):
                problems.append(f"{label} {shown(found)} is below the {what} {version}")
            else:
                fine.append(f"{label} {shown(found)} (>= {version})")
        if problems:
            message = "; ".join(problems) + ". Install the current OnePacs release; audit only"
            return Finding.compare(control_id, expected=expected, actual=actual, compliant=False, message=message)
        return Finding.compare(control_id, expected=expected, actual=actual, compliant=True, message="; ".join(fine))
