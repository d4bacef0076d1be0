# onepacs.baseline agent, registry write ops: the handlers of the mutating registry.* ops. Sent after core.ps1
# and registry.ps1 (whose helpers they use) only when a request writes, so that a read-only request never
# carries them. Handlers are found by name, as in every agent file (see core.ps1).

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
