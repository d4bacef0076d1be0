# onepacs.baseline agent, defender ops. Sent after core.ps1 only when a request holds defender.* ops.
# Handlers are found by name: op 'defender.<verb>' runs function Invoke-OpDefender<Verb> (see core.ps1).

# ---------------------------------------------------------------------------------------------------------------
# Microsoft Defender Antivirus: the Defender cmdlets return objects (enum names, numbers, DateTime), never localised
# text. Where the Windows-Defender feature is removed the cmdlets or their CIM classes are missing, which core maps
# to not_supported.

function ConvertTo-OnePacsDefenderTime {
    # DateTime -> "YYYY-MM-DDTHH:MM:SSZ" (invariant culture); $null stays $null.
    param($Value)
    if ($null -eq $Value) {
        return $null
    }
    $invariant = [System.Globalization.CultureInfo]::InvariantCulture
    return ([datetime]$Value).ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ', $invariant)
}

function ConvertTo-OnePacsTimeOfDay {
    # ScanScheduleTime arrives as a TimeSpan or as a DateTime (platform versions differ); returns "HH:MM:SS".
    param($Value)
    if ($null -eq $Value) {
        return $null
    }
    $span = $Value
    if ($Value -is [datetime]) {
        $span = $Value.TimeOfDay
    }
    $invariant = [System.Globalization.CultureInfo]::InvariantCulture
    return ([timespan]$span).ToString('hh\:mm\:ss', $invariant)
}

function Test-OnePacsDefenderServiceDown {
    # The Defender cmdlets fail with HRESULT 0x800106BA when the antimalware service is not running (another
    # antivirus product is in charge). Windows reports it as a CimException whose message is generic and varies ("A
    # general error occurred that is not covered by a more specific error code.", "Operation failed with the
    # following error: 0x%1!x!", localised text) and whose code appears only in the ErrorRecord's
    # FullyQualifiedErrorId, 'HRESULT 0x800106ba,Get-MpComputerStatus' (recorded real output with its sources:
    # tests/data/recorded/defender/). So the id is matched, and HResult for wrappers that carry it; never the message.
    param([System.Management.Automation.ErrorRecord]$ErrorRecord)
    if ([string]$ErrorRecord.FullyQualifiedErrorId -match '^HRESULT 0x800106ba,') {
        return $true
    }
    $exception = $ErrorRecord.Exception
    while ($null -ne $exception) {
        if ($exception.HResult -eq -2147416390) {
            return $true
        }
        $exception = $exception.InnerException
    }
    return $false
}

function Get-OnePacsOptionalProperty {
    # A property that older platform versions lack; $null when absent.
    param($InputObject, [string]$Name)
    $property = $InputObject.PSObject.Properties[$Name]
    if ($null -eq $property) {
        return $null
    }
    return $property.Value
}

function Get-OnePacsDefenderPreferences {
    # Returns the defender.preferences shape from Get-MpPreference.
    try {
        $preference = Get-MpPreference -ErrorAction Stop
    }
    catch {
        if (-not (Test-OnePacsDefenderServiceDown -ErrorRecord $_)) {
            throw
        }
        $message = 'the Microsoft Defender Antivirus service is not running (HRESULT 0x800106BA from ' +
            'Get-MpPreference): another antivirus product is probably in charge'
        Stop-OnePacsOp -Code 'not_supported' -Message $message
    }
    $exclusions = [System.Collections.ArrayList]::new()
    foreach ($path in @($preference.ExclusionPath)) {
        if ($null -eq $path) {
            continue
        }
        # Non-administrators get this placeholder instead of the list.
        if ([string]$path -like 'N/A:*') {
            Stop-OnePacsOp -Code 'access_denied' -Message 'Defender exclusions are visible to administrators only'
        }
        $null = $exclusions.Add([string]$path)
    }
    return [ordered]@{
        exclusion_paths = $exclusions
        disable_realtime_monitoring = [bool]$preference.DisableRealtimeMonitoring
        scan_schedule_day = [int]$preference.ScanScheduleDay
        scan_schedule_time = ConvertTo-OnePacsTimeOfDay -Value $preference.ScanScheduleTime
        scan_parameters = [int]$preference.ScanParameters
    }
}

function Get-OnePacsSignatureState {
    # The signature fields of Get-MpComputerStatus as an ordered dictionary.
    param($Status)
    $age = $null
    if ($null -ne $Status.AntivirusSignatureAge) {
        $age = [long]$Status.AntivirusSignatureAge
    }
    return [ordered]@{
        signature_age_days = $age
        signature_last_updated = ConvertTo-OnePacsDefenderTime -Value $Status.AntivirusSignatureLastUpdated
        signature_version = [string]$Status.AntivirusSignatureVersion
    }
}

