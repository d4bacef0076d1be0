# onepacs.baseline agent, firewall ops. Sent after core.ps1 only when a request holds firewall.* ops.
# Handlers are found by name: op 'firewall.<verb>' runs function Invoke-OpFirewall<Verb> (see core.ps1).

# ---------------------------------------------------------------------------------------------------------------
# Firewall: the NetSecurity CIM cmdlets. Reads use the active store (what is in force, Group Policy included);
# writes go to the local store, then the value is read back from the active store, so a setting Group Policy
# overrides reads back unchanged and the controller reports it. Enum values are turned into their invariant names
# by number, never taken from formatted output, which is localized.

function ConvertFrom-OnePacsNetEnum {
    # Returns the invariant name of a NetSecurity enum value (the cmdlets give enums, raw CIM gives numbers).
    param($Value, [hashtable]$Names)
    if ($null -eq $Value) {
        return $null
    }
    if ($Value -is [string]) {
        return $Value
    }
    $number = [int]$Value
    if ($Names.ContainsKey($number)) {
        return $Names[$number]
    }
    return [string]$Value
}

function ConvertFrom-OnePacsGpoBoolean {
    # GpoBoolean: False 0, True 1, NotConfigured 2 -> $false, $true or 'NotConfigured'.
    param($Value)
    $name = ConvertFrom-OnePacsNetEnum -Value $Value -Names @{ 0 = 'False'; 1 = 'True'; 2 = 'NotConfigured' }
    if ($name -eq 'True') {
        return $true
    }
    if ($name -eq 'False') {
        return $false
    }
    return 'NotConfigured'
}

function ConvertFrom-OnePacsFirewallAction {
    param($Value)
    $name = ConvertFrom-OnePacsNetEnum -Value $Value -Names @{ 0 = 'NotConfigured'; 2 = 'Allow'; 4 = 'Block' }
    if ($null -eq $name) {
        return 'NotConfigured'
    }
    return $name
}

function ConvertFrom-OnePacsFirewallProfileMask {
    # The Profile flags of a rule (Any 0, Domain 1, Private 2, Public 4) -> a list of names.
    param($Value)
    if ($Value -is [string]) {
        $names = @($Value -split ',\s*' | Where-Object { $_ })
        return , ([string[]]$names)
    }
    $mask = [int]$Value
    if ($mask -eq 0 -or ($mask -band 7) -eq 0) {
        return , ([string[]]@('Any'))
    }
    $names = [System.Collections.Generic.List[string]]::new()
    if ($mask -band 1) {
        $names.Add('Domain')
    }
    if ($mask -band 2) {
        $names.Add('Private')
    }
    if ($mask -band 4) {
        $names.Add('Public')
    }
    return , ($names.ToArray())
}

function ConvertTo-OnePacsStringList {
    # A filter property (a string, an array of strings or $null) -> a list of strings; $null becomes 'Any'.
    param($Value)
    $items = [System.Collections.Generic.List[string]]::new()
    foreach ($item in @($Value)) {
        if ($null -ne $item -and [string]$item -ne '') {
            $items.Add([string]$item)
        }
    }
    if ($items.Count -eq 0) {
        $items.Add('Any')
    }
    return , ($items.ToArray())
}

function ConvertFrom-OnePacsRuleSource {
    # PolicyStoreSourceType -> its name; numbers as MS-FASP 2.2.32 FW_RULE_ORIGIN_TYPE numbers the origins.
    param($Value)
    $names = @{ 0 = 'None'; 1 = 'Local'; 2 = 'GroupPolicy'; 3 = 'Dynamic'; 4 = 'Generated'; 5 = 'Hardcoded'; 6 = 'MDM' }
    return ConvertFrom-OnePacsNetEnum -Value $Value -Names $names
}

