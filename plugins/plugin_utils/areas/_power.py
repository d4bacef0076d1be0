"""Power area (PWR-01..03): never sleep on AC power, hibernation off, fast startup off."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from .._findings import Change, Finding
from ..agent._transport import OpResult
from ._area import Area, InvalidOptionError, decides
from ._registry_settings import Missing, RegistrySetting, compare_settings

SUB_SLEEP = "238c9fa8-0aad-41ed-83f4-97be242c8f20"
STANDBY_IDLE = "29f6c1db-86da-48c5-9fdb-f2b67b1f44da"
# A Group Policy value here overrides the scheme's own index, so a scheme fix alone would not take effect.
STANDBY_POLICY_KEY = rf"HKLM:\SOFTWARE\Policies\Microsoft\Power\PowerSettings\{STANDBY_IDLE}"
STANDBY_POLICY_VALUE = "ACSettingIndex"
HIBERBOOT_KEY = r"HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager\Power"
HIBERBOOT_VALUE = "HiberbootEnabled"
# Windows turns fast startup on when the value is absent.
HIBERBOOT_DEFAULT = 1

OPTIONS: dict[str, dict[str, Any]] = {
    "standby_timeout_ac_minutes": {"type": "int", "default": 0},
    "hibernation": {"type": "bool", "default": False},
    "fast_startup": {"type": "bool", "default": False},
}


class PowerArea(Area):
    module: ClassVar[str] = "win_power"
    options: ClassVar[dict[str, dict[str, Any]]] = OPTIONS

    def validate(self) -> None:
        if self.params["standby_timeout_ac_minutes"] < 0:
            raise InvalidOptionError("standby_timeout_ac_minutes: must be 0 (never) or a positive number of minutes")

    def _standby_policy(self) -> RegistrySetting:
        # Absent, the policy leaves the active scheme in charge.
        return RegistrySetting(
            STANDBY_POLICY_KEY,
            STANDBY_POLICY_VALUE,
            wanted=self.params["standby_timeout_ac_minutes"] * 60,
            missing=Missing.COMPLIANT,
            label="standby timeout on AC, group policy (seconds)",
        )

    def _hiberboot(self) -> RegistrySetting:
        return RegistrySetting(
            HIBERBOOT_KEY,
            HIBERBOOT_VALUE,
            wanted=int(self.params["fast_startup"]),
            default=HIBERBOOT_DEFAULT,
            default_label="on",
        )

    def probe_ops(self) -> dict[str, dict[str, Any]]:
        return {
            "power": {"op": "power.query", "settings": [{"subgroup": SUB_SLEEP, "setting": STANDBY_IDLE}]},
            "standby_policy": self._standby_policy().probe_op(),
            "hiberboot": self._hiberboot().probe_op(),
        }

    def evaluate(self, results: Mapping[str, OpResult]) -> list[Finding]:
        return [
            self._standby(results["power"], results["standby_policy"]),
            self._hibernation(results["power"]),
            self._fast_startup(results["hiberboot"]),
        ]

    @decides("PWR-01")
    def _standby(self, power: OpResult, policy: OpResult) -> Finding:
        wanted = self.params["standby_timeout_ac_minutes"] * 60
        for result in (power, policy):
            if not result.ok:
                return Finding.error("PWR-01", f"could not read the standby timeout: {result.describe_error()}", wanted)
        scheme_value = power.value["values"][0]["ac"]
        policy_reading = self._standby_policy().read(policy.value)
        policy_value = policy_reading.data if policy_reading.exists else None
        effective = scheme_value if policy_value is None else policy_value
        source = "active power scheme" if policy_value is None else "group policy"
        changes = []
        if scheme_value != wanted:
            changes.append(
                Change(
                    setting="standby timeout on AC, active scheme (seconds)",
                    before=scheme_value,
                    after=wanted,
                    op={"op": "power.set", "subgroup": SUB_SLEEP, "setting": STANDBY_IDLE, "ac": wanted},
                    read_back=lambda value: value["ac"],
                )
            )
        policy_change = policy_reading.change()
        if policy_change is not None:
            changes.append(policy_change)
        return Finding.compare(
            "PWR-01",
            expected=wanted,
            actual=effective,
            compliant=effective == wanted,
            changes=tuple(changes),
            message=f"standby timeout on AC is {effective} s (from the {source})",
        )

    @decides("PWR-02")
    def _hibernation(self, power: OpResult) -> Finding:
        wanted = self.params["hibernation"]
        if not power.ok:
            return Finding.error("PWR-02", f"could not read the hibernation state: {power.describe_error()}", wanted)
        actual = bool(power.value["hibernate_enabled"])
        return Finding.compare(
            "PWR-02",
            expected=wanted,
            actual=actual,
            compliant=actual == wanted,
            changes=(
                Change(
                    setting="hibernation enabled",
                    before=actual,
                    after=wanted,
                    op={"op": "power.hibernate", "enabled": wanted},
                    read_back=lambda value: value["hibernate_enabled"],
                ),
            ),
            message=f"hibernation is {'on' if actual else 'off'}",
        )

    @decides("PWR-03")
    def _fast_startup(self, hiberboot: OpResult) -> Finding:
        setting = self._hiberboot()
        if not hiberboot.ok:
            message = f"could not read {HIBERBOOT_VALUE}: {hiberboot.describe_error()}"
            return Finding.error("PWR-03", message, setting.wanted)
        return compare_settings("PWR-03", (setting,), {setting.key: hiberboot})
