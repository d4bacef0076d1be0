# onepacs.baseline agent, auditpol ops. Sent after core.ps1 only when a request holds auditpol.* ops.
# Handlers are found by name: op 'auditpol.<verb>' runs function Invoke-OpAuditpol<Verb> (see core.ps1).

# ---------------------------------------------------------------------------------------------------------------
# Advanced audit policy through auditpol.exe. Its /get text and its subcategory names are localised, so the agent
# reads only the CSV that /backup writes, and from it only the GUID and the numeric Setting Value columns; writes
# address subcategories by GUID and are judged by the exit code, then read back.

function Get-OnePacsAuditpolPath {
    $path = Join-Path -Path ([System.Environment]::SystemDirectory) -ChildPath 'auditpol.exe'
    if (-not (Test-Path -LiteralPath $path -PathType Leaf)) {
        Stop-OnePacsOp -Code 'not_supported' -Message "$path is missing"
    }
    return $path
}

function Invoke-OnePacsAuditpol {
    # Runs auditpol.exe and stops the op unless it exits with 0. Its text output is localised: discarded unread.
    param([string[]]$ArgumentList)
    $auditpol = Get-OnePacsAuditpolPath
    # Windows PowerShell 5.1 turns native stderr lines into error records; under 'Stop' they would abort the op.
    $ErrorActionPreference = 'Continue'
    $null = & $auditpol @ArgumentList 2>&1
    $exitCode = [int]$LASTEXITCODE
    if ($exitCode -ne 0) {
        $code = 'failed'
        if (-not (Test-OnePacsElevated)) {
            $code = 'access_denied'
        }
        $message = 'auditpol.exe ' + ($ArgumentList -join ' ') + " exited with code $exitCode"
        Stop-OnePacsOp -Code $code -Message $message
    }
}

function ConvertFrom-OnePacsAuditBackup {
    # auditpol /backup CSV -> ordered table "guid" -> setting value (0 none, 1 success, 2 failure, 3 both).
    # Columns: Machine Name, Policy Target, Subcategory, Subcategory GUID, Inclusion Setting, Exclusion Setting,
    # Setting Value. The header, the names and the Inclusion Setting text are localised, so a row is recognised by
    # its GUID and its last field being a number; option rows (no GUID) are skipped. Only rows whose Policy Target
    # is System are the system policy (recorded: tests/data/recorded/auditpol/). A per-user row (the target is a
    # user) never stands in for it: its Setting Value holds other bits, PER_USER_AUDIT_SUCCESS_INCLUDE 0x1,
    # _SUCCESS_EXCLUDE 0x2, _FAILURE_INCLUDE 0x4, _FAILURE_EXCLUDE 0x8
    # (https://learn.microsoft.com/windows/win32/api/ntsecapi/ns-ntsecapi-audit_policy_information), so 2 there
    # means "exclude success", not "failure".
    param([string[]]$Lines)
    $invariant = [System.Globalization.CultureInfo]::InvariantCulture
    $pattern = '\{([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})\}'
    $system = [ordered]@{}
    $perUserRows = 0
    foreach ($line in $Lines) {
        $match = [regex]::Match([string]$line, $pattern)
        if (-not $match.Success) {
            continue
        }
        $fields = ([string]$line).Split(',')
        $setting = 0
        $last = $fields[$fields.Length - 1].Trim()
        if (-not [int]::TryParse($last, [System.Globalization.NumberStyles]::None, $invariant, [ref]$setting)) {
            continue
        }
        if ($fields.Length -lt 2 -or $fields[1].Trim() -ne 'System') {
            $perUserRows += 1
            continue
        }
        $guid = $match.Groups[1].Value.ToLowerInvariant()
        if (-not $system.Contains($guid)) {
            $system[$guid] = $setting -band 3
        }
    }
    if ($system.Count -eq 0 -and $perUserRows -gt 0) {
        $message = "auditpol /backup listed $perUserRows per-user rows and none for the System policy target; " +
            'per-user settings are not the system audit policy'
        Stop-OnePacsOp -Code 'failed' -Message $message
    }
    return $system
}

function Get-OnePacsAuditBackupDirectory {
    # %SystemRoot%\Temp rather than the user's profile: auditpol reads "/file:<path>" itself, and a profile path
    # with a space in the user name would reach it split in two.
    if ($env:SystemRoot) {
        $directory = Join-Path -Path $env:SystemRoot -ChildPath 'Temp'
        if (Test-Path -LiteralPath $directory -PathType Container) {
            return $directory
        }
    }
    return [System.IO.Path]::GetTempPath()
}

function Read-OnePacsAuditPolicy {
    # The system audit policy as ConvertFrom-OnePacsAuditBackup returns it. The backup goes to a fresh file, which
    # is deleted whatever happens.
    $name = 'onepacs-auditpol-' + [System.Guid]::NewGuid().ToString('N') + '.csv'
    $file = Join-Path -Path (Get-OnePacsAuditBackupDirectory) -ChildPath $name
    try {
        Invoke-OnePacsAuditpol -ArgumentList ([string[]]@('/backup', ('/file:' + $file)))
        $lines = [string[]]@(Get-Content -LiteralPath $file -ErrorAction Stop)
    }
    finally {
        if (Test-Path -LiteralPath $file) {
            Remove-Item -LiteralPath $file -Force -ErrorAction SilentlyContinue
        }
    }
    return ConvertFrom-OnePacsAuditBackup -Lines $lines
}

function ConvertTo-OnePacsAuditEntry {
    param([string]$Guid, [int]$Setting)
    return [ordered]@{
        guid = $Guid
        success = [bool]($Setting -band 1)
        failure = [bool]($Setting -band 2)
    }
}

function Get-OnePacsAuditSetting {
    # The setting value of one subcategory; not_found when this Windows has no such subcategory.
    param($Policy, [string]$Guid)
    if (-not $Policy.Contains($Guid)) {
        Stop-OnePacsOp -Code 'not_found' -Message ('this host has no audit subcategory {' + $Guid + '}')
    }
    return [int]$Policy[$Guid]
}

function Invoke-OpAuditpolGet {
    param($Op)
    $guids = Get-OnePacsArg -Op $Op -Name 'guids' -Type 'list' -Optional
    $asked = [System.Collections.Generic.List[string]]::new()
    if ($null -ne $guids) {
        foreach ($item in $guids) {
            if (-not ($item -is [string])) {
                Stop-OnePacsOp -Code 'invalid_argument' -Message "each of 'guids' must be a GUID string"
            }
            $asked.Add((ConvertTo-OnePacsGuid -Text $item -Name 'guids'))
        }
    }
    $policy = Read-OnePacsAuditPolicy
    if ($null -eq $guids) {
        foreach ($guid in $policy.Keys) {
            $asked.Add([string]$guid)
        }
    }
    $subcategories = [System.Collections.ArrayList]::new()
    foreach ($guid in $asked) {
        $setting = Get-OnePacsAuditSetting -Policy $policy -Guid $guid
        $null = $subcategories.Add((ConvertTo-OnePacsAuditEntry -Guid $guid -Setting $setting))
    }
    return [ordered]@{ subcategories = $subcategories }
}