function Get-OnePacsFirewallProfileEntry {
    # One profile of the active store in the firewall.profiles shape.
    param($FirewallProfile)
    return [ordered]@{
        name = [string]$FirewallProfile.Name
        enabled = ConvertFrom-OnePacsGpoBoolean -Value $FirewallProfile.Enabled
        default_inbound_action = ConvertFrom-OnePacsFirewallAction -Value $FirewallProfile.DefaultInboundAction
        default_outbound_action = ConvertFrom-OnePacsFirewallAction -Value $FirewallProfile.DefaultOutboundAction
        log_blocked = ConvertFrom-OnePacsGpoBoolean -Value $FirewallProfile.LogBlocked
        log_allowed = ConvertFrom-OnePacsGpoBoolean -Value $FirewallProfile.LogAllowed
        log_max_size_kilobytes = [long]$FirewallProfile.LogMaxSizeKilobytes
        log_file_name = [string]$FirewallProfile.LogFileName
        allow_local_firewall_rules = ConvertFrom-OnePacsGpoBoolean -Value $FirewallProfile.AllowLocalFirewallRules
    }
}

function Get-OnePacsFirewallProfileByName {
    param([string]$Name)
    $found = @(Get-NetFirewallProfile -PolicyStore ActiveStore -Name $Name -ErrorAction Stop)
    if ($found.Count -eq 0) {
        Stop-OnePacsOp -Code 'not_found' -Message "no firewall profile named $Name"
    }
    return $found[0]
}

function Get-OnePacsFilterTable {
    # Every filter of one kind in the active store, by InstanceID (a filter shares its rule's InstanceID), so the
    # rules are joined to their filters with one query per kind instead of one per rule.
    param([string]$Kind)
    $table = @{}
    $filters = @()
    if ($Kind -eq 'Port') {
        $filters = @(Get-NetFirewallPortFilter -All -PolicyStore ActiveStore -ErrorAction Stop)
    }
    if ($Kind -eq 'Application') {
        $filters = @(Get-NetFirewallApplicationFilter -All -PolicyStore ActiveStore -ErrorAction Stop)
    }
    if ($Kind -eq 'Address') {
        $filters = @(Get-NetFirewallAddressFilter -All -PolicyStore ActiveStore -ErrorAction Stop)
    }
    foreach ($filter in $filters) {
        $table[[string]$filter.InstanceID] = $filter
    }
    return $table
}

function Get-OnePacsFirewallRuleEntry {
    # One rule in the firewall.rules shape. Filters come from the tables, or are asked for the rule itself when
    # a table lacks it (or no tables were given).
    param($Rule, [hashtable]$Ports, [hashtable]$Applications, [hashtable]$Addresses)
    $id = [string]$Rule.InstanceID
    $port = $null
    $application = $null
    $address = $null
    if ($null -ne $Ports -and $Ports.ContainsKey($id)) {
        $port = $Ports[$id]
    }
    else {
        $port = Get-NetFirewallPortFilter -AssociatedNetFirewallRule $Rule -ErrorAction Stop
    }
    if ($null -ne $Applications -and $Applications.ContainsKey($id)) {
        $application = $Applications[$id]
    }
    else {
        $application = Get-NetFirewallApplicationFilter -AssociatedNetFirewallRule $Rule -ErrorAction Stop
    }
    if ($null -ne $Addresses -and $Addresses.ContainsKey($id)) {
        $address = $Addresses[$id]
    }
    else {
        $address = Get-NetFirewallAddressFilter -AssociatedNetFirewallRule $Rule -ErrorAction Stop
    }
    $enabled = ConvertFrom-OnePacsNetEnum -Value $Rule.Enabled -Names @{ 1 = 'True'; 2 = 'False' }
    $program = [string]$application.Program
    if (-not $program) {
        $program = 'Any'
    }
    $protocol = [string]$port.Protocol
    if (-not $protocol) {
        $protocol = 'Any'
    }
    return [ordered]@{
        name = [string]$Rule.Name
        display_name = [string]$Rule.DisplayName
        group = [string]$Rule.Group
        display_group = [string]$Rule.DisplayGroup
        direction = ConvertFrom-OnePacsNetEnum -Value $Rule.Direction -Names @{ 1 = 'Inbound'; 2 = 'Outbound' }
        action = ConvertFrom-OnePacsFirewallAction -Value $Rule.Action
        enabled = ($enabled -eq 'True')
        profiles = ConvertFrom-OnePacsFirewallProfileMask -Value $Rule.Profile
        protocol = $protocol
        local_ports = ConvertTo-OnePacsStringList -Value $port.LocalPort
        remote_addresses = ConvertTo-OnePacsStringList -Value $address.RemoteAddress
        program = $program
        policy_store_source_type = ConvertFrom-OnePacsRuleSource -Value $Rule.PolicyStoreSourceType
    }
}

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

