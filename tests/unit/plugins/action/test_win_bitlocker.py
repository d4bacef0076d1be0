from __future__ import annotations

import json
import re
import stat
from unittest.mock import MagicMock

import pytest
from ansible.errors import AnsibleActionFail

from action_runner import run_unchanged
from ansible_collections.onepacs.baseline.plugins.action.win_bitlocker import ActionModule
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent import _framing as framing
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas import _escrow
from control_results import record, statuses
from fake_connection import SimulatedConnection
from winlab.sim_ops_bitlocker import finish_encryption
from winlab.simulator import SimulatedHost

HOST = "ws01"
RECOVERY_PASSWORD = re.compile(r"\d{6}(?:-\d{6}){7}")


class Watched(SimulatedConnection):
    """A simulated host that also records, per round trip, whether no_log was set and which escrow files existed."""

    def __init__(self, host, escrow_dir=None):
        super().__init__(host)
        self.escrow_dir = escrow_dir
        self.play_context = None
        self.no_log_seen = []
        self.escrow_files_seen = []

    def exec_command(self, cmd, in_data=None, sudoable=True):
        self.no_log_seen.append(self.play_context.no_log)
        files = sorted(self.escrow_dir.glob("*.json")) if self.escrow_dir and self.escrow_dir.exists() else []
        self.escrow_files_seen.append(files)
        return super().exec_command(cmd, in_data=in_data, sudoable=sudoable)


def run_action(connection, args=None, check_mode=False, diff=False):
    task = MagicMock()
    task.args = dict(args or {})
    task.async_val = 0
    task.check_mode = check_mode
    task.action = "onepacs.baseline.win_bitlocker"
    play_context = MagicMock()
    play_context.check_mode = check_mode
    play_context.diff = diff
    play_context.no_log = False
    ansible_connection = MagicMock()
    ansible_connection.exec_command.side_effect = connection.exec_command
    ansible_connection._shell.tmpdir = None
    ansible_connection._play_context = play_context  # Ansible hands both the same PlayContext
    if isinstance(connection, Watched):
        connection.play_context = play_context
    action = ActionModule(task, ansible_connection, play_context, loader=None, templar=None, shared_loader_obj=None)
    action._load_name = "onepacs.baseline.win_bitlocker"
    result = action.run(task_vars={"inventory_hostname": HOST})
    assert play_context.no_log is False  # restored after the secret round trip
    return result


def os_volume(connection):
    return connection.host.state["bitlocker"]["volumes"]["C:"]


def recovery_passwords(connection):
    return [
        protector["RecoveryPassword"]
        for volume in connection.host.state["bitlocker"]["volumes"].values()
        if volume
        for protector in volume["KeyProtector"]
        if "RecoveryPassword" in protector
    ]


@pytest.fixture
def escrow_dir(tmp_path):
    return tmp_path / "escrow"


@pytest.fixture
def workstation(escrow_dir):
    return Watched(SimulatedHost.from_profile("win10-22h2-fresh"), escrow_dir)


def enable_args(escrow_dir, **extra):
    return {"enable_os_volume": True, "escrow_dir": str(escrow_dir), **extra}


def test_audit_by_default_reports_and_changes_nothing(workstation):
    result = run_unchanged(run_action, workstation)
    assert statuses(result) == {"ENC-01": "fail", "ENC-02": "fail"}
    assert "turning BitLocker on is opt-in: set enable_os_volume" in record(result, "ENC-01")["message"]
    assert record(result, "ENC-02")["message"].startswith("not encrypted: D: (FullyDecrypted")
    assert result["changed"] is False
    assert len(workstation.requests) == 1


def test_enabling_without_escrow_dir_is_refused_naming_the_option(workstation):
    with pytest.raises(AnsibleActionFail) as caught:
        run_action(workstation, {"enable_os_volume": True})
    assert str(caught.value).startswith("escrow_dir: required when enable_os_volume is true")
    assert workstation.requests == []


def test_check_mode_says_what_would_happen_and_escrows_nothing(workstation, escrow_dir):
    result = run_unchanged(run_action, workstation, enable_args(escrow_dir), check_mode=True, diff=True)
    assert statuses(result) == {"ENC-01": "fail", "ENC-02": "fail"}
    assert record(result, "ENC-01")["changed"] is True
    assert record(result, "ENC-01")["message"].endswith(
        "; would set C: recovery password: 'none escrowed by this module' -> "
        f"'new protector, escrowed to {escrow_dir}'; "
        "C: BitLocker: 'FullyDecrypted, protection Off, protectors: none' -> 'TPM protector; encryption starts after "
        "the hardware test at the next restart (not rebooted)'"
    )
    assert len(workstation.requests) == 1
    assert not escrow_dir.exists()


def test_enabling_escrows_the_recovery_password_before_protection_goes_on(workstation, escrow_dir):
    result = run_action(workstation, enable_args(escrow_dir), diff=True)

    assert workstation.ops == [
        ["bitlocker.volumes", "bitlocker.tpm", "system.info"],
        ["bitlocker.add_recovery_password"],
        ["bitlocker.enable"],
    ]
    (password,) = recovery_passwords(workstation)
    (escrowed,) = sorted(escrow_dir.glob("*.json"))
    record_ = json.loads(escrowed.read_text())
    assert record_["recovery_password"] == password
    assert stat.S_IMODE(escrowed.stat().st_mode) == 0o600
    assert escrowed.name == f"{HOST}_{record_['key_protector_id'].strip('{}').lower()}.json"
    # The escrow file existed before the enable request left; only the round trip carrying the password ran no_log.
    assert workstation.escrow_files_seen == [[], [], [escrowed]]
    assert workstation.no_log_seen == [False, True, False]
    assert workstation.requests[2]["ops"][0]["recovery_protector_id"] == record_["key_protector_id"]

    assert statuses(result) == {"ENC-01": "fixed", "ENC-02": "fail"}
    assert result["changed"] is True
    assert result["reboot_required"] is True
    assert record(result, "ENC-01")["message"].endswith("; takes effect after a reboot (not rebooted)")
    assert os_volume(workstation)["HardwareTestPending"] is True
    assert os_volume(workstation)["ProtectionStatus"] == "Off"


