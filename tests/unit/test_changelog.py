"""The changelog: antsibull-changelog accepts the fragments, changelog.yaml holds exactly the fragments of the
galaxy.yml version (no fragment left out, no entry without a fragment), and CHANGELOG.rst is what a release of that
version makes from them (scripts/regen changelog), so the release notes can neither miss a change nor keep one
that was withdrawn."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from regen import regen_check

REPO_ROOT = Path(__file__).resolve().parents[2]
TOOLS = Path(sys.executable).parent
FRAGMENTS = REPO_ROOT / "changelogs" / "fragments"
#: antsibull-changelog leaves this section out of the release (changelogs/config.yaml trivial_section_name).
TRIVIAL = "trivial"


def tools_env() -> dict[str, str]:
    return {**os.environ, "PATH": f"{TOOLS}{os.pathsep}{os.environ.get('PATH', '')}"}


def galaxy_version() -> str:
    """The collection version that the changelog must describe."""
    return yaml.safe_load((REPO_ROOT / "galaxy.yml").read_text(encoding="utf-8"))["version"]


def current_release() -> dict[str, Any]:
    data = yaml.safe_load((REPO_ROOT / "changelogs" / "changelog.yaml").read_text(encoding="utf-8"))
    return data["releases"][galaxy_version()]


def entries(sections: dict[str, Any]) -> set[tuple[str, str]]:
    """(section, text) of every entry; the release summary is one text, the other sections lists of them."""
    found: set[tuple[str, str]] = set()
    for section, value in sections.items():
        for text in [value] if isinstance(value, str) else value:
            found.add((section, " ".join(text.split())))
    return found


def test_lint_accepts_the_fragments_and_changelog() -> None:
    result = subprocess.run(
        [str(TOOLS / "antsibull-changelog"), "lint"],
        cwd=REPO_ROOT,
        env=tools_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "", result.stdout


def test_the_release_lists_exactly_the_fragment_files() -> None:
    on_disk = sorted(path.name for path in FRAGMENTS.glob("*.y*ml"))
    assert sorted(current_release()["fragments"]) == on_disk


def test_every_entry_comes_from_a_fragment_and_every_fragment_entry_is_released() -> None:
    from_fragments: set[tuple[str, str]] = set()
    for path in FRAGMENTS.glob("*.y*ml"):
        sections = yaml.safe_load(path.read_text(encoding="utf-8"))
        from_fragments |= entries({key: value for key, value in sections.items() if key != TRIVIAL})
    released = entries(current_release()["changes"])
    assert not released - from_fragments, "changelog entries without a fragment"
    assert not from_fragments - released, "fragment entries missing from the changelog"


def test_changelog_rst_is_the_release_of_the_galaxy_version() -> None:
    result = regen_check("changelog")
    assert result.returncode == 0, result.stdout + result.stderr
