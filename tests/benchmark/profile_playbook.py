"""Where ansible-playbook spends the controller's CPU: cProfile in the main process and in every forked worker.

Usage (with scripts/venv.sh sourced, against a running lab):
    python tests/benchmark/profile_playbook.py OUT_DIR -- -i INVENTORY playbooks/audit.yml [ansible-playbook args]

It runs ansible-playbook in this process with cProfile on, and each worker (a fork per task and host) under its own
profiler, then prints the share of the profiled time per part: the main process (strategy, results, callbacks) and,
in the workers, each function listed in PARTS (cumulative time, so nested parts overlap and do not add up to 100%).
OUT_DIR keeps main.prof and one w<pid>.prof per worker, for `python -m pstats` or snakeviz. cProfile slows Python
code down unevenly (calls more than C code), so read the shares, not the seconds. The profilers count CPU time
(time.process_time), not time spent waiting for hosts.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

from ansible.cli.playbook import main as playbook_main
from ansible.executor.process import worker

#: (label, file suffix, function name) of the parts whose cumulative time is reported.
PARTS = (
    ("worker: templating the task's arguments", "playbook/task.py", "_post_validate_args"),
    ("worker: win_baseline (plan, evaluate, apply)", "_baseline_audit.py", "run"),
    ("worker: argument validation (ArgumentSpecValidator)", "module_utils/common/arg_spec.py", "validate"),
    ("worker: WinRM transport (pywinrm, HTTP)", "plugins/connection/winrm.py", "exec_command"),
    ("worker: task loops (run_once record and show)", "executor/task_executor.py", "_run_loop"),
    ("worker: the report (compliance_report)", "action/compliance_report.py", "run"),
)


def _profile_workers(out: Path) -> None:
    original = worker.WorkerProcess._run

    def profiled(self: worker.WorkerProcess) -> object:
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        try:
            return original(self)
        finally:
            profiler.disable()
            profiler.dump_stats(out / f"w{os.getpid()}.prof")

    worker.WorkerProcess._run = profiled  # type: ignore[method-assign]


def _cumulative(stats: pstats.Stats, suffix: str, name: str) -> float:
    return sum(
        entry[3]
        for (filename, _line, function), entry in stats.stats.items()  # type: ignore[attr-defined]
        if function == name and filename.endswith(suffix)
    )


def _task_of(stats: pstats.Stats) -> str:
    """Which kind of task a worker ran, from the functions it called."""
    called = {(filename.rsplit("/", 1)[-1], function) for filename, _line, function in stats.stats}  # type: ignore[attr-defined]
    if ("_baseline_audit.py", "run") in called:
        return "win_baseline task"
    if ("compliance_report.py", "run") in called:
        return "compliance_report task"
    if ("task_executor.py", "_run_loop") in called:
        return "looping tasks (audit.yml's record and show, run once)"
    return "other tasks (the report role's per-host gates, set_stats, debug)"


def report(out: Path) -> str:
    main = pstats.Stats(str(out / "main.prof"))
    workers = sorted(out.glob("w*.prof"))
    combined = pstats.Stats(str(workers[0])) if workers else None
    for path in workers[1:]:
        combined.add(str(path))  # type: ignore[union-attr]
    worker_total = combined.total_tt if combined else 0.0  # type: ignore[attr-defined]
    total = main.total_tt + worker_total  # type: ignore[attr-defined]
    lines = [
        f"profiled time: {total:.1f} s; main process {100 * main.total_tt / total:.0f}%, "  # type: ignore[attr-defined]
        f"{len(workers)} workers {100 * worker_total / total:.0f}%"
    ]
    for label, suffix, name in PARTS:
        share = _cumulative(combined, suffix, name) / total if combined else 0.0
        lines.append(f"  {label}: {100 * share:.0f}%")
    by_task: dict[str, tuple[float, int]] = {}
    for path in workers:
        stats = pstats.Stats(str(path))
        spent, count = by_task.get(_task_of(stats), (0.0, 0))
        by_task[_task_of(stats)] = (spent + stats.total_tt, count + 1)  # type: ignore[attr-defined]
    lines.append("workers by task:")
    for task, (spent, count) in sorted(by_task.items(), key=lambda item: -item[1][0]):
        lines.append(f"  {task}: {100 * spent / total:.0f}% in {count} workers")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob("*.prof"):
        stale.unlink()
    sys.argv = ["ansible-playbook", *argv[2:]]
    _profile_workers(out)
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    code = 0
    try:
        playbook_main(sys.argv)
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    finally:
        profiler.disable()
        profiler.dump_stats(out / "main.prof")
    print(report(out))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
