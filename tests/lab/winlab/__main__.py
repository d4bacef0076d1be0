"""Command line for the lab: ``PYTHONPATH=tests/lab python -m winlab <command> --state-dir DIR ...``.

start      start a background lab (one process, one loopback port per host), write lab.json and an inventory
stop       stop it (its hosts' last state stays in DIR/hosts/)
status     list the running hosts
fault      switch a host's simulated fault (none, refuse, unauthorized, server_error, drop, drop_after_apply,
           delay, slow, latency)
state      print a host's simulated state as JSON
set-state  replace a host's simulated state with a JSON file
stats      print request counters (and the recent request log) of one or all hosts
serve      run the lab in the foreground (what `start` runs in the background)
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from winlab.fleet import (
    CONFIG_FILE,
    HOSTS_DIR,
    LAB_FILE,
    Fleet,
    LabClient,
    LabConfig,
    LabError,
    LabNotRunning,
    host_spec,
    numbered_hosts,
    process_alive,
    read_lab_info,
    write_private_file,
)
from winlab.wsman import FaultMode

STATE_DIR_ENV = "WINLAB_STATE_DIR"
LOG_FILE = "lab.log"
PACKAGE_PARENT = Path(__file__).resolve().parent.parent


def main(argv: Sequence[str] | None = None) -> int:
    """Run one CLI command; returns the process exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.state_dir is None:
        parser.error(f"--state-dir is required (or set {STATE_DIR_ENV})")
    args.state_dir = Path(args.state_dir).resolve()
    try:
        return int(args.run(args) or 0)
    except LabNotRunning as error:
        print(f"winlab: {error}", file=sys.stderr)
        return 3
    except LabError as error:
        print(f"winlab: {error}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="winlab", description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, run: Any, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--state-dir", default=os.environ.get(STATE_DIR_ENV), help=f"lab directory (${STATE_DIR_ENV})")
        sub.set_defaults(run=run)
        return sub

    start = command("start", _start, "start a lab in the background and write its inventory")
    _lab_options(start)
    start.add_argument("--timeout", type=float, default=120.0, help="seconds to wait until every port accepts")

    serve = command("serve", _serve, "run a lab in the foreground until stopped")
    _lab_options(serve)

    command("stop", _stop, "stop the lab")
    command("status", _status, "list the lab's hosts")

    fault = command("fault", _fault, "switch a host's simulated fault")
    fault.add_argument("host")
    fault.add_argument("mode", choices=[mode.value for mode in FaultMode])
    fault.add_argument("--delay-ms", type=int, default=0, help="for delay, slow and latency")
    fault.add_argument("--command-ms", type=int, default=0, help="for latency: how long each command runs")

    state = command("state", _state, "print a host's simulated state as JSON")
    state.add_argument("host")

    set_state = command("set-state", _set_state, "replace a host's simulated state with a JSON file")
    set_state.add_argument("host")
    set_state.add_argument("file", type=Path)

    stats = command("stats", _stats, "print request counters of one or all hosts")
    stats.add_argument("host", nargs="?")
    stats.add_argument("--no-log", action="store_true", help="leave out the per-request log")
    return parser


def _lab_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", action="append", default=[], metavar="NAME=PROFILE", help="a host from a profile name or JSON path"
    )
    parser.add_argument("--count", type=int, help="number of hosts made from --profile")
    parser.add_argument("--profile", help="profile for --count hosts")
    parser.add_argument("--prefix", default="host", help="name prefix for --count hosts (default: host)")
    parser.add_argument("--https", action="store_true", default=None, help="serve HTTPS with a generated CA")
    parser.add_argument("--user", help="WinRM user (default: labadmin)")
    parser.add_argument("--password", help="WinRM password (default: random, written into the inventory)")
    parser.add_argument("--group", action="append", default=[], help="extra inventory group holding every host")
    parser.add_argument("--inventory", type=Path, help="inventory file (default: DIR/inventory.yml)")
    parser.add_argument("--resume", action="store_true", help="restart a stopped lab with its saved host states")


