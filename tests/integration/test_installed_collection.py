"""Install like a user: build the collection tarball, install it into an empty collections path, and run the
collection's playbooks by their FQCN (onepacs.baseline.gateway in check mode, onepacs.baseline.audit) from that
installed copy, never from the source tree, against lab hosts."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

from ansible_collections.onepacs.baseline.plugins.plugin_utils._catalog import load_catalog
from playbook import run_playbook

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[2]
TOOLS = Path(sys.executable).parent
GALAXY = yaml.safe_load((REPO_ROOT / "galaxy.yml").read_text(encoding="utf-8"))

#: What a user needs from the tarball: agent, op contract, catalog, roles, playbooks, EE metadata, changelog.
SHIPPED = (
    "plugins/plugin_utils/agent/core.ps1",
    "plugins/plugin_utils/controls.yml",
    "plugins/plugin_utils/agent/protocol/_common.yml",
    "plugins/action/win_power.py",
    "plugins/modules/win_power.py",
    "roles/gateway/tasks/main.yml",
    "roles/gateway/meta/argument_specs.yml",
    "playbooks/gateway.yml",
    "meta/runtime.yml",
    "meta/execution-environment.yml",
    "requirements.txt",
    "bindep.txt",
    "CHANGELOG.rst",
)
#: Local state and caches of a working tree that must never reach users.
NOT_SHIPPED = re.compile(
    r"(^|/)(\.git|\.venv|\.collections|\.lab|\.hypothesis|\.pytest_cache|\.ruff_cache|__pycache__|artifacts|build)(/|$)"
    r"|\.pyc$|(^|/)\.plugin-cache\.yaml$|^docs/_helper_brief\.md$"
)


def isolated_env(collections_path: Path) -> dict[str, str]:
    """Ansible sees only `collections_path`: not the source tree's .collections link, not sys.path."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    env.update(
        ANSIBLE_COLLECTIONS_PATH=str(collections_path),
        ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
        PATH=f"{TOOLS}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    return env


def galaxy_cli(*args: str, env: dict[str, str]) -> None:
    result = subprocess.run(
        [str(TOOLS / "ansible-galaxy"), *args], env=env, capture_output=True, text=True, timeout=180, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def tarball(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    galaxy_cli("collection", "build", "--output-path", str(dist), str(REPO_ROOT), env=isolated_env(dist / "none"))
    [built] = dist.glob("onepacs-baseline-*.tar.gz")
    assert built.name == f"onepacs-baseline-{GALAXY['version']}.tar.gz"
    return built


@pytest.fixture(scope="module")
def installed(tarball: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The collections path the tarball was installed into; it was empty before."""
    collections_path = tmp_path_factory.mktemp("installed")
    assert not any(collections_path.iterdir())
    env = isolated_env(collections_path)
    galaxy_cli("collection", "install", "--offline", "-p", str(collections_path), str(tarball), env=env)
    return collections_path


def test_tarball_ships_what_users_need_and_no_local_state(tarball: Path) -> None:
    with tarfile.open(tarball) as archive:
        names = {member.name.removeprefix("./") for member in archive.getmembers()}
    missing = [path for path in SHIPPED if path not in names]
    assert not missing, f"missing from the tarball: {missing}"
    leaked = {name for name in names if NOT_SHIPPED.search(name)}
    outermost = sorted(name for name in leaked if not any(name.startswith(f"{other}/") for other in leaked))
    assert not outermost, f"add these to build_ignore in galaxy.yml: {outermost}"


def test_installed_copy_is_the_only_onepacs_baseline_ansible_sees(installed: Path) -> None:
    result = subprocess.run(
        [str(TOOLS / "ansible-galaxy"), "collection", "list", "onepacs.baseline", "--format", "yaml"],
        env=isolated_env(installed),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    listing = yaml.safe_load(result.stdout)
    assert listing == {str(installed / "ansible_collections"): {"onepacs.baseline": {"version": GALAXY["version"]}}}


def test_gateway_playbook_runs_from_the_installed_copy_in_check_mode(installed: Path, start_lab, tmp_path) -> None:
    lab = start_lab({"gw-installed": "server2022-desktop-fresh"}, groups=["gateways"])
    before = lab.state("gw-installed")
    installed_root = installed / "ansible_collections" / "onepacs" / "baseline"

    # By FQCN: ansible-playbook resolves the playbook, its role and its modules through the collections path only.
    run = run_playbook(
        "onepacs.baseline.gateway",
        lab.inventory,
        tmp_path / "run",
        "--check",
        "-vv",
        extra_env={"ANSIBLE_COLLECTIONS_PATH": str(installed), "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false"},
    )

    assert run.rc == 0, run.stdout[-3000:] + run.stderr
    assert run.recap["gw-installed"]["failed"] == 0
    assert run.recap["gw-installed"]["unreachable"] == 0
    task_paths = re.findall(r"^task path: (\S+?):\d+$", run.stdout, flags=re.MULTILINE)
    assert task_paths, "ansible-playbook -vv printed no task path"
    outside = sorted({path for path in task_paths if not Path(path).is_relative_to(installed_root)})
    assert not outside, f"tasks ran from outside the installed copy: {outside}"
    controls = run.result("gw-installed", "set_fact")["result"]["ansible_facts"]["onepacs_gateway_controls"]
    assert {record["id"] for record in controls} == {control.id for control in load_catalog().for_baseline("gateway")}
    assert "error" not in {record["status"] for record in controls}
    assert lab.state("gw-installed") == before, "check mode changed the host"


def test_audit_playbook_runs_from_the_installed_copy_and_writes_the_report(
    installed: Path, start_lab, tmp_path
) -> None:
    lab = start_lab({"gw-audited": "server2022-desktop-fresh"}, groups=["gateways"])
    before = lab.state("gw-audited")
    installed_root = installed / "ansible_collections" / "onepacs" / "baseline"
    report_dir = tmp_path / "reports"

    run = run_playbook(
        "onepacs.baseline.audit",
        lab.inventory,
        tmp_path / "run",
        "-vv",
        "-e",
        f"onepacs_report_dir={report_dir}",
        extra_env={"ANSIBLE_COLLECTIONS_PATH": str(installed), "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false"},
    )

    assert run.rc == 0, run.stdout[-3000:] + run.stderr
    task_paths = re.findall(r"^task path: (\S+?):\d+$", run.stdout, flags=re.MULTILINE)
    outside = sorted({path for path in task_paths if not Path(path).is_relative_to(installed_root)})
    assert task_paths
    assert not outside, f"tasks ran from outside the installed copy: {outside}"
    report = json.loads((report_dir / "latest" / "compliance.json").read_text())
    assert [host["name"] for host in report["hosts"]] == ["gw-audited"]
    assert lab.state("gw-audited") == before, "the audit changed the host"


def test_requirements_example_installs_this_release_from_git() -> None:
    example = yaml.safe_load((REPO_ROOT / "docs" / "requirements.yml").read_text(encoding="utf-8"))
    [collection] = example["collections"]
    assert collection["type"] == "git"
    assert collection["name"] == f"{GALAXY['repository']}.git"
    assert str(collection["version"]) == GALAXY["version"]
