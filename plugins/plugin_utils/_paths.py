"""Where the collection's data files are: the one module that resolves paths relative to the installed code.

Every other module asks here, so moving a data file is a change in one place.
"""

from __future__ import annotations

from pathlib import Path

PLUGIN_UTILS = Path(__file__).resolve().parent
#: The collection's root folder (galaxy.yml and MANIFEST.json live here).
COLLECTION_ROOT = PLUGIN_UTILS.parents[1]
#: The control catalog.
CATALOG = PLUGIN_UTILS / "controls.yml"
#: Windows release lifecycle table (SYS-01, SW-01 support dates).
LIFECYCLE_TABLE = PLUGIN_UTILS / "areas" / "lifecycle.yml"
#: The PowerShell agent (core.ps1 and one file per op family).
AGENT_DIR = PLUGIN_UTILS / "agent"
#: The op contract, one YAML file per op family.
PROTOCOL_DIR = AGENT_DIR / "protocol"
#: Jinja templates of the HTML report.
REPORT_TEMPLATES = PLUGIN_UTILS / "report" / "templates"
