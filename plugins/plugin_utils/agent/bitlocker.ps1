# onepacs.baseline agent, bitlocker ops. Sent after core.ps1 only when a request holds bitlocker.* ops.
# Handlers are found by name: op 'bitlocker.<verb>' runs function Invoke-OpBitlocker<Verb> (see core.ps1).


function Get-OnePacsEncryptableVolumeMap {
    # Win32_EncryptableVolume instances keyed by upper-case mount point: the drive letter ("C:") when the volume
    # has one, and always its DeviceID ("\\?\Volume{...}\"), which is what Get-BitLockerVolume reports otherwise.
    $query = @{ Namespace = 'root\cimv2\Security\MicrosoftVolumeEncryption'; ClassName = 'Win32_EncryptableVolume' }
    $map = @{}
    foreach ($volume in @(Get-CimInstance @query -ErrorAction Stop)) {
        if ($volume.DriveLetter) {
            $map[([string]$volume.DriveLetter).ToUpperInvariant()] = $volume
        }
        if ($volume.DeviceID) {
            $map[([string]$volume.DeviceID).ToUpperInvariant()] = $volume
        }
    }
    return $map
}

function Test-OnePacsHardwareTestPending {
    # GetHardwareTestStatus TestStatus: 0 none or passed, 1 failed, 2 pending (runs at the next restart).
    param($Encryptable)
    $status = Invoke-CimMethod -InputObject $Encryptable -MethodName 'GetHardwareTestStatus' -ErrorAction Stop
    return ([long]$status.ReturnValue -eq 0) -and ([long]$status.TestStatus -eq 2)
}

function ConvertTo-OnePacsBitLockerVolume {
    # One volume entry of bitlocker.volumes. Key protectors by type and id only: never a recovery password.
    param($Volume, $Encryptable)
    $protectors = [System.Collections.ArrayList]::new()
    foreach ($protector in @($Volume.KeyProtector)) {
        if ($null -eq $protector) {
            continue
        }
        $null = $protectors.Add([ordered]@{
            type = [string]$protector.KeyProtectorType
            id = [string]$protector.KeyProtectorId
        })
    }
    $volumeType = [string]$Volume.VolumeType
    $removable = $false
    $pending = $false
    if ($null -ne $Encryptable) {
        # Win32_EncryptableVolume.VolumeType: 0 OS, 1 fixed data, 2 portable (removable) data, 3 virtual.
        $typeProperty = $Encryptable.PSObject.Properties['VolumeType']
        if ($null -ne $typeProperty -and $null -ne $typeProperty.Value) {
            $removable = ([long]$typeProperty.Value -eq 2)
        }
        if ($volumeType -eq 'OperatingSystem') {
            $pending = [bool](Test-OnePacsHardwareTestPending -Encryptable $Encryptable)
        }
    }
    $autoUnlock = $null
    if ($null -ne $Volume.AutoUnlockEnabled) {
        $autoUnlock = [bool]$Volume.AutoUnlockEnabled
    }
    return [ordered]@{
        mount_point = [string]$Volume.MountPoint
        volume_type = $volumeType
        removable = $removable
        volume_status = [string]$Volume.VolumeStatus
        protection_status = [string]$Volume.ProtectionStatus
        encryption_percentage = [double]$Volume.EncryptionPercentage
        encryption_method = [string]$Volume.EncryptionMethod
        lock_status = [string]$Volume.LockStatus
        auto_unlock_enabled = $autoUnlock
        hardware_test_pending = $pending
        key_protectors = $protectors
    }
}

function Invoke-OpBitlockerVolumes {
    param($Op)
    $encryptable = Get-OnePacsEncryptableVolumeMap
    $entries = [System.Collections.ArrayList]::new()
    foreach ($volume in @(Get-BitLockerVolume -ErrorAction Stop)) {
        $key = ([string]$volume.MountPoint).ToUpperInvariant()
        $match = $null
        if ($encryptable.ContainsKey($key)) {
            $match = $encryptable[$key]
        }
        $null = $entries.Add((ConvertTo-OnePacsBitLockerVolume -Volume $volume -Encryptable $match))
    }
    return [ordered]@{ system_drive = [string]$env:SystemDrive; volumes = $entries }
}

function Invoke-OpBitlockerTpm {
    param($Op)
    return Get-OnePacsTpmState
}