def _config(args: argparse.Namespace, use_saved: bool) -> LabConfig:
    """The lab configuration from the options, on top of the saved fleet.json when ``use_saved``."""
    saved: dict[str, Any] = {}
    config_file = args.state_dir / CONFIG_FILE
    if use_saved:
        try:
            saved = json.loads(config_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise LabError(f"{config_file} does not exist: nothing to resume") from None
    specs = [host_spec(text) for text in args.host]
    if args.count is not None:
        if not args.profile:
            raise LabError("--count needs --profile")
        specs += numbered_hosts(args.count, args.profile, args.prefix)
    elif args.profile:
        raise LabError("--profile goes with --count (or use --host NAME=PROFILE)")
    if specs:
        saved["hosts"] = [{"name": spec.name, "profile": spec.profile} for spec in specs]
    if not saved.get("hosts"):
        raise LabError("no hosts: give --host NAME=PROFILE or --count N --profile P")
    for key in ("user", "password"):
        if getattr(args, key):
            saved[key] = getattr(args, key)
    if args.https is not None:
        saved["https"] = args.https
    if args.group:
        saved["groups"] = args.group
    if args.inventory:
        saved["inventory"] = str(args.inventory.resolve())
    return LabConfig.from_json(args.state_dir, saved, resume=args.resume)


def _start(args: argparse.Namespace) -> int:
    try:
        info = read_lab_info(args.state_dir)
    except LabNotRunning:
        pass
    else:
        raise LabError(f"a lab is already running in {args.state_dir} (pid {info['pid']}); stop it first")
    config = _config(args, use_saved=args.resume)
    args.state_dir.mkdir(parents=True, exist_ok=True)
    (args.state_dir / LAB_FILE).unlink(missing_ok=True)
    write_private_file(args.state_dir / CONFIG_FILE, json.dumps(config.to_json(), indent=2))
    command = [sys.executable, "-m", "winlab", "serve", "--state-dir", str(args.state_dir)]
    if args.resume:
        command.append("--resume")
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(
        part for part in (str(PACKAGE_PARENT), environment.get("PYTHONPATH")) if part
    )
    with open(args.state_dir / LOG_FILE, "ab") as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=args.state_dir,
            env=environment,
            start_new_session=True,  # detached: survives the shell that started it and ignores its Ctrl-C
        )
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LabError(f"the lab failed to start (exit {process.returncode}):\n{_log_tail(args.state_dir)}")
        try:
            info = json.loads((args.state_dir / LAB_FILE).read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            info = {}
        if info.get("pid") == process.pid:
            print(info["inventory"])
            return 0
        time.sleep(0.05)
    process.terminate()
    process.wait(timeout=10)
    raise LabError(f"the lab did not become ready within {args.timeout:.0f}s:\n{_log_tail(args.state_dir)}")


def _serve(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Without hosts on the command line, serve what `start` saved in fleet.json.
    config = _config(args, use_saved=args.resume or not (args.host or args.count))
    fleet = Fleet(config)

    def on_signal(signum: int, frame: Any) -> None:
        fleet.request_stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    fleet.start()
    while not fleet.wait(timeout=0.5):
        pass
    return 0


def _stop(args: argparse.Namespace) -> int:
    try:
        client = LabClient(args.state_dir)
    except LabNotRunning:
        (args.state_dir / LAB_FILE).unlink(missing_ok=True)
        print(f"no lab is running in {args.state_dir}")
        return 0
    try:
        client.stop(timeout=20)
    except LabError:
        # The control API did not bring it down: end the process by its recorded id.
        _terminate(client.pid)
    (args.state_dir / LAB_FILE).unlink(missing_ok=True)
    print(f"stopped the lab in {args.state_dir}")
    return 0


def _terminate(pid: int) -> None:
    for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and process_alive(pid):
            time.sleep(0.05)
        if not process_alive(pid):
            return
    raise LabError(f"cannot stop the lab process {pid}")


def _status(args: argparse.Namespace) -> int:
    client = LabClient(args.state_dir)
    hosts = client.hosts()
    print(f"lab pid {client.pid}, control port {client.info['control_port']}, inventory {client.inventory}")
    width = max(len(name) for name in hosts)
    for name, host in hosts.items():
        fault = host["fault"]["mode"]
        if host["fault"]["delay_ms"]:
            fault += f" ({host['fault']['delay_ms']} ms)"
        print(f"{name:<{width}}  {host['url']:<32}  {host['profile']}  fault={fault}")
    return 0


def _fault(args: argparse.Namespace) -> int:
    fault = LabClient(args.state_dir).fault(args.host, args.mode, delay_ms=args.delay_ms, command_ms=args.command_ms)
    print(json.dumps(fault))
    return 0


def _state(args: argparse.Namespace) -> int:
    try:
        state = LabClient(args.state_dir).state(args.host)
    except LabNotRunning:
        # A stopped lab keeps each host's last state on disk.
        saved = args.state_dir / HOSTS_DIR / f"{args.host}.json"
        if not saved.is_file():
            raise
        state = json.loads(saved.read_text(encoding="utf-8"))
    print(json.dumps(state, indent=2, sort_keys=True))
    return 0


def _set_state(args: argparse.Namespace) -> int:
    state = json.loads(args.file.read_text(encoding="utf-8"))
    LabClient(args.state_dir).set_state(args.host, state)
    return 0


def _stats(args: argparse.Namespace) -> int:
    stats = LabClient(args.state_dir).stats(args.host)
    if args.no_log:
        for entry in [stats] if args.host else stats.values():
            entry.pop("request_log", None)
    print(json.dumps(stats, indent=2))
    return 0


def _log_tail(state_dir: Path, lines: int = 30) -> str:
    try:
        return "\n".join((state_dir / LOG_FILE).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


if __name__ == "__main__":
    sys.exit(main())
