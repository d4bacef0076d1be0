"""The lab reads the collection's protocol and framing itself, also as a daemon started with only tests/lab on
sys.path (python -m winlab serve), where the ansible_collections namespace is not importable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from winlab.plugin_code import plugin_module

LAB = Path(__file__).resolve().parents[2] / "lab"


def test_the_modules_are_the_collections_own():
    protocol = plugin_module("plugin_utils.agent._protocol")
    assert protocol.__name__ == "ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._protocol"
    assert "registry.get" in protocol.load_protocol()["ops"]


def test_a_daemon_without_the_namespace_reads_the_same_protocol(tmp_path):
    script = (
        "import sys, winlab.simulator as s\n"
        "assert not any('.collections' in p for p in sys.path), sys.path\n"
        "print(s.PROTOCOL_VERSION, len(s.OPS), s.OPS['updates.history'].args['limit'].maximum)\n"
    )
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    environment["PYTHONPATH"] = str(LAB)
    completed = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=environment, capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr
    protocol = plugin_module("plugin_utils.agent._protocol").load_protocol()
    assert completed.stdout.split() == [str(protocol["version"]), str(len(protocol["ops"])), "10000"]
