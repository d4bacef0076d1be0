"""Firewall area (FW-01..04): profiles on, inbound blocked by default, only allowed inbound rules, drops logged.

Every change that can block inbound traffic (turning a profile on, setting its default inbound action to Block,
disabling rules) first passes the lockout guard: on every profile it affects, an enabled inbound Allow rule must
cover TCP on the management port (the port of the connection the controller uses, or `management_port`) from the
controller's address as the host sees it, and no enabled inbound Block rule may cover it. Otherwise the control is
refused with a message naming the port, the address and the profiles, unless `create_management_rule` is set: then
an allow rule for that port, scoped to the controller's address, is created first, in the same apply request.
FW-03 never disables a rule that can carry the management connection.

The controller's address as the host sees it (behind NAT it is not the controller's own) comes from the host:
firewall.management_peers lists the remote addresses of the established connections to the management port
(Get-NetTCPConnection, https://learn.microsoft.com/en-us/powershell/module/nettcpip/get-nettcpconnection). That the
controller's own WinRM connection (served by http.sys) is among them while the request runs is an assumption not
checked on Windows here; when the host lists no peer, only rules open to Any count, so a wrong assumption makes the
guard refuse more, never less. Every peer must be covered, so a second client on the port can make the guard
stricter, never looser. A rule's remote-address scope (Get-NetFirewallAddressFilter RemoteAddress) counts only when
it provably contains every peer: Any, an address, a subnet ("10.0.0.0/24" or "10.0.0.0/255.255.255.0", as Windows
reports it), a range, or LocalSubnet (the host's own subnets, also from firewall.management_peers). Other keywords
(Internet, Intranet, DNS, ...) are not evaluated: they never count as letting the controller in, and a Block rule
with one counts as blocking it. Without a peer (the host showed none) only rules scoped to Any count. Local-store
rules do not count on a profile where Group Policy turned "Apply local firewall rules" off (AllowLocalFirewallRules
False), and a management rule (created in the local store) cannot help there: the change is refused. Sources:
New-NetFirewallRule -RemoteAddress
(https://learn.microsoft.com/en-us/powershell/module/netsecurity/new-netfirewallrule), MS-GPFAS 2.2.3.13
AllowLocalPolicyMerge, MS-FASP 2.2.34 (block rules take precedence over allow rules).

A setting the firewall reports as NotConfigured is drift: the baseline sets every value explicitly, so the result
does not depend on Windows defaults or on a policy that is not there (messages show the Windows default).
"""

from __future__ import annotations

import fnmatch
import ipaddress
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from .._findings import Change, Finding
from .._listing import capped
from ..agent._transport import OpResult
from ._area import Area, InvalidOptionError, decides

PROFILES = ("Domain", "Private", "Public")
NOT_CONFIGURED = "NotConfigured"
#: What Windows does with a profile setting that is NotConfigured.
WINDOWS_DEFAULTS: dict[str, Any] = {
    "enabled": True,
    "default_inbound_action": "Block",
    "default_outbound_action": "Allow",
    "log_blocked": False,
}
#: Set-NetFirewallProfile -LogMaxSizeKilobytes accepts 1..32767.
LOG_SIZE_LIMITS = (1, 32767)
#: The locale-independent group of the built-in Core Networking rules (DHCP, ICMPv6 neighbour discovery, ...).
CORE_NETWORKING_GROUP = "@FirewallAPI.dll,-25000"
MANAGEMENT_RULE_NAME = "OnePacs-Management-In-TCP-{port}"
MANAGEMENT_RULE_GROUP = "OnePacs baseline"
ALLOWLIST_KEYS = ("name", "group", "display_name")

DEFAULT_RULE_ALLOWLIST: list[dict[str, str]] = [
    # OnePacs installer rules: by rule name, by group, and by display name for rules netsh created (GUID names).
    # "OnePacs *" needs the space so it does not match "onepacs.exe", the rules Windows creates when a user clicks
    # through the "allow access" prompt (every port of the program, often on the Public profile).
    {"name": "OnePacs*"},
    {"group": "OnePacs*"},
    {"display_name": "OnePacs *"},
    # WinRM management: the built-in HTTP rules (WINRM-HTTP-In-TCP, -PUBLIC, -NoScope), an HTTPS listener rule by
    # the same convention, and the rule Ansible's ConfigureRemotingForAnsible.ps1 creates with netsh.
    {"name": "WINRM-HTTP-In-TCP*"},
    {"name": "WINRM-HTTPS-In-TCP*"},
    {"display_name": "Allow WinRM HTTPS"},
    # Core Networking (DHCP, IPv6, ICMPv6 and friends), by its resource string rather than its localized name.
    {"group": CORE_NETWORKING_GROUP},
]

