# onepacs.baseline agent, services write ops: the handlers of the mutating services.* ops. Sent after core.ps1
# and services.ps1 (whose helpers they use) only when a request writes, so that a read-only request never
# carries them. Handlers are found by name, as in every agent file (see core.ps1).

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

function Stop-OnePacsServiceWithin {
    # Stop-Service waits for the service to stop with no time limit (it repeats "Waiting for service ... to stop"
    # until it does: PowerShell's Service.cs, DoStopService), so a service that hangs in StopPending would hang the
    # whole request. ServiceController.Stop() only sends the stop control; WaitForStatus then waits at most
    # $Seconds and throws System.ServiceProcess.TimeoutException
    # (https://learn.microsoft.com/dotnet/api/system.serviceprocess.servicecontroller.waitforstatus).
    param([System.ServiceProcess.ServiceController]$Controller, [int]$Seconds)
    $Controller.Stop()
    try {
        $stopped = [System.ServiceProcess.ServiceControllerStatus]::Stopped
        $Controller.WaitForStatus($stopped, [TimeSpan]::FromSeconds($Seconds))
    }
    catch [System.ServiceProcess.TimeoutException] {
        $Controller.Refresh()
        $message = [string]$Controller.ServiceName + " did not stop within $Seconds seconds (state: " +
            [string]$Controller.Status + '); it was asked to stop and may still stop later'
        Stop-OnePacsOp -Code 'failed' -Message $message
    }
}

function Invoke-OpServicesSet {
    param($Op)
    $name = Get-OnePacsArg -Op $Op -Name 'name' -Type 'string'
    $startMode = Get-OnePacsChoiceArg -Op $Op -Name 'start_mode' -Choices @('Auto', 'Manual', 'Disabled') -Optional
    $stop = Get-OnePacsArg -Op $Op -Name 'stop' -Type 'bool' -Optional
    # Win32_Service terms (the protocol's) -> Set-Service -StartupType values.
    $startupTypes = @{ Auto = 'Automatic'; Manual = 'Manual'; Disabled = 'Disabled' }
    if ($null -eq $startMode -and -not $stop) {
        Stop-OnePacsOp -Code 'invalid_argument' -Message "services.set needs 'start_mode' or 'stop' (or both)"
    }
    $service = Get-OnePacsServiceByName -Name $name
    if ($null -eq $service) {
        Stop-OnePacsOp -Code 'not_found' -Message "Cannot find any service with service name '$name'."
    }
    $serviceName = [string]$service.Name
    # The name comes from the host and Get-/Set-Service -Name take wildcards (a service named '*' would stand for
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
        Stop-OnePacsServiceWithin -Controller $controller -Seconds 30
    }
    return Get-OnePacsServiceEntry -Asked $name -Service (Get-OnePacsServiceByName -Name $serviceName)
}
