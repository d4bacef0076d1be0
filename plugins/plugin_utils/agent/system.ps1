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
