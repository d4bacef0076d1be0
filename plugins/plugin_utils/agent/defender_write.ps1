# onepacs.baseline agent, defender write ops: the handlers of the mutating defender.* ops. Sent after core.ps1
# and defender.ps1 (whose helpers they use) only when a request writes, so that a read-only request never
# carries them. Handlers are found by name, as in every agent file (see core.ps1).

function Invoke-OpDefenderSet {
    param($Op)
    $disable = Get-OnePacsArg -Op $Op -Name 'disable_realtime_monitoring' -Type 'bool' -Optional
    $day = Get-OnePacsRangedInteger -Op $Op -Name 'scan_schedule_day' -Minimum 0 -Maximum 8 -Optional
    $timeText = Get-OnePacsArg -Op $Op -Name 'scan_schedule_time' -Type 'string' -Optional
    $settings = @{}
    if ($null -ne $disable) {
        $settings['DisableRealtimeMonitoring'] = [bool]$disable
    }
    if ($null -ne $day) {
        # ScanScheduleDay takes the Day enum; its numeric values are the protocol's (0 Everyday .. 8 Never).
        $settings['ScanScheduleDay'] = [int]$day
    }
    if ($null -ne $timeText) {
        if ($timeText -notmatch '^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$') {
            Stop-OnePacsOp -Code 'invalid_argument' -Message "argument 'scan_schedule_time' must be HH:MM:SS"
        }
        $invariant = [System.Globalization.CultureInfo]::InvariantCulture
        $span = [timespan]::ParseExact($timeText, 'hh\:mm\:ss', $invariant)
        # The parameter is a DateTime whose time of day is used.
        $settings['ScanScheduleTime'] = [datetime]::Today.Add($span)
    }
    if ($settings.Count -eq 0) {
        Stop-OnePacsOp -Code 'invalid_argument' -Message 'defender.set needs at least one preference'
    }
    Set-MpPreference @settings -ErrorAction Stop
    return Get-OnePacsDefenderPreferences
}

function Invoke-OpDefenderAddExclusion {
    param($Op)
    $path = Get-OnePacsArg -Op $Op -Name 'path' -Type 'string'
    Add-MpPreference -ExclusionPath $path -ErrorAction Stop
    return Get-OnePacsDefenderPreferences
}

function Invoke-OpDefenderUpdateSignatures {
    param($Op)
    Update-MpSignature -ErrorAction Stop
    $status = Get-MpComputerStatus -ErrorAction Stop
    return Get-OnePacsSignatureState -Status $status
}
