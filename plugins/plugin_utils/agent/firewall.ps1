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
