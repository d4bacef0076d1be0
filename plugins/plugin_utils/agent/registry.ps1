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

function Invoke-OpRegistrySet {
    param($Op)
    $path = Get-OnePacsArg -Op $Op -Name 'path' -Type 'string'
    $name = Get-OnePacsArg -Op $Op -Name 'name' -Type 'string' -AllowEmpty
    $kinds = @('String', 'ExpandString', 'MultiString', 'DWord', 'QWord', 'Binary')
    $type = Get-OnePacsChoiceArg -Op $Op -Name 'type' -Choices $kinds
    $data = Get-OnePacsArg -Op $Op -Name 'data' -Type 'any'
    $converted = ConvertTo-OnePacsRegistryData -Type $type -Data $data
    $location = Resolve-OnePacsRegistryPath -Path $path
    $hiveKey = Open-OnePacsRegistryHive -Hive $location.Hive
    try {
        # CreateSubKey opens the key when it exists and creates the whole missing path otherwise.
        $key = $hiveKey.CreateSubKey($location.SubKey, [Microsoft.Win32.RegistryKeyPermissionCheck]::ReadWriteSubTree)
        try {
            $key.SetValue($name, $converted.Data, $converted.Kind)
        }
        finally {
            $key.Close()
        }
    }
    finally {
        $hiveKey.Close()
    }
    return Read-OnePacsRegistryValue -Path $path -Name $name
}

function Invoke-OpRegistryRemove {
    param($Op)
    $path = Get-OnePacsArg -Op $Op -Name 'path' -Type 'string'
    $name = Get-OnePacsArg -Op $Op -Name 'name' -Type 'string' -AllowEmpty
    $before = Read-OnePacsRegistryValue -Path $path -Name $name
    # Open for writing only when there is something to delete: removing an absent value must succeed even where
    # the caller may only read the key.
    if ($before['exists']) {
        $location = Resolve-OnePacsRegistryPath -Path $path
        $hiveKey = Open-OnePacsRegistryHive -Hive $location.Hive
        try {
            $key = $hiveKey.OpenSubKey($location.SubKey, $true)
            if ($null -ne $key) {
                try {
                    $key.DeleteValue($name, $false)
                }
                finally {
                    $key.Close()
                }
            }
        }
        finally {
            $hiveKey.Close()
        }
    }
    $after = Read-OnePacsRegistryValue -Path $path -Name $name
    return [ordered]@{ existed = [bool]$before['exists']; exists = [bool]$after['exists'] }
}