function Get-OnePacsChoiceArg {
    # A string argument that must be one of the choices (case-sensitive, as the protocol spells them).
    param($Op, [string]$Name, [string[]]$Choices, [switch]$Optional)
    $value = Get-OnePacsArg -Op $Op -Name $Name -Type 'string' -Optional:$Optional
    if ($null -ne $value -and $Choices -cnotcontains $value) {
        $message = "argument '$Name' must be one of " + ($Choices -join ', ')
        Stop-OnePacsOp -Code 'invalid_argument' -Message $message
    }
    return $value
}

function Invoke-OpFirewallProfiles {
    param($Op)
    $profiles = [System.Collections.ArrayList]::new()
    foreach ($name in @('Domain', 'Private', 'Public')) {
        $found = Get-OnePacsFirewallProfileByName -Name $name
        $null = $profiles.Add((Get-OnePacsFirewallProfileEntry -FirewallProfile $found))
    }
    return [ordered]@{ profiles = $profiles }
}

function Invoke-OpFirewallManagementPeers {
    # Who is connected to a local TCP port (the controller's WinRM connection among them) and the host's subnets.
    param($Op)
    $port = Get-OnePacsRangedInteger -Op $Op -Name 'port' -Minimum 1 -Maximum 65535
    $peers = [System.Collections.Generic.List[string]]::new()
    $connections = @(Get-NetTCPConnection -LocalPort $port -State Established -ErrorAction SilentlyContinue)
    foreach ($connection in $connections) {
        $address = [string]$connection.RemoteAddress
        if ($address -match '^::ffff:(\d{1,3}(\.\d{1,3}){3})$') {
            $address = $Matches[1]
        }
        if ($address -and -not $peers.Contains($address)) {
            $peers.Add($address)
        }
    }
    $subnets = [System.Collections.Generic.List[string]]::new()
    foreach ($entry in @(Get-NetIPAddress -AddressFamily IPv4 -ErrorAction SilentlyContinue)) {
        $bytes = ([System.Net.IPAddress]::Parse([string]$entry.IPAddress)).GetAddressBytes()
        $length = [int]$entry.PrefixLength
        for ($index = 0; $index -lt 4; $index++) {
            $keep = [Math]::Min(8, [Math]::Max(0, $length - 8 * $index))
            $bytes[$index] = $bytes[$index] -band (0xFF -shl (8 - $keep)) -band 0xFF
        }
        $subnet = ([System.Net.IPAddress]::new($bytes)).ToString() + '/' + $length
        if (-not $subnets.Contains($subnet)) {
            $subnets.Add($subnet)
        }
    }
    return [ordered]@{ peers = $peers.ToArray(); local_subnets = $subnets.ToArray() }
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

function Invoke-OpFirewallRules {
    param($Op)
    $filters = @{ PolicyStore = 'ActiveStore'; ErrorAction = 'Stop' }
    $direction = Get-OnePacsChoiceArg -Op $Op -Name 'direction' -Choices @('Inbound', 'Outbound') -Optional
    $action = Get-OnePacsChoiceArg -Op $Op -Name 'action' -Choices @('Allow', 'Block') -Optional
    $enabled = Get-OnePacsArg -Op $Op -Name 'enabled' -Type 'bool' -Optional
    if ($null -ne $direction) {
        $filters['Direction'] = $direction
    }
    if ($null -ne $action) {
        $filters['Action'] = $action
    }
    if ($null -ne $enabled) {
        $filters['Enabled'] = [string]$enabled
    }
    $ports = Get-OnePacsFilterTable -Kind 'Port'
    $applications = Get-OnePacsFilterTable -Kind 'Application'
    $addresses = Get-OnePacsFilterTable -Kind 'Address'
    $rules = [System.Collections.ArrayList]::new()
    $tables = @{ Ports = $ports; Applications = $applications; Addresses = $addresses }
    foreach ($rule in @(Get-NetFirewallRule @filters)) {
        $null = $rules.Add((Get-OnePacsFirewallRuleEntry -Rule $rule @tables))
    }
    return [ordered]@{ rules = $rules }
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
