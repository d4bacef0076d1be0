# onepacs.baseline agent, system ops. Sent after core.ps1 only when a request holds system.* ops.
# Handlers are found by name: op 'system.<verb>' runs function Invoke-OpSystem<Verb> (see core.ps1).

# ---------------------------------------------------------------------------------------------------------------
# System facts

function Get-OnePacsMachineSid {
    # The local account domain SID, taken from a local account's SID (RID 500, the built-in Administrator, when
    # present): account names are localised, SIDs are not. "" when the host has no local accounts (a domain
    # controller).
    $sids = [System.Collections.Generic.List[string]]::new()
    $accounts = @(Get-CimInstance -ClassName 'Win32_UserAccount' -Filter 'LocalAccount = TRUE' -ErrorAction Stop)
    foreach ($account in $accounts) {
        $sids.Add([string]$account.SID)
    }
    foreach ($sid in $sids) {
        if ($sid -match '^(S-1-5-21-\d+-\d+-\d+)-500$') {
            return $Matches[1]
        }
    }
    foreach ($sid in $sids) {
        if ($sid -match '^(S-1-5-21-\d+-\d+-\d+)-\d+$') {
            return $Matches[1]
        }
    }
    return ''
}

function Test-OnePacsVirtualModel {
    # A virtual machine, recognised by the model and manufacturer its hypervisor reports (Hyper-V and Azure
    # "Virtual Machine", VMware, VirtualBox, KVM/QEMU, Xen, Amazon EC2, Google, Parallels, Nutanix AHV, oVirt).
    # Win32_ComputerSystem.HypervisorPresent is deliberately not used: it is also true on physical machines that
    # run Hyper-V or virtualization-based security (the Windows 11 default).
    param([string]$Manufacturer, [string]$Model)
    $pattern = 'virtual|vmware|kvm|qemu|bochs|xen|amazon ec2|google|parallels|nutanix|ovirt|rhev|openstack'
    return ("$Manufacturer $Model" -match $pattern)
}

function Invoke-OpSystemInfo {
    param($Op)
    $os = Get-CimInstance -ClassName 'Win32_OperatingSystem' -ErrorAction Stop
    $computer = Get-CimInstance -ClassName 'Win32_ComputerSystem' -ErrorAction Stop
    $currentVersion = 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
    $displayVersion = Get-OnePacsRegistryData -Path $currentVersion -Name 'DisplayVersion' -Default ''
    if (-not $displayVersion) {
        # Builds before 20H2 have only ReleaseId.
        $displayVersion = Get-OnePacsRegistryData -Path $currentVersion -Name 'ReleaseId' -Default ''
    }
    $architecture = '32-bit'
    if ([System.Environment]::Is64BitOperatingSystem) {
        $architecture = '64-bit'
    }
    $manufacturer = ([string]$computer.Manufacturer).Trim()
    $model = ([string]$computer.Model).Trim()
    $editionId = Get-OnePacsRegistryData -Path $currentVersion -Name 'EditionID' -Default ''
    $installationType = Get-OnePacsRegistryData -Path $currentVersion -Name 'InstallationType' -Default ''
    $currentBuild = Get-OnePacsRegistryData -Path $currentVersion -Name 'CurrentBuildNumber' -Default ''
    $ubr = Get-OnePacsRegistryData -Path $currentVersion -Name 'UBR' -Default 0
    return [ordered]@{
        computer_name = [string]$computer.Name
        os_caption = ([string]$os.Caption).Trim()
        product_type = [int]$os.ProductType
        edition_id = [string]$editionId
        installation_type = [string]$installationType
        current_build = [string]$currentBuild
        ubr = [long]$ubr
        display_version = [string]$displayVersion
        architecture = $architecture
        is_virtual = [bool](Test-OnePacsVirtualModel -Manufacturer $manufacturer -Model $model)
        manufacturer = $manufacturer
        model = $model
        machine_sid = [string](Get-OnePacsMachineSid)
        part_of_domain = [bool]$computer.PartOfDomain
        domain = [string]$computer.Domain
        powershell_version = [string]$PSVersionTable.PSVersion
        language_mode = [string]$ExecutionContext.SessionState.LanguageMode
    }
}

