"""The changelog: antsibull-changelog accepts the fragments, and CHANGELOG.rst is what a release of galaxy.yml's
version makes from them, so a new fragment or module cannot be left out of the release notes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
TOOLS = Path(sys.executable).parent
ANTSIBULL_CHANGELOG = str(TOOLS / "antsibull-changelog")
GENERATED = ("CHANGELOG.rst", "changelogs/changelog.yaml")


def galaxy_version() -> str:
    """The collection version that the changelog must describe."""
    return yaml.safe_load((REPO_ROOT / "galaxy.yml").read_text(encoding="utf-8"))["version"]


def run_changelog_tool(*args: str, cwd: Path, collections_path: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{TOOLS}{os.pathsep}{os.environ.get('PATH', '')}"}
    if collections_path is not None:
        # Only the copy: ansible-doc must list the plugins of the tree being released.
        env["ANSIBLE_COLLECTIONS_PATH"] = str(collections_path)
    return subprocess.run(
        [ANTSIBULL_CHANGELOG, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_lint_accepts_the_fragments_and_changelog() -> None:
    result = run_changelog_tool("lint", cwd=REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "", result.stdout


def test_changelog_rst_is_the_release_of_the_galaxy_version(tmp_path: Path) -> None:
    collection = tmp_path / "ansible_collections" / "onepacs" / "baseline"
    collection.mkdir(parents=True)
    for name in ("galaxy.yml", "CHANGELOG.rst"):
        shutil.copy2(REPO_ROOT / name, collection / name)
    for name in ("changelogs", "plugins", "meta"):
        shutil.copytree(
            REPO_ROOT / name, collection / name, ignore=shutil.ignore_patterns("__pycache__", ".plugin-cache.yaml")
        )

    version = galaxy_version()
    result = run_changelog_tool(
        "release", "--version", version, "--reload-plugins", cwd=collection, collections_path=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr

    stale = [name for name in GENERATED if (collection / name).read_text() != (REPO_ROOT / name).read_text()]
    assert not stale, (
        f"{', '.join(stale)} do not hold every fragment and module of release {version}. From the collection root, "
        f"with scripts/venv.sh sourced, run: antsibull-changelog release --version {version} --reload-plugins"
    )
