"""Local accounts area (ACC-01..05): named accounts only, Guest off, allowed administrators, unused accounts off,
built-in Administrator disabled or renamed.

Accounts and groups are addressed by SID: built-in names are localized (Administrateur, Gast, Administratoren).
Built-in accounts are recognised by RID: 500 Administrator, 501 Guest, 503 DefaultAccount, 504 WDAGUtilityAccount.

Lockout guards (docs/architecture.md, "Safety rules"). Every change this area plans (ACC-02 Guest, ACC-04 unused
accounts, ACC-03 Administrators members, in that order) passes one guard that refuses to
- disable or remove the account the controller connects as (Connection.user, matched by name, case-insensitively,
  with or without a "COMPUTER\\", ".\\" or "DOMAIN\\" prefix); when that account is unknown, no enabled
  administrator is disabled and no member of Administrators is removed, since any of them could be it;
- remove a group or domain principal from Administrators unless the connecting account is a local user that is
  itself an enabled, direct member of Administrators (otherwise it may hold its rights through that principal: a
  domain group this host cannot expand, or a nested local group);
- remove a member whose SID does not resolve unless it is provably a deleted local account: only a SID under the
  machine's own account-domain prefix (that of the built-in Administrator, RID 500) with no account behind it is
  "orphaned". Any other unresolved SID (a domain group while no domain controller is reachable, an Entra ID role
  S-1-12-1-... on an Entra-joined PC, a group of a foreign domain) is reported as unresolved and never removed;
- disable or remove the last enabled local member of Administrators, counting the changes planned before it.
A refused change is left out of the finding, which stays drifted and says why in its message.

On a domain controller (Win32_OperatingSystem.ProductType 2) there are no local accounts: Get-LocalUser lists the
domain's accounts there, which Active Directory governs; every control is not applicable and says so
(https://learn.microsoft.com/en-us/windows/security/identity-protection/access-control/local-accounts).

Account names compare as Windows compares them: case-insensitively, one character at a time, with no other folding
(German sharp s is not "ss"): `name_key`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from .._findings import Change, Finding
from .._listing import capped
from ..agent._transport import OpResult
from ._area import Area, Connection, InvalidOptionError, decides

ADMINISTRATORS_SID = "S-1-5-32-544"
RID_ADMINISTRATOR = 500
RID_GUEST = 501
BUILTIN_ROLES = {
    500: "built-in Administrator",
    501: "built-in Guest",
    503: "DefaultAccount",
    504: "WDAGUtilityAccount",
}
AUDIT, ENFORCE = "audit", "enforce"
#: The built-in Administrator's name as Windows installs it in common display languages; any other name counts as
#: renamed (ACC-05).
DEFAULT_ADMINISTRATOR_NAMES = [
    "Administrator",
    "Administrateur",
    "Administrador",
    "Administratör",
    "Järjestelmänvalvoja",
    "Rendszergazda",
    "Администратор",
]

OPTIONS: dict[str, dict[str, Any]] = {
    "allowed_accounts": {"type": "list", "elements": "str", "default": []},
    "allowed_administrators": {"type": "list", "elements": "str", "default": []},
    "administrators_mode": {"type": "str", "choices": [AUDIT, ENFORCE], "default": AUDIT},
    "unused_account_days": {"type": "int", "default": 90},
    "unused_accounts_mode": {"type": "str", "choices": [AUDIT, ENFORCE], "default": AUDIT},
    "default_administrator_names": {"type": "list", "elements": "str", "default": DEFAULT_ADMINISTRATOR_NAMES},
}

_CONTROL_IDS = ("ACC-01", "ACC-02", "ACC-03", "ACC-04", "ACC-05")
#: Win32_OperatingSystem.ProductType of a domain controller (1 workstation, 2 domain controller, 3 server):
#: https://learn.microsoft.com/en-us/windows/win32/cimwin32prov/win32-operatingsystem
PRODUCT_TYPE_DOMAIN_CONTROLLER = 2
DOMAIN_CONTROLLER_REASON = (
    "not applicable on a domain controller: it has no local accounts (Get-LocalUser lists the domain's accounts "
    "there), and its accounts and its Administrators group belong to Active Directory, which domain policy governs"
)


@dataclass(frozen=True)
class User:
    """One local account as accounts.users reports it."""

    sid: str
    name: str
    enabled: bool
    last_logon: dt.datetime | None
    password_last_set: dt.datetime | None

    @property
    def rid(self) -> int | None:
        tail = self.sid.rsplit("-", 1)[-1]
        return int(tail) if tail.isdigit() else None

    @property
    def label(self) -> str:
        role = BUILTIN_ROLES.get(self.rid or 0)
        return f"{self.name} ({role}, RID {self.rid})" if role else self.name

    @classmethod
    def from_result(cls, entry: Mapping[str, Any]) -> User:
        return cls(
            sid=str(entry["sid"]).upper(),
            name=str(entry.get("name") or ""),
            enabled=bool(entry.get("enabled")),
            last_logon=_timestamp(entry.get("last_logon")),
            password_last_set=_timestamp(entry.get("password_last_set")),
        )


@dataclass(frozen=True)
class Member:
    """One member of a local group: a local user (`user` set), a named principal (a group, a domain account), or a
    SID that does not resolve (no name): orphaned when it is under the machine's own prefix, else unresolved."""

    sid: str
    name: str
    user: User | None
    machine_prefix: str = ""

    @property
    def orphaned(self) -> bool:
        """A deleted local account: no name, and a SID under the machine's own account-domain prefix."""
        return (
            not self.name and self.user is None and bool(self.machine_prefix) and _under(self.sid, self.machine_prefix)
        )

    @property
    def unresolved(self) -> bool:
        return not self.name and self.user is None and not self.orphaned

    @property
    def label(self) -> str:
        if self.user is not None:
            return self.user.label
        if self.orphaned:
            return f"{self.sid} (orphaned SID: a local account that no longer exists)"
        if self.unresolved:
            return f"{self.sid} ({_unresolved_kind(self.sid)}; not resolvable from this host now)"
        return self.name


