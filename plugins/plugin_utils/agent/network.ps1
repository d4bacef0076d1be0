# onepacs.baseline agent, network ops. Sent after core.ps1 only when a request holds network.* ops.
# Handlers are found by name: op 'network.<verb>' runs function Invoke-OpNetwork<Verb> (see core.ps1).
#
# Everything here comes from CIM cmdlets (NetAdapter, NetTCPIP, DnsClient, NetConnection), whose enumeration values
# are the same on every display language, and from WLAN profile XML, whose elements are not localized. The text
# output of netsh or ipconfig is never parsed.

# ---------------------------------------------------------------------------------------------------------------
# IPv4 configuration

function Get-OnePacsNetAdapters {
    # Visible network adapters by interface index (loopback and hidden adapters have no entry).
    $adapters = @{}
    foreach ($adapter in @(Get-NetAdapter -ErrorAction Stop)) {
        $adapters[[int]$adapter.ifIndex] = $adapter
    }
    return $adapters
}

function Invoke-OpNetworkIpconfig {
    param($Op)
    $adapters = Get-OnePacsNetAdapters
    $dhcp = @{}
    foreach ($ipInterface in @(Get-NetIPInterface -AddressFamily IPv4 -ErrorAction Stop)) {
        $dhcp[[int]$ipInterface.InterfaceIndex] = ([string]$ipInterface.Dhcp -eq 'Enabled')
    }
    $addresses = @{}
    foreach ($address in @(Get-NetIPAddress -AddressFamily IPv4 -ErrorAction SilentlyContinue)) {
        $index = [int]$address.InterfaceIndex
        if (-not $addresses.ContainsKey($index)) {
            $addresses[$index] = [System.Collections.ArrayList]::new()
        }
        $null = $addresses[$index].Add([ordered]@{
            address = [string]$address.IPAddress
            prefix_length = [int]$address.PrefixLength
            prefix_origin = [string]$address.PrefixOrigin
        })
    }
    $gateways = @{}
    $routes = @(Get-NetRoute -AddressFamily IPv4 -DestinationPrefix '0.0.0.0/0' -ErrorAction SilentlyContinue)
    foreach ($route in $routes) {
        $index = [int]$route.InterfaceIndex
        if (-not $gateways.ContainsKey($index)) {
            $gateways[$index] = [System.Collections.ArrayList]::new()
        }
        $null = $gateways[$index].Add([string]$route.NextHop)
    }
    $dns = @{}
    foreach ($server in @(Get-DnsClientServerAddress -AddressFamily IPv4 -ErrorAction SilentlyContinue)) {
        $dns[[int]$server.InterfaceIndex] = @($server.ServerAddresses | ForEach-Object { [string]$_ })
    }
    $interfaces = [System.Collections.ArrayList]::new()
    foreach ($index in ($adapters.Keys | Sort-Object)) {
        $adapter = $adapters[$index]
        $interfaceAddresses = [System.Collections.ArrayList]::new()
        if ($addresses.ContainsKey($index)) {
            $interfaceAddresses = $addresses[$index]
        }
        $interfaceGateways = [System.Collections.ArrayList]::new()
        if ($gateways.ContainsKey($index)) {
            $interfaceGateways = $gateways[$index]
        }
        $servers = [System.Collections.ArrayList]::new()
        if ($dns.ContainsKey($index)) {
            $servers = [System.Collections.ArrayList]::new($dns[$index])
        }
        $null = $interfaces.Add([ordered]@{
            alias = [string]$adapter.Name
            index = [int]$index
            description = [string]$adapter.InterfaceDescription
            mac = [string]$adapter.MacAddress
            status = [string]$adapter.Status
            dhcp = [bool]$dhcp[$index]
            addresses = $interfaceAddresses
            gateways = $interfaceGateways
            dns_servers = $servers
        })
    }
    return [ordered]@{ interfaces = $interfaces }
}

# ---------------------------------------------------------------------------------------------------------------
# Connection profiles

function Invoke-OpNetworkProfiles {
    param($Op)
    $profiles = [System.Collections.ArrayList]::new()
    foreach ($connection in @(Get-NetConnectionProfile -ErrorAction SilentlyContinue)) {
        $null = $profiles.Add([ordered]@{
            alias = [string]$connection.InterfaceAlias
            index = [int]$connection.InterfaceIndex
            name = [string]$connection.Name
            category = [string]$connection.NetworkCategory
            ipv4_connectivity = [string]$connection.IPv4Connectivity
        })
    }
    return [ordered]@{ profiles = $profiles }
}

