"""Write changelogs/changelog.yaml and CHANGELOG.rst: the release of galaxy.yml's version, made from the fragments.

The release of the current version is rebuilt from scratch every time (its release date kept): antsibull-changelog
only ever adds to a release, so an entry whose fragment was removed would otherwise stay forever. The tool runs on
a copy of the collection, so ansible-doc lists exactly the plugins of this tree and nothing is written beside them.
Run through scripts/regen (with scripts/venv.sh sourced). Usage: python scripts/changelog_release.py [--check]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
GENERATED = ("changelogs/changelog.yaml", "CHANGELOG.rst")
#: What antsibull-changelog needs to release: the version, the fragments and the plugins' short descriptions.
RELEASE_INPUTS = ("galaxy.yml", "CHANGELOG.rst", "changelogs", "plugins", "meta")
#: The parts of a release that antsibull-changelog derives from fragments and plugins (everything but the date).
DERIVED_KEYS = ("changes", "fragments", "modules", "plugins", "objects")


def galaxy_version(root: Path) -> str:
    return str(yaml.safe_load((root / "galaxy.yml").read_text(encoding="utf-8"))["version"])


def forget_current_release(changes_path: Path, version: str) -> None:
    data: dict[str, Any] = yaml.safe_load(changes_path.read_text(encoding="utf-8"))
    release = (data.get("releases") or {}).get(version)
    if release is None:
        return
    for key in DERIVED_KEYS:
        release.pop(key, None)
    changes_path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def release(work: Path) -> dict[str, str]:
    """The generated files' text, released in a copy of the collection under `work`."""
    collection = work / "ansible_collections" / "onepacs" / "baseline"
    collection.mkdir(parents=True)
    for name in RELEASE_INPUTS:
        source = REPO_ROOT / name
        if source.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", ".plugin-cache.yaml")
            shutil.copytree(source, collection / name, ignore=ignore)
        else:
            shutil.copy2(source, collection / name)
    version = galaxy_version(collection)
    forget_current_release(collection / "changelogs" / "changelog.yaml", version)
    tool = shutil.which("antsibull-changelog") or str(Path(sys.executable).parent / "antsibull-changelog")
    # Only the copy: ansible-doc must list the plugins of the tree being released.
    env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(work)}
    completed = subprocess.run(
        [tool, "release", "--version", version, "--reload-plugins"],
        cwd=collection,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(f"antsibull-changelog release failed:\n{completed.stdout}{completed.stderr}")
    return {name: (collection / name).read_text(encoding="utf-8") for name in GENERATED}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when the changelog is not current")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        texts = release(Path(work))
    stale = [name for name, text in texts.items() if (REPO_ROOT / name).read_text(encoding="utf-8") != text]
    if args.check:
        if stale:
            print(f"not current (run scripts/regen changelog): {', '.join(stale)}", file=sys.stderr)
            return 1
        return 0
    for name in stale:
        (REPO_ROOT / name).write_text(texts[name], encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
