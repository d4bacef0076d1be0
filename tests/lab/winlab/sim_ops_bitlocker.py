"""bitlocker.* ops with BitLocker and TPM semantics.

State (documented in PROFILES.md): state["bitlocker"] = {"feature_installed": bool, "volumes": {mount point:
Get-BitLockerVolume fields, KeyProtector entries {KeyProtectorType, KeyProtectorId[, RecoveryPassword]}}} and
state["tpm"] (Get-Tpm fields). Two optional lab-only volume fields: "Removable" (Win32_EncryptableVolume VolumeType 2)
and "HardwareTestPending" (BitLocker was turned on and waits for its hardware test at the next restart).

Windows rules kept here:
- without the BitLocker feature (Windows Server) or on Windows Home the cmdlets and the CIM namespace are missing:
  every op is not_supported;
- recovery passwords are never returned, except by bitlocker.add_recovery_password for the protector it adds, and
  then only sealed with the op's public key as the agent seals it (RSACryptoServiceProvider.Encrypt with OAEP:
  RSA-OAEP, SHA-1); a key the agent cannot use is refused before any protector is added; a new password is 48
  digits in 8 groups of 6, each group a multiple of 11 (as BitLocker generates them);
- ProtectionStatus is On only when the volume is fully encrypted and its key is protected (Win32_EncryptableVolume
  GetProtectionStatus): it stays Off while encryption runs;
- a TPM protector needs a present and ready TPM, and only an operating system volume takes one;
- nothing reboots: encryption after the hardware test, or the end of a background encryption, happens only when a
  test calls finish_encryption() (the restart and the hours encryption takes).
"""

from __future__ import annotations

import base64
import binascii
import secrets
import uuid

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from winlab.sim_errors import OpError
from winlab.sim_op import Op

TPM_PROTECTOR_TYPES = frozenset({"Tpm", "TpmPin", "TpmStartupKey", "TpmPinStartupKey"})
#: What Windows 10 1511 and later use unless a policy says otherwise.
DEFAULT_ENCRYPTION_METHOD = "XtsAes128"


def _bitlocker(state: dict) -> dict:
    bitlocker = state.get("bitlocker") or {}
    if not bitlocker.get("feature_installed", False):
        raise OpError("not_supported", "The term 'Get-BitLockerVolume' is not recognized (BitLocker is not installed)")
    return bitlocker


def _volume(state: dict, mount_point: str) -> tuple[str, dict]:
    """(mount point as stored, volume); not_found when BitLocker has no such volume."""
    volumes = _bitlocker(state).get("volumes") or {}
    wanted = mount_point.rstrip("\\").upper()
    for mount, volume in volumes.items():
        if mount.rstrip("\\").upper() == wanted and isinstance(volume, dict):
            return mount, volume
    raise OpError("not_found", f"BitLocker has no volume '{mount_point}'")


def _protector_id() -> str:
    return "{" + str(uuid.uuid4()).upper() + "}"


def new_recovery_password() -> str:
    """A recovery password as BitLocker makes them: 8 groups of 6 digits, each a multiple of 11 below 720896."""
    return "-".join(f"{secrets.randbelow(65536) * 11:06d}" for _ in range(8))


def seal(public_key: dict, secret: str) -> str:
    """Protect-OnePacsSecret (agent/bitlocker.ps1): RSA-OAEP (SHA-1, MGF1 SHA-1) with the big-endian modulus and
    exponent the op carries, base64. Bad keys fail as the agent's checks and .NET's import would."""
    if public_key.get("algorithm") != "RSA-OAEP-SHA1":
        raise OpError("invalid_argument", f"public_key: unsupported algorithm '{public_key.get('algorithm')}'")
    try:
        modulus = int.from_bytes(base64.b64decode(str(public_key.get("modulus")), validate=True), "big")
        exponent = int.from_bytes(base64.b64decode(str(public_key.get("exponent")), validate=True), "big")
    except (binascii.Error, ValueError):
        raise OpError("invalid_argument", "public_key: modulus and exponent must be base64") from None
    try:
        key = rsa.RSAPublicNumbers(exponent, modulus).public_key()
    except ValueError:
        raise OpError("failed", 'Exception calling "ImportParameters": "Bad Data."') from None
    oaep = padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA1()), algorithm=hashes.SHA1(), label=None)
    return base64.b64encode(key.encrypt(secret.encode("utf-8"), oaep)).decode("ascii")


def volume_entry(mount: str, volume: dict) -> dict:
    """One bitlocker.volumes entry: protectors by type and id only, never a recovery password."""
    return {
        "mount_point": mount,
        "volume_type": volume.get("VolumeType"),
        "removable": bool(volume.get("Removable", False)),
        "volume_status": volume.get("VolumeStatus"),
        "protection_status": volume.get("ProtectionStatus"),
        "encryption_percentage": volume.get("EncryptionPercentage", 0),
        "encryption_method": volume.get("EncryptionMethod", "None"),
        "lock_status": volume.get("LockStatus", "Unlocked"),
        "auto_unlock_enabled": volume.get("AutoUnlockEnabled"),
        "hardware_test_pending": bool(volume.get("HardwareTestPending", False)),
        "key_protectors": [
            {"type": protector.get("KeyProtectorType"), "id": protector.get("KeyProtectorId")}
            for protector in volume.get("KeyProtector") or []
        ],
    }


