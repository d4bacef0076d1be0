# onepacs.baseline agent, eventlog ops. Sent after core.ps1 only when a request holds eventlog.* ops.
# Handlers are found by name: op 'eventlog.<verb>' runs function Invoke-OpEventlog<Verb> (see core.ps1).

# ---------------------------------------------------------------------------------------------------------------
# Event logs: the typed EventLogConfiguration API behind Get-WinEvent -ListLog and wevtutil sl, never their text.

function Test-OnePacsEventLogNotFound {
    # The API reports a missing log as EventLogNotFoundException, which PowerShell wraps when a .NET call throws.
    param([System.Exception]$Exception)
    while ($null -ne $Exception) {
        if ($Exception.GetType().FullName -eq 'System.Diagnostics.Eventing.Reader.EventLogNotFoundException') {
            return $true
        }
        $Exception = $Exception.InnerException
    }
    return $false
}

function Open-OnePacsEventLogConfiguration {
    # The configuration of one log; not_found when there is no such log. The caller disposes it.
    param([string]$Name)
    try {
        return [System.Diagnostics.Eventing.Reader.EventLogConfiguration]::new($Name)
    }
    catch {
        if (Test-OnePacsEventLogNotFound -Exception $_.Exception) {
            Stop-OnePacsOp -Code 'not_found' -Message "there is no event log named '$Name'"
        }
        throw
    }
}

function Read-OnePacsEventLog {
    # Returns the eventlog.get shape of one log.
    param([string]$Name)
    $configuration = Open-OnePacsEventLogConfiguration -Name $Name
    try {
        return [ordered]@{
            name = [string]$configuration.LogName
            max_size_bytes = [long]$configuration.MaximumSizeInBytes
            log_mode = [string]$configuration.LogMode
            enabled = [bool]$configuration.IsEnabled
            log_file_path = [string]$configuration.LogFilePath
        }
    }
    finally {
        $configuration.Dispose()
    }
}

function Invoke-OpEventlogGet {
    param($Op)
    $name = Get-OnePacsArg -Op $Op -Name 'name' -Type 'string'
    return Read-OnePacsEventLog -Name $name
}
