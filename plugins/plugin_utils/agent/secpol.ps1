# onepacs.baseline agent, secpol ops. Sent after core.ps1 only when a request holds secpol.* ops.
# Handlers are found by name: op 'secpol.<verb>' runs function Invoke-OpSecpol<Verb> (see core.ps1).

# ---------------------------------------------------------------------------------------------------------------
# Local security policy through secedit.exe. Its console output is localized, so it is discarded unread: a run is
# judged by its exit code, and values are read from the template it exports, whose INI keys are never localized.

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

function Get-OnePacsSeceditPath {
    $secedit = Join-Path -Path ([System.Environment]::SystemDirectory) -ChildPath 'secedit.exe'
    if (-not (Test-Path -LiteralPath $secedit -PathType Leaf)) {
        Stop-OnePacsOp -Code 'not_supported' -Message "$secedit is missing"
    }
    if (-not (Test-OnePacsElevated)) {
        Stop-OnePacsOp -Code 'access_denied' -Message 'secedit.exe /areas SECURITYPOLICY needs an elevated administrator'
    }
    return $secedit
}

function New-OnePacsSeceditTempPath {
    # A fresh file name in the session's temporary folder, so concurrent runs never share a template or database.
    param([string]$Extension)
    $name = 'onepacs-secpol-' + [System.Guid]::NewGuid().ToString('N') + $Extension
    return (Join-Path -Path ([System.IO.Path]::GetTempPath()) -ChildPath $name)
}

function Remove-OnePacsSeceditFiles {
    param([string[]]$Paths)
    foreach ($path in $Paths) {
        if ($path -and (Test-Path -LiteralPath $path -PathType Leaf)) {
            Remove-Item -LiteralPath $path -Force -ErrorAction SilentlyContinue
        }
    }
}

function Invoke-OnePacsSecedit {
    # Runs secedit.exe and returns its exit code; its output is localized, so it is discarded unread.
    param([string]$Path, [string[]]$ArgumentList)
    # Windows PowerShell 5.1 turns native stderr lines into error records; under 'Stop' they would abort the op.
    $ErrorActionPreference = 'Continue'
    $null = & $Path @ArgumentList 2>&1
    return [int]$LASTEXITCODE
}

function ConvertFrom-OnePacsInfValue {
    # An INF value: an integer when it is one, a quoted string without its quotes, otherwise the text.
    param([string]$Text)
    $number = [long]0
    $style = [System.Globalization.NumberStyles]::AllowLeadingSign
    $invariant = [System.Globalization.CultureInfo]::InvariantCulture
    if ([long]::TryParse($Text, $style, $invariant, [ref]$number)) {
        return $number
    }
    if ($Text.Length -ge 2 -and $Text.StartsWith('"') -and $Text.EndsWith('"')) {
        return $Text.Substring(1, $Text.Length - 2)
    }
    return $Text
}

function ConvertFrom-OnePacsSystemAccess {
    # The [System Access] section of a security template as an ordered dictionary key -> value.
    param([string[]]$Lines)
    $values = [ordered]@{}
    $inSection = $false
    foreach ($line in $Lines) {
        $text = $line.Trim()
        if ($text.StartsWith('[')) {
            $inSection = ($text -eq '[System Access]')
            continue
        }
        if (-not $inSection -or $text.Length -eq 0 -or $text.StartsWith(';')) {
            continue
        }
        $equals = $text.IndexOf('=')
        if ($equals -lt 1) {
            continue
        }
        $name = $text.Substring(0, $equals).Trim()
        $raw = $text.Substring($equals + 1).Trim()
        $values[$name] = ConvertFrom-OnePacsInfValue -Text $raw
    }
    return $values
}

function Read-OnePacsSystemAccess {
    # secedit /export of the security policy into a temporary template (UTF-16), parsed, then deleted.
    $secedit = Get-OnePacsSeceditPath
    $template = New-OnePacsSeceditTempPath -Extension '.inf'
    $log = New-OnePacsSeceditTempPath -Extension '.log'
    try {
        $arguments = @('/export', '/cfg', $template, '/areas', 'SECURITYPOLICY', '/log', $log, '/quiet')
        $exitCode = Invoke-OnePacsSecedit -Path $secedit -ArgumentList $arguments
        if ($exitCode -ne 0 -or -not (Test-Path -LiteralPath $template -PathType Leaf)) {
            Stop-OnePacsOp -Code 'failed' -Message "secedit.exe /export exited with code $exitCode"
        }
        $lines = [System.IO.File]::ReadAllLines($template, [System.Text.Encoding]::Unicode)
    }
    finally {
        Remove-OnePacsSeceditFiles -Paths @($template, $log)
    }
    return (ConvertFrom-OnePacsSystemAccess -Lines $lines)
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

function Invoke-OpSecpolExport {
    param($Op)
    return [ordered]@{ system_access = (Read-OnePacsSystemAccess) }
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
    return [ordered]@{ system_access = $values }
}
