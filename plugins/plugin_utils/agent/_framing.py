"""Wire format shared by the controller, the agent and the lab: how a request travels on stdin and how the
response is found in stdout. Kept in one place so the three sides cannot disagree."""

from __future__ import annotations

#: First line of every bootstrap script; the lab's WinRM server recognises our commands by it.
BOOTSTRAP_TAG = "# onepacs-agent-bootstrap v1"

#: Line that separates the agent scripts from the JSON request on stdin.
REQUEST_SEPARATOR = "<#ONEPACS:REQUEST#>"

#: Lines that enclose the single JSON response document in stdout.
RESULT_BEGIN = "<<<ONEPACS:RESULT:BEGIN>>>"
RESULT_END = "<<<ONEPACS:RESULT:END>>>"

#: Line the bootstrap prints (and exit code it uses) when PowerShell is not in FullLanguage mode.
LANGUAGE_MODE_MARKER = "<<<ONEPACS:LANGUAGE_MODE:"
EXIT_LANGUAGE_MODE = 3
#: Exit code when stdin held no request (the separator line was missing).
EXIT_NO_REQUEST = 2

PROTOCOL_VERSION = 1