# ---------------------------------------------------------------------------------------------------------------
# Wi-Fi

function Test-OnePacsWlanServiceRunning {
    $service = Get-Service -Name 'WlanSvc' -ErrorAction SilentlyContinue
    return ($null -ne $service -and [string]$service.Status -eq 'Running')
}

function Get-OnePacsXmlText {
    # The text of a child element, "" when absent. Dot access on XmlElement ignores the profile's XML namespace.
    param($Node, [string]$Name)
    if ($null -eq $Node) {
        return ''
    }
    $child = $Node.$Name
    if ($null -eq $child) {
        return ''
    }
    if ($child -is [System.Xml.XmlElement]) {
        return [string]$child.InnerText
    }
    return [string]$child
}

function ConvertFrom-OnePacsWlanProfileXml {
    # The security facts of one exported profile; the keyMaterial element is never read.
    param([string]$Path)
    $document = [System.Xml.XmlDocument]::new()
    $document.XmlResolver = $null
    $document.Load($Path)
    $wlanProfile = $document.DocumentElement
    $ssid = ''
    $ssidConfig = $wlanProfile.SSIDConfig
    if ($null -ne $ssidConfig -and $null -ne $ssidConfig.SSID) {
        $ssid = Get-OnePacsXmlText -Node $ssidConfig.SSID -Name 'name'
    }
    $authEncryption = $null
    if ($null -ne $wlanProfile.MSM -and $null -ne $wlanProfile.MSM.security) {
        $authEncryption = $wlanProfile.MSM.security.authEncryption
    }
    return [ordered]@{
        name = Get-OnePacsXmlText -Node $wlanProfile -Name 'name'
        ssid = $ssid
        authentication = Get-OnePacsXmlText -Node $authEncryption -Name 'authentication'
        encryption = Get-OnePacsXmlText -Node $authEncryption -Name 'encryption'
        connection_mode = Get-OnePacsXmlText -Node $wlanProfile -Name 'connectionMode'
    }
}

function Get-OnePacsWlanProfiles {
    # Exports every WLAN profile to a private temporary folder, reads the security facts and deletes the files.
    $folder = Join-Path -Path $env:SystemRoot -ChildPath ('Temp\onepacs-wlan-' + [System.Guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $folder -Force
    $profiles = [System.Collections.ArrayList]::new()
    try {
        $netsh = Join-Path -Path ([System.Environment]::SystemDirectory) -ChildPath 'netsh.exe'
        # netsh's text output is localized: it is discarded; only the XML files are read.
        $ErrorActionPreference = 'Continue'
        $null = & $netsh wlan export profile "folder=$folder" 2>&1
        $ErrorActionPreference = 'Stop'
        foreach ($file in @(Get-ChildItem -LiteralPath $folder -Filter '*.xml' -File)) {
            $null = $profiles.Add((ConvertFrom-OnePacsWlanProfileXml -Path $file.FullName))
        }
    }
    finally {
        Remove-Item -LiteralPath $folder -Recurse -Force -ErrorAction SilentlyContinue
    }
    return , $profiles
}

function Invoke-OpNetworkWlan {
    param($Op)
    $running = [bool](Test-OnePacsWlanServiceRunning)
    $connected = @{}
    foreach ($connection in @(Get-NetConnectionProfile -ErrorAction SilentlyContinue)) {
        $connected[[string]$connection.InterfaceAlias] = [string]$connection.Name
    }
    $interfaces = [System.Collections.ArrayList]::new()
    # NdisPhysicalMedium 9 is NdisPhysicalMediumNative802_11.
    foreach ($adapter in @(Get-NetAdapter -ErrorAction Stop | Where-Object { $_.NdisPhysicalMedium -eq 9 })) {
        $alias = [string]$adapter.Name
        $network = $null
        if ($connected.ContainsKey($alias)) {
            $network = $connected[$alias]
        }
        $null = $interfaces.Add([ordered]@{
            alias = $alias
            description = [string]$adapter.InterfaceDescription
            status = [string]$adapter.Status
            connected_network = $network
        })
    }
    $profiles = [System.Collections.ArrayList]::new()
    if ($running -and $interfaces.Count -gt 0) {
        $profiles = Get-OnePacsWlanProfiles
    }
    return [ordered]@{ service_running = $running; interfaces = $interfaces; profiles = $profiles }
}
