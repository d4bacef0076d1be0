# onepacs.baseline agent, power ops. Sent after core.ps1 only when a request holds power.* ops.
# Handlers are found by name: op 'power.<verb>' runs function Invoke-OpPower<Verb> (see core.ps1).

# ---------------------------------------------------------------------------------------------------------------
# Power: read through CIM (root\cimv2\power), write through powercfg.exe and judge it by its exit code only.

function Get-OnePacsActivePowerScheme {
    # Returns @{ Scheme = guid; Name = localised display name } of the active power plan.
    $query = @{ Namespace = 'root\cimv2\power'; ClassName = 'Win32_PowerPlan'; Filter = 'IsActive = TRUE' }
    $plans = @(Get-CimInstance @query -ErrorAction Stop)
    if ($plans.Count -eq 0) {
        Stop-OnePacsOp -Code 'not_found' -Message 'no active power scheme'
    }
    # InstanceID looks like "Microsoft:PowerPlan\{381b4222-f694-41f0-9685-ff5bb260df2e}".
    $match = [regex]::Match([string]$plans[0].InstanceID, '\{([0-9A-Fa-f-]{36})\}')
    if (-not $match.Success) {
        Stop-OnePacsOp -Code 'failed' -Message ('unexpected Win32_PowerPlan InstanceID ' + $plans[0].InstanceID)
    }
    return @{ Scheme = $match.Groups[1].Value.ToLowerInvariant(); Name = [string]$plans[0].ElementName }
}

function Get-OnePacsPowerIndexes {
    # Returns a table "ac|dc\{setting}" -> index value for every setting of one scheme, from one CIM query.
    # Win32_PowerSettingDataIndex InstanceIDs look like "Microsoft:PowerSettingDataIndex\{scheme}\AC\{setting}".
    param([string]$Scheme)
    $indexes = @{}
    $filter = "InstanceID LIKE '%{" + $Scheme + "}%'"
    $prefix = ('Microsoft:PowerSettingDataIndex\{' + $Scheme + '}\').ToLowerInvariant()
    $query = @{ Namespace = 'root\cimv2\power'; ClassName = 'Win32_PowerSettingDataIndex'; Filter = $filter }
    foreach ($index in @(Get-CimInstance @query -ErrorAction Stop)) {
        $id = ([string]$index.InstanceID).ToLowerInvariant()
        if ($id.StartsWith($prefix, [System.StringComparison]::Ordinal)) {
            $indexes[$id.Substring($prefix.Length)] = [long]$index.SettingIndexValue
        }
    }
    return $indexes
}

function Get-OnePacsPowerIndexKey {
    param([string]$Source, [string]$Setting)
    return ($Source + '\{' + $Setting + '}')
}

function Get-OnePacsHibernateEnabled {
    # HibernateEnabled is what powercfg /hibernate writes; HibernateEnabledDefault stands in until it is written.
    $power = 'HKLM:\SYSTEM\CurrentControlSet\Control\Power'
    $enabled = Get-OnePacsRegistryData -Path $power -Name 'HibernateEnabled' -Default $null
    if ($null -eq $enabled) {
        $enabled = Get-OnePacsRegistryData -Path $power -Name 'HibernateEnabledDefault' -Default 0
    }
    return ($enabled -is [long]) -and ($enabled -ne 0)
}

function Invoke-OpPowerQuery {
    param($Op)
    $settings = Get-OnePacsArg -Op $Op -Name 'settings' -Type 'list'
    $asked = [System.Collections.Generic.List[object]]::new()
    foreach ($entry in $settings) {
        if (-not ($entry -is [System.Management.Automation.PSCustomObject])) {
            $message = 'each of settings must be {"subgroup": guid, "setting": guid}'
            Stop-OnePacsOp -Code 'invalid_argument' -Message $message
        }
        $subgroup = Get-OnePacsArg -Op $entry -Name 'subgroup' -Type 'string'
        $setting = Get-OnePacsArg -Op $entry -Name 'setting' -Type 'string'
        $asked.Add(@{
            Subgroup = ConvertTo-OnePacsGuid -Text $subgroup -Name 'subgroup'
            Setting = ConvertTo-OnePacsGuid -Text $setting -Name 'setting'
        })
    }
    $active = Get-OnePacsActivePowerScheme
    $values = [System.Collections.ArrayList]::new()
    if ($asked.Count -gt 0) {
        $indexes = Get-OnePacsPowerIndexes -Scheme $active.Scheme
        foreach ($item in $asked) {
            $null = $values.Add([ordered]@{
                subgroup = $item.Subgroup
                setting = $item.Setting
                ac = $indexes[(Get-OnePacsPowerIndexKey -Source 'ac' -Setting $item.Setting)]
                dc = $indexes[(Get-OnePacsPowerIndexKey -Source 'dc' -Setting $item.Setting)]
            })
        }
    }
    return [ordered]@{
        scheme = $active.Scheme
        scheme_name = $active.Name
        values = $values
        hibernate_enabled = [bool](Get-OnePacsHibernateEnabled)
    }
}
