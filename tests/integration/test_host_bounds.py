"""A host that streams output without end and a host that never finishes its command each fail alone within their
bounds (agent/_bounds.py), over the real winrm connection, while a healthy host in the same play is audited; the
controller's memory stays under a stated limit the whole time.

Peak memory is the largest resident set of any controller process (ansible-playbook and its forked workers), read
with getrusage(RUSAGE_CHILDREN) by a small wrapper around ansible-playbook; the lab runs inside the test process,
so it is not counted. Without the bounds, the endless host grew the controller by more than a gigabyte a minute
and the silent host kept the play waiting forever.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from playbook import ansible_env

pytestmark = pytest.mark.integration

#: The limit this test holds the controller to: Ansible with a few workers needs well under it, one unbounded
#: endless host passes it within seconds.
PEAK_MEMORY_LIMIT_MB = 400
MAX_RESPONSE_BYTES = 8 * 1024 * 1024
MAX_COMMAND_SECONDS = 20
OPERATION_TIMEOUT = 2
HOSTS = {
    "gw-good": "server2022-desktop-fresh",
    "gw-endless": "server2022-desktop-fresh",
    "gw-silent": "server2022-desktop-fresh",
}
PLAYBOOK = """
- hosts: all
  gather_facts: false
  tasks:
    - name: Audit power settings
      onepacs.baseline.win_power:
      check_mode: true
"""
#: Runs ansible-playbook and prints the largest resident set (KB on Linux) of it and its children.
PEAK_WRAPPER = (
    "import resource, subprocess, sys; "
    "code = subprocess.run(sys.argv[1:]).returncode; "
    "print('PEAK_RSS_KB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
    "sys.exit(code)"
)


def bounded_inventory(lab, directory: Path) -> Path:
    document = yaml.safe_load(lab.inventory.read_text())
    variables = document["all"].setdefault("vars", {})
    variables.update(
        {
            "onepacs_max_response_bytes": MAX_RESPONSE_BYTES,
            "onepacs_max_command_seconds": MAX_COMMAND_SECONDS,
            "ansible_winrm_operation_timeout_sec": OPERATION_TIMEOUT,
            "ansible_winrm_read_timeout_sec": OPERATION_TIMEOUT + 3,
        }
    )
    path = directory / "bounded-inventory.yml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    path.chmod(0o600)
    return path


def test_endless_and_silent_hosts_fail_alone_within_bounds_and_memory_stays_flat(start_lab, tmp_path):
    lab = start_lab(HOSTS)
    lab.fault("gw-endless", "endless")
    lab.fault("gw-silent", "slow", delay_ms=3_600_000)
    playbook = tmp_path / "audit-power.yml"
    playbook.write_text(PLAYBOOK)
    command = [
        sys.executable,
        "-c",
        PEAK_WRAPPER,
        str(Path(sys.executable).parent / "ansible-playbook"),
        "-i",
        str(bounded_inventory(lab, lab.state_dir)),
        str(playbook),
        "-f",
        "3",
    ]
    started = time.monotonic()
    completed = subprocess.run(command, env=ansible_env(), capture_output=True, text=True, timeout=300, check=False)
    elapsed = time.monotonic() - started

    output = completed.stdout
    assert completed.returncode != 0, output[-3000:]
    assert "gw-good                    : ok=1" in output, output[-3000:]
    assert "gw-endless                 : ok=0    changed=0    unreachable=0    failed=1" in output, output[-3000:]
    assert "gw-silent                  : ok=0    changed=0    unreachable=0    failed=1" in output, output[-3000:]
    assert f"the host sent more than {MAX_RESPONSE_BYTES} bytes of output" in output
    assert f"the command ran longer than {MAX_COMMAND_SECONDS} s" in output
    # The silent host is stopped within its bound plus one Receive (the operation timeout) and Ansible's own work.
    assert elapsed < MAX_COMMAND_SECONDS + OPERATION_TIMEOUT + 60, elapsed
    peak_kb = int(completed.stderr.rsplit("PEAK_RSS_KB", 1)[1].split()[0])
    assert peak_kb / 1024 < PEAK_MEMORY_LIMIT_MB, f"controller peak {peak_kb / 1024:.0f} MB"
    (tmp_path / "measured.json").write_text(json.dumps({"elapsed_s": elapsed, "peak_rss_mb": peak_kb / 1024}))
    print(f"elapsed {elapsed:.1f} s, controller peak RSS {peak_kb / 1024:.0f} MB")