def _under(sid: str, prefix: str) -> bool:
    return sid.upper().startswith(prefix.upper() + "-") and sid.count("-") == prefix.count("-") + 1


def _unresolved_kind(sid: str) -> str:
    if sid.upper().startswith("S-1-12-1-"):
        return "unresolved Entra ID SID"
    if sid.upper().startswith("S-1-5-21-"):
        return "unresolved domain or foreign-domain SID"
    return "unresolved SID"


def machine_prefix(users: Sequence[User]) -> str:
    """The machine's account-domain SID: the built-in Administrator's SID without RID 500 ("" when not listed)."""
    administrator = next((user for user in users if user.rid == RID_ADMINISTRATOR), None)
    return administrator.sid.rsplit("-", 1)[0] if administrator is not None else ""


def _timestamp(text: Any) -> dt.datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def name_key(name: str) -> str:
    """A name as Windows compares account names: case-insensitively, character by character (each character's
    single-character upper case, as RtlEqualUnicodeString does with CaseInSensitive, upcasing one character at a
    time: https://learn.microsoft.com/en-us/windows-hardware/drivers/ddi/wdm/nf-wdm-rtlequalunicodestring), with no
    other folding, so a name with a German sharp s (U+00DF) never equals its "SS" spelling. That the SAM compares
    account names this way is an assumption from that routine."""
    return "".join(char.upper() if len(char.upper()) == 1 else char for char in name)


def short_name(account: str) -> str:
    """'COMPUTER\\name', '.\\name', 'DOMAIN\\name' and 'name@domain' -> 'name', keyed for comparison."""
    return name_key(account.rsplit("\\", 1)[-1].split("@", 1)[0])


def _is_sid(text: str) -> bool:
    return text.upper().startswith("S-1-")


class _Allowlist:
    """Entries naming accounts: a SID, a bare name, or a qualified name ('DOMAIN\\name', 'COMPUTER\\name', '.\\name').

    A bare name matches a local account or a domain principal of that name; a qualified one matches a local account
    only when it is qualified with the computer's name or '.'.
    """

    def __init__(self, entries: Iterable[str], computer: str) -> None:
        self.entries = [entry.strip() for entry in entries if entry.strip()]
        self._sids = {entry.upper() for entry in self.entries if _is_sid(entry)}
        names = [name_key(entry) for entry in self.entries if not _is_sid(entry)]
        self._bare = {name for name in names if "\\" not in name}
        self._qualified = {name for name in names if "\\" in name}
        self._local_prefixes = {".", name_key(computer)} if computer else {"."}

    def allows_user(self, user: User) -> bool:
        name = name_key(user.name)
        local_names = {f"{prefix}\\{name}" for prefix in self._local_prefixes}
        return user.sid in self._sids or name in self._bare or bool(local_names & self._qualified)

    def allows_member(self, member: Member) -> bool:
        if member.user is not None:
            return self.allows_user(member.user)
        if member.sid in self._sids:
            return True
        name = name_key(member.name)
        return bool(name) and (name in self._qualified or short_name(name) in self._bare)


