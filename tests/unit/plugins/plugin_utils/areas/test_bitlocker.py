from __future__ import annotations

import base64
import contextlib
import json
import os
import stat

import pytest
from ansible.errors import AnsibleConnectionFailure

from ansible_collections.onepacs.baseline.plugins.plugin_utils._findings import Outcome
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._sealing import SealingKey
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._transport import AgentError, OpResult
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas import _escrow
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._area import InvalidOptionError
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._bitlocker import BitLockerArea, describe_volume
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._escrow import (
    REDACTED,
    SEALED_PASSWORD,
    apply_with_escrow,
    escrow_file,
    no_log,
    redact,
    write_escrow,
)
from control_results import by_control
from winlab.sim_ops_bitlocker import seal
from winlab.simulator import SimulatedHost

PASSWORD = "123453-654324-111111-222222-333333-444444-555555-666666"
RECOVERY_ID = "{7A8B9C0D-1E2F-4A3B-9C4D-5E6F7A8B9C0D}"
TPM_READY = {
    "present": True,
    "ready": True,
    "enabled": True,
    "activated": True,
    "owned": True,
    "manufacturer": "INTC",
    "spec_version": "2.0, 0, 1.38",
}


def volume(mount="C:", kind="OperatingSystem", status="FullyDecrypted", protection="Off", protectors=(), **extra):
    return {
        "mount_point": mount,
        "volume_type": kind,
        "removable": False,
        "volume_status": status,
        "protection_status": protection,
        "encryption_percentage": 100 if status == "FullyEncrypted" else 0,
        "encryption_method": "XtsAes128",
        "lock_status": "Unlocked",
        "auto_unlock_enabled": None,
        "hardware_test_pending": False,
        "key_protectors": [{"type": kind_, "id": f"{{{index}}}"} for index, kind_ in enumerate(protectors)],
        **extra,
    }


ENCRYPTED_OS = volume(status="FullyEncrypted", protection="On", protectors=("Tpm", "RecoveryPassword"))


def probe(volumes=(), tpm=None, system_drive="C:"):
    listed = (
        volumes
        if isinstance(volumes, OpResult)
        else OpResult(True, {"system_drive": system_drive, "volumes": list(volumes)})
    )
    return {"volumes": listed, "tpm": tpm if isinstance(tpm, OpResult) else OpResult(True, tpm or TPM_READY)}


def evaluate(params=None, **probe_args):
    area = BitLockerArea({"enable_os_volume": False, "escrow_dir": None, "skip_hardware_test": False, **(params or {})})
    return by_control(area.evaluate(probe(**probe_args)))


@pytest.fixture
def enabling(tmp_path):
    return {"enable_os_volume": True, "escrow_dir": str(tmp_path / "escrow")}


# --------------------------------------------------------------------------------------------------- ENC-01


def test_probe_reads_volumes_and_tpm():
    area = BitLockerArea({"enable_os_volume": False, "escrow_dir": None, "skip_hardware_test": False})
    assert area.probe_ops() == {"volumes": {"op": "bitlocker.volumes"}, "tpm": {"op": "bitlocker.tpm"}}


def test_encrypted_protected_system_drive_with_tpm_complies():
    found = evaluate(volumes=[ENCRYPTED_OS])["ENC-01"]
    assert found.outcome is Outcome.COMPLIANT
    assert found.message == "system drive C: is FullyEncrypted, protection On, protectors: Tpm, RecoveryPassword"
    assert found.actual["key_protectors"] == ["Tpm", "RecoveryPassword"]


@pytest.mark.parametrize(
    "os_volume",
    [
        volume(status="FullyEncrypted", protection="On", protectors=("RecoveryPassword", "Password")),
        volume(status="FullyEncrypted", protection="Off", protectors=("Tpm", "RecoveryPassword")),
        volume(),
    ],
)
def test_without_opt_in_every_drift_is_reported_and_nothing_planned(os_volume):
    found = evaluate(volumes=[os_volume])["ENC-01"]
    assert (found.outcome, found.changes) == (Outcome.DRIFTED, ())
    assert found.message.endswith(
        "turning BitLocker on is opt-in: set enable_os_volume (with escrow_dir for the recovery password)"
    )