# ---------------------------------------------------------------------------------------------------------------
# Firmware, TPM, device management, backup and update facts (read-only; evidence for the manual controls)

function Invoke-OpSystemFirmware {
    param($Op)
    if ($null -eq (Get-Command -Name 'Confirm-SecureBootUEFI' -ErrorAction SilentlyContinue)) {
        Stop-OnePacsOp -Code 'not_supported' -Message 'Confirm-SecureBootUEFI is not available on this host'
    }
    $firmwareType = 'UEFI'
    $secureBoot = $null
    try {
        $secureBoot = [bool](Confirm-SecureBootUEFI -ErrorAction Stop)
    }
    catch {
        # Legacy BIOS firmware has no UEFI variables: the cmdlet reports the platform as not supported. Anything
        # else (access denied without elevation) is the op's error.
        if ((Get-OnePacsErrorCode -ErrorRecord $_) -ne 'not_supported') {
            throw
        }
        $firmwareType = 'BIOS'
    }
    return [ordered]@{ firmware_type = $firmwareType; secure_boot = $secureBoot }
}

function Invoke-OpSystemTpm {
    param($Op)
    # system.tpm reports the TPM as facts; ownership is bitlocker.tpm's concern and not part of this answer.
    $state = Get-OnePacsTpmState
    $state.Remove('owned')
    return $state
}

function Get-OnePacsOptionalInteger {
    # A registry DWORD as an int, $null when absent or of another kind.
    param($Value)
    if ($Value -is [int] -or $Value -is [long]) {
        return [long]$Value
    }
    return $null
}

function Invoke-OpSystemMdmEnrollments {
    param($Op)
    $enrollments = [System.Collections.ArrayList]::new()
    $view = [Microsoft.Win32.RegistryView]::Default
    if ([System.Environment]::Is64BitOperatingSystem) {
        $view = [Microsoft.Win32.RegistryView]::Registry64
    }
    $base = [Microsoft.Win32.RegistryKey]::OpenBaseKey([Microsoft.Win32.RegistryHive]::LocalMachine, $view)
    try {
        $root = $base.OpenSubKey('SOFTWARE\Microsoft\Enrollments', $false)
        if ($null -eq $root) {
            return [ordered]@{ enrollments = $enrollments }
        }
        try {
            foreach ($name in $root.GetSubKeyNames()) {
                $entry = $root.OpenSubKey($name, $false)
                if ($null -eq $entry) {
                    continue
                }
                try {
                    $provider = $entry.GetValue('ProviderID')
                    if ($null -ne $provider -and ([string]$provider).Length -gt 0) {
                        $upn = $entry.GetValue('UPN')
                        if ($null -eq $upn) {
                            $upn = ''
                        }
                        $null = $enrollments.Add([ordered]@{
                            key = $name
                            provider_id = [string]$provider
                            upn = [string]$upn
                            enrollment_state = Get-OnePacsOptionalInteger -Value $entry.GetValue('EnrollmentState')
                            enrollment_type = Get-OnePacsOptionalInteger -Value $entry.GetValue('EnrollmentType')
                        })
                    }
                }
                finally {
                    $entry.Close()
                }
            }
        }
        finally {
            $root.Close()
        }
    }
    finally {
        $base.Close()
    }
    return [ordered]@{ enrollments = $enrollments }
}

function ConvertTo-OnePacsUtcText {
    # A DateTime as "yyyy-MM-ddTHH:mm:ssZ"; $null for no value or the placeholders tools use for "never".
    param($Value)
    if (-not ($Value -is [datetime]) -or $Value.Year -lt 1980) {
        return $null
    }
    $invariant = [System.Globalization.CultureInfo]::InvariantCulture
    return $Value.ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ', $invariant)
}

function Invoke-OpSystemBackup {
    param($Op)
    if ($null -eq (Get-Command -Name 'Get-WBSummary' -ErrorAction SilentlyContinue)) {
        return [ordered]@{
            installed = $false
            last_success = $null
            last_attempt = $null
            last_result_hr = $null
            versions = $null
        }
    }
    $summary = Get-WBSummary -ErrorAction Stop
    return [ordered]@{
        installed = $true
        last_success = ConvertTo-OnePacsUtcText -Value $summary.LastSuccessfulBackupTime
        last_attempt = ConvertTo-OnePacsUtcText -Value $summary.LastBackupTime
        last_result_hr = [long]$summary.LastBackupResultHR
        versions = [long]$summary.NumberOfVersions
    }
}

