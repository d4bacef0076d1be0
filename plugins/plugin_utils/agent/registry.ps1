# onepacs.baseline agent, registry ops. Sent after core.ps1 only when a request holds registry.* ops.
# Handlers are found by name: op 'registry.<verb>' runs function Invoke-OpRegistry<Verb> (see core.ps1).

# ---------------------------------------------------------------------------------------------------------------
# Registry: the .NET API rather than the registry provider, for exact value kinds and unexpanded REG_EXPAND_SZ.

function Invoke-OpRegistryGet {
    param($Op)
    $path = Get-OnePacsArg -Op $Op -Name 'path' -Type 'string'
    $name = Get-OnePacsArg -Op $Op -Name 'name' -Type 'string' -AllowEmpty
    $withData = Get-OnePacsArg -Op $Op -Name 'data' -Type 'bool' -Optional
    $value = Read-OnePacsRegistryValue -Path $path -Name $name
    if ($withData -eq $false) {
        # A secret (Winlogon DefaultPassword) is reported as present or absent; its data never leaves the host.
        $value['data'] = $null
    }
    return $value
}