function Invoke-OpDefenderStatus {
    param($Op)
    try {
        $status = Get-MpComputerStatus -ErrorAction Stop
    }
    catch {
        if (-not (Test-OnePacsDefenderServiceDown -ErrorRecord $_)) {
            throw
        }
        return [ordered]@{
            am_service_enabled = $false
            antivirus_enabled = $null
            am_running_mode = 'Not running'
            real_time_protection_enabled = $null
            tamper_protected = $null
            signature_age_days = $null
            signature_last_updated = $null
            signature_version = $null
        }
    }
    $mode = Get-OnePacsOptionalProperty -InputObject $status -Name 'AMRunningMode'
    $tamper = Get-OnePacsOptionalProperty -InputObject $status -Name 'IsTamperProtected'
    $result = [ordered]@{
        am_service_enabled = [bool]$status.AMServiceEnabled
        antivirus_enabled = [bool]$status.AntivirusEnabled
        am_running_mode = $null
        real_time_protection_enabled = [bool]$status.RealTimeProtectionEnabled
        tamper_protected = $null
    }
    if ($null -ne $mode) {
        $result['am_running_mode'] = [string]$mode
    }
    if ($null -ne $tamper) {
        $result['tamper_protected'] = [bool]$tamper
    }
    $signatures = Get-OnePacsSignatureState -Status $status
    foreach ($name in $signatures.Keys) {
        $result[$name] = $signatures[$name]
    }
    return $result
}

function Invoke-OpDefenderPreferences {
    param($Op)
    return Get-OnePacsDefenderPreferences
}

function Invoke-OpDefenderProducts {
    param($Op)
    # The namespace exists on client Windows only; on Windows Server CIM reports InvalidNamespace (not_supported).
    $query = @{ Namespace = 'root\SecurityCenter2'; ClassName = 'AntiVirusProduct' }
    $products = [System.Collections.ArrayList]::new()
    foreach ($product in @(Get-CimInstance @query -ErrorAction Stop)) {
        $null = $products.Add([ordered]@{
            display_name = [string]$product.displayName
            instance_guid = [string]$product.instanceGuid
            product_state = [long]$product.productState
            path_to_signed_product_exe = [string]$product.pathToSignedProductExe
            timestamp = [string]$product.timestamp
        })
    }
    return [ordered]@{ products = $products }
}

function Invoke-OpDefenderInstallDirs {
    param($Op)
    $keys = Get-OnePacsArg -Op $Op -Name 'keys' -Type 'list'
    $names = Get-OnePacsArg -Op $Op -Name 'values' -Type 'list'
    foreach ($item in @($keys) + @($names)) {
        if (-not ($item -is [string])) {
            Stop-OnePacsOp -Code 'invalid_argument' -Message "arguments 'keys' and 'values' must be lists of strings"
        }
    }
    $installations = [System.Collections.ArrayList]::new()
    foreach ($path in $keys) {
        $location = Resolve-OnePacsRegistryPath -Path $path
        $hiveKey = Open-OnePacsRegistryHive -Hive $location.Hive
        try {
            $key = $hiveKey.OpenSubKey($location.SubKey, $false)
            if ($null -eq $key) {
                continue
            }
            try {
                $subKeyNames = [string[]]$key.GetSubKeyNames()
                [System.Array]::Sort($subKeyNames, [System.StringComparer]::OrdinalIgnoreCase)
                foreach ($subKeyName in $subKeyNames) {
                    $entry = Get-OnePacsInstallValues -Key $key -Path $path -SubKeyName $subKeyName -Names $names
                    $null = $installations.Add($entry)
                }
            }
            finally {
                $key.Close()
            }
        }
        finally {
            $hiveKey.Close()
        }
    }
    return [ordered]@{ installations = $installations }
}

function Get-OnePacsInstallValues {
    # One installations entry: the subkey's full path and the asked string values (expanded), $null otherwise.
    param($Key, [string]$Path, [string]$SubKeyName, $Names)
    $values = [ordered]@{}
    $subKey = $Key.OpenSubKey($SubKeyName, $false)
    try {
        foreach ($name in $Names) {
            $values[$name] = $null
            if ($null -eq $subKey) {
                continue
            }
            $data = $subKey.GetValue($name, $null)
            if ($data -is [string]) {
                $values[$name] = $data
            }
        }
    }
    finally {
        if ($null -ne $subKey) {
            $subKey.Close()
        }
    }
    return [ordered]@{ key = ($Path.TrimEnd('\') + '\' + $SubKeyName); values = $values }
}