function Invoke-OpSystemLatestHotfix {
    param($Op)
    $latest = $null
    $latestId = $null
    $fixes = @(Get-CimInstance -ClassName 'Win32_QuickFixEngineering' -ErrorAction Stop)
    foreach ($fix in $fixes) {
        # "yyyy-MM-dd" compares in date order as text (ordinal).
        $installed = ConvertTo-OnePacsInstalledOn -Value $fix.InstalledOn
        if ($null -ne $installed -and ($null -eq $latest -or [string]::CompareOrdinal($installed, $latest) -gt 0)) {
            $latest = $installed
            $latestId = [string]$fix.HotFixID
        }
    }
    return [ordered]@{ hotfix_id = $latestId; installed_on = $latest; count = $fixes.Count }
}

function Invoke-OpSystemSession {
    param($Op)
    $identity = [System.Security.Principal.WindowsIdentity]::GetCurrent()
    $computer = Get-CimInstance -ClassName Win32_ComputerSystem -Property DomainRole -ErrorAction Stop
    return [ordered]@{
        user = [string]$identity.Name
        elevated = [bool](Test-OnePacsElevated)
        integrity_level = Get-OnePacsIntegrityLevel
        domain_role = [int]$computer.DomainRole
        amsi_providers = Get-OnePacsAmsiProviders
    }
}

function Get-OnePacsIntegrityLevel {
    # The token's mandatory label, S-1-16-<RID> (well-known SIDs). WindowsIdentity.Groups leaves it out (.NET lists
    # enabled groups only, and a label is not one), so it is read from whoami /groups, by SID only: the CSV's
    # header and group names are localised, the SIDs are not. '' when whoami is missing or lists no label.
    $labels = @{ '4096' = 'Low'; '8192' = 'Medium'; '8448' = 'MediumPlus'; '12288' = 'High'; '16384' = 'System' }
    $whoami = Join-Path -Path ([System.Environment]::SystemDirectory) -ChildPath 'whoami.exe'
    if (-not (Test-Path -LiteralPath $whoami -PathType Leaf)) {
        return ''
    }
    $ErrorActionPreference = 'Continue'
    $lines = @(& $whoami /groups /fo csv /nh 2>$null)
    foreach ($line in $lines) {
        $match = [regex]::Match([string]$line, '"S-1-16-(\d+)"')
        if ($match.Success -and $labels.ContainsKey($match.Groups[1].Value)) {
            return $labels[$match.Groups[1].Value]
        }
    }
    return ''
}

function Get-OnePacsAmsiProviders {
    # Registered AMSI providers: HKLM\SOFTWARE\Microsoft\AMSI\Providers\{clsid}, named by their COM class.
    $providers = [System.Collections.ArrayList]::new()
    $hiveKey = Open-OnePacsRegistryHive -Hive ([Microsoft.Win32.RegistryHive]::LocalMachine)
    try {
        $key = $hiveKey.OpenSubKey('SOFTWARE\Microsoft\AMSI\Providers', $false)
        if ($null -eq $key) {
            return , $providers
        }
        try {
            $clsids = [string[]]$key.GetSubKeyNames()
        }
        finally {
            $key.Close()
        }
        $entries = foreach ($clsid in $clsids) {
            $guid = [System.Guid]::Empty
            if (-not [System.Guid]::TryParse($clsid, [ref]$guid)) {
                continue
            }
            $name = ''
            $classKey = $hiveKey.OpenSubKey('SOFTWARE\Classes\CLSID\' + $clsid, $false)
            if ($null -ne $classKey) {
                try {
                    $name = [string]$classKey.GetValue('', '')
                }
                finally {
                    $classKey.Close()
                }
            }
            [ordered]@{ clsid = $guid.ToString('D'); name = $name }
        }
        foreach ($entry in @($entries | Sort-Object -Property { $_['clsid'] })) {
            $null = $providers.Add($entry)
        }
    }
    finally {
        $hiveKey.Close()
    }
    return , $providers
}
