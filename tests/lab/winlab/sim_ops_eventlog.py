"""eventlog.get / eventlog.set with the event log API's semantics, over the registry.

Each fact lives once, in the registry, where the Event Log service keeps it: a classic log (Application, Security,
System, ...) is the key HKLM:\\SYSTEM\\CurrentControlSet\\Services\\EventLog\\<log>, any other channel the key
HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WINEVT\\Channels\\<channel>. MaxSize there is in bytes (what
`wevtutil sl /ms:` and EventLogConfiguration.SaveChanges write). The Group Policy twin
(HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows\\EventLog\\<log>\\MaxSize, in KB) is not read here: the controller reads
it with registry.get. A log with neither key is not_found; writes under a read-only key are access_denied.
"""

from __future__ import annotations

from winlab.sim_errors import OpError, invalid_argument
from winlab.sim_op import Op
from winlab.sim_registry import KeyPath, parse_key_path, registry_of

CLASSIC_LOGS_KEY = "HKLM:\\SYSTEM\\CurrentControlSet\\Services\\EventLog"
CHANNELS_KEY = "HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WINEVT\\Channels"
#: Windows' defaults when a log key has no MaxSize: 512 KB for a classic log, 1 MB for a channel.
_DEFAULT_CLASSIC_BYTES = 524288
_DEFAULT_CHANNEL_BYTES = 1048576
#: MaxSize is a REG_DWORD.
_MAX_BYTES = 2**32 - 1
_RETAIN_ALL = 2**32 - 1


def _locate(state: dict, name: str) -> tuple[KeyPath, bool]:
    """(key of the log, spelled as stored, whether it is a classic log); not_found when the log does not exist.
    Log names are case-insensitive, as registry key names are."""
    registry = registry_of(state)
    if name and "\\" not in name:
        for base, classic in ((CLASSIC_LOGS_KEY, True), (CHANNELS_KEY, False)):
            key = parse_key_path(f"{base}\\{name}")
            if registry.key_exists(key):
                stored = next((path for path in state["registry"] if path.upper() == key.folded), None)
                return (parse_key_path(stored) if stored else key), classic
    raise OpError("not_found", f"there is no event log named '{name}'")


def _dword(state: dict, key: KeyPath, name: str) -> int | None:
    _, value = registry_of(state).read(key, name)
    return value["data"] if value is not None and value["type"] == "DWord" else None


def _configuration(state: dict, name: str) -> dict:
    key, classic = _locate(state, name)
    size = _dword(state, key, "MaxSize")
    if classic:
        retention = _dword(state, key, "Retention") or 0
        auto_backup = _dword(state, key, "AutoBackupLogFiles") == 1
        mode = "AutoBackup" if auto_backup else ("Retain" if retention == _RETAIN_ALL else "Circular")
        enabled = True
    else:
        mode = "AutoBackup" if _dword(state, key, "AutoBackup") == 1 else "Circular"
        if mode == "Circular" and _dword(state, key, "Retention") == 1:
            mode = "Retain"
        enabled = _dword(state, key, "Enabled") != 0
    _, file_value = registry_of(state).read(key, "File")
    log_name = key.segments[-1]
    default_file = "%SystemRoot%\\System32\\Winevt\\Logs\\" + log_name.replace("/", "%4") + ".evtx"
    return {
        "name": log_name,
        "max_size_bytes": size if size is not None else (_DEFAULT_CLASSIC_BYTES if classic else _DEFAULT_CHANNEL_BYTES),
        "log_mode": mode,
        "enabled": enabled,
        "log_file_path": file_value["data"] if file_value else default_file,
    }


def eventlog_get(state: dict, args: dict) -> dict:
    """One log's configuration (Get-WinEvent -ListLog)."""
    return _configuration(state, args["name"])


def eventlog_set(state: dict, args: dict) -> dict:
    """Set the log's maximum size in bytes (wevtutil sl /ms:), then read the configuration back."""
    size = args["max_size_bytes"]
    if not 0 < size <= _MAX_BYTES:
        raise invalid_argument("max_size_bytes", f"{size} is not a log size in bytes (1..{_MAX_BYTES})")
    key, _ = _locate(state, args["name"])
    registry_of(state).write(key, "MaxSize", "DWord", size)
    return _configuration(state, args["name"])


OPS = (
    Op("eventlog.get", eventlog_get),
    Op("eventlog.set", eventlog_set),
)
