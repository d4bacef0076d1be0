"""scripts/benchmark.py: its options and how it reports (the measuring itself runs with `--quick`)."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "benchmark.py"
spec = importlib.util.spec_from_file_location("onepacs_benchmark", SCRIPT)
assert spec is not None
assert spec.loader is not None
benchmark = importlib.util.module_from_spec(spec)
sys.modules["onepacs_benchmark"] = benchmark
spec.loader.exec_module(benchmark)


def make_run(mode, hosts=50, commands=1.0, cpu=10.0, wall=20.0):
    return benchmark.Run(
        mode=mode,
        hosts=hosts,
        forks=50,
        strategy="linear",
        rc=0,
        wall_s=wall,
        cpu_s=cpu,
        cpu_user_s=cpu * 0.8,
        cpu_system_s=cpu * 0.2,
        max_process_rss_mb=70.0,
        peak_tree_pss_mb=300.0,
        peak_tree_rss_mb=900.0,
        peak_processes=51,
        commands_per_host=commands,
        http_requests_per_host=commands * 6,
        lab_cpu_s=1.0,
        hosts_ok=hosts,
        mean_request_ms=25.0,
    )


def test_defaults_and_quick_mode():
    full = benchmark.parse_args([])
    assert full.sizes == [1, 50, 200]
    assert full.forks == [50]
    assert (full.network_ms, full.command_ms) == (20, 300)
    assert full.modes == [
        "floor",
        "audit_playbook",
        "single_command",
        "per_area",
        "per_setting",
        "enforce",
        "enforce_per_area",
    ]
    assert full.max_hosts == {"per_setting": 50, "per_area": 200, "enforce_per_area": 200}
    quick = benchmark.parse_args(["--quick", "--modes", "single_command"])
    assert quick.sizes == [2]
    assert quick.modes == ["single_command"]
    assert benchmark.parse_args(["--sizes", "3,7", "--network-ms", "0"]).sizes == [3, 7]


def test_the_comparison_divides_the_per_setting_run_by_each_mode_at_the_same_size():
    runs = [
        make_run("per_setting", commands=68, cpu=120.0, wall=80.0),
        make_run("single_command", commands=1, cpu=6.0, wall=8.0),
        make_run("per_area", commands=11, cpu=40.0, wall=40.0),
        make_run("single_command", hosts=200, commands=1, cpu=30.0, wall=30.0),
    ]
    rows = {row["mode"]: row for row in benchmark.comparisons(runs)}
    assert set(rows) == {"single_command", "per_area"}
    assert rows["single_command"]["fewer_commands"] == "68.0x"
    assert rows["single_command"]["less_cpu"] == "20.0x"
    assert rows["per_area"]["less_wall"] == "2.0x"


MACHINE = {"date": "2026-01-01 00:00 UTC", "nproc": 2, "cpu_model": "Test CPU", "memory_gb": 4.0, "python": "3.11"}


def test_results_are_written_as_markdown_and_json(tmp_path):
    settings = benchmark.parse_args(["--out", str(tmp_path)])
    info = MACHINE
    runs = [make_run("per_setting", commands=68), make_run("single_command")]
    benchmark.write_results(settings, info, runs)
    text = (tmp_path / "results.md").read_text()
    assert "| single_command | 50 | 50 | linear | 20.0 | 10.0 | 0.200 |" in text
    assert "| single_command | 50 | 50 | linear | 68.0x |" in text
    assert "2 CPUs (Test CPU)" in text
    assert '"cpu_per_host_s": 0.2' in (tmp_path / "results.json").read_text()


def test_machine_names_the_cpu():
    info = benchmark.machine()
    assert info["nproc"] == len(os.sched_getaffinity(0))
    assert info["cpu_model"]


def test_max_hosts_limits_slow_modes_and_enforcement_is_planned_after_the_audits():
    settings = benchmark.parse_args(
        ["--modes", "enforce,floor,per_setting,audit_playbook", "--max-hosts", "per_setting=50,enforce=1000"]
    )
    assert settings.max_hosts["per_setting"] == 50
    assert settings.max_hosts["enforce"] == 1000
    assert [run[0] for run in benchmark.planned_runs(settings, 50)] == [
        "enforce",
        "floor",
        "per_setting",
        "audit_playbook",
    ]
    assert [run[0] for run in benchmark.planned_runs(settings, 1000)] == ["enforce", "floor", "audit_playbook"]
    assert benchmark.MODE_TABLE["enforce"].fresh_lab
    assert not benchmark.MODE_TABLE["audit_playbook"].fresh_lab


def test_a_bad_max_hosts_is_refused():
    with pytest.raises(SystemExit):
        benchmark.parse_args(["--max-hosts", "per_settings=5"])


def test_each_mode_runs_its_playbook_in_check_mode_or_not(tmp_path):
    settings = benchmark.parse_args([])
    inventory = tmp_path / "inventory.yml"

    def command(mode):
        playbook = benchmark.playbook_for(mode, tmp_path, settings)
        return benchmark.command_for(mode, inventory, playbook, settings, forks=50, run_dir=tmp_path / "run")

    audit = command("audit_playbook")
    assert audit[3].endswith("playbooks/audit.yml")
    assert "--check" in audit
    assert f"onepacs_report_dir={tmp_path / 'run' / 'reports'}" in audit
    assert command("floor")[3].endswith("tests/benchmark/playbooks/floor.yml")
    assert "--check" not in command("floor")
    enforce = command("enforce")
    assert enforce[3].endswith("playbooks/gateway.yml")
    assert "--check" not in enforce
    assert "-e" not in enforce  # the role as shipped
    assert "onepacs_gateway_audit_mode=per_area" in command("per_area")
    assert "onepacs_gateway_audit_mode=per_area" in command("enforce_per_area")


def test_every_mode_is_compared_with_the_floor_and_per_setting_of_the_same_size():
    runs = [
        make_run("floor", commands=1, cpu=5.0, wall=10.0),
        make_run("per_setting", commands=68, cpu=120.0, wall=80.0),
        make_run("audit_playbook", commands=1, cpu=6.0, wall=12.0),
        make_run("floor", hosts=1000, commands=1, cpu=50.0, wall=30.0),
    ]
    rows = {(row["reference"], row["mode"], row["hosts"]): row for row in benchmark.comparisons(runs)}
    assert rows["floor", "audit_playbook", 50]["times_cpu"] == "1.2x"
    assert rows["floor", "audit_playbook", 50]["times_commands"] == "1.0x"
    assert rows["per_setting", "audit_playbook", 50]["less_cpu"] == "20.0x"
    assert rows["per_setting", "floor", 50]["fewer_commands"] == "68.0x"
    assert not any(key[2] == 1000 and key[1] != "floor" for key in rows)
    text = benchmark.markdown(benchmark.parse_args([]), MACHINE, runs)
    assert "| audit_playbook | 50 | 50 | linear | 1.0x | 1.2x | 1.2x |" in text
