"""The execution environment for AWX / AAP: `ansible-builder create` renders a build context from
execution-environment.yml (no container runtime needed), and the builder's own introspection finds the collection's
Python and system dependencies through meta/execution-environment.yml, as it does inside the image build."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
ANSIBLE_BUILDER = str(Path(sys.executable).parent / "ansible-builder")


def run_builder(*args: str, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([ANSIBLE_BUILDER, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def requirement_names(lines: list[str]) -> set[str]:
    """Package names of pip or bindep lines, without versions, extras, profiles or comments."""
    names = set()
    for line in lines:
        text = line.split("#", 1)[0].strip()
        if text:
            names.add(text.split()[0].split("[")[0].split(">")[0].split("<")[0].split("=")[0].lower())
    return names


@pytest.fixture(scope="module")
def galaxy() -> dict:
    return yaml.safe_load((REPO_ROOT / "galaxy.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def build_context(tmp_path_factory: pytest.TempPathFactory) -> Path:
    context = tmp_path_factory.mktemp("ee") / "context"
    result = run_builder(
        "create", "--file", "execution-environment.yml", "--context", str(context),
        "--output-filename", "Containerfile",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return context


def test_build_context_has_the_containerfile_and_dependency_files(build_context: Path) -> None:
    containerfile = (build_context / "Containerfile").read_text()
    assert 'ARG ANSIBLE_INSTALL_REFS="ansible-core>=2.16,<2.20 ansible-runner"' in containerfile
    assert "ansible-galaxy collection install" in containerfile
    # The galaxy stage clones the collection, so git must be installed before it.
    galaxy_stage = containerfile.index("AS galaxy")
    assert containerfile.index("git-core", galaxy_stage) < containerfile.index("ansible-galaxy collection install")
    for name in ("requirements.yml", "requirements.txt", "bindep.txt", "scripts/introspect.py"):
        assert (build_context / "_build" / name).is_file(), name


def test_build_context_installs_this_release_from_the_collection_repository(build_context: Path, galaxy: dict) -> None:
    requirements = yaml.safe_load((build_context / "_build" / "requirements.yml").read_text())
    [collection] = requirements["collections"]
    assert collection["type"] == "git"
    assert collection["name"] == f"{galaxy['repository']}.git"
    assert str(collection["version"]) == galaxy["version"], "execution-environment.yml must install this release"


def test_ee_adds_the_psrp_transport(build_context: Path) -> None:
    user_python = (build_context / "_build" / "requirements.txt").read_text().splitlines()
    assert "pypsrp" in requirement_names(user_python)


def test_introspection_merges_the_collection_dependencies(build_context: Path, tmp_path: Path) -> None:
    collection = tmp_path / "collections" / "ansible_collections" / "onepacs" / "baseline"
    (collection / "meta").mkdir(parents=True)
    # galaxy.yml marks the directory as a collection for the introspection.
    for name in ("galaxy.yml", "meta/execution-environment.yml", "requirements.txt", "bindep.txt"):
        shutil.copy2(REPO_ROOT / name, collection / name)
    python_out, system_out = tmp_path / "requirements.txt", tmp_path / "bindep.txt"

    result = run_builder(
        "introspect", str(tmp_path / "collections"),
        "--user-pip", str(build_context / "_build" / "requirements.txt"),
        "--user-bindep", str(build_context / "_build" / "bindep.txt"),
        "--write-pip", str(python_out), "--write-bindep", str(system_out),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr

    python = python_out.read_text().splitlines()
    collection_python = requirement_names([line for line in python if "from collection onepacs.baseline" in line])
    assert collection_python == {"pywinrm"}, "ansible-core comes with the EE; pywinrm is the collection's"
    assert {"pywinrm", "pypsrp"} <= requirement_names(python)
    system = requirement_names(system_out.read_text().splitlines())
    assert {"krb5-libs", "krb5-workstation", "krb5-devel", "gcc"} <= system