_ALLOWLIST_ENTRY = {
    "type": "list",
    "elements": "dict",
    "options": {key: {"type": "str"} for key in ALLOWLIST_KEYS},
}

OPTIONS: dict[str, dict[str, Any]] = {
    "log_blocked": {"type": "bool", "default": True},
    "log_max_size_kilobytes": {"type": "int", "default": 16384},
    "rule_allowlist": {**_ALLOWLIST_ENTRY, "default": DEFAULT_RULE_ALLOWLIST},
    "extra_rule_allowlist": {**_ALLOWLIST_ENTRY, "default": []},
    "rule_allowlist_mode": {"type": "str", "choices": ["audit", "enforce"], "default": "audit"},
    "create_management_rule": {"type": "bool", "default": False},
    "management_port": {"type": "int"},
    "management_rule_remote_addresses": {"type": "list", "elements": "str"},
}
#: Scope keywords evaluated against the host's subnets; other keywords are never taken to contain the controller.
LOCAL_SUBNET_KEYWORDS = ("localsubnet", "localsubnet4", "localsubnet6")


def _effective(profile: Mapping[str, Any], field: str) -> Any:
    value = profile.get(field)
    return WINDOWS_DEFAULTS[field] if value is None or value == NOT_CONFIGURED else value


def _shown(profile: Mapping[str, Any], field: str) -> str:
    """A setting as messages show it: NotConfigured with the Windows default it stands for."""
    value = profile.get(field)
    if value is None or value == NOT_CONFIGURED:
        return f"NotConfigured (Windows default: {WINDOWS_DEFAULTS[field]})"
    return str(value)


def _explicit(profile: Mapping[str, Any], field: str, wanted: Any) -> bool:
    return profile.get(field) == wanted


