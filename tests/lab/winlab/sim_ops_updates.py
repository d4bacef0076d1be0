"""updates.history: the hotfix list (Get-HotFix) and the Windows Update Agent history, from state["updates"].

State:
    "updates": {
      "history": {"KB5034129": {"Description": "Security Update", "InstalledOn": "now-30d", "InstalledBy": "..."}},
      "wu_history": [{"Date": "now-30d", "Operation": "Installation", "ResultCode": "Succeeded",
                      "Title": "2024-01 Cumulative Update ...", "UpdateID": "<guid>", "Categories": ["<guid>"]}],
      "wu_error": "0x80070005"
    }
`history` is Win32_QuickFixEngineering (InstalledOn a timestamp, or null where Windows records no date; the
agent reports the date part). `wu_history` (optional, empty when absent) is IUpdateSearcher.QueryHistory:
Operation Installation | Uninstallation | Other, ResultCode NotStarted | InProgress | Succeeded |
SucceededWithErrors | Failed | Aborted, Categories the classification and product GUIDs. `wu_error` (optional)
makes the Windows Update Agent unusable, as a broken or blocked COM server does: history is then empty and
history_error carries the message.
"""

from __future__ import annotations

from winlab.sim_guid import power_guid
from winlab.sim_op import Op

DEFAULT_LIMIT = 200

_OPERATIONS = {"Installation": "install", "Uninstallation": "uninstall"}
_RESULTS = {
    "NotStarted": "not_started",
    "InProgress": "in_progress",
    "Succeeded": "succeeded",
    "SucceededWithErrors": "succeeded_with_errors",
    "Failed": "failed",
    "Aborted": "aborted",
}


def _date_part(timestamp: str | None) -> str | None:
    return timestamp[:10] if isinstance(timestamp, str) and len(timestamp) >= 10 else None


def _history_entry(entry: dict) -> dict:
    return {
        "date": entry["Date"],
        "operation": _OPERATIONS.get(entry.get("Operation", "Installation"), "other"),
        "result": _RESULTS.get(entry.get("ResultCode", "Succeeded"), "failed"),
        "title": entry.get("Title", ""),
        "update_id": power_guid(entry["UpdateID"]) if entry.get("UpdateID") else "",
        "categories": [power_guid(category) for category in entry.get("Categories", [])],
    }


def updates_history(state: dict, args: dict) -> dict:
    """Hotfixes in KB order; the newest `limit` history entries, newest first."""
    limit = args.get("limit", DEFAULT_LIMIT)
    updates = state.get("updates") or {}
    hotfixes = [
        {"id": kb, "description": fix.get("Description", ""), "installed_on": _date_part(fix.get("InstalledOn"))}
        for kb, fix in sorted((updates.get("history") or {}).items())
    ]
    error = updates.get("wu_error")
    history: list[dict] = []
    if not error:
        entries = sorted(updates.get("wu_history") or [], key=lambda entry: entry["Date"], reverse=True)
        history = [_history_entry(entry) for entry in entries[:limit]]
    return {
        "hotfixes": hotfixes,
        "history": history,
        "history_error": f"the Windows Update history could not be read: {error}" if error else None,
    }


OPS = (Op("updates.history", updates_history),)