def test_opt_in_plans_recovery_password_then_enable_with_a_placeholder_protector(enabling):
    found = evaluate(enabling, volumes=[volume()])["ENC-01"]
    assert found.outcome is Outcome.DRIFTED
    assert [change.op for change in found.changes] == [
        {"op": "bitlocker.add_recovery_password", "mount_point": "C:", "public_key": None},
        {"op": "bitlocker.enable", "mount_point": "C:", "recovery_protector_id": None, "skip_hardware_test": False},
    ]
    add, enable = found.changes
    assert add.after == f"new protector, escrowed to {enabling['escrow_dir']}"
    assert enable.before == "FullyDecrypted, protection Off, protectors: none"
    assert enable.after == "TPM protector; encryption starts after the hardware test at the next restart (not rebooted)"
    assert found.reboot_required is True


def test_skipping_the_hardware_test_encrypts_in_the_background_without_a_restart(enabling):
    found = evaluate({**enabling, "skip_hardware_test": True}, volumes=[volume()])["ENC-01"]
    enable = found.changes[1]
    assert enable.op["skip_hardware_test"] is True
    assert enable.after == "TPM protector; encrypting in the background, protection turns On when it completes"
    assert found.reboot_required is False
    started = volume(status="EncryptionInProgress", protectors=("RecoveryPassword", "Tpm"))
    assert enable.verify({"volume": started}) == (True, enable.after)
    assert enable.verify({"volume": volume(protectors=("RecoveryPassword", "Tpm"))})[0] is False


def test_encrypted_volume_with_protection_off_is_turned_on(enabling):
    suspended = volume(status="FullyEncrypted", protection="Off")
    found = evaluate(enabling, volumes=[suspended])["ENC-01"]
    enable = found.changes[1]
    assert enable.after == "TPM protector, protection On"
    assert found.reboot_required is False
    assert enable.verify({"volume": ENCRYPTED_OS}) == (True, "TPM protector, protection On")
    assert enable.verify({"volume": suspended}) == (False, "FullyEncrypted, protection Off, protectors: none")


def test_enable_read_back_with_the_hardware_test_pending(enabling):
    enable = evaluate(enabling, volumes=[volume()])["ENC-01"].changes[1]
    pending = volume(protectors=("RecoveryPassword", "Tpm"), hardware_test_pending=True)
    assert enable.verify({"volume": pending})[0] is True
    assert enable.verify({"volume": volume(protectors=("RecoveryPassword",), hardware_test_pending=True)})[0] is False


def test_recovery_password_read_back_needs_the_escrow(enabling):
    add = evaluate(enabling, volumes=[volume()])["ENC-01"].changes[0]
    assert add.verify({"key_protector_id": RECOVERY_ID, "escrowed_to": "/x/y.json"})[0] is True
    # A result that skipped the escrow (sent without apply_with_escrow) never counts as done.
    assert add.verify({"key_protector_id": RECOVERY_ID, "recovery_password": PASSWORD}) == (False, "not escrowed")


@pytest.mark.parametrize(
    ("tpm", "reason"),
    [
        ({**TPM_READY, "present": False, "ready": False}, "this host has no TPM"),
        ({**TPM_READY, "ready": False}, "the TPM is present but not ready"),
        (OpResult(ok=False, code="access_denied", error="denied"), "the TPM could not be read (access_denied: denied)"),
    ],
)
def test_no_usable_tpm_blocks_enabling(enabling, tpm, reason):
    found = evaluate(enabling, volumes=[volume()], tpm=tpm)["ENC-01"]
    assert (found.outcome, found.changes) == (Outcome.DRIFTED, ())
    assert f"cannot turn BitLocker on: {reason}" in found.message


def test_a_volume_in_conversion_or_waiting_for_its_hardware_test_is_left_alone(enabling):
    converting = volume(status="EncryptionInProgress", protectors=("Tpm", "RecoveryPassword"), encryption_percentage=37)
    found = evaluate(enabling, volumes=[converting])["ENC-01"]
    assert (found.outcome, found.changes) == (Outcome.DRIFTED, ())
    assert found.message.startswith("system drive C: is EncryptionInProgress 37%, protection Off")
    pending = volume(protectors=("Tpm", "RecoveryPassword"), hardware_test_pending=True)
    found = evaluate(enabling, volumes=[pending])["ENC-01"]
    assert (found.changes, found.reboot_required) == ((), True)
    assert "encryption starts after its hardware test at the next restart (not rebooted)" in found.message


