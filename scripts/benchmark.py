#!/usr/bin/env python3
"""Fleet-scale benchmark of the gateway audit and enforcement on lab hosts (issues 7 and 13).

For each fleet size N it starts N simulated gateways in one background lab process, gives every host a latency
(each HTTP response `--network-ms` late, each command `--command-ms` long: network round trip and PowerShell
start-up), and runs these modes:

- floor: one trivial command per host (ansible.builtin.raw; tests/benchmark/playbooks/floor.yml), the physical
  floor of Ansible over WinRM;
- audit_playbook: playbooks/audit.yml exactly as shipped, with its report (written under OUT/work);
- single_command: onepacs.baseline.win_baseline alone (tests/benchmark/playbooks/gateway_single_command.yml);
- per_area: the gateway role with one task, one WinRM command, per area module (audit_mode per_area), in check mode;
- per_setting: the same controls one setting per task, the style of the popular CIS roles (tests/benchmark/);
- enforce: the gateway role as shipped (playbooks/gateway.yml) enforcing fresh hosts, a lab of its own;
- enforce_per_area: the same with audit_mode per_area, a lab of its own.

It reports per run: wall time, controller CPU (user + system of ansible-playbook and its workers, from wait4),
peak controller memory (largest process, and the sampled total PSS of the process tree), peak memory of the lab
process, WinRM commands and HTTP requests per host (counted by the lab), the lab's own CPU, and ratios against the
floor and per_setting runs of the same size, into OUT/results.md and OUT/results.json.

Usage: scripts/benchmark.py [--quick] [--sizes 1,50,200] [--forks 50] [--modes floor,audit_playbook,...]
       [--max-hosts per_setting=50,per_area=200]
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


@dataclass(frozen=True)
class Mode:
    """One way of running the gateway baseline against the fleet."""

    description: str
    playbook: Path | None  # None: generated (per_setting)
    check: bool = True
    extra_vars: tuple[str, ...] = ()
    #: Enforcement changes the hosts, so such a mode gets a fresh lab of its own.
    fresh_lab: bool = False
    #: Writes the compliance report under the work directory.
    report: bool = False


PER_AREA = "onepacs_gateway_audit_mode=per_area"
MODE_TABLE: dict[str, Mode] = {
    "floor": Mode(
        "one trivial command per host (ansible.builtin.raw)", BENCHMARK_DIR / "playbooks" / "floor.yml", check=False
    ),
    "audit_playbook": Mode(
        "playbooks/audit.yml as shipped, with its report", REPO_ROOT / "playbooks" / "audit.yml", report=True
    ),
    "single_command": Mode(
        "win_baseline alone, one command per host", BENCHMARK_DIR / "playbooks" / "gateway_single_command.yml"
    ),
    "per_area": Mode(
        "gateway role, one task per area module", REPO_ROOT / "playbooks" / "gateway.yml", extra_vars=(PER_AREA,)
    ),
    "per_setting": Mode("one setting per task (CIS-role style)", None),
    "enforce": Mode(
        "gateway role as shipped enforcing fresh hosts",
        REPO_ROOT / "playbooks" / "gateway.yml",
        check=False,
        fresh_lab=True,
    ),
    "enforce_per_area": Mode(
        "gateway role enforcing fresh hosts, one task per area",
        REPO_ROOT / "playbooks" / "gateway.yml",
        check=False,
        extra_vars=(PER_AREA,),
        fresh_lab=True,
    ),
}
MODES = tuple(MODE_TABLE)
DESCRIPTIONS = {name: mode.description for name, mode in MODE_TABLE.items()}
#: Modes that are slow by design run only up to this many hosts unless --max-hosts says otherwise.
DEFAULT_MAX_HOSTS = {"per_setting": 50, "per_area": 200, "enforce_per_area": 200}
#: The modes every other mode is compared with, at the same size, forks and strategy.
REFERENCES = ("floor", "per_setting")
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
    lab_peak_rss_mb: float = 0.0
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
    max_hosts: dict[str, int]
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
    playbook = MODE_TABLE[mode].playbook
    if playbook is not None:
        return playbook
    path = work_dir / "gateway_per_setting.yml"
    path.write_text("---\n" + yaml.safe_dump(per_setting.playbook("gateway", GROUP), sort_keys=False, width=200))
    return path


def command_for(
    mode: str, inventory: Path, playbook: Path, settings: Settings, *, forks: int, run_dir: Path
) -> list[str]:
    """The ansible-playbook command line of one run."""
    spec = MODE_TABLE[mode]
    command = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inventory), str(playbook)]
    command += ["--forks", str(forks)]
    if spec.check:
        command.append("--check")
    extra_vars = list(spec.extra_vars)
    if mode == "single_command":
        extra_vars += settings.single_command_extra_vars
    if spec.report:
        extra_vars.append(f"onepacs_report_dir={run_dir / 'reports'}")
    return command + [argument for extra in extra_vars for argument in ("-e", extra)]


def _stop_run(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGTERM)


def run_mode(lab: LabClient, settings: Settings, mode: str, *, forks: int, strategy: str, work_dir: Path) -> Run:
    """One run of a mode on every lab host; the numbers of that run only."""
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
    log_path = work_dir / f"{mode}-n{count}-f{forks}-{strategy}.log"
    command = command_for(mode, lab.inventory, playbook, settings, forks=forks, run_dir=work_dir / log_path.stem)
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
        lab_sampler = TreeSampler(lab.pid, settings.sample_interval)
        lab_sampler.start()
        timer = threading.Timer(settings.timeout, _stop_run, args=(process.pid,))
        timer.start()
        try:
            # wait4 gives this child's CPU including its reaped workers, and the largest RSS among them.
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            timer.cancel()
            sampler.stop()
            lab_sampler.stop()
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
        lab_peak_rss_mb=round(lab_sampler.peak_rss_kb / 1024, 1),
        log=str(log_path.relative_to(settings.out) if log_path.is_relative_to(settings.out) else log_path),
    )


# ---------------------------------------------------------------------------------------------------------------
# Report


def _ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:.1f}x" if denominator else "-"


def comparisons(runs: Sequence[Run]) -> list[dict[str, Any]]:
    """Each mode against the floor and per_setting runs of the same N, forks and strategy: how many times the floor
    it costs, and how many times less than one setting per task."""
    rows = []
    for reference in runs:
        if reference.mode not in REFERENCES:
            continue
        for run in runs:
            same = (run.hosts, run.forks, run.strategy) == (reference.hosts, reference.forks, reference.strategy)
            if run.mode == reference.mode or not same:
                continue
            row: dict[str, Any] = {
                "reference": reference.mode,
                "mode": run.mode,
                "hosts": run.hosts,
                "forks": run.forks,
                "strategy": run.strategy,
            }
            if reference.mode == "floor":
                row["times_commands"] = _ratio(run.commands_per_host, reference.commands_per_host)
                row["times_cpu"] = _ratio(run.cpu_s, reference.cpu_s)
                row["times_wall"] = _ratio(run.wall_s, reference.wall_s)
            else:
                row["fewer_commands"] = _ratio(reference.commands_per_host, run.commands_per_host)
                row["less_cpu"] = _ratio(reference.cpu_s, run.cpu_s)
                row["less_wall"] = _ratio(reference.wall_s, run.wall_s)
            rows.append(row)
    return rows


def markdown(settings: Settings, info: dict[str, Any], runs: Sequence[Run]) -> str:
    lines = [
        "# Gateway audit benchmark",
        "",
        f"Measured {info['date']} on {info['nproc']} CPUs ({info['cpu_model']}), {info['memory_gb']} GB, Python "
        f"{info['python']}, ansible-core {info.get('ansible-core', '?')}, pywinrm {info.get('pywinrm', '?')}.",
        f"Lab hosts: profile {settings.profile}, {'HTTPS' if settings.https else 'HTTP'}, every HTTP response "
        f"{settings.network_ms} ms late, every command {settings.command_ms} ms long. Check mode, except the "
        "floor's raw command and the enforce modes.",
        "",
        "| mode | hosts | forks | strategy | wall s | CPU s | CPU s/host | max process MB | peak tree PSS MB "
        "| lab peak RSS MB | commands/host | HTTP requests/host | lab CPU s | hosts ok |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        lines.append(
            f"| {run.mode} | {run.hosts} | {run.forks} | {run.strategy} | {run.wall_s} | {run.cpu_s} "
            f"| {run.cpu_per_host_s:.3f} | {run.max_process_rss_mb} | {run.peak_tree_pss_mb} | {run.lab_peak_rss_mb} "
            f"| {run.commands_per_host:g} | {run.http_requests_per_host:g} | {run.lab_cpu_s} "
            f"| {run.hosts_ok}/{run.hosts}{'' if run.rc == 0 else f' (rc {run.rc})'} |"
        )
    rows = comparisons(runs)
    floor_rows = [row for row in rows if row["reference"] == "floor"]
    if floor_rows:
        lines += [
            "",
            "Against the floor (the mode divided by the floor run of the same size):",
            "",
            "| mode | hosts | forks | strategy | commands | CPU | wall time |",
            "|---|---:|---:|---|---:|---:|---:|",
        ]
        lines += [
            f"| {row['mode']} | {row['hosts']} | {row['forks']} | {row['strategy']} | {row['times_commands']} "
            f"| {row['times_cpu']} | {row['times_wall']} |"
            for row in floor_rows
        ]
    per_setting_rows = [row for row in rows if row["reference"] == "per_setting"]
    if per_setting_rows:
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
            for row in per_setting_rows
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


def _limits(text: str) -> dict[str, int]:
    limits = {}
    for part in filter(None, (part.strip() for part in text.split(","))):
        mode, separator, count = part.partition("=")
        if not separator or mode not in MODES or not count.isdigit():
            raise argparse.ArgumentTypeError(f"{part!r}: expected MODE=N with MODE one of {', '.join(MODES)}")
        limits[mode] = int(count)
    return limits


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
        "--max-hosts",
        type=_limits,
        default={},
        metavar="MODE=N,...",
        help="run a mode only up to N hosts (default "
        + ",".join(f"{mode}={count}" for mode, count in DEFAULT_MAX_HOSTS.items())
        + "; they are slow by design)",
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
        default=MODE_TABLE["single_command"].playbook,
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
        max_hosts={**DEFAULT_MAX_HOSTS, **args.max_hosts},
        collections_path=args.collections_path.resolve(),
        single_command_playbook=args.single_command_playbook.resolve(),
        single_command_extra_vars=list(args.single_command_extra_vars),
        out=args.out.resolve(),
        timeout=args.timeout,
        sample_interval=0.2 if quick else 0.5,
    )


def planned_runs(settings: Settings, size: int) -> list[tuple[str, int, str]]:
    """(mode, forks, strategy) of every run at this size, in --modes order, within each mode's --max-hosts."""
    return [
        (mode, forks, strategy)
        for mode in settings.modes
        if size <= settings.max_hosts.get(mode, size)
        for forks in settings.forks
        for strategy in settings.strategies
    ]


