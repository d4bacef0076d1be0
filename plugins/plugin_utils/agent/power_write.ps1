# onepacs.baseline agent, power write ops: the handlers of the mutating power.* ops. Sent after core.ps1
# and power.ps1 (whose helpers they use) only when a request writes, so that a read-only request never
# carries them. Handlers are found by name, as in every agent file (see core.ps1).

function Invoke-OnePacsPowercfg {
    # Runs powercfg.exe and returns its exit code. Its text output is localised, so it is discarded unread.
    param([string[]]$ArgumentList)
    $powercfg = Join-Path -Path ([System.Environment]::SystemDirectory) -ChildPath 'powercfg.exe'
    if (-not (Test-Path -LiteralPath $powercfg -PathType Leaf)) {
        Stop-OnePacsOp -Code 'not_supported' -Message "$powercfg is missing"
    }
    # Windows PowerShell 5.1 turns native stderr lines into error records; under 'Stop' they would abort the op.
    $ErrorActionPreference = 'Continue'
    $null = & $powercfg @ArgumentList 2>&1
    return [int]$LASTEXITCODE
}

function Invoke-OpPowerSet {
    param($Op)
    $subgroup = ConvertTo-OnePacsGuid -Text (Get-OnePacsArg -Op $Op -Name 'subgroup' -Type 'string') -Name 'subgroup'
    $setting = ConvertTo-OnePacsGuid -Text (Get-OnePacsArg -Op $Op -Name 'setting' -Type 'string') -Name 'setting'
    # Power setting indexes are DWORDs.
    $ac = Get-OnePacsRangedInteger -Op $Op -Name 'ac' -Minimum 0 -Maximum 4294967295 -Optional
    $dc = Get-OnePacsRangedInteger -Op $Op -Name 'dc' -Minimum 0 -Maximum 4294967295 -Optional
    if ($null -eq $ac -and $null -eq $dc) {
        Stop-OnePacsOp -Code 'invalid_argument' -Message "power.set needs 'ac', 'dc' or both"
    }
    $acKey = Get-OnePacsPowerIndexKey -Source 'ac' -Setting $setting
    $dcKey = Get-OnePacsPowerIndexKey -Source 'dc' -Setting $setting
    $active = Get-OnePacsActivePowerScheme
    # powercfg's exit code cannot tell an unknown setting from other failures; CIM can, before anything changes.
    $before = Get-OnePacsPowerIndexes -Scheme $active.Scheme
    if (-not ($before.ContainsKey($acKey) -or $before.ContainsKey($dcKey))) {
        Stop-OnePacsOp -Code 'not_found' -Message "the active power scheme has no setting $setting"
    }
    $invariant = [System.Globalization.CultureInfo]::InvariantCulture
    $commands = [System.Collections.Generic.List[object]]::new()
    if ($null -ne $ac) {
        $index = $ac.ToString('0', $invariant)
        $commands.Add([string[]]@('/setacvalueindex', 'SCHEME_CURRENT', $subgroup, $setting, $index))
    }
    if ($null -ne $dc) {
        $index = $dc.ToString('0', $invariant)
        $commands.Add([string[]]@('/setdcvalueindex', 'SCHEME_CURRENT', $subgroup, $setting, $index))
    }
    # Changes to the active scheme take effect only once it is set active again.
    $commands.Add([string[]]@('/setactive', 'SCHEME_CURRENT'))
    foreach ($arguments in $commands) {
        $exitCode = Invoke-OnePacsPowercfg -ArgumentList $arguments
        if ($exitCode -ne 0) {
            $message = 'powercfg.exe ' + ($arguments -join ' ') + " exited with code $exitCode"
            Stop-OnePacsOp -Code 'failed' -Message $message
        }
    }
    $after = Get-OnePacsPowerIndexes -Scheme $active.Scheme
    return [ordered]@{
        scheme = $active.Scheme
        subgroup = $subgroup
        setting = $setting
        ac = $after[$acKey]
        dc = $after[$dcKey]
    }
}

function Invoke-OpPowerHibernate {
    param($Op)
    $enabled = Get-OnePacsArg -Op $Op -Name 'enabled' -Type 'bool'
    # powercfg needs elevation; checking first keeps access_denied apart from a host that cannot hibernate.
    if (-not (Test-OnePacsElevated)) {
        Stop-OnePacsOp -Code 'access_denied' -Message 'powercfg.exe /hibernate needs an elevated administrator'
    }
    $state = 'off'
    if ($enabled) {
        $state = 'on'
    }
    $exitCode = Invoke-OnePacsPowercfg -ArgumentList @('/hibernate', $state)
    if ($exitCode -ne 0) {
        $code = 'failed'
        if ($enabled) {
            # Elevated and still refused: the firmware or hypervisor offers no S4 sleep state.
            $code = 'not_supported'
        }
        Stop-OnePacsOp -Code $code -Message "powercfg.exe /hibernate $state exited with code $exitCode"
    }
    return [ordered]@{ hibernate_enabled = [bool](Get-OnePacsHibernateEnabled) }
}