def _join(items: Iterable[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _port_in(local_ports: Iterable[str], port: int, *, any_counts: bool) -> bool:
    """Whether a LocalPort list covers the port: a number, a range "a-b", or (when any_counts) "Any". Keywords such
    as RPC or IPHTTPSIn cover no fixed port."""
    for item in local_ports:
        text = str(item).strip()
        if text.lower() == "any":
            if any_counts:
                return True
            continue
        low, dash, high = text.partition("-")
        if dash and low.isdigit() and high.isdigit() and int(low) <= port <= int(high):
            return True
        if text.isdigit() and int(text) == port:
            return True
    return False


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _scope_item_contains(item: str, address: str, local_subnets: Sequence[str]) -> bool | None:
    """Whether one RemoteAddress item contains the address: True, False, or None when it cannot be decided here."""
    text = item.strip()
    if text.lower() == "any":
        return True
    peer = _address(address)
    if peer is None:
        return None
    if text.lower() in LOCAL_SUBNET_KEYWORDS:
        return any(_scope_item_contains(subnet, address, ()) for subnet in local_subnets)
    low, dash, high = text.partition("-")
    first, last = _address(low), _address(high)
    if dash and first is not None and last is not None:
        return first.version == last.version == peer.version and int(first) <= int(peer) <= int(last)
    if "/" in text:
        try:
            return peer in ipaddress.ip_network(text, strict=False)
        except ValueError:
            return None
    single = _address(text)
    return None if single is None else single == peer


@dataclass(frozen=True)
class ControllerView:
    """The controller as the host sees it: the remote addresses connected to the management port, and the host's
    own subnets (what LocalSubnet means there). No peer means the address is unknown."""

    peers: tuple[str, ...] = ()
    local_subnets: tuple[str, ...] = ()

    def in_scope(self, scope: Sequence[str], *, undecided: bool) -> bool:
        """Whether the scope holds every peer; what cannot be decided (an unknown peer, a keyword) is `undecided`."""
        if any(item.strip().lower() == "any" for item in scope):
            return True
        if not self.peers:
            return undecided
        verdicts = []
        for peer in self.peers:
            found = [_scope_item_contains(item, peer, self.local_subnets) for item in scope]
            verdicts.append(True if any(found) else (None if None in found else False))
        if all(verdict is True for verdict in verdicts):
            return True
        return undecided if None in verdicts else False

    def shown(self) -> str:
        return _join(self.peers) if self.peers else "an address the host did not show"

    def source(self) -> str:
        """Where the management connection comes from, as messages say it."""
        if not self.peers:
            return "from the controller (the host listed no connection to the port, so only rules open to Any count)"
        return f"from {_join(self.peers)} (the controller's address as the host sees it)"


@dataclass(frozen=True)
class Rule:
    """One firewall rule as firewall.rules reports it."""

    name: str
    display_name: str
    group: str
    direction: str
    action: str
    enabled: bool
    profiles: tuple[str, ...]
    protocol: str
    local_ports: tuple[str, ...]
    program: str
    remote_addresses: tuple[str, ...] = ("Any",)
    source: str = "Local"

    @classmethod
    def from_entry(cls, entry: Mapping[str, Any]) -> Rule:
        return cls(
            name=str(entry["name"]),
            display_name=str(entry.get("display_name") or entry["name"]),
            group=str(entry.get("group") or ""),
            direction=str(entry.get("direction", "")),
            action=str(entry.get("action", "")),
            enabled=entry.get("enabled") is True,
            profiles=tuple(str(item) for item in entry.get("profiles") or ["Any"]),
            protocol=str(entry.get("protocol", "Any")),
            local_ports=tuple(str(item) for item in entry.get("local_ports") or ["Any"]),
            program=str(entry.get("program") or "Any"),
            remote_addresses=tuple(str(item) for item in entry.get("remote_addresses") or ["Any"]),
            source=str(entry.get("policy_store_source_type") or "Local"),
        )

    @property
    def inbound_allow(self) -> bool:
        return self.enabled and self.direction.lower() == "inbound" and self.action.lower() == "allow"

    def applies_to(self, profile: str) -> bool:
        wanted = {item.lower() for item in self.profiles}
        return "any" in wanted or profile.lower() in wanted

    @property
    def affected_profiles(self) -> tuple[str, ...]:
        return tuple(profile for profile in PROFILES if self.applies_to(profile))

    def _tcp(self) -> bool:
        return self.protocol.upper() in ("TCP", "6", "ANY")

    def _any_program(self) -> bool:
        # WinRM listens through http.sys, which the firewall sees as the System process.
        return self.program.lower() in ("any", "system")

    @property
    def is_local(self) -> bool:
        return self.source.lower() == "local"

    def covers_port(self, port: int, profile: str, action: str) -> bool:
        """Whether this enabled inbound rule with this action matches TCP `port` on `profile` for the WinRM
        listener, whatever the remote address: a rule limited to another program does not apply."""
        return (
            self.enabled
            and self.direction.lower() == "inbound"
            and self.action.lower() == action.lower()
            and self.applies_to(profile)
            and self._tcp()
            and self._any_program()
            and _port_in(self.local_ports, port, any_counts=True)
        )

    def covers(self, port: int, profile: str, action: str, controller: ControllerView | None = None) -> bool:
        """Whether this rule passes (Allow) or blocks (Block) the controller's connection to TCP `port` on
        `profile`: the port matches and the remote-address scope provably holds the controller (for Allow) or may
        hold it (for Block). Without a view of the controller only a scope of Any counts."""
        if not self.covers_port(port, profile, action):
            return False
        view = controller or ControllerView()
        return view.in_scope(self.remote_addresses, undecided=action.lower() == "block")

    def may_carry(self, port: int) -> bool:
        """Whether the management connection could pass through this rule on some profile. Wider than covers():
        a rule naming the port for a program (sshd.exe for an OpenSSH connection) may carry it too, so it is
        never disabled; only program rules open on every port (TeamViewer, Steam, ...) are known not to."""
        if not self._tcp():
            return False
        if _port_in(self.local_ports, port, any_counts=False):
            return True
        return self._any_program() and _port_in(self.local_ports, port, any_counts=True)

    def is_management_rule(self, port: int) -> bool:
        """A rule for exactly TCP `port` (the management port) and nothing else: WinRM management by definition."""
        return (
            self.protocol.upper() in ("TCP", "6")
            and self._any_program()
            and [item.strip() for item in self.local_ports] == [str(port)]
        )

    def describe(self) -> str:
        shown = self.name if self.display_name == self.name else f"{self.name} ({self.display_name})"
        ports = ",".join(self.local_ports)
        scope = "" if self.remote_addresses == ("Any",) else f", from {','.join(self.remote_addresses)}"
        return f"{shown}: {self.protocol} {ports}, profiles {','.join(self.profiles)}{scope}"


@dataclass(frozen=True)
class AllowEntry:
    """One allowlist entry: a case-insensitive shell pattern on a rule's name, group or display name."""

    key: str
    pattern: str

    def matches(self, rule: Rule) -> bool:
        value = {"name": rule.name, "group": rule.group, "display_name": rule.display_name}[self.key]
        return fnmatch.fnmatchcase(value.casefold(), self.pattern.casefold())

    def __str__(self) -> str:
        return f"{self.key}={self.pattern}"


def parse_allowlist(option: str, entries: Sequence[Mapping[str, Any]]) -> list[AllowEntry]:
    """Allowlist entries from an option; each names exactly one of name, group, display_name."""
    parsed = []
    for index, entry in enumerate(entries or ()):
        given = {key: value for key, value in (entry or {}).items() if value not in (None, "")}
        unknown = sorted(set(given) - set(ALLOWLIST_KEYS))
        if unknown:
            raise InvalidOptionError(f"{option}[{index}]: unknown key {unknown[0]!r} (use name, group or display_name)")
        if len(given) != 1:
            raise InvalidOptionError(f"{option}[{index}]: give exactly one of name, group or display_name")
        ((key, pattern),) = given.items()
        if not isinstance(pattern, str):
            raise InvalidOptionError(f"{option}[{index}].{key}: must be a string pattern")
        parsed.append(AllowEntry(key, pattern))
    return parsed


@dataclass(frozen=True)
class GuardVerdict:
    """The lockout guard's answer: the changes to send (a management rule first when one is created), or why the
    control is refused, or an error that kept the guard from deciding."""

    changes: tuple[Change, ...] = ()
    refusal: str | None = None
    error: str | None = None
    note: str = ""


class FirewallArea(Area):
    module: ClassVar[str] = "win_firewall"
    options: ClassVar[dict[str, dict[str, Any]]] = OPTIONS

    def validate(self) -> None:
        low, high = LOG_SIZE_LIMITS
        if not low <= self.params["log_max_size_kilobytes"] <= high:
            raise InvalidOptionError(f"log_max_size_kilobytes: must be between {low} and {high} (what Windows accepts)")
        port = self.params.get("management_port")
        if port is not None and not 1 <= port <= 65535:
            raise InvalidOptionError("management_port: must be a TCP port between 1 and 65535")
        scope = self.params.get("management_rule_remote_addresses")
        if scope is not None and (not scope or not all(isinstance(item, str) and item.strip() for item in scope)):
            raise InvalidOptionError(
                "management_rule_remote_addresses: give at least one address, or leave it unset for the "
                "controller's address as the host sees it"
            )
        self.allowlist = [
            *parse_allowlist("rule_allowlist", self.params["rule_allowlist"]),
            *parse_allowlist("extra_rule_allowlist", self.params["extra_rule_allowlist"]),
        ]

    @property
    def port(self) -> int | None:
        """The TCP port the management connection uses: the option, else the connection's port."""
        return self.params.get("management_port") or self.connection.port

    def probe_ops(self) -> dict[str, dict[str, Any]]:
        ops: dict[str, dict[str, Any]] = {
            "profiles": {"op": "firewall.profiles"},
            "rules": {"op": "firewall.rules", "direction": "Inbound", "enabled": True},
        }
        if self.port is not None:
            ops["peers"] = {"op": "firewall.management_peers", "port": self.port}
        return ops

    def evaluate(self, results: Mapping[str, OpResult]) -> list[Finding]:
        profiles_result, rules_result = results["profiles"], results["rules"]
        rules = [Rule.from_entry(entry) for entry in rules_result.value["rules"]] if rules_result.ok else None
        rules_error = None if rules_result.ok else f"could not read the firewall rules: {rules_result.describe_error()}"
        if not profiles_result.ok:
            problem = f"could not read the firewall profiles: {profiles_result.describe_error()}"
            fw01, fw02, fw04 = (Finding.error(control_id, problem) for control_id in ("FW-01", "FW-02", "FW-04"))
            if rules is None:
                fw03 = Finding.error("FW-03", rules_error or problem)
            elif self.params["rule_allowlist_mode"] == "enforce":
                fw03 = Finding.error("FW-03", f"{problem}; the lockout guard needs them")
            else:
                fw03 = self._allowed_rules(rules, _LockoutGuard(self, {}, rules, None))
            return [fw01, fw02, fw03, fw04]
        profiles = {entry["name"]: entry for entry in profiles_result.value["profiles"]}
        guard = _LockoutGuard(self, profiles, rules, rules_error, _controller_view(results.get("peers")))
        fw03 = self._allowed_rules(rules, guard) if rules is not None else Finding.error("FW-03", str(rules_error))
        return [self._enabled(profiles, guard), self._default_actions(profiles, guard), fw03, self._logging(profiles)]

    # ---- FW-01 ---------------------------------------------------------------------------------------------

    @decides("FW-01")
    def _enabled(self, profiles: Mapping[str, Mapping[str, Any]], guard: _LockoutGuard) -> Finding:
        expected = dict.fromkeys(PROFILES, True)
        actual = {name: _effective(profiles[name], "enabled") for name in PROFILES}
        drifted = [name for name in PROFILES if not _explicit(profiles[name], "enabled", True)]
        if not drifted:
            return Finding.compare(
                "FW-01", expected=expected, actual=actual, compliant=True, message="on for every profile"
            )
        message = "; ".join(f"{name}: {_shown(profiles[name], 'enabled')}" for name in drifted)
        changes = [
            Change(
                setting=f"{name} profile enabled",
                before=profiles[name].get("enabled"),
                after=True,
                op={"op": "firewall.set_profile", "profile": name, "enabled": True},
                read_back=lambda value: value["enabled"],
            )
            for name in drifted
        ]
        # Turning a profile on applies its default inbound action (and its block rules) to the connection.
        affected = {name: _effective(profiles[name], "default_inbound_action") for name in drifted}
        verdict = guard.check("turning the firewall on", affected, changes)
        return _guarded_finding("FW-01", expected, actual, f"firewall not on: {message}", verdict)

    # ---- FW-02 ---------------------------------------------------------------------------------------------

    @decides("FW-02")
    def _default_actions(self, profiles: Mapping[str, Mapping[str, Any]], guard: _LockoutGuard) -> Finding:
        wanted = {"inbound": "Block", "outbound": "Allow"}
        expected = {name: dict(wanted) for name in PROFILES}
        actual = {
            name: {
                "inbound": _effective(profiles[name], "default_inbound_action"),
                "outbound": _effective(profiles[name], "default_outbound_action"),
            }
            for name in PROFILES
        }
        changes, problems, affected = [], [], {}
        for name in PROFILES:
            profile = profiles[name]
            op: dict[str, Any] = {"op": "firewall.set_profile", "profile": name}
            if not _explicit(profile, "default_inbound_action", "Block"):
                op["default_inbound_action"] = "Block"
                affected[name] = "Block"
                problems.append(f"{name} inbound {_shown(profile, 'default_inbound_action')}")
            if not _explicit(profile, "default_outbound_action", "Allow"):
                op["default_outbound_action"] = "Allow"
                problems.append(f"{name} outbound {_shown(profile, 'default_outbound_action')}")
            if len(op) > 2:
                changes.append(
                    Change(
                        setting=f"{name} profile default actions",
                        before={
                            "inbound": profile.get("default_inbound_action"),
                            "outbound": profile.get("default_outbound_action"),
                        },
                        after=dict(wanted),
                        op=op,
                        read_back=lambda value: {
                            "inbound": value["default_inbound_action"],
                            "outbound": value["default_outbound_action"],
                        },
                    )
                )
        if not changes:
            return Finding.compare(
                "FW-02", expected=expected, actual=actual, compliant=True, message="inbound Block, outbound Allow"
            )
        message = "; ".join(problems)
        if not affected:  # outbound only: nothing more is blocked inbound, no guard needed
            return Finding.compare(
                "FW-02", expected=expected, actual=actual, compliant=False, changes=tuple(changes), message=message
            )
        verdict = guard.check("setting the default inbound action to Block", affected, changes)
        return _guarded_finding("FW-02", expected, actual, message, verdict)

    # ---- FW-03 ---------------------------------------------------------------------------------------------

    @decides("FW-03")
    def _allowed_rules(self, rules: Sequence[Rule], guard: _LockoutGuard) -> Finding:
        port = self.port
        expected = {
            "allowlist": [str(entry) for entry in self.allowlist],
            "management_port": port,
        }
        offenders = [
            rule
            for rule in rules
            if rule.inbound_allow
            and not any(entry.matches(rule) for entry in self.allowlist)
            and not (port is not None and rule.is_management_rule(port))
        ]
        actual = [rule.describe() for rule in offenders]
        if not offenders:
            return Finding.compare(
                "FW-03",
                expected=expected,
                actual=actual,
                compliant=True,
                message="every enabled inbound Allow rule is on the allow list",
            )
        message = f"{len(offenders)} enabled inbound Allow rule(s) not on the allow list: {capped(actual)}"
        if self.params["rule_allowlist_mode"] != "enforce":
            message += (
                "; audit only (rule_allowlist_mode: audit): disable the rules that are not needed, add the needed "
                "ones to extra_rule_allowlist, or set rule_allowlist_mode: enforce to disable them"
            )
            return Finding.compare("FW-03", expected=expected, actual=actual, compliant=False, message=message)
        if port is not None:
            carriers = [rule for rule in offenders if rule.may_carry(port)]
            if carriers:
                names = capped((rule.name for rule in carriers), ", ")
                message += (
                    f"; not changed: {names} may carry the management connection (TCP {port}) and is never "
                    f"disabled: replace it with a rule for TCP {port} only, or add it to extra_rule_allowlist"
                )
                return Finding.compare("FW-03", expected=expected, actual=actual, compliant=False, message=message)
        changes = [
            Change(
                setting=f"rule {rule.name} enabled",
                before=True,
                after=False,
                op={"op": "firewall.set_rule_enabled", "name": rule.name, "enabled": False},
                read_back=lambda value: value["enabled"],
            )
            for rule in offenders
        ]
        affected_names = sorted({name for rule in offenders for name in rule.affected_profiles}, key=PROFILES.index)
        affected = {name: guard.inbound_action(name) for name in affected_names}
        verdict = guard.check("disabling these rules", affected, changes)
        return _guarded_finding("FW-03", expected, actual, message, verdict)

    # ---- FW-04 ---------------------------------------------------------------------------------------------

    @decides("FW-04")
    def _logging(self, profiles: Mapping[str, Mapping[str, Any]]) -> Finding:
        log_blocked = self.params["log_blocked"]
        minimum = self.params["log_max_size_kilobytes"]
        expected = {
            name: {"log_blocked": True if log_blocked else "any", "log_max_size_kilobytes": f">= {minimum}"}
            for name in PROFILES
        }
        actual = {
            name: {
                "log_blocked": _effective(profiles[name], "log_blocked"),
                "log_max_size_kilobytes": profiles[name].get("log_max_size_kilobytes"),
            }
            for name in PROFILES
        }
        changes, problems = [], []
        for name in PROFILES:
            profile = profiles[name]
            size = profile.get("log_max_size_kilobytes")
            size = size if isinstance(size, int) else 0
            op: dict[str, Any] = {"op": "firewall.set_profile", "profile": name}
            if log_blocked and not _explicit(profile, "log_blocked", True):
                op["log_blocked"] = True
                problems.append(f"{name} log dropped packets {_shown(profile, 'log_blocked')}")
            if size < minimum:
                op["log_max_size_kilobytes"] = minimum
                problems.append(f"{name} log size {size} KB")
            if len(op) > 2:
                wanted_blocked = True if log_blocked else profile.get("log_blocked")
                changes.append(
                    Change(
                        setting=f"{name} profile logging",
                        before={"log_blocked": profile.get("log_blocked"), "log_max_size_kilobytes": size},
                        after={"log_blocked": wanted_blocked, "log_max_size_kilobytes": max(size, minimum)},
                        op=op,
                        read_back=_logging_read_back,
                    )
                )
        return Finding.compare(
            "FW-04",
            expected=expected,
            actual=actual,
            compliant=not changes,
            changes=tuple(changes),
            message="; ".join(problems) or f"dropped packets logged, log size at least {minimum} KB on every profile",
        )


def _controller_view(result: OpResult | None) -> ControllerView:
    """The controller as the host sees it; an op that failed (or was not sent) shows no peer, so only rules open
    to Any count."""
    if result is None or not result.ok or not isinstance(result.value, Mapping):
        return ControllerView()
    peers = tuple(str(item) for item in result.value.get("peers") or [] if str(item).strip())
    subnets = tuple(str(item) for item in result.value.get("local_subnets") or [] if str(item).strip())
    return ControllerView(peers=peers, local_subnets=subnets)


def _logging_read_back(value: Mapping[str, Any]) -> dict[str, Any]:
    return {"log_blocked": value["log_blocked"], "log_max_size_kilobytes": value["log_max_size_kilobytes"]}


def _guarded_finding(control_id: str, expected: Any, actual: Any, message: str, verdict: GuardVerdict) -> Finding:
    if verdict.error is not None:
        return Finding.error(control_id, f"{message}; {verdict.error}", expected)
    if verdict.refusal is not None:
        return Finding.compare(
            control_id, expected=expected, actual=actual, compliant=False, message=f"{message}; {verdict.refusal}"
        )
    if verdict.note:
        message = f"{message}; {verdict.note}"
    return Finding.compare(
        control_id, expected=expected, actual=actual, compliant=False, changes=verdict.changes, message=message
    )


class _LockoutGuard:
    """Decides whether a change that can block inbound traffic keeps the management connection open."""

    def __init__(
        self,
        area: FirewallArea,
        profiles: Mapping[str, Mapping[str, Any]],
        rules: Sequence[Rule] | None,
        rules_error: str | None,
        controller: ControllerView | None = None,
    ) -> None:
        self.area = area
        self.profiles = profiles
        self.rules = rules
        self.rules_error = rules_error
        self.controller = controller or ControllerView()

    def inbound_action(self, profile: str) -> str:
        return str(_effective(self.profiles.get(profile) or {}, "default_inbound_action"))

    def local_rules_apply(self, profile: str) -> bool:
        """False when Group Policy turned "Apply local firewall rules" off for the profile."""
        return (self.profiles.get(profile) or {}).get("allow_local_firewall_rules") is not False

    def _in_force(self, rule: Rule, profile: str) -> bool:
        return not rule.is_local or self.local_rules_apply(profile)

    def check(self, what: str, affected: Mapping[str, str], changes: Sequence[Change]) -> GuardVerdict:
        """`affected`: each profile the change touches -> the default inbound action in effect after it."""
        port = self.area.port
        if port is None:
            return GuardVerdict(
                refusal=(
                    f"not changed: {what} can block inbound traffic and the management port is unknown (the "
                    "connection reports none), so the lockout guard cannot check it; set management_port"
                )
            )
        if self.rules is None:
            return GuardVerdict(error=f"not changed: {what} needs the rules for the lockout guard; {self.rules_error}")
        controller = self.controller
        source = controller.source()
        # A local Block rule counts even where Group Policy does not apply local rules: the harsh reading.
        blocked = {
            name: blockers
            for name in affected
            if (blockers := [rule.name for rule in self.rules if rule.covers(port, name, "Block", controller)])
        }
        if blocked:
            where = "; ".join(f"{capped(rules, ', ')} on the {name} profile" for name, rules in blocked.items())
            return GuardVerdict(
                refusal=(
                    f"not changed: {what} would cut the management connection (TCP {port} {source}): enabled "
                    f"inbound Block rules cover it ({where}) and block rules win over allow rules; disable or "
                    "narrow them first"
                )
            )
        uncovered = [
            name
            for name, inbound in affected.items()
            if inbound != "Allow"
            and not any(
                rule.covers(port, name, "Allow", controller) and self._in_force(rule, name) for rule in self.rules
            )
        ]
        if not uncovered:
            return GuardVerdict(changes=tuple(changes))
        where = f"the {_join(uncovered)} profile{'s' if len(uncovered) > 1 else ''}"
        why = self._why_not_covered(port, uncovered)
        no_merge = [name for name in uncovered if not self.local_rules_apply(name)]
        if no_merge:
            return GuardVerdict(
                refusal=(
                    f"not changed: {what} would lock the controller out: no enabled inbound Allow rule covers TCP "
                    f"{port} {source} on {where}{why}; Group Policy does not apply local firewall rules on the "
                    f"{_join(no_merge)} profile, so only a Group Policy rule can keep the connection open there"
                )
            )
        if not self.area.params["create_management_rule"]:
            return GuardVerdict(
                refusal=(
                    f"not changed: {what} would lock the controller out: no enabled inbound Allow rule covers TCP "
                    f"{port} {source} on {where}{why}; enable or add an allow rule for TCP {port} from that address "
                    "there, or set create_management_rule: true to have one created first"
                )
            )
        scope = self.area.params.get("management_rule_remote_addresses") or list(controller.peers)
        if not scope:
            return GuardVerdict(
                refusal=(
                    f"not changed: {what} would lock the controller out (no enabled inbound Allow rule covers TCP "
                    f"{port} on {where}{why}), and the management rule cannot be scoped to the controller because "
                    "the host showed no connection from it; set management_rule_remote_addresses"
                )
            )
        if not controller.in_scope(scope, undecided=False):
            return GuardVerdict(
                refusal=(
                    f"not changed: {what} would lock the controller out (no enabled inbound Allow rule covers TCP "
                    f"{port} on {where}{why}), and management_rule_remote_addresses ({', '.join(scope)}) does not "
                    f"contain the controller's address as the host sees it ({controller.shown()})"
                )
            )
        rule_change = self.management_rule_change(port, scope)
        return GuardVerdict(
            changes=(rule_change, *changes),
            note=(
                f"creates allow rule {rule_change.op['name']} for TCP {port} from {', '.join(scope)} first "
                f"(none covered {where})"
            ),
        )

    def _why_not_covered(self, port: int, profiles: Sequence[str]) -> str:
        """The rules that match the port but leave the controller out, or do not apply: what a user looks at."""
        if self.rules is None:
            raise RuntimeError("_why_not_covered runs only after the rules were read")
        reasons = []
        for rule in self.rules:
            for name in profiles:
                if not rule.covers_port(port, name, "Allow"):
                    continue
                if not self._in_force(rule, name):
                    reasons.append(f"{rule.name} is a local rule that does not apply on {name}")
                elif not rule.covers(port, name, "Allow", self.controller):
                    reasons.append(f"{rule.name} allows only {','.join(rule.remote_addresses)}")
                break
        if not reasons:
            return ""
        return f" ({capped(reasons)})"

    def management_rule_change(self, port: int, scope: Sequence[str]) -> Change:
        """firewall.add_rule for an allow rule on every profile; the same name each time, so it is idempotent."""
        name = MANAGEMENT_RULE_NAME.format(port=port)
        return Change(
            setting=f"allow rule {name} (TCP {port}, every profile)",
            before=False,
            after=True,
            op={
                "op": "firewall.add_rule",
                "name": name,
                "display_name": f"OnePacs management (TCP {port}-In)",
                "group": MANAGEMENT_RULE_GROUP,
                "direction": "Inbound",
                "action": "Allow",
                "protocol": "TCP",
                "local_ports": [str(port)],
                "profiles": ["Any"],
                "remote_addresses": list(scope),
                "program": "Any",
            },
            read_back=_covers_everywhere(port, self.controller),
        )


def _covers_everywhere(port: int, controller: ControllerView) -> Callable[[Mapping[str, Any]], bool]:
    def read_back(value: Mapping[str, Any]) -> bool:
        rule = Rule.from_entry(value)
        return all(rule.covers(port, profile, "Allow", controller) for profile in PROFILES)

    return read_back
