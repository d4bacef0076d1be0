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

function Get-OnePacsServiceByName {
    # The Win32_Service instance of one service (names are case-insensitive), or $null.
    param([string]$Name)
    $table = Get-OnePacsServiceTable
    $key = $Name.ToLowerInvariant()
    if ($table.ContainsKey($key)) {
        return $table[$key]
    }
    return $null
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

function Invoke-OpServicesSet {
    param($Op)
    $name = Get-OnePacsArg -Op $Op -Name 'name' -Type 'string'
    $startMode = Get-OnePacsArg -Op $Op -Name 'start_mode' -Type 'string' -Optional
    $stop = Get-OnePacsArg -Op $Op -Name 'stop' -Type 'bool' -Optional
    # Win32_Service terms (the protocol's) -> Set-Service -StartupType values.
    $startupTypes = @{ Auto = 'Automatic'; Manual = 'Manual'; Disabled = 'Disabled' }
    if ($null -ne $startMode -and -not $startupTypes.ContainsKey($startMode)) {
        Stop-OnePacsOp -Code 'invalid_argument' -Message "argument 'start_mode' must be one of Auto, Manual, Disabled"
    }
    if ($null -eq $startMode -and -not $stop) {
        Stop-OnePacsOp -Code 'invalid_argument' -Message "services.set needs 'start_mode' or 'stop' (or both)"
    }
    $service = Get-OnePacsServiceByName -Name $name
    if ($null -eq $service) {
        Stop-OnePacsOp -Code 'not_found' -Message "Cannot find any service with service name '$name'."
    }
    $serviceName = [string]$service.Name
    # The name comes from the host and Get-/Stop-Service -Name take wildcards (a service named '*' would stop
    # them all): the service is opened by its exact name and handed to the cmdlets as an object.
    $controller = [System.ServiceProcess.ServiceController]::new($serviceName)
    if ($null -ne $startMode) {
        Set-Service -InputObject $controller -StartupType $startupTypes[$startMode] -ErrorAction Stop
    }
    if ($stop -and [string]$service.State -ne 'Stopped') {
        # Without -Force Stop-Service refuses a service whose dependents run; say which, rather than stop them.
        $running = @($controller.DependentServices | Where-Object { $_.Status -ne 'Stopped' })
        if ($running.Count -gt 0) {
            $names = ($running | ForEach-Object { $_.Name }) -join ', '
            $message = "$serviceName was not stopped: dependent services are running: $names"
            Stop-OnePacsOp -Code 'failed' -Message $message
        }
        Stop-Service -InputObject $controller -ErrorAction Stop
        $controller.WaitForStatus([System.ServiceProcess.ServiceControllerStatus]::Stopped, [TimeSpan]::FromSeconds(30))
    }
    return Get-OnePacsServiceEntry -Asked $name -Service (Get-OnePacsServiceByName -Name $serviceName)
}
