# onepacs.baseline agent, software ops. Sent after core.ps1 only when a request holds software.* ops.
# Handlers are found by name: op 'software.<verb>' runs function Invoke-OpSoftware<Verb> (see core.ps1).

# ---------------------------------------------------------------------------------------------------------------
# Installed programs: the uninstall keys of both registry views, read with the .NET registry API so a 32-bit
# PowerShell sees the 64-bit view too (the provider path HKLM:\SOFTWARE would be redirected there).

function Get-OnePacsUninstallViews {
    # Returns the registry views to read, with the architecture their programs are built for.
    $views = [System.Collections.Generic.List[object]]::new()
    if ([System.Environment]::Is64BitOperatingSystem) {
        $views.Add(@{ View = [Microsoft.Win32.RegistryView]::Registry64; Arch = '64-bit' })
        $views.Add(@{ View = [Microsoft.Win32.RegistryView]::Registry32; Arch = '32-bit' })
    }
    else {
        $views.Add(@{ View = [Microsoft.Win32.RegistryView]::Registry32; Arch = '32-bit' })
    }
    return , $views
}

function ConvertTo-OnePacsRegistryText {
    # A registry value as text ("" when absent); DisplayVersion is sometimes written as a DWORD.
    param($Value)
    if ($null -eq $Value) {
        return ''
    }
    if ($Value -is [System.Array]) {
        return [string]($Value -join ' ')
    }
    return [string]$Value
}

function Test-OnePacsListedProgram {
    # Whether Programs and Features would list this uninstall entry.
    param([Microsoft.Win32.RegistryKey]$Key)
    $name = ConvertTo-OnePacsRegistryText -Value $Key.GetValue('DisplayName')
    if (-not $name.Trim()) {
        return $false
    }
    $systemComponent = $Key.GetValue('SystemComponent')
    if ($systemComponent -is [int] -and $systemComponent -eq 1) {
        return $false
    }
    $parent = ConvertTo-OnePacsRegistryText -Value $Key.GetValue('ParentKeyName')
    return (-not $parent)
}

function Invoke-OpSoftwareInstalled {
    param($Op)
    $programs = [System.Collections.ArrayList]::new()
    $unreadable = [System.Collections.ArrayList]::new()
    $uninstallPath = 'SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall'
    foreach ($view in (Get-OnePacsUninstallViews)) {
        $base = [Microsoft.Win32.RegistryKey]::OpenBaseKey([Microsoft.Win32.RegistryHive]::LocalMachine, $view.View)
        try {
            $uninstall = $base.OpenSubKey($uninstallPath, $false)
            if ($null -eq $uninstall) {
                continue
            }
            try {
                foreach ($name in $uninstall.GetSubKeyNames()) {
                    $entry = $null
                    try {
                        $entry = $uninstall.OpenSubKey($name, $false)
                    }
                    catch {
                        $null = $unreadable.Add($name)
                        continue
                    }
                    if ($null -eq $entry) {
                        continue
                    }
                    try {
                        if (Test-OnePacsListedProgram -Key $entry) {
                            $null = $programs.Add([ordered]@{
                                key = $name
                                name = ConvertTo-OnePacsRegistryText -Value $entry.GetValue('DisplayName')
                                version = ConvertTo-OnePacsRegistryText -Value $entry.GetValue('DisplayVersion')
                                publisher = ConvertTo-OnePacsRegistryText -Value $entry.GetValue('Publisher')
                                install_location = ConvertTo-OnePacsRegistryText -Value $entry.GetValue('InstallLocation')
                                arch = $view.Arch
                            })
                        }
                    }
                    finally {
                        $entry.Close()
                    }
                }
            }
            finally {
                $uninstall.Close()
            }
        }
        finally {
            $base.Close()
        }
    }
    return [ordered]@{ programs = $programs; unreadable = $unreadable }
}
