# onepacs.baseline agent, firewall write ops: the handlers of the mutating firewall.* ops. Sent after core.ps1
# and firewall.ps1 (whose helpers they use) only when a request writes, so that a read-only request never
# carries them. Handlers are found by name, as in every agent file (see core.ps1).

function Find-OnePacsFirewallRule {
    # The rules of a store whose Name is exactly $Name (case-insensitive, as rule names are). The -Name parameter
    # of the NetSecurity cmdlets takes wildcards, and names come from the host: a rule named 'WINRM*' or '*' must
    # never stand for other rules. A name without wildcard characters is asked for directly; any other is looked
    # for among all rules of the store. The results are rule objects, handed on to the cmdlets by pipeline.
    param([string]$Name, [string]$PolicyStore)
    $store = @{ ErrorAction = 'SilentlyContinue' }
    if ($PolicyStore) {
        $store['PolicyStore'] = $PolicyStore
    }
    if ([System.Management.Automation.WildcardPattern]::ContainsWildcardCharacters($Name)) {
        $candidates = @(Get-NetFirewallRule @store)
    }
    else {
        $candidates = @(Get-NetFirewallRule -Name $Name @store)
    }
    return , @($candidates | Where-Object { [string]$_.Name -eq $Name })
}

function Get-OnePacsActiveFirewallRule {
    # The rule with this Name in the active store, in the firewall.rules shape; not_found when there is none.
    param([string]$Name)
    $found = Find-OnePacsFirewallRule -Name $Name -PolicyStore 'ActiveStore'
    if ($found.Count -eq 0) {
        Stop-OnePacsOp -Code 'not_found' -Message "no firewall rule named '$Name' is in force"
    }
    return Get-OnePacsFirewallRuleEntry -Rule $found[0] -Ports $null -Applications $null -Addresses $null
}

function Get-OnePacsLocalFirewallRule {
    # The rule with this Name in the local store (the one Set-/Enable-/Disable-NetFirewallRule change), or $null.
    param([string]$Name)
    $found = Find-OnePacsFirewallRule -Name $Name -PolicyStore ''
    if ($found.Count -eq 0) {
        return $null
    }
    return $found[0]
}

function Get-OnePacsStringListArg {
    # A list argument of non-empty strings, or $Default when it is absent.
    param($Op, [string]$Name, [string[]]$Default)
    $value = Get-OnePacsArg -Op $Op -Name $Name -Type 'list' -Optional
    if ($null -eq $value) {
        return , $Default
    }
    $items = [System.Collections.Generic.List[string]]::new()
    foreach ($item in $value) {
        if (-not ($item -is [string]) -or $item.Length -eq 0) {
            Stop-OnePacsOp -Code 'invalid_argument' -Message "argument '$Name' must be a list of non-empty strings"
        }
        $items.Add($item)
    }
    if ($items.Count -eq 0) {
        Stop-OnePacsOp -Code 'invalid_argument' -Message "argument '$Name' must not be empty"
    }
    return , ($items.ToArray())
}

function Invoke-OpFirewallSetProfile {
    param($Op)
    $name = Get-OnePacsChoiceArg -Op $Op -Name 'profile' -Choices @('Domain', 'Private', 'Public')
    $actions = @('Block', 'Allow', 'NotConfigured')
    $enabled = Get-OnePacsArg -Op $Op -Name 'enabled' -Type 'bool' -Optional
    $inbound = Get-OnePacsChoiceArg -Op $Op -Name 'default_inbound_action' -Choices $actions -Optional
    $outbound = Get-OnePacsChoiceArg -Op $Op -Name 'default_outbound_action' -Choices $actions -Optional
    $logBlocked = Get-OnePacsArg -Op $Op -Name 'log_blocked' -Type 'bool' -Optional
    $logSize = Get-OnePacsRangedInteger -Op $Op -Name 'log_max_size_kilobytes' -Minimum 1 -Maximum 32767 -Optional
    $settings = @{ Profile = $name; ErrorAction = 'Stop' }
    if ($null -ne $enabled) {
        $settings['Enabled'] = [string]$enabled
    }
    if ($null -ne $inbound) {
        $settings['DefaultInboundAction'] = $inbound
    }
    if ($null -ne $outbound) {
        $settings['DefaultOutboundAction'] = $outbound
    }
    if ($null -ne $logBlocked) {
        $settings['LogBlocked'] = [string]$logBlocked
    }
    if ($null -ne $logSize) {
        $settings['LogMaxSizeKilobytes'] = [uint64]$logSize
    }
    if ($settings.Count -eq 2) {
        Stop-OnePacsOp -Code 'invalid_argument' -Message 'firewall.set_profile needs at least one setting to change'
    }
    Set-NetFirewallProfile @settings
    return Get-OnePacsFirewallProfileEntry -FirewallProfile (Get-OnePacsFirewallProfileByName -Name $name)
}

