# onepacs.baseline agent, services ops. Sent after core.ps1 only when a request holds services.* ops.
# Handlers are found by name: op 'services.<verb>' runs function Invoke-OpServices<Verb> (see core.ps1).

# ---------------------------------------------------------------------------------------------------------------
# Services: read through CIM (Win32_Service: StartMode and State are invariant English terms whatever the display
# language), changed through Set-Service and Stop-Service, addressed by service name, never by display name.

function Get-OnePacsServiceTable {
    # Every installed service by lower-case name, from one CIM query.
    $table = @{}
    foreach ($service in @(Get-CimInstance -ClassName Win32_Service -ErrorAction Stop)) {
        $table[([string]$service.Name).ToLowerInvariant()] = $service
    }
    return $table
}

function Get-OnePacsServiceEntry {
    # One service in the services.get shape; $Service is $null when no service has the asked name.
    param([string]$Asked, $Service)
    if ($null -eq $Service) {
        return [ordered]@{
            name = $Asked
            exists = $false
            display_name = $null
            start_mode = $null
            state = $null
            delayed_auto_start = $null
        }
    }
    # Win32_Service has DelayedAutoStart only from Windows 10 1803 / Server 2019 on.
    $delayed = $false
    $property = $Service.PSObject.Properties['DelayedAutoStart']
    if ($null -ne $property -and $null -ne $property.Value) {
        $delayed = [bool]$property.Value
    }
    return [ordered]@{
        name = [string]$Service.Name
        exists = $true
        display_name = [string]$Service.DisplayName
        start_mode = [string]$Service.StartMode
        state = [string]$Service.State
        delayed_auto_start = $delayed
    }
}

function Invoke-OpServicesGet {
    param($Op)
    $names = Get-OnePacsArg -Op $Op -Name 'names' -Type 'list'
    foreach ($name in $names) {
        if (-not ($name -is [string]) -or $name.Length -eq 0) {
            Stop-OnePacsOp -Code 'invalid_argument' -Message "argument 'names' must be a list of service names"
        }
    }
    $table = Get-OnePacsServiceTable
    $services = [System.Collections.ArrayList]::new()
    foreach ($name in $names) {
        $service = $null
        $key = $name.ToLowerInvariant()
        if ($table.ContainsKey($key)) {
            $service = $table[$key]
        }
        $null = $services.Add((Get-OnePacsServiceEntry -Asked $name -Service $service))
    }
    return [ordered]@{ services = $services }
}