def test_bitlocker_missing_is_a_drift_with_the_way_to_install_it():
    missing = OpResult(ok=False, code="not_supported", error="The term 'Get-BitLockerVolume' is not recognized")
    found = evaluate(volumes=missing)
    assert (found["ENC-01"].outcome, found["ENC-01"].changes) == (Outcome.DRIFTED, ())
    assert "Install-WindowsFeature BitLocker" in found["ENC-01"].message
    assert found["ENC-02"].outcome is Outcome.DRIFTED
    failed = evaluate(volumes=OpResult(ok=False, code="access_denied", error="denied"))
    assert {finding.outcome for finding in failed.values()} == {Outcome.ERROR}


def test_system_drive_is_found_by_mount_point_then_by_type():
    other = volume(mount="D:", status="FullyEncrypted", protection="On", protectors=("Tpm",))
    found = evaluate(volumes=[volume(mount="E:", kind="Data"), other], system_drive="d:")["ENC-01"]
    assert found.actual["mount_point"] == "D:"
    found = evaluate(volumes=[volume(mount="E:", kind="Data")])["ENC-01"]
    assert found.outcome is Outcome.ERROR


# --------------------------------------------------------------------------------------------------- ENC-02


def test_fixed_lettered_data_volumes_must_be_encrypted():
    volumes = [
        ENCRYPTED_OS,
        volume(mount="D:", kind="Data"),
        volume(mount="E:", kind="Data", status="FullyEncrypted", protection="On", protectors=("ExternalKey",)),
        volume(mount="F:", kind="Data", removable=True),
        volume(mount="\\\\?\\Volume{1b2c3d4e-0000-0000-0000-100000000000}\\", kind="Data"),
        volume(mount="G:", kind="Data", status="FullyEncrypted", protection="Unknown", lock_status="Locked"),
    ]
    found = evaluate(volumes=volumes)["ENC-02"]
    assert (found.outcome, found.changes) == (Outcome.DRIFTED, ())
    assert sorted(found.actual) == ["D:", "E:", "G:"]
    assert found.message.startswith("not encrypted: D: (FullyDecrypted, protection Off, protectors: none)")
    assert "audit only" in found.message


def test_no_data_volumes_complies():
    found = evaluate(volumes=[ENCRYPTED_OS])["ENC-02"]
    assert (found.outcome, found.message) == (Outcome.COMPLIANT, "no fixed data volumes")


# --------------------------------------------------------------------------------------------------- options


def test_enabling_without_escrow_dir_is_refused_naming_the_option():
    with pytest.raises(InvalidOptionError) as caught:
        BitLockerArea({"enable_os_volume": True, "escrow_dir": None, "skip_hardware_test": False})
    assert str(caught.value).startswith("escrow_dir: required when enable_os_volume is true")


def test_escrow_dir_must_be_usable(tmp_path):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    for path, problem in [
        ("relative/dir", "must be an absolute path on the controller"),
        (str(a_file), "exists and is not a directory"),
        (str(a_file / "below"), "does not exist and cannot be created"),
    ]:
        with pytest.raises(InvalidOptionError, match=r"^escrow_dir: .*" + problem):
            BitLockerArea({"enable_os_volume": True, "escrow_dir": path, "skip_hardware_test": False})
    BitLockerArea({"enable_os_volume": True, "escrow_dir": str(tmp_path / "new" / "dir"), "skip_hardware_test": False})


def test_describe_volume_never_shows_protector_ids():
    assert RECOVERY_ID not in describe_volume(
        volume(protectors=("RecoveryPassword",)) | {"key_protectors": [{"type": "RecoveryPassword", "id": RECOVERY_ID}]}
    )


# --------------------------------------------------------------------------------------------------- escrow


def test_escrow_file_is_new_private_and_reads_back(tmp_path):
    directory = tmp_path / "escrow"
    path = write_escrow(directory, "gw01.clinic", "C:", RECOVERY_ID, PASSWORD)
    assert path == directory / "gw01.clinic_7a8b9c0d-1e2f-4a3b-9c4d-5e6f7a8b9c0d.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    record = json.loads(path.read_text())
    assert record["recovery_password"] == PASSWORD
    assert (record["host"], record["mount_point"], record["key_protector_id"]) == ("gw01.clinic", "C:", RECOVERY_ID)
    with pytest.raises(FileExistsError):
        write_escrow(directory, "gw01.clinic", "C:", RECOVERY_ID, "0" * 48)
    assert json.loads(path.read_text())["recovery_password"] == PASSWORD


def test_escrow_file_is_private_whatever_the_umask(tmp_path):
    previous = os.umask(0)
    try:
        path = write_escrow(tmp_path, "h", "C:", RECOVERY_ID, PASSWORD)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_escrow_file_names_are_safe():
    assert escrow_file("/e", "../../etc/passwd", "{AB}").name == "_.._etc_passwd_ab.json"
    assert escrow_file("/e", "rd 01", "{AB}").name == "rd_01_ab.json"


