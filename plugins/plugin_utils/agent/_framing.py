"""Wire format shared by the controller, the agent and the lab: how a request travels on stdin and how the
response is found in stdout. Kept in one place so the three sides cannot disagree."""

from __future__ import annotations

#: First line of every bootstrap script; the lab's WinRM server recognises our commands by it.
BOOTSTRAP_TAG = "# onepacs-agent-bootstrap v1"

#: Line that separates the agent scripts from the JSON request on stdin.
REQUEST_SEPARATOR = "<#ONEPACS:REQUEST#>"

#: Line that starts each area file of the agent on stdin, followed by the file's stem and FILE_TAG_END
#: ("<#ONEPACS:FILE:defender#>"). Core comes first without one; each tagged file is loaded on its own, so a file that
#: antimalware scanning (AMSI) or a script policy blocks fails only the ops it serves, and is named.
FILE_TAG = "<#ONEPACS:FILE:"
FILE_TAG_END = "#>"

#: Lines that enclose the single JSON response document in stdout.
RESULT_BEGIN = "<<<ONEPACS:RESULT:BEGIN>>>"
RESULT_END = "<<<ONEPACS:RESULT:END>>>"

# Outcomes before the agent can answer are told by a marker in stdout, not only by the exit code: a command wrapped a
# second time (ansible-core before 2.19, ssh with PowerShell as the default shell) exits 1 for every failure, and psrp
# exits 1 whenever anything reached the error stream. The exit codes stay for a reader of a raw transcript.

#: Line the bootstrap prints (and exit code it uses) when PowerShell is not in FullLanguage mode.
LANGUAGE_MODE_MARKER = "<<<ONEPACS:LANGUAGE_MODE:"
EXIT_LANGUAGE_MODE = 3
#: Line the bootstrap prints (and exit code it uses) when stdin held no request (the separator line was missing).
NO_REQUEST_MARKER = "<<<ONEPACS:NO_REQUEST>>>"
EXIT_NO_REQUEST = 2
#: Line the bootstrap prints, followed by the error, when core.ps1 could not be loaded (blocked by AMSI, a parse
#: error); the exit code it uses.
CORE_LOAD_FAILED_MARKER = "<<<ONEPACS:LOAD_FAILED:core>>>"
EXIT_CORE_LOAD_FAILED = 4

PROTOCOL_VERSION = 1
