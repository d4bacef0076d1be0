# onepacs.baseline agent, secpol write ops: the handlers of the mutating secpol.* ops. Sent after core.ps1
# and secpol.ps1 (whose helpers they use) only when a request writes, so that a read-only request never
# carries them. Handlers are found by name, as in every agent file (see core.ps1).

function Get-OnePacsSecpolKeys {
    # The [System Access] keys secpol.configure writes (protocol/secpol.yml); account names and the built-in
    # accounts' switches are left to the accounts ops.
    return @(
        'MinimumPasswordAge',
        'MaximumPasswordAge',
        'MinimumPasswordLength',
        'PasswordComplexity',
        'PasswordHistorySize',
        'LockoutBadCount',
        'ResetLockoutCount',
        'LockoutDuration',
        'RequireLogonToChangePassword',
        'ForceLogoffWhenHourExpire',
        'ClearTextPassword',
        'LSAAnonymousNameLookup'
    )
}

function Get-OnePacsSecpolTemplateLines {
    # The template secedit /configure applies: exactly the given [System Access] keys, integers only.
    param($SystemAccess)
    $known = Get-OnePacsSecpolKeys
    $invariant = [System.Globalization.CultureInfo]::InvariantCulture
    $lines = [System.Collections.Generic.List[string]]::new()
    $lines.Add('[Unicode]')
    $lines.Add('Unicode=yes')
    $lines.Add('[Version]')
    $lines.Add('signature="$CHICAGO$"')
    $lines.Add('Revision=1')
    $lines.Add('[System Access]')
    foreach ($property in $SystemAccess.PSObject.Properties) {
        $canonical = $null
        foreach ($key in $known) {
            if ($key -eq $property.Name) {
                $canonical = $key
            }
        }
        if ($null -eq $canonical) {
            $message = "argument 'system_access': '" + $property.Name + "' is not a [System Access] key secpol.configure sets"
            Stop-OnePacsOp -Code 'invalid_argument' -Message $message
        }
        if (-not (Test-OnePacsInteger -Value $property.Value)) {
            Stop-OnePacsOp -Code 'invalid_argument' -Message "argument 'system_access': $canonical must be an integer"
        }
        $lines.Add($canonical + ' = ' + ([decimal]$property.Value).ToString('0', $invariant))
    }
    if ($lines.Count -eq 6) {
        Stop-OnePacsOp -Code 'invalid_argument' -Message "argument 'system_access': at least one key is needed"
    }
    return , $lines.ToArray()
}

function Invoke-OpSecpolConfigure {
    param($Op)
    $systemAccess = Get-OnePacsArg -Op $Op -Name 'system_access' -Type 'dict'
    $lines = Get-OnePacsSecpolTemplateLines -SystemAccess $systemAccess
    $secedit = Get-OnePacsSeceditPath
    $template = New-OnePacsSeceditTempPath -Extension '.inf'
    $database = New-OnePacsSeceditTempPath -Extension '.sdb'
    $log = New-OnePacsSeceditTempPath -Extension '.log'
    # The database engine keeps a checkpoint file beside the database.
    $checkpoint = [System.IO.Path]::ChangeExtension($database, '.jfm')
    try {
        # Encoding.Unicode writes UTF-16 LE with a byte order mark, the form secedit reads and writes.
        [System.IO.File]::WriteAllLines($template, $lines, [System.Text.Encoding]::Unicode)
        $arguments = @('/configure', '/db', $database, '/cfg', $template, '/areas', 'SECURITYPOLICY', '/log', $log, '/quiet')
        $exitCode = Invoke-OnePacsSecedit -Path $secedit -ArgumentList $arguments
    }
    finally {
        Remove-OnePacsSeceditFiles -Paths @($template, $database, $checkpoint, $log)
    }
    $values = Read-OnePacsSystemAccess
    if ($exitCode -ne 0) {
        $now = foreach ($key in $values.Keys) {
            "$key=" + $values[$key]
        }
        $message = "secedit.exe /configure exited with code $exitCode (see %windir%\security\logs\scesrv.log); " +
            '[System Access] now holds ' + ($now -join ', ')
        Stop-OnePacsOp -Code 'failed' -Message $message
    }
    Assert-OnePacsSecpolApplied -SystemAccess $systemAccess -Values $values
    return [ordered]@{ system_access = $values }
}

function Assert-OnePacsSecpolApplied {
    # secedit /configure exits 0 even when it leaves out entries it rejects (it only logs them in scesrv.log); the
    # controller's read-back would catch it, but only as "wrote x, read y". Say what happened instead.
    param($SystemAccess, $Values)
    $skipped = foreach ($property in $SystemAccess.PSObject.Properties) {
        $now = $null
        if ($Values.Contains($property.Name)) {
            $now = $Values[$property.Name]
        }
        if ($null -eq $now -or [decimal]$now -ne [decimal]$property.Value) {
            $shown = 'absent'
            if ($null -ne $now) {
                $shown = [string]$now
            }
            [string]$property.Name + ' (wrote ' + [string]$property.Value + ', reads ' + $shown + ')'
        }
    }
    if (@($skipped).Count -gt 0) {
        $message = 'secedit.exe /configure exited with code 0 but skipped ' + (@($skipped) -join ', ') +
            ': secedit leaves out entries it rejects without an error (see %windir%\security\logs\scesrv.log)'
        Stop-OnePacsOp -Code 'failed' -Message $message
    }
}