def test_redact_hides_recovery_passwords_only():
    text = f"invalid JSON: {{'recovery_password': '{PASSWORD}', 'id': '{RECOVERY_ID}'}} 123456"
    assert redact(text) == f"invalid JSON: {{'recovery_password': '{REDACTED}', 'id': '{RECOVERY_ID}'}} 123456"


def test_no_log_sets_and_restores_every_distinct_context():
    class Context:
        no_log = False

    first, second = Context(), Context()
    second.no_log = True
    with no_log(first, first, None, second):
        assert (first.no_log, second.no_log) == (True, True)
    assert (first.no_log, second.no_log) == (False, True)


class FakeHost:
    """run_ops stand-in: records each round trip and whether it ran quietly."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.trips = []
        self.quiet = False

    def run_ops(self, host, ops):
        self.trips.append(([dict(op) for op in ops], self.quiet))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return [result(op) if callable(result) else result for result, op in zip(answer, ops, strict=True)]

    @contextlib.contextmanager
    def quietly(self):
        self.quiet = True
        try:
            yield
        finally:
            self.quiet = False


def changes_for(tmp_path):
    params = {"enable_os_volume": True, "escrow_dir": str(tmp_path), "skip_hardware_test": False}
    return BitLockerArea(params).evaluate(probe(volumes=[volume()]))[0].changes


def added(password=PASSWORD, **fields):
    """The agent's answer to bitlocker.add_recovery_password: the password sealed with the op's public key."""

    def answer(op):
        value = {
            "mount_point": "C:",
            "key_protector_id": RECOVERY_ID,
            "sealed_recovery_password": seal(op["public_key"], password),
            "key_protectors": [{"type": "RecoveryPassword", "id": RECOVERY_ID}],
        }
        return OpResult(True, {**value, **fields})

    return answer


ADDED = added()
ENABLED = OpResult(True, {"volume": volume(protectors=("RecoveryPassword", "Tpm"), hardware_test_pending=True)})


def test_apply_escrows_between_two_round_trips_and_keeps_the_password_out(tmp_path):
    host = FakeHost([[ADDED], [ENABLED]])
    results = apply_with_escrow(host.run_ops, "gw01", changes_for(tmp_path), str(tmp_path), host.quietly)

    (first_ops, first_quiet), (second_ops, second_quiet) = host.trips
    public_key = first_ops[0].pop("public_key")
    assert first_ops == [{"op": "bitlocker.add_recovery_password", "mount_point": "C:"}]
    assert public_key["algorithm"] == "RSA-OAEP-SHA1"
    assert len(base64.b64decode(public_key["modulus"])) * 8 == 3072
    assert second_ops == [
        {
            "op": "bitlocker.enable",
            "mount_point": "C:",
            "recovery_protector_id": RECOVERY_ID,
            "skip_hardware_test": False,
        }
    ]
    assert (first_quiet, second_quiet) == (True, False)
    escrowed = tmp_path / "gw01_7a8b9c0d-1e2f-4a3b-9c4d-5e6f7a8b9c0d.json"
    assert json.loads(escrowed.read_text())["recovery_password"] == PASSWORD
    assert results[0].value == {
        "mount_point": "C:",
        "key_protector_id": RECOVERY_ID,
        "key_protectors": [{"type": "RecoveryPassword", "id": RECOVERY_ID}],
        "escrowed_to": str(escrowed),
    }
    assert results[1] is ENABLED
    assert PASSWORD not in repr(results)


def test_a_failed_escrow_stops_before_protection_goes_on(tmp_path, monkeypatch):
    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_escrow, "write_escrow", disk_full)
    host = FakeHost([[ADDED]])
    add, enable = apply_with_escrow(host.run_ops, "gw01", changes_for(tmp_path), str(tmp_path), host.quietly)
    assert len(host.trips) == 1
    assert (add.ok, enable.ok) == (False, False)
    assert add.error.startswith(f"recovery password protector {RECOVERY_ID} was added on C: but could not be escrowed")
    assert add.error.endswith("protection stays off")
    assert enable.error.startswith("not sent: no recovery password was escrowed for C:")


def test_a_host_answer_without_a_password_is_not_escrowed(tmp_path):
    host = FakeHost([[OpResult(True, {"mount_point": "C:", "key_protector_id": RECOVERY_ID})]])
    add, enable = apply_with_escrow(host.run_ops, "gw01", changes_for(tmp_path), str(tmp_path), host.quietly)
    assert "nothing was escrowed" in add.error
    assert not enable.ok
    assert list(tmp_path.iterdir()) == []


def test_errors_of_the_secret_round_trip_are_scrubbed(tmp_path):
    leak = f'the agent returned invalid JSON: {{"recovery_password": "{PASSWORD}"'
    for failure, kind in [
        (AgentError("gw01", leak), AgentError),
        (AnsibleConnectionFailure(leak), AnsibleConnectionFailure),
    ]:
        host = FakeHost([failure])
        with pytest.raises(kind) as caught:
            apply_with_escrow(host.run_ops, "gw01", changes_for(tmp_path), str(tmp_path), host.quietly)
        assert PASSWORD not in str(caught.value)
        assert REDACTED in str(caught.value)
        assert host.quiet is False
    failed = OpResult(ok=False, code="failed", error=f"odd failure {PASSWORD}")
    host = FakeHost([[failed]])
    add, _ = apply_with_escrow(host.run_ops, "gw01", changes_for(tmp_path), str(tmp_path), host.quietly)
    assert PASSWORD not in add.error


# ------------------------------------------------------------------------------------- sealed recovery passwords


def test_each_escrow_gets_its_own_key_and_the_password_never_travels_in_clear(tmp_path):
    host = FakeHost([[ADDED], [ENABLED]])
    apply_with_escrow(host.run_ops, "gw01", changes_for(tmp_path), str(tmp_path), host.quietly)
    again = FakeHost([[ADDED], [ENABLED]])
    apply_with_escrow(again.run_ops, "gw02", changes_for(tmp_path), str(tmp_path), again.quietly)
    first_key = host.trips[0][0][0]["public_key"]
    second_key = again.trips[0][0][0]["public_key"]
    assert first_key["modulus"] != second_key["modulus"]
    assert (
        json.loads((tmp_path / "gw02_7a8b9c0d-1e2f-4a3b-9c4d-5e6f7a8b9c0d.json").read_text())["recovery_password"]
        == PASSWORD
    )


def test_a_password_sent_in_clear_is_refused_and_nothing_is_escrowed(tmp_path):
    leaky = OpResult(True, {"mount_point": "C:", "key_protector_id": RECOVERY_ID, "recovery_password": PASSWORD})
    host = FakeHost([[leaky]])
    add, enable = apply_with_escrow(host.run_ops, "gw01", changes_for(tmp_path), str(tmp_path), host.quietly)
    assert "in clear" in add.error
    assert PASSWORD not in add.error
    assert not enable.ok
    assert len(host.trips) == 1
    assert list(tmp_path.iterdir()) == []


def test_a_password_sealed_with_another_key_is_refused(tmp_path):
    other = SealingKey.new().public_argument()
    forged = OpResult(
        True, {"mount_point": "C:", "key_protector_id": RECOVERY_ID, SEALED_PASSWORD: seal(other, PASSWORD)}
    )
    for answer in (forged, OpResult(True, {"key_protector_id": RECOVERY_ID, SEALED_PASSWORD: "not base64!"})):
        host = FakeHost([[answer]])
        add, enable = apply_with_escrow(host.run_ops, "gw01", changes_for(tmp_path), str(tmp_path), host.quietly)
        assert "sealed with this run's key" in add.error
        assert not enable.ok
    assert list(tmp_path.iterdir()) == []


def test_the_planned_add_op_is_refused_by_the_host_without_the_apply_steps_key():
    host = SimulatedHost.from_profile("win11-24h2-fresh")
    params = {"enable_os_volume": True, "escrow_dir": "/nonexistent/escrow", "skip_hardware_test": False}
    state = host.execute({"v": 1, "ops": [{"op": "bitlocker.volumes"}, {"op": "bitlocker.tpm"}]})["results"]
    findings = BitLockerArea(params).evaluate({"volumes": OpResult(**state[0]), "tpm": OpResult(**state[1])})
    add = findings[0].changes[0].op
    assert add["public_key"] is None
    answer = host.execute({"v": 1, "ops": [add]})["results"][0]
    assert answer["ok"] is False
    assert answer["code"] == "invalid_argument"
    assert all(
        protector["KeyProtectorType"] != "RecoveryPassword"
        for protector in host.state["bitlocker"]["volumes"]["C:"].get("KeyProtector", [])
    )
