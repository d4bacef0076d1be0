#!/usr/bin/env python3
"""Fleet-scale benchmark of the gateway audit on lab hosts (issue 7).

For each fleet size N it starts N simulated gateways in one background lab process, gives every host a latency
(each HTTP response `--network-ms` late, each command `--command-ms` long: network round trip and PowerShell
start-up), and audits them in check mode three ways:

- per_area: the gateway role as shipped (playbooks/gateway.yml): one task, one WinRM command, per area module;
- single_command: onepacs.baseline.win_baseline (tests/benchmark/playbooks/gateway_single_command.yml, the task of
  the role's single-command audit mode): every area's probes in one command per host;
- per_setting: the same controls one setting per task, the style of the popular CIS roles (tests/benchmark/).

It reports per run: wall time, controller CPU (user + system of ansible-playbook and its workers, from wait4),
peak controller memory (largest process, and the sampled total PSS of the process tree), WinRM commands and HTTP
requests per host (counted by the lab), and the lab's own CPU, into OUT/results.md and OUT/results.json.

Usage: scripts/benchmark.py [--quick] [--sizes 1,50,200] [--forks 50] [--modes per_area,single_command,...]
The benchmark is not part of scripts/test; `scripts/benchmark.py --quick` is a smoke run of a few seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
for _path in (".collections", "tests/lab", "tests/support", "tests/benchmark"):
    sys.path.insert(0, str(REPO_ROOT / _path))

import per_setting  # noqa: E402

from playbook import ansible_env, parse_recap  # noqa: E402
from winlab.fleet import LabClient  # noqa: E402

BENCHMARK_DIR = REPO_ROOT / "tests" / "benchmark"
PLAYBOOKS = {
    "per_area": REPO_ROOT / "playbooks" / "gateway.yml",
    "single_command": BENCHMARK_DIR / "playbooks" / "gateway_single_command.yml",
}
MODES = ("per_area", "single_command", "per_setting")
DESCRIPTIONS = {
    "per_area": "gateway role, one task per area module",
    "single_command": "win_baseline, one command per host",
    "per_setting": "one setting per task (CIS-role style)",
}
GROUP = "gateways"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Run:
    """One ansible-playbook run of one mode against N hosts."""

    mode: str
    hosts: int
    forks: int
    strategy: str
    rc: int
    wall_s: float
    cpu_s: float
    cpu_user_s: float
    cpu_system_s: float
    max_process_rss_mb: float
    peak_tree_pss_mb: float
    peak_tree_rss_mb: float
    peak_processes: int
    commands_per_host: float
    http_requests_per_host: float
    lab_cpu_s: float
    hosts_ok: int
    mean_request_ms: float
    log: str = ""

    @property
    def cpu_per_host_s(self) -> float:
        return self.cpu_s / self.hosts

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "cpu_per_host_s": round(self.cpu_per_host_s, 4)}


@dataclass
class Settings:
    sizes: list[int]
    modes: list[str]
    forks: list[int]
    strategies: list[str]
    network_ms: int
    command_ms: int
    profile: str
    https: bool
    per_setting_max_hosts: int
    collections_path: Path
    single_command_playbook: Path
    single_command_extra_vars: list[str]
    out: Path
    timeout: float
    sample_interval: float
    extra: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------------------------
# Measuring


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory_kb = 0
    with contextlib.suppress(OSError, ValueError, IndexError):
        memory_kb = int(Path("/proc/meminfo").read_text().split("\n", 1)[0].split()[1])
    versions = {}
    for package in ("ansible-core", "pywinrm"):
        with contextlib.suppress(Exception):
            from importlib.metadata import version  # noqa: PLC0415

            versions[package] = version(package)
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": model,
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
        **versions,
    }


def _children(pid: int) -> list[int]:
    """Every descendant of pid (from /proc/*/stat parent links)."""
    parents: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            stat = Path(entry.path, "stat").read_text()
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            parents.setdefault(parent, []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        for child in parents.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def _memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in KB; PSS splits the pages forked workers share with their parent."""
    rss = pss = 0
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Pss:"):
                pss = int(line.split()[1])
    return rss, pss


class TreeSampler(threading.Thread):
    """Samples the memory of a process and its descendants until stopped; keeps the peaks."""

    def __init__(self, pid: int, interval: float) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak_rss_kb = 0
        self.peak_pss_kb = 0
        self.peak_processes = 0
        self._finished = threading.Event()

    def run(self) -> None:
        while not self._finished.is_set():
            pids = [self.pid, *_children(self.pid)]
            sizes = [_memory_kb(pid) for pid in pids]
            self.peak_rss_kb = max(self.peak_rss_kb, sum(rss for rss, _ in sizes))
            self.peak_pss_kb = max(self.peak_pss_kb, sum(pss for _, pss in sizes))
            self.peak_processes = max(self.peak_processes, len(pids))
            self._finished.wait(self.interval)

    def stop(self) -> None:
        self._finished.set()
        self.join(timeout=10)


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a running process (the lab)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def host_counters(lab: LabClient) -> dict[str, dict[str, Any]]:
    return lab.stats()


# ---------------------------------------------------------------------------------------------------------------
# The lab


@contextlib.contextmanager
def lab_fleet(state_dir: Path, settings: Settings, count: int) -> Iterator[LabClient]:
    """N hosts from one profile in a background lab, each with the benchmark's latency; stopped on exit."""
    python = sys.executable
    env = ansible_env({"PYTHONPATH": str(REPO_ROOT / "tests" / "lab")})
    stop = [python, "-m", "winlab", "stop", "--state-dir", str(state_dir)]
    subprocess.run(stop, env=env, capture_output=True, check=False)
    command = [python, "-m", "winlab", "start", "--state-dir", str(state_dir), "--count", str(count)]
    command += ["--profile", settings.profile, "--group", GROUP, "--timeout", "300"]
    if settings.https:
        command.append("--https")
    subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    try:
        lab = LabClient(state_dir)
        if settings.network_ms or settings.command_ms:
            for host in lab.hosts():
                lab.fault(host, "latency", delay_ms=settings.network_ms, command_ms=settings.command_ms)
        yield lab
    finally:
        subprocess.run(stop, env=env, capture_output=True, check=False)


# ---------------------------------------------------------------------------------------------------------------
# Running one audit


def playbook_for(mode: str, work_dir: Path, settings: Settings) -> Path:
    if mode == "single_command":
        return settings.single_command_playbook
    if mode != "per_setting":
        return PLAYBOOKS[mode]
    path = work_dir / "gateway_per_setting.yml"
    path.write_text("---\n" + yaml.safe_dump(per_setting.playbook("gateway", GROUP), sort_keys=False, width=200))
    return path


def _stop_run(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGTERM)


def run_mode(lab: LabClient, settings: Settings, mode: str, *, forks: int, strategy: str, work_dir: Path) -> Run:
    """One check-mode audit of every lab host; the numbers of that run only."""
    count = len(lab.info["hosts"])
    playbook = playbook_for(mode, work_dir, settings)
    env = ansible_env(
        {
            "ANSIBLE_STRATEGY": strategy,
            "ANSIBLE_ACTION_PLUGINS": str(BENCHMARK_DIR / "action_plugins"),
            "ANSIBLE_LOCAL_TEMP": str(work_dir / "tmp"),
            "ANSIBLE_COLLECTIONS_PATH": str(settings.collections_path),
        }
    )
    command = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(lab.inventory), str(playbook)]
    command += ["--check", "--forks", str(forks)]
    if mode == "single_command":
        command += [argument for extra in settings.single_command_extra_vars for argument in ("-e", extra)]
    log_path = work_dir / f"{mode}-n{count}-f{forks}-{strategy}.log"
    before = host_counters(lab)
    lab_cpu_before = process_cpu_s(lab.pid)
    started_wall = time.time()
    started = time.monotonic()
    with log_path.open("w") as log:
        # Its own session, so that a run past --timeout is stopped with all its workers and nothing else.
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=REPO_ROOT, start_new_session=True
        )
        sampler = TreeSampler(process.pid, settings.sample_interval)
        sampler.start()
        timer = threading.Timer(settings.timeout, _stop_run, args=(process.pid,))
        timer.start()
        try:
            # wait4 gives this child's CPU including its reaped workers, and the largest RSS among them.
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            timer.cancel()
            sampler.stop()
        process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    lab_cpu = process_cpu_s(lab.pid) - lab_cpu_before
    after = host_counters(lab)
    output = log_path.read_text(errors="replace")
    recap = parse_recap(output)
    ok = sum(1 for counts in recap.values() if not counts.get("failed") and not counts.get("unreachable"))

    def per_host(counter: str) -> float:
        return sum(after[host][counter] - before[host][counter] for host in after) / count

    durations = [
        entry["ms"] for stats in after.values() for entry in stats["request_log"] if entry["time"] >= started_wall
    ]
    return Run(
        mode=mode,
        hosts=count,
        forks=forks,
        strategy=strategy,
        rc=process.returncode,
        wall_s=round(wall, 2),
        cpu_s=round(usage.ru_utime + usage.ru_stime, 2),
        cpu_user_s=round(usage.ru_utime, 2),
        cpu_system_s=round(usage.ru_stime, 2),
        max_process_rss_mb=round(usage.ru_maxrss / 1024, 1),
        peak_tree_pss_mb=round(sampler.peak_pss_kb / 1024, 1),
        peak_tree_rss_mb=round(sampler.peak_rss_kb / 1024, 1),
        peak_processes=sampler.peak_processes,
        commands_per_host=round(per_host("commands"), 2),
        http_requests_per_host=round(per_host("http_requests"), 2),
        lab_cpu_s=round(lab_cpu, 2),
        hosts_ok=ok,
        mean_request_ms=round(sum(durations) / len(durations), 1) if durations else 0.0,
        log=str(log_path.relative_to(settings.out) if log_path.is_relative_to(settings.out) else log_path),
    )


# ---------------------------------------------------------------------------------------------------------------
# Report


def _ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:.1f}x" if denominator else "-"


def comparisons(runs: Sequence[Run]) -> list[dict[str, Any]]:
    """per_setting against each other mode at the same N, forks and strategy."""
    rows = []
    for reference in runs:
        if reference.mode != "per_setting":
            continue
        for run in runs:
            same = (run.hosts, run.forks, run.strategy) == (reference.hosts, reference.forks, reference.strategy)
            if run.mode == "per_setting" or not same:
                continue
            rows.append(
                {
                    "mode": run.mode,
                    "hosts": run.hosts,
                    "forks": run.forks,
                    "strategy": run.strategy,
                    "fewer_commands": _ratio(reference.commands_per_host, run.commands_per_host),
                    "less_cpu": _ratio(reference.cpu_s, run.cpu_s),
                    "less_wall": _ratio(reference.wall_s, run.wall_s),
                }
            )
    return rows


def markdown(settings: Settings, info: dict[str, Any], runs: Sequence[Run]) -> str:
    lines = [
        "# Gateway audit benchmark",
        "",
        f"Measured {info['date']} on {info['nproc']} CPUs ({info['cpu_model']}), {info['memory_gb']} GB, Python "
        f"{info['python']}, ansible-core {info.get('ansible-core', '?')}, pywinrm {info.get('pywinrm', '?')}.",
        f"Lab hosts: profile {settings.profile}, {'HTTPS' if settings.https else 'HTTP'}, every HTTP response "
        f"{settings.network_ms} ms late, every command {settings.command_ms} ms long. Check mode.",
        "",
        "| mode | hosts | forks | strategy | wall s | CPU s | CPU s/host | max process MB | peak tree PSS MB "
        "| commands/host | HTTP requests/host | lab CPU s | hosts ok |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        lines.append(
            f"| {run.mode} | {run.hosts} | {run.forks} | {run.strategy} | {run.wall_s} | {run.cpu_s} "
            f"| {run.cpu_per_host_s:.3f} | {run.max_process_rss_mb} | {run.peak_tree_pss_mb} "
            f"| {run.commands_per_host:g} | {run.http_requests_per_host:g} | {run.lab_cpu_s} "
            f"| {run.hosts_ok}/{run.hosts}{'' if run.rc == 0 else f' (rc {run.rc})'} |"
        )
    rows = comparisons(runs)
    if rows:
        lines += [
            "",
            "Per-setting comparison (per_setting divided by the mode):",
            "",
            "| mode | hosts | forks | strategy | fewer commands | less CPU | less wall time |",
            "|---|---:|---:|---|---:|---:|---:|",
        ]
        lines += [
            f"| {row['mode']} | {row['hosts']} | {row['forks']} | {row['strategy']} | {row['fewer_commands']} "
            f"| {row['less_cpu']} | {row['less_wall']} |"
            for row in rows
        ]
    lines += ["", "Modes: " + "; ".join(f"{mode} = {DESCRIPTIONS[mode]}" for mode in settings.modes) + ".", ""]
    return "\n".join(lines)


def write_results(settings: Settings, info: dict[str, Any], runs: Sequence[Run]) -> None:
    settings.out.mkdir(parents=True, exist_ok=True)
    document = {
        "machine": info,
        "settings": {key: str(value) if isinstance(value, Path) else value for key, value in asdict(settings).items()},
        "runs": [run.as_dict() for run in runs],
        "comparisons": comparisons(runs),
    }
    (settings.out / "results.json").write_text(json.dumps(document, indent=2) + "\n")
    (settings.out / "results.md").write_text(markdown(settings, info, runs))


# ---------------------------------------------------------------------------------------------------------------
# Command line


def _numbers(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def _names(text: str, allowed: Sequence[str]) -> list[str]:
    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [name for name in names if name not in allowed]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown: {', '.join(unknown)}; choose from {', '.join(allowed)}")
    return names


def parse_args(argv: Sequence[str] | None) -> Settings:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smoke run: 2 hosts, short latency, forks 2")
    parser.add_argument("--sizes", type=_numbers, help="fleet sizes (default 1,50,200)")
    parser.add_argument("--modes", type=lambda text: _names(text, MODES), help=f"default {','.join(MODES)}")
    parser.add_argument("--forks", type=_numbers, help="fork counts to run each mode with (default 50)")
    parser.add_argument(
        "--strategies",
        type=lambda text: _names(text, ("linear", "free", "host_pinned")),
        help="Ansible strategies (default linear)",
    )
    parser.add_argument("--network-ms", type=int, help="delay of every HTTP response (default 20)")
    parser.add_argument("--command-ms", type=int, help="run time of every command (default 300)")
    parser.add_argument("--profile", default="server2022-desktop-fresh", help="lab profile of every host")
    parser.add_argument("--https", action="store_true", help="WinRM over HTTPS (TLS handshakes on the controller)")
    parser.add_argument(
        "--per-setting-max-hosts",
        type=int,
        help="run the per-setting comparison only up to this many hosts (default 50; it is slow by design)",
    )
    parser.add_argument(
        "--collections-path",
        type=Path,
        default=REPO_ROOT / ".collections",
        help="where ansible_collections/onepacs/baseline is (default: this checkout; or an installed build)",
    )
    parser.add_argument(
        "--single-command-playbook",
        type=Path,
        default=PLAYBOOKS["single_command"],
        help="playbook of the single_command mode (for example playbooks/gateway.yml with the role's audit mode)",
    )
    parser.add_argument(
        "--single-command-extra-vars",
        action="append",
        default=[],
        metavar="VARS",
        help="-e for the single_command mode, repeatable (for example onepacs_gateway_audit_mode=single_command)",
    )
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "artifacts" / "benchmark", help="results directory")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds one playbook run may take")
    args = parser.parse_args(argv)
    quick = args.quick
    return Settings(
        sizes=args.sizes or ([2] if quick else [1, 50, 200]),
        modes=args.modes or list(MODES),
        forks=args.forks or ([2] if quick else [50]),
        strategies=args.strategies or ["linear"],
        network_ms=args.network_ms if args.network_ms is not None else (2 if quick else 20),
        command_ms=args.command_ms if args.command_ms is not None else (20 if quick else 300),
        profile=args.profile,
        https=args.https,
        per_setting_max_hosts=args.per_setting_max_hosts or (2 if quick else 50),
        collections_path=args.collections_path.resolve(),
        single_command_playbook=args.single_command_playbook.resolve(),
        single_command_extra_vars=list(args.single_command_extra_vars),
        out=args.out.resolve(),
        timeout=args.timeout,
        sample_interval=0.2 if quick else 0.5,
    )


def main(argv: Sequence[str] | None = None) -> int:
    settings = parse_args(argv)
    info = machine()
    work_dir = settings.out / "work"
    (work_dir / "tmp").mkdir(parents=True, exist_ok=True)
    runs: list[Run] = []
    failed = False
    for size in settings.sizes:
        with lab_fleet(work_dir / f"lab-{size}", settings, size) as lab:
            for mode in settings.modes:
                if mode == "per_setting" and size > settings.per_setting_max_hosts:
                    continue
                for forks in settings.forks:
                    for strategy in settings.strategies:
                        run = run_mode(lab, settings, mode, forks=forks, strategy=strategy, work_dir=work_dir)
                        runs.append(run)
                        failed |= run.rc != 0 or run.hosts_ok != run.hosts
                        print(
                            f"{mode:15} n={size:<4} forks={forks:<3} {strategy:11} wall={run.wall_s:8.2f}s "
                            f"cpu={run.cpu_s:8.2f}s ({run.cpu_per_host_s:.3f}/host) "
                            f"commands/host={run.commands_per_host:g} http/host={run.http_requests_per_host:g} "
                            f"maxrss={run.max_process_rss_mb}MB pss={run.peak_tree_pss_mb}MB "
                            f"ok={run.hosts_ok}/{run.hosts}",
                            flush=True,
                        )
                        write_results(settings, info, runs)
    write_results(settings, info, runs)
    print(f"results: {settings.out / 'results.md'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
