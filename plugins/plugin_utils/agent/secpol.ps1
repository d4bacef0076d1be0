# onepacs.baseline agent, secpol ops. Sent after core.ps1 only when a request holds secpol.* ops.
# Handlers are found by name: op 'secpol.<verb>' runs function Invoke-OpSecpol<Verb> (see core.ps1).

# ---------------------------------------------------------------------------------------------------------------
# Local security policy through secedit.exe. Its console output is localized, so it is discarded unread: a run is
# judged by its exit code, and values are read from the template it exports, whose INI keys are never localized.

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

function Invoke-OpSecpolExport {
    param($Op)
    return [ordered]@{ system_access = (Read-OnePacsSystemAccess) }
}
