"""The lab's latency fault (for the benchmark): every HTTP response late and every command long, at once."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import winrm

from winlab.fleet import LabClient, running_lab
from winlab.wsman import Fault, FaultMode

NETWORK_MS = 40
COMMAND_MS = 250


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabClient]:
    with running_lab(tmp_path_factory.mktemp("latency"), hosts={"far": "server2022-core-fresh"}) as client:
        yield client


def test_latency_is_reported_with_both_delays(lab: LabClient) -> None:
    assert lab.fault("far", "latency", delay_ms=NETWORK_MS, command_ms=COMMAND_MS) == {
        "mode": "latency",
        "delay_ms": NETWORK_MS,
        "command_ms": COMMAND_MS,
    }
    assert lab.hosts()["far"]["fault"]["command_ms"] == COMMAND_MS
    assert lab.fault("far", "delay", delay_ms=5) == {"mode": "delay", "delay_ms": 5}


def test_every_response_is_late_and_every_command_takes_its_time(lab: LabClient) -> None:
    lab.fault("far", "latency", delay_ms=NETWORK_MS, command_ms=COMMAND_MS)
    session = winrm.Session(lab.url("far"), auth=(lab.user, lab.password), transport="basic")
    started = time.monotonic()
    result = session.run_cmd("ipconfig")  # not our bootstrap: still a command, answered with exit code 1
    elapsed = time.monotonic() - started
    lab.fault("far", "none")

    assert result.status_code == 1
    requests = [entry for entry in lab.stats("far")["request_log"] if entry["time"] >= time.time() - elapsed - 1]
    assert len(requests) >= 4  # create, command, receive, signal, delete
    assert min(entry["ms"] for entry in requests) >= NETWORK_MS
    # The command runs from its start (or the end of its stdin) until the Receive that answers it.
    waited = sum(entry["ms"] for entry in requests if entry["action"] in ("Command", "Send", "Receive"))
    assert waited >= COMMAND_MS
    # every response but the Command's, whose delay overlaps the command's run time, adds its delay
    assert elapsed >= (COMMAND_MS + (len(requests) - 2) * NETWORK_MS) / 1000


@pytest.mark.parametrize(
    ("fault", "response", "command"),
    [
        (Fault(FaultMode.LATENCY, 20, 300), 0.02, 0.3),
        (Fault(FaultMode.DELAY, 20, 300), 0.02, 0.0),
        (Fault(FaultMode.SLOW, 20, 300), 0.0, 0.02),
        (Fault(FaultMode.NONE, 20, 300), 0.0, 0.0),
    ],
)
def test_each_mode_applies_only_its_own_delays(fault: Fault, response: float, command: float) -> None:
    assert fault.response_delay == response
    assert fault.command_duration == command


def test_the_cli_sets_latency(lab: LabClient) -> None:
    from winlab.__main__ import main  # noqa: PLC0415

    arguments = ["fault", "--state-dir", str(lab.state_dir), "far", "latency", "--delay-ms", "7", "--command-ms", "9"]
    assert main(arguments) == 0
    assert lab.hosts()["far"]["fault"] == {"mode": "latency", "delay_ms": 7, "command_ms": 9}
    lab.fault("far", "none")