def main(argv: Sequence[str] | None = None) -> int:
    settings = parse_args(argv)
    info = machine()
    work_dir = settings.out / "work"
    (work_dir / "tmp").mkdir(parents=True, exist_ok=True)
    runs: list[Run] = []

    def measure(lab: LabClient, mode: str, forks: int, strategy: str) -> None:
        run = run_mode(lab, settings, mode, forks=forks, strategy=strategy, work_dir=work_dir)
        runs.append(run)
        print(
            f"{mode:16} n={run.hosts:<4} forks={forks:<3} {strategy:11} wall={run.wall_s:8.2f}s "
            f"cpu={run.cpu_s:8.2f}s ({run.cpu_per_host_s:.3f}/host) "
            f"commands/host={run.commands_per_host:g} http/host={run.http_requests_per_host:g} "
            f"maxrss={run.max_process_rss_mb}MB pss={run.peak_tree_pss_mb}MB lab={run.lab_peak_rss_mb}MB "
            f"ok={run.hosts_ok}/{run.hosts}",
            flush=True,
        )
        write_results(settings, info, runs)

    for size in settings.sizes:
        planned = planned_runs(settings, size)
        shared = [run for run in planned if not MODE_TABLE[run[0]].fresh_lab]
        if shared:
            with lab_fleet(work_dir / f"lab-{size}", settings, size) as lab:
                for mode, forks, strategy in shared:
                    measure(lab, mode, forks, strategy)
        # Enforcement changes the hosts: every such run starts from fresh hosts of its own.
        for mode, forks, strategy in (run for run in planned if MODE_TABLE[run[0]].fresh_lab):
            with lab_fleet(work_dir / f"lab-{size}-{mode}", settings, size) as lab:
                measure(lab, mode, forks, strategy)
    write_results(settings, info, runs)
    print(f"results: {settings.out / 'results.md'}")
    return 1 if any(run.rc != 0 or run.hosts_ok != run.hosts for run in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
