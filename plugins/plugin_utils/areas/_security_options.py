"""Security options area (SEC-01..06, LCK-01): registry values of the Windows security baseline.

Every control here is one or two registry values, so the area is a table: each row names the control, its values
(RegistrySetting: where, what it must hold, how an absent value counts) and what a drift message adds. Comparison,
messages and fixes come from _registry_settings; nothing is written per setting.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from .._findings import Finding
from ..agent._transport import OpResult
from ._area import Area, InvalidOptionError, decides
from ._registry_settings import ABSENT, Missing, RegistryControl, RegistrySetting

RECOVERY_CONSOLE_KEY = r"HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Setup\RecoveryConsole"
WINLOGON_KEY = r"HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon"
SMB_SERVER_KEY = r"HKLM:\SYSTEM\CurrentControlSet\Services\LanmanServer\Parameters"
DNS_CLIENT_POLICY_KEY = r"HKLM:\SOFTWARE\Policies\Microsoft\Windows NT\DNSClient"
WDIGEST_KEY = r"HKLM:\SYSTEM\CurrentControlSet\Control\SecurityProviders\WDigest"
LSA_KEY = r"HKLM:\SYSTEM\CurrentControlSet\Control\Lsa"
SYSTEM_POLICY_KEY = r"HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System"

#: "Interactive logon: Machine inactivity limit" of the baseline: 15 minutes.
INACTIVITY_LIMIT_MAX = 900

OPTIONS: dict[str, dict[str, Any]] = {
    "inactivity_timeout_seconds": {"type": "int", "default": INACTIVITY_LIMIT_MAX},
}

#: The controls whose values do not depend on options, in catalog order.
FIXED_CONTROLS: tuple[RegistryControl, ...] = (
    RegistryControl(
        "SEC-01",
        # Absent, Windows treats "Recovery console: Allow automatic administrative logon" as Disabled.
        (RegistrySetting(RECOVERY_CONSOLE_KEY, "SecurityLevel", wanted=0, missing=Missing.DEFAULT, default=0),),
    ),
    RegistryControl(
        "SEC-02",
        (
            RegistrySetting(
                WINLOGON_KEY, "AutoAdminLogon", wanted="0", kind="String", missing=Missing.DEFAULT, default="0"
            ),
            # A clear-text password: only whether it exists is ever reported.
            RegistrySetting(WINLOGON_KEY, "DefaultPassword", wanted=ABSENT, kind="String", secret=True),
        ),
        note="a password that was stored in DefaultPassword must be treated as disclosed: change it",
    ),
    RegistryControl(
        "SEC-03",
        (
            RegistrySetting(
                SMB_SERVER_KEY,
                "SMB1",
                wanted=0,
                default=1,
                default_label="1 (SMBv1 on while the SMB 1.0 feature is installed)",
            ),
        ),
        note="the SMB server reads SMB1 when it starts",
        reboot_required=True,
    ),
    RegistryControl(
        "SEC-04",
        (RegistrySetting(DNS_CLIENT_POLICY_KEY, "EnableMulticast", wanted=0, default=1, default_label="1 (LLMNR on)"),),
    ),
    RegistryControl(
        "SEC-05",
        (
            # Windows 8.1 / Server 2012 R2 and later behave as 0 without it, but the baselines set it explicitly:
            # an update or a tool that re-enables WDigest then cannot go unnoticed.
            RegistrySetting(WDIGEST_KEY, "UseLogonCredential", wanted=0, default=0),
        ),
        note="credentials already cached in clear text stay in memory until their users sign out",
    ),
    RegistryControl(
        "SEC-06",
        (
            RegistrySetting(LSA_KEY, "RestrictAnonymousSAM", wanted=1, missing=Missing.DEFAULT, default=1),
            RegistrySetting(LSA_KEY, "RestrictAnonymous", wanted=1, missing=Missing.DEFAULT, default=0),
        ),
    ),
)


def inactivity_control(limit: int) -> RegistryControl:
    """LCK-01: a limit between 1 and `limit` seconds complies (0 means never); the fix writes `limit`."""
    return RegistryControl(
        "LCK-01",
        (
            RegistrySetting(
                SYSTEM_POLICY_KEY,
                "InactivityTimeoutSecs",
                wanted=limit,
                accepts=lambda seconds: 1 <= seconds <= limit,
                default=0,
                default_label="0 (never locks)",
                expected=f"1-{limit} seconds",
            ),
        ),
    )


class SecurityOptionsArea(Area):
    module: ClassVar[str] = "win_security_options"
    options: ClassVar[dict[str, dict[str, Any]]] = OPTIONS

    def validate(self) -> None:
        limit = self.params["inactivity_timeout_seconds"]
        if not 1 <= limit <= INACTIVITY_LIMIT_MAX:
            raise InvalidOptionError(
                f"inactivity_timeout_seconds: must be between 1 and {INACTIVITY_LIMIT_MAX} seconds "
                f"(the baseline locks after 15 minutes at most; 0 would mean never), got {limit}"
            )

    @decides("SEC-01", "SEC-02", "SEC-03", "SEC-04", "SEC-05", "SEC-06", "LCK-01")
    def controls(self) -> tuple[RegistryControl, ...]:
        """The settings table, LCK-01 with the configured limit."""
        return (*FIXED_CONTROLS, inactivity_control(self.params["inactivity_timeout_seconds"]))

    def probe_ops(self) -> dict[str, dict[str, Any]]:
        ops: dict[str, dict[str, Any]] = {}
        for control in self.controls():
            ops.update(control.probe_ops())
        return ops

    def evaluate(self, results: Mapping[str, OpResult]) -> list[Finding]:
        return [control.evaluate(results) for control in self.controls()]