def test_the_recovery_password_appears_nowhere_in_the_task_result(workstation, escrow_dir):
    result = run_action(workstation, enable_args(escrow_dir), diff=True)
    (password,) = recovery_passwords(workstation)
    text = json.dumps(result)
    assert password not in text
    assert not RECOVERY_PASSWORD.search(text)
    assert password in json.loads(next(escrow_dir.glob("*.json")).read_text())["recovery_password"]


def test_after_the_restart_and_the_encryption_the_next_run_passes(workstation, escrow_dir):
    run_action(workstation, enable_args(escrow_dir))
    waiting = run_action(workstation, enable_args(escrow_dir))
    assert statuses(waiting)["ENC-01"] == "fail"
    assert (
        "encryption starts after its hardware test at the next restart (not rebooted)"
        in (record(waiting, "ENC-01")["message"])
    )
    assert len(workstation.requests) == 4  # no second recovery password, no second enable

    finish_encryption(workstation.host.state)
    done = run_action(workstation, enable_args(escrow_dir))
    assert statuses(done)["ENC-01"] == "pass"
    assert len(list(escrow_dir.glob("*.json"))) == 1


def test_skipping_the_hardware_test_encrypts_in_the_background_without_a_reboot(workstation, escrow_dir):
    result = run_action(workstation, enable_args(escrow_dir, skip_hardware_test=True))
    assert statuses(result)["ENC-01"] == "fixed"
    assert result["reboot_required"] is False
    assert "encrypting in the background" in record(result, "ENC-01")["message"]
    assert os_volume(workstation)["VolumeStatus"] == "EncryptionInProgress"
    assert "BitLocker is converting the volume" in record(run_action(workstation), "ENC-01")["message"]
    finish_encryption(workstation.host.state)
    assert statuses(run_action(workstation))["ENC-01"] == "pass"


def test_encrypted_drive_waiting_for_activation_is_protected_at_once(escrow_dir):
    laptop = Watched(SimulatedHost.from_profile("win11-24h2-fresh"), escrow_dir)
    result = run_action(laptop, enable_args(escrow_dir))
    assert statuses(result) == {"ENC-01": "fixed", "ENC-02": "pass"}
    assert result["reboot_required"] is False
    assert statuses(run_action(laptop, enable_args(escrow_dir))) == {"ENC-01": "pass", "ENC-02": "pass"}


def test_a_tpm_that_is_not_ready_blocks_enabling_before_anything_is_added(escrow_dir):
    old = Watched(SimulatedHost.from_profile("win10-22h2-x86-fresh"), escrow_dir)
    result = run_action(old, enable_args(escrow_dir))
    assert statuses(result)["ENC-01"] == "fail"
    assert "cannot turn BitLocker on: the TPM is present but not ready" in record(result, "ENC-01")["message"]
    assert len(old.requests) == 1
    assert recovery_passwords(old) == []


def test_physical_gateway_without_the_bitlocker_feature_is_reported(escrow_dir):
    server = Watched(SimulatedHost.from_profile("server2019-fresh"), escrow_dir)
    result = run_action(server, enable_args(escrow_dir, baseline="gateway"))
    assert statuses(result) == {"ENC-01": "fail"}
    assert "Install-WindowsFeature BitLocker" in record(result, "ENC-01")["message"]


def test_virtual_gateway_is_not_applicable(escrow_dir):
    result = run_action(Watched(SimulatedHost.from_profile("server2022-core-fresh")), {"baseline": "gateway"})
    assert statuses(result) == {"ENC-01": "not_applicable"}


def test_a_failed_escrow_leaves_protection_off_and_reports_an_error(workstation, escrow_dir, monkeypatch):
    def unwritable(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(escrow_dir / "x.json"))

    monkeypatch.setattr(_escrow, "write_escrow", unwritable)
    result = run_action(workstation, enable_args(escrow_dir))
    assert statuses(result)["ENC-01"] == "error"
    assert result["failed"] is True
    assert workstation.ops[1:] == [["bitlocker.add_recovery_password"]]  # enable never sent
    assert os_volume(workstation)["ProtectionStatus"] == "Off"
    assert "HardwareTestPending" not in os_volume(workstation)
    message = record(result, "ENC-01")["message"]
    assert "could not be escrowed" in message
    assert "not sent: no recovery password was escrowed for C:" in message
    assert not RECOVERY_PASSWORD.search(json.dumps(result))


def test_garbled_output_of_the_secret_round_trip_never_leaks_the_password(workstation, escrow_dir):
    leaked = "111111-222222-333333-444444-555555-666666-777777-888888"
    garbled = (
        f'{framing.RESULT_BEGIN}\r\n{{"v": 1, "results": [{{"ok": true, "value": {{"recovery_password": "{leaked}"'
    )
    workstation.failures[1] = (0, garbled.encode(), b"")
    result = run_action(workstation, enable_args(escrow_dir))
    assert statuses(result)["ENC-01"] == "error"
    assert leaked not in json.dumps(result)
    assert "<recovery password redacted>" in record(result, "ENC-01")["message"]
    assert len(workstation.requests) == 2
