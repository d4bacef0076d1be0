# onepacs.baseline agent, eventlog write ops: the handlers of the mutating eventlog.* ops. Sent after core.ps1
# and eventlog.ps1 (whose helpers they use) only when a request writes, so that a read-only request never
# carries them. Handlers are found by name, as in every agent file (see core.ps1).

function Invoke-OpEventlogSet {
    param($Op)
    $name = Get-OnePacsArg -Op $Op -Name 'name' -Type 'string'
    $size = Get-OnePacsRangedInteger -Op $Op -Name 'max_size_bytes' -Minimum 1 -Maximum ([decimal][long]::MaxValue)
    $configuration = Open-OnePacsEventLogConfiguration -Name $name
    try {
        $configuration.MaximumSizeInBytes = [long]$size
        $configuration.SaveChanges()
    }
    finally {
        $configuration.Dispose()
    }
    return Read-OnePacsEventLog -Name $name
}