function Invoke-OpFirewallSetRuleEnabled {
    param($Op)
    $name = Get-OnePacsArg -Op $Op -Name 'name' -Type 'string'
    $enabled = Get-OnePacsArg -Op $Op -Name 'enabled' -Type 'bool'
    $rule = Get-OnePacsLocalFirewallRule -Name $name
    if ($null -eq $rule) {
        # A rule that only Group Policy defines cannot be changed here.
        Stop-OnePacsOp -Code 'not_found' -Message "no firewall rule named '$name' in the local policy store"
    }
    # The rule object, never -Name: the name could be a wildcard pattern (see Find-OnePacsFirewallRule).
    if ($enabled) {
        $rule | Enable-NetFirewallRule -ErrorAction Stop
    }
    else {
        $rule | Disable-NetFirewallRule -ErrorAction Stop
    }
    return Get-OnePacsActiveFirewallRule -Name $name
}

function Invoke-OpFirewallAddRule {
    param($Op)
    $name = Get-OnePacsArg -Op $Op -Name 'name' -Type 'string'
    $displayName = Get-OnePacsArg -Op $Op -Name 'display_name' -Type 'string'
    $group = Get-OnePacsArg -Op $Op -Name 'group' -Type 'string' -Optional
    $direction = Get-OnePacsChoiceArg -Op $Op -Name 'direction' -Choices @('Inbound', 'Outbound')
    $action = Get-OnePacsChoiceArg -Op $Op -Name 'action' -Choices @('Allow', 'Block')
    $protocol = Get-OnePacsChoiceArg -Op $Op -Name 'protocol' -Choices @('TCP', 'UDP')
    $localPorts = Get-OnePacsStringListArg -Op $Op -Name 'local_ports' -Default @()
    if ($localPorts.Count -eq 0) {
        Stop-OnePacsOp -Code 'invalid_argument' -Message "missing argument 'local_ports'"
    }
    foreach ($port in $localPorts) {
        if ($port -notmatch '^\d{1,5}(-\d{1,5})?$') {
            Stop-OnePacsOp -Code 'invalid_argument' -Message "argument 'local_ports': '$port' is not a port or range"
        }
    }
    $profiles = Get-OnePacsStringListArg -Op $Op -Name 'profiles' -Default @('Any')
    foreach ($item in $profiles) {
        if (@('Any', 'Domain', 'Private', 'Public') -cnotcontains $item) {
            $message = "argument 'profiles': '$item' is not one of Any, Domain, Private, Public"
            Stop-OnePacsOp -Code 'invalid_argument' -Message $message
        }
    }
    if ($profiles.Count -gt 1 -and $profiles -ccontains 'Any') {
        Stop-OnePacsOp -Code 'invalid_argument' -Message "argument 'profiles': 'Any' cannot be combined with others"
    }
    $remoteAddresses = Get-OnePacsStringListArg -Op $Op -Name 'remote_addresses' -Default @('Any')
    $program = Get-OnePacsArg -Op $Op -Name 'program' -Type 'string' -Optional
    if ($null -eq $program) {
        $program = 'Any'
    }
    $settings = @{
        Direction = $direction
        Action = $action
        Protocol = $protocol
        LocalPort = $localPorts
        Profile = ($profiles -join ', ')
        RemoteAddress = $remoteAddresses
        Program = $program
        Enabled = 'True'
        ErrorAction = 'Stop'
    }
    $existing = Get-OnePacsLocalFirewallRule -Name $name
    if ($null -eq $existing) {
        if ($group) {
            $settings['Group'] = $group
        }
        $null = New-NetFirewallRule -Name $name -DisplayName $displayName @settings
    }
    else {
        # Same Name again: bring the rule to exactly these properties (Set-NetFirewallRule cannot change a group).
        $existing | Set-NetFirewallRule -NewDisplayName $displayName @settings
    }
    return Get-OnePacsActiveFirewallRule -Name $name
}
