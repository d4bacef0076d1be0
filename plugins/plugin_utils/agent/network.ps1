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

function Get-OnePacsWlanConnections {
    # The current connection of every Wi-Fi interface from the Native Wifi API (WlanQueryInterface,
    # wlan_intf_opcode_current_connection = 7): profile name, SSID and the DOT11 auth/cipher algorithm numbers, by
    # interface GUID. Unlike the connection profile name (the domain name on a domain network) this is the Wi-Fi
    # network itself, and it is not localized text. Empty when the API cannot be used (no WLAN service, no Add-Type).
    # https://learn.microsoft.com/en-us/windows/win32/api/wlanapi/nf-wlanapi-wlanqueryinterface
    $connections = @{}
    try {
        if (-not ('OnePacsWlanApi' -as [type])) {
            Add-Type -ErrorAction Stop -TypeDefinition @'
using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
public static class OnePacsWlanApi {
    [DllImport("wlanapi.dll")] static extern uint WlanOpenHandle(uint version, IntPtr reserved, out uint negotiated, out IntPtr handle);
    [DllImport("wlanapi.dll")] static extern uint WlanCloseHandle(IntPtr handle, IntPtr reserved);
    [DllImport("wlanapi.dll")] static extern uint WlanEnumInterfaces(IntPtr handle, IntPtr reserved, out IntPtr list);
    [DllImport("wlanapi.dll")] static extern uint WlanQueryInterface(IntPtr handle, ref Guid iface, int opcode, IntPtr reserved, out int size, out IntPtr data, IntPtr valueType);
    [DllImport("wlanapi.dll")] static extern void WlanFreeMemory(IntPtr memory);
    // Offsets in WLAN_INTERFACE_INFO_LIST / WLAN_INTERFACE_INFO (532 bytes each) and WLAN_CONNECTION_ATTRIBUTES.
    public static List<object[]> Connections() {
        var found = new List<object[]>();
        uint negotiated; IntPtr handle;
        if (WlanOpenHandle(2, IntPtr.Zero, out negotiated, out handle) != 0) { return found; }
        try {
            IntPtr list;
            if (WlanEnumInterfaces(handle, IntPtr.Zero, out list) != 0) { return found; }
            try {
                int count = Marshal.ReadInt32(list, 0);
                for (int index = 0; index < count; index++) {
                    IntPtr info = new IntPtr(list.ToInt64() + 8 + index * 532);
                    byte[] guidBytes = new byte[16];
                    Marshal.Copy(info, guidBytes, 0, 16);
                    Guid guid = new Guid(guidBytes);
                    int size; IntPtr data;
                    if (WlanQueryInterface(handle, ref guid, 7, IntPtr.Zero, out size, out data, IntPtr.Zero) != 0) { continue; }
                    try {
                        string profile = Marshal.PtrToStringUni(new IntPtr(data.ToInt64() + 8));
                        int ssidLength = Math.Min(32, Marshal.ReadInt32(data, 520));
                        byte[] ssid = new byte[ssidLength];
                        Marshal.Copy(new IntPtr(data.ToInt64() + 524), ssid, 0, ssidLength);
                        int auth = Marshal.ReadInt32(data, 596);
                        int cipher = Marshal.ReadInt32(data, 600);
                        found.Add(new object[] { guid.ToString(), profile, System.Text.Encoding.UTF8.GetString(ssid), auth, cipher });
                    } finally { WlanFreeMemory(data); }
                }
            } finally { WlanFreeMemory(list); }
        } finally { WlanCloseHandle(handle, IntPtr.Zero); }
        return found;
    }
}
'@
        }
        # DOT11_AUTH_ALGORITHM and DOT11_CIPHER_ALGORITHM numbers -> the names of the WLAN profile XML.
        $authentications = @{ 1 = 'open'; 2 = 'shared'; 3 = 'WPA'; 4 = 'WPAPSK'; 6 = 'WPA2'; 7 = 'WPA2PSK'
            8 = 'WPA3ENT192'; 9 = 'WPA3SAE'; 10 = 'OWE'; 11 = 'WPA3ENT' }
        $ciphers = @{ 0 = 'none'; 1 = 'WEP'; 2 = 'TKIP'; 4 = 'AES'; 5 = 'WEP'; 8 = 'AES'; 9 = 'GCMP256'; 257 = 'WEP' }
        foreach ($entry in [OnePacsWlanApi]::Connections()) {
            $auth = [int]$entry[3]
            $cipher = [int]$entry[4]
            $authentication = if ($authentications.ContainsKey($auth)) { $authentications[$auth] } else { [string]$auth }
            $encryption = if ($ciphers.ContainsKey($cipher)) { $ciphers[$cipher] } else { [string]$cipher }
            $connections[([string]$entry[0]).ToLowerInvariant()] = [ordered]@{
                profile = [string]$entry[1]
                ssid = [string]$entry[2]
                authentication = $authentication
                encryption = $encryption
            }
        }
    }
    catch {
        return @{}
    }
    return $connections
}

function Invoke-OpNetworkWlan {
    param($Op)
    $running = [bool](Test-OnePacsWlanServiceRunning)
    $connected = @{}
    foreach ($connection in @(Get-NetConnectionProfile -ErrorAction SilentlyContinue)) {
        $connected[[string]$connection.InterfaceAlias] = [string]$connection.Name
    }
    $current = @{}
    if ($running) {
        $current = Get-OnePacsWlanConnections
    }
    $interfaces = [System.Collections.ArrayList]::new()
    # NdisPhysicalMedium 9 is NdisPhysicalMediumNative802_11.
    foreach ($adapter in @(Get-NetAdapter -ErrorAction Stop | Where-Object { $_.NdisPhysicalMedium -eq 9 })) {
        $alias = [string]$adapter.Name
        $network = $null
        if ($connected.ContainsKey($alias)) {
            $network = $connected[$alias]
        }
        $connection = $null
        $guid = ([string]$adapter.InterfaceGuid).Trim('{}').ToLowerInvariant()
        if ($current.ContainsKey($guid)) {
            $connection = $current[$guid]
        }
        $null = $interfaces.Add([ordered]@{
            alias = $alias
            description = [string]$adapter.InterfaceDescription
            status = [string]$adapter.Status
            connected_network = $network
            connection = $connection
        })
    }
    $profiles = [System.Collections.ArrayList]::new()
    if ($running -and $interfaces.Count -gt 0) {
        $profiles = Get-OnePacsWlanProfiles
    }
    return [ordered]@{ service_running = $running; interfaces = $interfaces; profiles = $profiles }
}