class _LockoutGuard:
    """Decides, change by change, whether disabling or removing an account could lock the controller out."""

    def __init__(
        self,
        connection: Connection,
        local_names: set[str],
        computer: str,
        enabled_admins: set[str] | None,
        admin_sids: set[str] | None,
        *,
        local_sids: Mapping[str, str] | None = None,
    ):
        user = connection.user
        self.connecting = short_name(user) if user else None
        qualifier = name_key(user.rsplit("\\", 1)[0]) if user and "\\" in user else None
        # A domain account (or one the host does not know) may hold administrator rights through a domain group
        # in Administrators, which this host cannot expand: such members are then never removed.
        self.connecting_is_local = (
            self.connecting in local_names and qualifier in (None, ".", name_key(computer)) and "@" not in (user or "")
        )
        #: The connecting account's SID when it is a local user (name key -> SID of the local users).
        self.connecting_sid = (local_sids or {}).get(self.connecting or "") if self.connecting_is_local else None
        #: SIDs of the enabled local users in Administrators still enabled members after the changes allowed so far;
        #: None when Administrators could not be read.
        self.enabled_admins = enabled_admins
        self.admin_sids = admin_sids

    def _connecting_reason(self, name: str, is_admin: bool) -> str | None:
        if self.connecting is None:
            if is_admin:
                return "the connecting account is unknown and could be this administrator"
            return None
        if name and short_name(name) == self.connecting:
            return "it is the account this play connects as"
        return None

    def _connecting_is_direct_admin(self) -> bool:
        return self.connecting_sid is not None and self.connecting_sid in (self.enabled_admins or set())

    def disable(self, user: User) -> str | None:
        """Why disabling `user` is refused, or None (and the change is counted)."""
        if self.enabled_admins is None or self.admin_sids is None:
            return "the members of Administrators could not be read, so no account is disabled"
        is_admin = user.sid in self.admin_sids
        reason = self._connecting_reason(user.name, is_admin)
        if reason is None and self.enabled_admins == {user.sid}:
            reason = "it is the last enabled member of Administrators"
        if reason is None:
            self.enabled_admins.discard(user.sid)
        return reason

    def remove(self, member: Member) -> str | None:
        """Why removing `member` from Administrators is refused, or None (and the change is counted)."""
        if self.enabled_admins is None:
            return "the members of Administrators could not be read"
        reason = self._connecting_reason(member.user.name if member.user else member.name, True)
        if reason is None and member.unresolved:
            reason = (
                "its SID does not resolve and is not a local account of this machine: it may be a domain or Entra ID "
                "group through which administrators hold their rights, so it is never removed"
            )
        if reason is None and member.user is None and not member.orphaned and not self._connecting_is_direct_admin():
            reason = (
                "the connecting account is not itself an enabled, direct member of Administrators and may hold its "
                "rights through it"
            )
        if reason is None and self.enabled_admins == {member.sid}:
            reason = "it is the last enabled member of Administrators"
        if reason is None:
            self.enabled_admins.discard(member.sid)
        return reason


def _guarded_changes(
    targets: Iterable[Any], refusal: Callable[[Any], str | None], change: Callable[[Any], Change]
) -> tuple[list[Change], list[tuple[str, str]]]:
    """The changes for the targets the lockout guard lets through, and (label, reason) for those it refuses."""
    changes: list[Change] = []
    refused: list[tuple[str, str]] = []
    for target in targets:
        reason = refusal(target)
        if reason:
            refused.append((target.label, reason))
        else:
            changes.append(change(target))
    return changes, refused


def _refusals(refused: Sequence[tuple[str, str]], verb: str) -> str:
    return capped(f"{label} is not {verb}: {reason} (lockout guard)" for label, reason in refused)


def _names(items: Iterable[Any]) -> str:
    return capped((item.label for item in items), ", ")


def _disable(user: User) -> Change:
    return Change(
        setting=f"{user.name} ({user.sid}) enabled",
        before=True,
        after=False,
        op={"op": "accounts.disable", "sid": user.sid},
        read_back=lambda value: value["enabled"],
    )


def _remove(member: Member) -> Change:
    return Change(
        setting=f"Administrators member {member.name or member.sid} ({member.sid})",
        before=True,
        after=False,
        op={"op": "accounts.remove_member", "group": ADMINISTRATORS_SID, "member": member.sid},
        read_back=lambda value: value["is_member"],
    )


