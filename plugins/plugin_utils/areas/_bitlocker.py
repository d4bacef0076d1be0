"""Encryption area (ENC-01, ENC-02): BitLocker on the system drive with a TPM protector, fixed data volumes
encrypted.

ENC-01 is audited unless `enable_os_volume` is set. Enabling is two host steps with controller work between them
(see _escrow.py): add a recovery password protector, escrow the password in `escrow_dir`, and only then turn
protection on with a TPM protector. It never reboots: a fully decrypted volume either starts encrypting in the
background (`skip_hardware_test`) or after BitLocker's hardware test at the next restart, which the host's owner
schedules (reboot_required).

ENC-02 is audit only. Only volumes with a drive letter count: Windows also lists hidden system partitions
(recovery, EFI) that hold no user data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from .._findings import Change, Finding
from ..agent._sealing import PUBLIC_KEY_ARG
from ..agent._transport import OpResult
from ._area import Area, InvalidOptionError, decides
from ._escrow import ADD_RECOVERY_PASSWORD_OP, ENABLE_OP, ESCROWED_TO
from ._escrow_dir import escrow_dir_problem

TPM_PROTECTOR_TYPES = frozenset({"Tpm", "TpmPin", "TpmStartupKey", "TpmPinStartupKey"})
#: VolumeStatus values while BitLocker converts a volume: nothing is changed until it finishes.
CONVERTING = frozenset(
    {
        "EncryptionInProgress",
        "DecryptionInProgress",
        "EncryptionSuspended",
        "DecryptionSuspended",
        "EncryptionPaused",
        "DecryptionPaused",
    }
)
_DRIVE_LETTER = re.compile(r"^[A-Za-z]:\\?$")

OPTIONS: dict[str, dict[str, Any]] = {
    "enable_os_volume": {"type": "bool", "default": False},
    "escrow_dir": {"type": "path"},
    "escrow_dir_persistent": {"type": "bool", "default": False},
    "skip_hardware_test": {"type": "bool", "default": False},
}

ENC01_EXPECTED = {"volume_status": "FullyEncrypted", "protection_status": "On", "tpm_protector": True}
ENC02_EXPECTED = "every fixed data volume FullyEncrypted with protection On"


def protector_types(volume: Mapping[str, Any]) -> list[str]:
    return [str(protector.get("type")) for protector in volume.get("key_protectors") or []]


def has_tpm_protector(volume: Mapping[str, Any]) -> bool:
    return any(kind in TPM_PROTECTOR_TYPES for kind in protector_types(volume))


def is_protected(volume: Mapping[str, Any]) -> bool:
    return volume.get("volume_status") == "FullyEncrypted" and volume.get("protection_status") == "On"


def describe_volume(volume: Mapping[str, Any]) -> str:
    """ "FullyDecrypted, protection Off, protectors: none" - never more than types (no ids, no secrets)."""
    status = str(volume.get("volume_status"))
    if status in CONVERTING:
        status += f" {volume.get('encryption_percentage')}%"
    protectors = ", ".join(protector_types(volume)) or "none"
    return f"{status}, protection {volume.get('protection_status')}, protectors: {protectors}"


def _volume_actual(volume: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "mount_point": volume.get("mount_point"),
        "volume_status": volume.get("volume_status"),
        "protection_status": volume.get("protection_status"),
        "encryption_percentage": volume.get("encryption_percentage"),
        "key_protectors": protector_types(volume),
    }


def _volumes_unreadable(control_id: str, expected: Any, volumes: OpResult, consequence: str) -> Finding:
    """The finding when bitlocker.volumes failed: a host without BitLocker fails the control (`consequence` says
    what that means for it), any other failure is an error."""
    if volumes.code == "not_supported":
        return Finding.compare(
            control_id,
            expected=expected,
            actual="BitLocker not available",
            compliant=False,
            message=f"BitLocker is not available on this host ({volumes.error}), so {consequence}",
        )
    return Finding.error(control_id, f"could not read BitLocker volumes: {volumes.describe_error()}", expected)


class BitLockerArea(Area):
    module: ClassVar[str] = "win_bitlocker"
    options: ClassVar[dict[str, dict[str, Any]]] = OPTIONS

    def validate(self) -> None:
        escrow_dir = self.params.get("escrow_dir")
        if self.params["enable_os_volume"] and not escrow_dir:
            raise InvalidOptionError(
                "escrow_dir: required when enable_os_volume is true (the recovery password is escrowed there, on the "
                "controller, before BitLocker protection is turned on)"
            )
        persistent = bool(self.params.get("escrow_dir_persistent"))
        if escrow_dir and (problem := escrow_dir_problem(str(escrow_dir), persistent=persistent)):
            raise InvalidOptionError(f"escrow_dir: {problem}")

    def probe_ops(self) -> dict[str, dict[str, Any]]:
        return {"volumes": {"op": "bitlocker.volumes"}, "tpm": {"op": "bitlocker.tpm"}}

    def evaluate(self, results: Mapping[str, OpResult]) -> list[Finding]:
        return [self._os_volume(results["volumes"], results["tpm"]), self._data_volumes(results["volumes"])]

    # ------------------------------------------------------------------------------------------------ ENC-01

    @decides("ENC-01")
    def _os_volume(self, volumes: OpResult, tpm: OpResult) -> Finding:
        if not volumes.ok:
            return _volumes_unreadable(
                "ENC-01",
                ENC01_EXPECTED,
                volumes,
                "the system drive is not BitLocker-encrypted: on Windows Server install the BitLocker feature "
                "(Install-WindowsFeature BitLocker, then restart); Windows Home has no BitLocker. Not changed by this "
                "module",
            )
        system_drive = str(volumes.value.get("system_drive") or "C:").rstrip("\\")
        volume = self._system_volume(volumes.value.get("volumes") or [], system_drive)
        if volume is None:
            return Finding.error("ENC-01", f"BitLocker lists no volume for the system drive {system_drive}")
        mount = str(volume.get("mount_point"))
        actual = _volume_actual(volume)
        state = describe_volume(volume)
        if is_protected(volume) and has_tpm_protector(volume):
            return Finding.compare(
                "ENC-01",
                expected=ENC01_EXPECTED,
                actual=actual,
                compliant=True,
                message=f"system drive {mount} is {state}",
            )

        def drifted(message: str, changes: tuple[Change, ...] = (), reboot_required: bool = False) -> Finding:
            return Finding.compare(
                "ENC-01",
                expected=ENC01_EXPECTED,
                actual=actual,
                compliant=False,
                changes=changes,
                message=f"system drive {mount} is {state}; {message}",
                reboot_required=reboot_required,
            )

        if volume.get("volume_status") in CONVERTING:
            return drifted("BitLocker is converting the volume; nothing is changed until it finishes")
        if volume.get("volume_status") == "FullyDecrypted" and volume.get("hardware_test_pending"):
            return drifted(
                "BitLocker is on and encryption starts after its hardware test at the next restart (not rebooted)",
                reboot_required=True,
            )
        if not self.params["enable_os_volume"]:
            return drifted(
                "turning BitLocker on is opt-in: set enable_os_volume (with escrow_dir for the recovery password)"
            )
        blocker = self._tpm_blocker(tpm, volume)
        if blocker:
            return drifted(f"cannot turn BitLocker on: {blocker}; not changed")
        decrypted = volume.get("volume_status") == "FullyDecrypted"
        return drifted(
            "turning it on escrows a new recovery password first, then adds the TPM protector",
            changes=self._enable_changes(mount, volume),
            reboot_required=decrypted and not self.params["skip_hardware_test"],
        )

    @staticmethod
    def _system_volume(volumes: Sequence[Mapping[str, Any]], system_drive: str) -> Mapping[str, Any] | None:
        for volume in volumes:
            if str(volume.get("mount_point", "")).rstrip("\\").casefold() == system_drive.casefold():
                return volume
        return next((volume for volume in volumes if volume.get("volume_type") == "OperatingSystem"), None)

    @staticmethod
    def _tpm_blocker(tpm: OpResult, volume: Mapping[str, Any]) -> str | None:
        if has_tpm_protector(volume):
            return None
        if not tpm.ok:
            return f"the TPM could not be read ({tpm.describe_error()})"
        if not tpm.value.get("present"):
            return "this host has no TPM (turn it on in the firmware setup, or use a host with one)"
        if not tpm.value.get("ready"):
            return "the TPM is present but not ready (initialize it: Initialize-Tpm, or tpm.msc / the firmware setup)"
        return None

    def _target(self, volume: Mapping[str, Any]) -> str:
        if volume.get("volume_status") != "FullyDecrypted":
            return "TPM protector, protection On"
        if self.params["skip_hardware_test"]:
            return "TPM protector; encrypting in the background, protection turns On when it completes"
        return "TPM protector; encryption starts after the hardware test at the next restart (not rebooted)"

    def _enable_changes(self, mount: str, volume: Mapping[str, Any]) -> tuple[Change, ...]:
        escrowed = f"new protector, escrowed to {self.params['escrow_dir']}"
        target = self._target(volume)
        skip = bool(self.params["skip_hardware_test"])

        def enabled(value: Mapping[str, Any]) -> str:
            after = value["volume"]
            if not has_tpm_protector(after):
                return describe_volume(after)
            if target.endswith("protection On"):
                reached = is_protected(after)
            elif skip:
                reached = after.get("volume_status") in ("EncryptionInProgress", "FullyEncrypted")
            else:
                reached = bool(after.get("hardware_test_pending")) or after.get("volume_status") in (
                    "EncryptionInProgress",
                    "FullyEncrypted",
                )
            return target if reached else describe_volume(after)

        return (
            Change(
                setting=f"{mount} recovery password",
                before="none escrowed by this module",
                after=escrowed,
                # public_key is made by the apply step for this op alone (_escrow.apply_with_escrow); sent as is, the
                # op is refused for the missing argument before any protector is added.
                op={"op": ADD_RECOVERY_PASSWORD_OP, "mount_point": mount, PUBLIC_KEY_ARG: None},
                read_back=lambda value: escrowed if value.get(ESCROWED_TO) else "not escrowed",
            ),
            Change(
                setting=f"{mount} BitLocker",
                before=describe_volume(volume),
                after=target,
                # recovery_protector_id is filled in by the apply step once that protector's password is escrowed
                # (_escrow.apply_with_escrow); sent as is, the op is refused for the missing argument.
                op={"op": ENABLE_OP, "mount_point": mount, "recovery_protector_id": None, "skip_hardware_test": skip},
                read_back=enabled,
            ),
        )

    # ------------------------------------------------------------------------------------------------ ENC-02

    @decides("ENC-02")
    def _data_volumes(self, volumes: OpResult) -> Finding:
        if not volumes.ok:
            return _volumes_unreadable(
                "ENC-02", ENC02_EXPECTED, volumes, "no data volume is BitLocker-encrypted (audit only)"
            )
        data = [
            volume
            for volume in volumes.value.get("volumes") or []
            if volume.get("volume_type") == "Data"
            and not volume.get("removable")
            and _DRIVE_LETTER.match(str(volume.get("mount_point", "")))
        ]
        actual = {str(volume.get("mount_point")): describe_volume(volume) for volume in data}
        exposed = [volume for volume in data if not (is_protected(volume) or volume.get("lock_status") == "Locked")]
        if not data:
            message = "no fixed data volumes"
        elif exposed:
            listing = "; ".join(f"{volume.get('mount_point')} ({describe_volume(volume)})" for volume in exposed)
            message = (
                f"not encrypted: {listing} (audit only: turn BitLocker on for each, with auto-unlock, and escrow "
                "its recovery password)"
            )
        else:
            message = f"encrypted: {', '.join(actual)}"
        return Finding.compare("ENC-02", expected=ENC02_EXPECTED, actual=actual, compliant=not exposed, message=message)
