# onepacs.baseline agent, bitlocker write ops: the handlers of the mutating bitlocker.* ops. Sent after core.ps1
# and bitlocker.ps1 (whose helpers they use) only when a request writes, so that a read-only request never
# carries them. Handlers are found by name, as in every agent file (see core.ps1).

# ---------------------------------------------------------------------------------------------------------------
# BitLocker: reads through Get-BitLockerVolume and Get-Tpm (enum names, never localised text), writes through the
# Win32_EncryptableVolume CIM methods, judged by their HRESULT return values. The CIM methods print nothing, unlike
# Add-BitLockerKeyProtector, whose warning stream spells out the new recovery password.
#
# Secrets: only Invoke-OpBitlockerAddRecoveryPassword returns a recovery password, once, in its result, and only
# sealed with the public key the controller sent for that op (RSA-OAEP, Protect-OnePacsSecret): it never crosses the
# connection in clear. No other output of this file ever contains one: volume entries list protector types and ids.
function Protect-OnePacsSecret {
    # The secret encrypted with the op's public key, base64: RSACryptoServiceProvider.Encrypt with fOAEP $true is
    # RSA-OAEP with SHA-1 (learn.microsoft.com/dotnet/api/system.security.cryptography.rsacryptoserviceprovider.encrypt).
    # RSAParameters takes Modulus and Exponent as big-endian bytes; a public-only import uses a verify-context
    # provider, so no key container is created on the host. See plugin_utils/agent/_sealing.py for the sources.
    param($PublicKey, [string]$Secret)
    if ([string]$PublicKey.algorithm -ne 'RSA-OAEP-SHA1') {
        Stop-OnePacsOp -Code 'invalid_argument' -Message "public_key: unsupported algorithm '$($PublicKey.algorithm)'"
    }
    $parameters = New-Object -TypeName System.Security.Cryptography.RSAParameters
    try {
        $parameters.Modulus = [System.Convert]::FromBase64String([string]$PublicKey.modulus)
        $parameters.Exponent = [System.Convert]::FromBase64String([string]$PublicKey.exponent)
    }
    catch {
        Stop-OnePacsOp -Code 'invalid_argument' -Message 'public_key: modulus and exponent must be base64'
    }
    $rsa = New-Object -TypeName System.Security.Cryptography.RSACryptoServiceProvider
    try {
        $rsa.ImportParameters($parameters)
        $sealed = $rsa.Encrypt([System.Text.Encoding]::UTF8.GetBytes($Secret), $true)
    }
    finally {
        $rsa.Dispose()
    }
    return [System.Convert]::ToBase64String($sealed)
}

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
    # Checked before anything changes (a trial seal): without a usable key to seal it with, no protector is added.
    $publicKey = Get-OnePacsArg -Op $Op -Name 'public_key' -Type 'dict'
    $null = Protect-OnePacsSecret -PublicKey $publicKey -Secret ('0' * 55)
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
    $sealed = Protect-OnePacsSecret -PublicKey $publicKey -Secret ([string]$secret.NumericalPassword)
    $secret = $null
    $entry = Get-OnePacsBitLockerVolumeEntry -MountPoint $mountPoint
    return [ordered]@{
        mount_point = $entry['mount_point']
        key_protector_id = $protectorId
        sealed_recovery_password = $sealed
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