class LocalAccountsArea(Area):
    module: ClassVar[str] = "win_local_accounts"
    options: ClassVar[dict[str, dict[str, Any]]] = OPTIONS

    def validate(self) -> None:
        if self.params["unused_account_days"] < 1:
            raise InvalidOptionError("unused_account_days: must be 1 or more days")
        for option in ("allowed_accounts", "allowed_administrators"):
            blank = [index for index, entry in enumerate(self.params[option]) if not str(entry).strip()]
            if blank:
                raise InvalidOptionError(f"{option}[{blank[0]}]: an empty name; give an account name or SID")

    def probe_ops(self) -> dict[str, dict[str, Any]]:
        return {
            "users": {"op": "accounts.users"},
            "administrators": {"op": "accounts.group_members", "sid": ADMINISTRATORS_SID},
        }

    def evaluate(self, results: Mapping[str, OpResult]) -> list[Finding]:
        users_result, admins_result = results["users"], results["administrators"]
        if not users_result.ok:
            message = f"could not read the local accounts: {users_result.describe_error()}"
            return [Finding.error(control_id, message) for control_id in _CONTROL_IDS]
        if users_result.value.get("product_type") == PRODUCT_TYPE_DOMAIN_CONTROLLER:
            return [Finding.not_applicable(control_id, DOMAIN_CONTROLLER_REASON) for control_id in _CONTROL_IDS]
        users = [User.from_result(entry) for entry in users_result.value["users"]]
        prefix = machine_prefix(users)
        computer = str(users_result.value.get("computer_name") or "")
        now = _timestamp(users_result.value.get("now")) or dt.datetime.now(dt.UTC)
        by_sid = {user.sid: user for user in users}
        members: list[Member] | None = None
        if admins_result.ok:
            members = [
                Member(
                    sid=str(entry["sid"]).upper(),
                    name=str(entry.get("name") or ""),
                    user=by_sid.get(str(entry["sid"]).upper()),
                    machine_prefix=prefix,
                )
                for entry in admins_result.value["members"]
            ]
        guard = _LockoutGuard(
            self.connection,
            {name_key(user.name) for user in users},
            computer,
            None if members is None else {m.sid for m in members if m.user is not None and m.user.enabled},
            None if members is None else {m.sid for m in members},
            local_sids={name_key(user.name): user.sid for user in users},
        )
        by_rid = {user.rid: user for user in users}
        # The guard counts changes in this order: the Guest first, then unused accounts, then removals.
        guest = self._guest(by_rid.get(RID_GUEST), guard)
        unused = self._unused(users, now, guard)
        admins = (
            Finding.error("ACC-03", f"could not read the Administrators group: {admins_result.describe_error()}")
            if members is None
            else self._administrators(members, computer, guard)
        )
        return [self._allowed_accounts(users, computer), guest, admins, unused, self._builtin_administrator(by_rid)]

    # ------------------------------------------------------------------------------------------------ ACC-01

    @decides("ACC-01")
    def _allowed_accounts(self, users: Sequence[User], computer: str) -> Finding:
        allowlist = _Allowlist(self.params["allowed_accounts"], computer)
        # The Guest is ACC-02's: it is disabled there, not merely reported twice.
        enabled = [user for user in users if user.enabled and user.rid != RID_GUEST]
        unlisted = [user for user in enabled if not allowlist.allows_user(user)]
        if unlisted:
            message = f"enabled local accounts not on the allow list: {_names(unlisted)}; audit only: disable them "
            message += "or add the named individuals and management accounts to allowed_accounts"
            if not allowlist.entries:
                message += " (allowed_accounts is empty)"
        else:
            message = f"every enabled local account is on the allow list ({len(enabled)} enabled)"
        return Finding.compare(
            "ACC-01",
            expected=allowlist.entries,
            actual=sorted(user.name for user in enabled),
            compliant=not unlisted,
            message=message,
        )

    # ------------------------------------------------------------------------------------------------ ACC-02

    @decides("ACC-02")
    def _guest(self, guest: User | None, guard: _LockoutGuard) -> Finding:
        if guest is None:
            return Finding.not_applicable("ACC-02", "this host has no built-in Guest account (RID 501)", False)
        message = f"the built-in Guest account ({guest.name}, RID 501) is {'enabled' if guest.enabled else 'disabled'}"
        changes: tuple[Change, ...] = ()
        if guest.enabled:
            refused = guard.disable(guest)
            if refused:
                message += f"; {_refusals([(guest.label, refused)], 'disabled')}"
            else:
                changes = (_disable(guest),)
        return Finding.compare(
            "ACC-02",
            expected=False,
            actual=guest.enabled,
            compliant=not guest.enabled,
            changes=changes,
            message=message,
        )

    # ------------------------------------------------------------------------------------------------ ACC-03

    @decides("ACC-03")
    def _administrators(self, members: Sequence[Member], computer: str, guard: _LockoutGuard) -> Finding:
        allowlist = _Allowlist(self.params["allowed_administrators"], computer)
        enforce = self.params["administrators_mode"] == ENFORCE
        # Windows cannot remove the built-in Administrator from Administrators; ACC-05 governs that account.
        disallowed = [
            member
            for member in members
            if not (member.user is not None and member.user.rid == RID_ADMINISTRATOR)
            and not allowlist.allows_member(member)
        ]
        changes, refused = _guarded_changes(disallowed if enforce else (), guard.remove, _remove)
        if disallowed:
            message = f"members of Administrators not on the allow list: {_names(disallowed)}"
            if not enforce:
                message += "; audit only (administrators_mode: audit): nothing is removed"
            if refused:
                message += f"; {_refusals(refused, 'removed')}"
        else:
            message = f"every member of Administrators is allowed ({len(members)} members)"
        return Finding.compare(
            "ACC-03",
            expected=[*allowlist.entries, "the built-in Administrator (RID 500, cannot be removed)"],
            actual=[member.name or member.sid for member in members],
            compliant=not disallowed,
            changes=tuple(changes),
            message=message,
            residual=_refusals(refused, "removed"),
        )

    # ------------------------------------------------------------------------------------------------ ACC-04

    @decides("ACC-04")
    def _unused(self, users: Sequence[User], now: dt.datetime, guard: _LockoutGuard) -> Finding:
        days = self.params["unused_account_days"]
        limit = dt.timedelta(days=days)
        stale: list[tuple[User, str]] = []
        undated: list[User] = []
        for user in users:
            if not user.enabled or user.rid == RID_GUEST:
                continue
            if user.last_logon is not None:
                if now - user.last_logon > limit:
                    stale.append((user, f"last logon {(now - user.last_logon).days} days ago"))
            elif user.password_last_set is None:
                # Never logged on and no password date ("must change password at next logon"): a new account
                # cannot be told from an old one, so it is not judged (and never disabled).
                undated.append(user)
            elif now - user.password_last_set > limit:
                stale.append((user, f"never logged on, password set {(now - user.password_last_set).days} days ago"))
        enforce = self.params["unused_accounts_mode"] == ENFORCE
        changes, refused = _guarded_changes([user for user, _why in stale] if enforce else (), guard.disable, _disable)
        if stale:
            listed = ", ".join(f"{user.label} ({why})" for user, why in stale)
            message = f"enabled accounts unused for more than {days} days: {listed}"
            if not enforce:
                message += "; audit only (unused_accounts_mode: audit): nothing is disabled"
            if refused:
                message += f"; {_refusals(refused, 'disabled')}"
        else:
            message = f"no enabled account has gone unused for more than {days} days"
        if undated:
            message += f"; not judged (never logged on, no password date): {_names(undated)}"
        return Finding.compare(
            "ACC-04",
            expected=f"no enabled account unused for more than {days} days",
            actual=[user.name for user, _why in stale],
            compliant=not stale,
            changes=tuple(changes),
            message=message,
            residual=_refusals(refused, "disabled"),
        )

    # ------------------------------------------------------------------------------------------------ ACC-05

    @decides("ACC-05")
    def _builtin_administrator(self, by_rid: Mapping[int | None, User]) -> Finding:
        administrator = by_rid.get(RID_ADMINISTRATOR)
        if administrator is None:
            return Finding.not_applicable("ACC-05", "this host has no built-in Administrator account (RID 500)")
        default_names = {name_key(name) for name in self.params["default_administrator_names"]}
        renamed = name_key(administrator.name) not in default_names
        state = "enabled" if administrator.enabled else "disabled"
        naming = "renamed" if renamed else "still has its default name"
        message = f"the built-in Administrator (RID 500) is {state} and {naming} ({administrator.name!r})"
        if administrator.enabled and not renamed:
            message += "; audit only: disable it or rename it (policy 'Accounts: Rename administrator account')"
        return Finding.compare(
            "ACC-05",
            expected="disabled or renamed",
            actual={"name": administrator.name, "enabled": administrator.enabled},
            compliant=not administrator.enabled or renamed,
            message=message,
        )
