# onepacs.baseline agent, bitlocker write ops: the handlers of the mutating bitlocker.* ops. Sent after core.ps1
# and bitlocker.ps1 (whose helpers they use) only when a request writes, so that a read-only request never
# carries them. Handlers are found by name, as in every agent file (see core.ps1).

function Get-OnePacsEncryptableVolume {
    # The Win32_EncryptableVolume of one mount point; not_found when BitLocker has no such volume.
    param([string]$MountPoint)
    $map = Get-OnePacsEncryptableVolumeMap
    $key = $MountPoint.ToUpperInvariant()
    if (-not $map.ContainsKey($key)) {
        $key = $MountPoint.TrimEnd('\').ToUpperInvariant()
    }
    if (-not $map.ContainsKey($key)) {
        Stop-OnePacsOp -Code 'not_found' -Message "BitLocker has no volume '$MountPoint'"
    }
    return $map[$key]
}

function Assert-OnePacsCimSuccess {
    # Win32_EncryptableVolume methods report failure as a non-zero HRESULT in ReturnValue, not as an exception.
    param($Result, [string]$Method)
    $code = [long]$Result.ReturnValue
    if ($code -ne 0) {
        # ReturnValue is a UInt32; a signed reading of the same HRESULT is turned back into its unsigned bits.
        if ($code -lt 0) {
            $code = $code + 4294967296
        }
        $hex = '0x' + $code.ToString('X8', [System.Globalization.CultureInfo]::InvariantCulture)
        Stop-OnePacsOp -Code 'failed' -Message "Win32_EncryptableVolume.$Method returned $hex"
    }
}

function Get-OnePacsBitLockerVolumeEntry {
    # The bitlocker.volumes entry of one mount point, read now.
    param([string]$MountPoint)
    $volume = Get-BitLockerVolume -MountPoint $MountPoint -ErrorAction Stop
    $encryptable = Get-OnePacsEncryptableVolume -MountPoint $MountPoint
    return ConvertTo-OnePacsBitLockerVolume -Volume $volume -Encryptable $encryptable
}

function Test-OnePacsTpmProtector {
    param($Volume)
    $tpmTypes = @('Tpm', 'TpmPin', 'TpmStartupKey', 'TpmPinStartupKey')
    foreach ($protector in @($Volume.KeyProtector)) {
        if ($null -ne $protector -and $tpmTypes -contains [string]$protector.KeyProtectorType) {
            return $true
        }
    }
    return $false
}

function Invoke-OpBitlockerAddRecoveryPassword {
    param($Op)
    $mountPoint = Get-OnePacsArg -Op $Op -Name 'mount_point' -Type 'string'
    $encryptable = Get-OnePacsEncryptableVolume -MountPoint $mountPoint
    # Nothing here may print: warnings and progress could carry the password outside the result frame.
    $WarningPreference = 'SilentlyContinue'
    $added = Invoke-CimMethod -InputObject $encryptable -MethodName 'ProtectKeyWithNumericalPassword' -ErrorAction Stop
    Assert-OnePacsCimSuccess -Result $added -Method 'ProtectKeyWithNumericalPassword'
    $protectorId = [string]$added.VolumeKeyProtectorID
    $arguments = @{ VolumeKeyProtectorID = $protectorId }
    $method = 'GetKeyProtectorNumericalPassword'
    $secret = Invoke-CimMethod -InputObject $encryptable -MethodName $method -Arguments $arguments -ErrorAction Stop
    Assert-OnePacsCimSuccess -Result $secret -Method $method
    $entry = Get-OnePacsBitLockerVolumeEntry -MountPoint $mountPoint
    return [ordered]@{
        mount_point = $entry['mount_point']
        key_protector_id = $protectorId
        recovery_password = [string]$secret.NumericalPassword
        key_protectors = $entry['key_protectors']
    }
}

function Invoke-OpBitlockerEnable {
    param($Op)
    $mountPoint = Get-OnePacsArg -Op $Op -Name 'mount_point' -Type 'string'
    $recoveryId = Get-OnePacsArg -Op $Op -Name 'recovery_protector_id' -Type 'string'
    $skipTest = Get-OnePacsArg -Op $Op -Name 'skip_hardware_test' -Type 'bool' -Optional
    $WarningPreference = 'SilentlyContinue'
    $volume = Get-BitLockerVolume -MountPoint $mountPoint -ErrorAction Stop
    $escrowed = $false
    foreach ($protector in @($volume.KeyProtector)) {
        $isRecovery = ($null -ne $protector) -and ([string]$protector.KeyProtectorType -eq 'RecoveryPassword')
        if ($isRecovery -and ([string]$protector.KeyProtectorId -eq $recoveryId)) {
            $escrowed = $true
        }
    }
    if (-not $escrowed) {
        $message = "refusing to turn protection on: $mountPoint has no recovery password protector $recoveryId " +
            '(the controller adds and escrows one first)'
        Stop-OnePacsOp -Code 'not_found' -Message $message
    }
    $encryptable = Get-OnePacsEncryptableVolume -MountPoint $mountPoint
    if (-not (Test-OnePacsTpmProtector -Volume $volume)) {
        $tpm = Get-Tpm -ErrorAction Stop
        if (-not $tpm.TpmPresent) {
            Stop-OnePacsOp -Code 'not_supported' -Message 'this host has no TPM'
        }
        if (-not $tpm.TpmReady) {
            Stop-OnePacsOp -Code 'failed' -Message 'the TPM is not ready (initialize it first)'
        }
        $added = Invoke-CimMethod -InputObject $encryptable -MethodName 'ProtectKeyWithTPM' -ErrorAction Stop
        Assert-OnePacsCimSuccess -Result $added -Method 'ProtectKeyWithTPM'
    }
    $status = [string]$volume.VolumeStatus
    if ($status -eq 'FullyDecrypted') {
        # Encrypt starts now; EncryptAfterHardwareTest starts after the hardware test at the next restart.
        $method = 'EncryptAfterHardwareTest'
        if ($skipTest) {
            $method = 'Encrypt'
        }
        $started = Invoke-CimMethod -InputObject $encryptable -MethodName $method -ErrorAction Stop
        Assert-OnePacsCimSuccess -Result $started -Method $method
    }
    elseif ($status -eq 'FullyEncrypted' -and [string]$volume.ProtectionStatus -ne 'On') {
        $enabled = Invoke-CimMethod -InputObject $encryptable -MethodName 'EnableKeyProtectors' -ErrorAction Stop
        Assert-OnePacsCimSuccess -Result $enabled -Method 'EnableKeyProtectors'
    }
    return [ordered]@{ volume = (Get-OnePacsBitLockerVolumeEntry -MountPoint $mountPoint) }
}
