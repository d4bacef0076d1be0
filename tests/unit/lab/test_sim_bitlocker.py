"""The simulator's bitlocker.* ops: BitLocker and TPM semantics, and recovery passwords kept out of reads."""

from __future__ import annotations

import json
import re

import pytest

from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._sealing import SealingKey
from sim_requests import assert_error, run_one, value_of
from winlab.sim_ops_bitlocker import finish_encryption, new_recovery_password
from winlab.simulator import SimulatedHost

KEY = SealingKey.new()

RECOVERY_PASSWORD = re.compile(r"^\d{6}(?:-\d{6}){7}$")


@pytest.fixture
def client():
    return SimulatedHost.from_profile("win10-22h2-fresh")


def add_op(mount="C:", public_key=None):
    return {
        "op": "bitlocker.add_recovery_password",
        "mount_point": mount,
        "public_key": public_key or KEY.public_argument(),
    }


def add_password(host, mount="C:"):
    """The op's answer, with the sealed password opened as the controller does."""
    value = value_of(host, add_op(mount))
    return {**value, "recovery_password": KEY.unseal(value.pop("sealed_recovery_password"))}


def enable(host, protector_id, mount="C:", **extra):
    return run_one(
        host, {"op": "bitlocker.enable", "mount_point": mount, "recovery_protector_id": protector_id, **extra}
    )


def test_volumes_list_protectors_by_type_and_id_never_the_password():
    host = SimulatedHost.from_profile("win10-22h2-hardened")
    value = value_of(host, {"op": "bitlocker.volumes"})
    assert value["system_drive"] == "C:"
    by_mount = {volume["mount_point"]: volume for volume in value["volumes"]}
    assert by_mount["C:"]["key_protectors"] == [
        {"type": "Tpm", "id": "{5C6D7E8F-9A0B-4C1D-8E2F-3A4B5C6D7E8F}"},
        {"type": "RecoveryPassword", "id": "{9E0F1A2B-3C4D-4E5F-8A6B-7C8D9E0F1A2B}"},
    ]
    assert (by_mount["D:"]["volume_type"], by_mount["D:"]["auto_unlock_enabled"]) == ("Data", True)
    assert "313131-424242" not in json.dumps(value)


def test_without_the_feature_every_op_is_not_supported():
    server = SimulatedHost.from_profile("server2019-fresh")
    for op in (
        {"op": "bitlocker.volumes"},
        add_op(),
        {"op": "bitlocker.enable", "mount_point": "C:", "recovery_protector_id": "{X}"},
    ):
        assert_error(run_one(server, op), "not_supported", "Get-BitLockerVolume")
    assert value_of(server, {"op": "bitlocker.tpm"})["ready"] is True


def test_tpm_reports_get_tpm_fields():
    old = SimulatedHost.from_profile("win10-22h2-x86-fresh")
    assert value_of(old, {"op": "bitlocker.tpm"}) == {
        "present": True,
        "ready": False,
        "enabled": True,
        "activated": False,
        "owned": False,
        "manufacturer": "IFX",
        "spec_version": "1.2, 2, 3",
    }
    none = SimulatedHost.from_profile("server2022-desktop-fresh")
    assert value_of(none, {"op": "bitlocker.tpm"})["present"] is False


def test_recovery_passwords_look_like_bitlockers():
    for _ in range(50):
        password = new_recovery_password()
        assert RECOVERY_PASSWORD.match(password)
        assert all(int(group) % 11 == 0 and int(group) < 720896 for group in password.split("-"))


def test_add_recovery_password_returns_it_once_and_never_turns_protection_on(client):
    added = add_password(client, "c:")
    assert RECOVERY_PASSWORD.match(added["recovery_password"])
    assert added["mount_point"] == "C:"
    assert added["key_protectors"] == [{"type": "RecoveryPassword", "id": added["key_protector_id"]}]
    volumes = value_of(client, {"op": "bitlocker.volumes"})
    assert added["recovery_password"] not in json.dumps(volumes)
    assert volumes["volumes"][0]["protection_status"] == "Off"
    assert_error(run_one(client, add_op("Z:")), "not_found")