def _system_drive(volumes: dict) -> str:
    for mount, volume in volumes.items():
        if isinstance(volume, dict) and volume.get("VolumeType") == "OperatingSystem":
            return mount.rstrip("\\")
    return "C:"


def bitlocker_volumes(state: dict, args: dict) -> dict:
    volumes = _bitlocker(state).get("volumes") or {}
    return {
        "system_drive": _system_drive(volumes),
        "volumes": [volume_entry(mount, volume) for mount, volume in volumes.items() if isinstance(volume, dict)],
    }


def bitlocker_tpm(state: dict, args: dict) -> dict:
    tpm = state.get("tpm") or {}
    return {
        "present": bool(tpm.get("TpmPresent", False)),
        "ready": bool(tpm.get("TpmReady", False)),
        "enabled": bool(tpm.get("TpmEnabled", False)),
        "activated": bool(tpm.get("TpmActivated", False)),
        "owned": bool(tpm.get("TpmOwned", False)),
        "manufacturer": tpm.get("ManufacturerIdTxt", ""),
        "spec_version": tpm.get("SpecVersion", ""),
    }


def bitlocker_add_recovery_password(state: dict, args: dict) -> dict:
    """ProtectKeyWithNumericalPassword + GetKeyProtectorNumericalPassword: the one op that returns a secret, sealed
    with the op's public key."""
    seal(args["public_key"], "0" * 55)  # the agent's trial seal comes first: a bad key adds no protector
    mount, volume = _volume(state, args["mount_point"])
    if volume.get("LockStatus") == "Locked":
        raise OpError("failed", "Win32_EncryptableVolume.ProtectKeyWithNumericalPassword returned 0x80310000")
    protector = {
        "KeyProtectorType": "RecoveryPassword",
        "KeyProtectorId": _protector_id(),
        "RecoveryPassword": new_recovery_password(),
    }
    volume.setdefault("KeyProtector", []).append(protector)
    return {
        "mount_point": mount,
        "key_protector_id": protector["KeyProtectorId"],
        "sealed_recovery_password": seal(args["public_key"], protector["RecoveryPassword"]),
        "key_protectors": volume_entry(mount, volume)["key_protectors"],
    }


def bitlocker_enable(state: dict, args: dict) -> dict:
    """Protection on with a TPM protector, only once the named recovery password protector is on the volume."""
    mount, volume = _volume(state, args["mount_point"])
    protectors = volume.setdefault("KeyProtector", [])
    wanted = args["recovery_protector_id"].upper()
    if not any(
        protector.get("KeyProtectorType") == "RecoveryPassword"
        and str(protector.get("KeyProtectorId")).upper() == wanted
        for protector in protectors
    ):
        raise OpError(
            "not_found",
            f"refusing to turn protection on: {mount} has no recovery password protector "
            f"{args['recovery_protector_id']} (the controller adds and escrows one first)",
        )
    if not any(protector.get("KeyProtectorType") in TPM_PROTECTOR_TYPES for protector in protectors):
        tpm = state.get("tpm") or {}
        if not tpm.get("TpmPresent", False):
            raise OpError("not_supported", "this host has no TPM")
        if not tpm.get("TpmReady", False):
            raise OpError("failed", "the TPM is not ready (initialize it first)")
        if volume.get("VolumeType") != "OperatingSystem":
            raise OpError("failed", "Win32_EncryptableVolume.ProtectKeyWithTPM returned 0x80310028")
        protectors.append({"KeyProtectorType": "Tpm", "KeyProtectorId": _protector_id()})
    status = volume.get("VolumeStatus")
    if status == "FullyDecrypted":
        if args.get("skip_hardware_test", False):
            volume.update(
                VolumeStatus="EncryptionInProgress",
                EncryptionPercentage=0,
                EncryptionMethod=DEFAULT_ENCRYPTION_METHOD,
                ProtectionStatus="Off",
            )
        else:
            volume["HardwareTestPending"] = True
    elif status == "FullyEncrypted" and volume.get("ProtectionStatus") != "On":
        volume["ProtectionStatus"] = "On"
    return {"volume": volume_entry(mount, volume)}


def finish_encryption(state: dict) -> None:
    """What the restart after the hardware test and the hours of background encryption do (lab tests only):
    pending and running encryptions complete, and protection goes on where the volume has a key protector."""
    for volume in (state.get("bitlocker") or {}).get("volumes", {}).values():
        if not isinstance(volume, dict):
            continue
        if volume.pop("HardwareTestPending", False) or volume.get("VolumeStatus") == "EncryptionInProgress":
            method = volume.get("EncryptionMethod")
            volume.update(
                VolumeStatus="FullyEncrypted",
                EncryptionPercentage=100,
                EncryptionMethod=method if method not in (None, "None") else DEFAULT_ENCRYPTION_METHOD,
            )
            if volume.get("KeyProtector"):
                volume["ProtectionStatus"] = "On"


OPS = (
    Op("bitlocker.volumes", bitlocker_volumes),
    Op("bitlocker.tpm", bitlocker_tpm),
    Op("bitlocker.add_recovery_password", bitlocker_add_recovery_password),
    Op("bitlocker.enable", bitlocker_enable),
)
