"""Update policy area: automatic updates on an off-hours schedule (UPD-01) and a recent update (UPD-02, audit).

UPD-01 is the "Configure Automatic Updates" policy in its registry form, a table of RegistrySetting rows.

UPD-02 asks when the host last installed an update. Two sources answer it and each misses some updates, so the
newest of both counts (updates.history): Win32_QuickFixEngineering (Get-HotFix; servicing-stack and cumulative
updates, dated to the day) and the Windows Update Agent history (successful installs). Defender definition
updates are left out of the history: they arrive several times a day and would hide months without a security
update. The agent sends dates as ISO text it made from typed values, so no localised date is ever parsed here.
The age is counted against the controller's date. UPD-02 is audit-only: installing updates is Windows Update's
job, on the UPD-01 schedule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from .._findings import Finding
from ..agent._transport import OpResult
from ._area import Area, Connection, InvalidOptionError, decides
from ._registry_settings import RegistryControl, RegistrySetting

AU_POLICY_KEY = r"HKLM:\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate\AU"
#: AUOptions 4: automatically download and schedule the install.
AU_SCHEDULED_INSTALL = 4
#: Windows Update classification "Definition Updates" (Defender security intelligence).
DEFINITION_UPDATES = "e0789628-ce08-4437-be74-2495b842f43b"
#: How many of the newest Windows Update history entries to ask for; hotfixes come in full.
HISTORY_LIMIT = 200
_SUCCEEDED = frozenset({"succeeded", "succeeded_with_errors"})

OPTIONS: dict[str, dict[str, Any]] = {
    "scheduled_install_day": {"type": "int", "default": 0},
    "scheduled_install_time": {"type": "int", "default": 3},
    "max_update_age_days": {"type": "int", "default": 45},
}


def schedule_control(day: int, hour: int) -> RegistryControl:
    """UPD-01: the four values of "Configure Automatic Updates" (4 - auto download and schedule the install)."""
    return RegistryControl(
        "UPD-01",
        (
            RegistrySetting(AU_POLICY_KEY, "NoAutoUpdate", wanted=0, default=0),
            RegistrySetting(AU_POLICY_KEY, "AUOptions", wanted=AU_SCHEDULED_INSTALL),
            RegistrySetting(AU_POLICY_KEY, "ScheduledInstallDay", wanted=day),
            RegistrySetting(AU_POLICY_KEY, "ScheduledInstallTime", wanted=hour),
        ),
        note="a domain GPO that configures Windows Update overwrites these values at its next refresh",
    )


@dataclass(frozen=True)
class InstalledUpdate:
    """One update the host reports as installed, with the day it was installed."""

    name: str
    installed_on: dt.date
    source: str

    def describe(self) -> str:
        return f"{self.name} on {self.installed_on.isoformat()} ({self.source})"


def _iso_date(text: Any) -> dt.date | None:
    """The date of "YYYY-MM-DD" or "YYYY-MM-DDThh:mm:ssZ"; None for anything else."""
    if not isinstance(text, str) or len(text) < 10:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def installed_updates(history: Mapping[str, Any]) -> list[InstalledUpdate]:
    """Every dated, successfully installed update of an updates.history result, definition updates left out."""
    found = []
    for hotfix in history.get("hotfixes") or ():
        day = _iso_date(hotfix.get("installed_on"))
        if day is not None:
            found.append(InstalledUpdate(str(hotfix.get("id") or "hotfix"), day, "hotfix list"))
    for entry in history.get("history") or ():
        if entry.get("operation") != "install" or entry.get("result") not in _SUCCEEDED:
            continue
        if DEFINITION_UPDATES in (category.lower() for category in entry.get("categories") or ()):
            continue
        day = _iso_date(entry.get("date"))
        if day is not None:
            found.append(InstalledUpdate(str(entry.get("title") or entry.get("update_id")), day, "Windows Update"))
    return found


class UpdatePolicyArea(Area):
    module: ClassVar[str] = "win_update_policy"
    options: ClassVar[dict[str, dict[str, Any]]] = OPTIONS

    def __init__(
        self, params: Mapping[str, Any], connection: Connection | None = None, today: dt.date | None = None
    ) -> None:
        # The run date is the controller's; tests pin it.
        self._today = today
        super().__init__(params, connection)

    @property
    def today(self) -> dt.date:
        return self._today or dt.date.today()

    def validate(self) -> None:
        day = self.params["scheduled_install_day"]
        if not 0 <= day <= 7:
            raise InvalidOptionError(
                f"scheduled_install_day: must be 0 (every day) or 1-7 (Sunday to Saturday), got {day}"
            )
        hour = self.params["scheduled_install_time"]
        if not 0 <= hour <= 23:
            raise InvalidOptionError(f"scheduled_install_time: must be an hour from 0 to 23, got {hour}")
        age = self.params["max_update_age_days"]
        if age < 1:
            raise InvalidOptionError(f"max_update_age_days: must be 1 or more days, got {age}")

    @decides("UPD-01")
    def _schedule(self) -> RegistryControl:
        return schedule_control(self.params["scheduled_install_day"], self.params["scheduled_install_time"])

    def probe_ops(self) -> dict[str, dict[str, Any]]:
        return {**self._schedule().probe_ops(), "updates": {"op": "updates.history", "limit": HISTORY_LIMIT}}

    def evaluate(self, results: Mapping[str, OpResult]) -> list[Finding]:
        return [self._schedule().evaluate(results), self._recent_update(results["updates"])]

    @decides("UPD-02")
    def _recent_update(self, result: OpResult) -> Finding:
        limit = self.params["max_update_age_days"]
        expected = f"an update installed in the last {limit} days"
        if not result.ok:
            return Finding.error("UPD-02", f"could not read the update history: {result.describe_error()}", expected)
        history_error = result.value.get("history_error")
        caveat = f" ({history_error}; judged from the hotfix list alone)" if history_error else ""
        updates = installed_updates(result.value)
        if not updates:
            return Finding.compare(
                "UPD-02",
                expected=expected,
                actual="no installed update found",
                compliant=False,
                message=f"the host reports no installed update{caveat}; not enforced: this module only audits "
                "UPD-02, run Windows Update",
            )
        newest = max(updates, key=lambda update: update.installed_on)
        age = max((self.today - newest.installed_on).days, 0)
        compliant = age <= limit
        message = f"the newest update is {age} days old: {newest.describe()}{caveat}"
        if not compliant:
            message += f"; the limit is {limit} days. Not enforced: this module only audits UPD-02, run Windows Update"
        return Finding.compare(
            "UPD-02",
            expected=expected,
            actual=f"last update {age} days ago ({newest.installed_on.isoformat()})",
            compliant=compliant,
            message=message,
        )