def test_the_recovery_password_leaves_only_sealed_with_the_ops_key(client):
    value = value_of(client, add_op())
    assert "recovery_password" not in value
    stored = [p["RecoveryPassword"] for p in client.state["bitlocker"]["volumes"]["C:"]["KeyProtector"]]
    assert stored[0] not in json.dumps(value)
    assert KEY.unseal(value["sealed_recovery_password"]) == stored[0]


@pytest.mark.parametrize(
    ("public_key", "code"),
    [
        (None, "invalid_argument"),
        ({"algorithm": "RSA-PKCS1", "modulus": "AQAB", "exponent": "AQAB"}, "invalid_argument"),
        ({"algorithm": "RSA-OAEP-SHA1", "modulus": "not base64!", "exponent": "AQAB"}, "invalid_argument"),
    ],
)
def test_a_missing_or_unusable_key_adds_no_protector(client, public_key, code):
    op = add_op() | {"public_key": public_key}
    if public_key is None:
        del op["public_key"]
    assert_error(run_one(client, op), code)
    assert client.state["bitlocker"]["volumes"]["C:"]["KeyProtector"] == []


def test_enable_refuses_without_the_named_recovery_protector(client):
    assert_error(enable(client, "{00000000-0000-0000-0000-000000000000}"), "not_found", "refusing")
    assert_error(run_one(client, {"op": "bitlocker.enable", "mount_point": "C:"}), "invalid_argument")
    assert client.state["bitlocker"]["volumes"]["C:"]["KeyProtector"] == []


def test_enable_waits_for_the_hardware_test_by_default(client):
    protector = add_password(client)["key_protector_id"]
    volume = enable(client, protector.lower())["value"]["volume"]
    assert [protector["type"] for protector in volume["key_protectors"]] == ["RecoveryPassword", "Tpm"]
    assert (volume["volume_status"], volume["protection_status"], volume["hardware_test_pending"]) == (
        "FullyDecrypted",
        "Off",
        True,
    )
    finish_encryption(client.state)
    (after, _) = value_of(client, {"op": "bitlocker.volumes"})["volumes"]
    assert (after["volume_status"], after["protection_status"], after["hardware_test_pending"]) == (
        "FullyEncrypted",
        "On",
        False,
    )


def test_enable_without_the_hardware_test_starts_encrypting_with_protection_still_off(client):
    protector = add_password(client)["key_protector_id"]
    volume = enable(client, protector, skip_hardware_test=True)["value"]["volume"]
    assert (volume["volume_status"], volume["protection_status"]) == ("EncryptionInProgress", "Off")
    finish_encryption(client.state)
    assert client.state["bitlocker"]["volumes"]["C:"]["ProtectionStatus"] == "On"


def test_enable_on_an_encrypted_volume_turns_protection_on():
    laptop = SimulatedHost.from_profile("win11-24h2-fresh")
    protector = add_password(laptop)["key_protector_id"]
    volume = enable(laptop, protector)["value"]["volume"]
    assert (volume["volume_status"], volume["protection_status"]) == ("FullyEncrypted", "On")


def test_enable_needs_a_ready_tpm_and_an_os_volume(client):
    old = SimulatedHost.from_profile("win10-22h2-x86-fresh")
    assert_error(enable(old, add_password(old)["key_protector_id"]), "failed", "not ready")
    client.state["tpm"]["TpmPresent"] = False
    assert_error(enable(client, add_password(client)["key_protector_id"]), "not_supported", "no TPM")
    client.state["tpm"]["TpmPresent"] = True
    data = add_password(client, "D:")["key_protector_id"]
    assert_error(enable(client, data, mount="D:"), "failed", "0x80310028")
