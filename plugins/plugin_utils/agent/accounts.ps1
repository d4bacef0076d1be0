# onepacs.baseline agent, accounts ops. Sent after core.ps1 only when a request holds accounts.* ops.
# Handlers are found by name: op 'accounts.<verb>' runs function Invoke-OpAccounts<Verb> (see core.ps1).

# ---------------------------------------------------------------------------------------------------------------
# Local users and groups, always addressed by SID: the names of built-in accounts and groups are localized
# (Administratoren, Invite, Invitado). Users come from the LocalAccounts module (Get-LocalUser), or from ADSI
# WinNT:// where that module is missing; groups are read and changed through ADSI, which lists orphaned SIDs that
# Get-LocalGroupMember fails on.

function Test-OnePacsLocalAccountsModule {
    return ($null -ne (Get-Command -Name 'Get-LocalUser' -ErrorAction SilentlyContinue))
}

function ConvertTo-OnePacsAccountSid {
    # A SecurityIdentifier from an argument; anything that is not a SID is invalid_argument.
    param([string]$Text, [string]$Name)
    try {
        return [System.Security.Principal.SecurityIdentifier]::new($Text)
    }
    catch {
        Stop-OnePacsOp -Code 'invalid_argument' -Message "argument '$Name' must be a SID (S-1-...), got '$Text'"
    }
}

function ConvertTo-OnePacsAccountTime {
    # A DateTime as UTC text (yyyy-MM-ddTHH:mm:ssZ, invariant culture); $null stays $null (never).
    param($Value)
    if ($null -eq $Value) {
        return $null
    }
    $moment = ([datetime]$Value).ToUniversalTime()
    return $moment.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", [System.Globalization.CultureInfo]::InvariantCulture)
}

function Get-OnePacsAdsiProperty {
    # One property of an ADSI COM object (group members are raw COM objects, not DirectoryEntry wrappers).
    param($Object, [string]$Name)
    return $Object.GetType().InvokeMember($Name, [System.Reflection.BindingFlags]::GetProperty, $null, $Object, $null)
}

function Get-OnePacsAdsiUsers {
    # The local users as DirectoryEntry objects of WinNT://COMPUTER.
    $computer = [ADSI]('WinNT://' + $env:COMPUTERNAME + ',computer')
    # Without the filter the computer's children also hold its groups and services.
    $null = $computer.psbase.Children.SchemaFilter.Add('user')
    $users = [System.Collections.ArrayList]::new()
    foreach ($entry in $computer.psbase.Children) {
        if ($entry.psbase.SchemaClassName -eq 'User') {
            $null = $users.Add($entry)
        }
    }
    return , $users
}

function Get-OnePacsAdsiUserSid {
    param($Entry)
    return [System.Security.Principal.SecurityIdentifier]::new([byte[]]$Entry.objectSid.Value, 0)
}

function ConvertFrom-OnePacsAdsiUser {
    # A user record from ADSI: UserFlags bit 0x2 is ACCOUNTDISABLE, PasswordAge is seconds since the password was
    # set, and LastLogin is missing (an exception) for an account that never logged on.
    param($Entry)
    $lastLogon = $null
    try {
        $lastLogon = $Entry.psbase.InvokeGet('LastLogin')
    }
    catch {
        $lastLogon = $null
    }
    $passwordSet = $null
    $passwordAge = $Entry.PasswordAge.Value
    if ($null -ne $passwordAge) {
        $passwordSet = [datetime]::UtcNow.AddSeconds(-[double]$passwordAge)
    }
    return [ordered]@{
        sid = (Get-OnePacsAdsiUserSid -Entry $Entry).Value
        name = [string]$Entry.Name.Value
        full_name = [string]$Entry.FullName.Value
        enabled = (([int]$Entry.UserFlags.Value -band 2) -eq 0)
        last_logon = ConvertTo-OnePacsAccountTime -Value $lastLogon
        password_last_set = ConvertTo-OnePacsAccountTime -Value $passwordSet
    }
}

function Get-OnePacsLocalUserRecords {
    $records = [System.Collections.ArrayList]::new()
    if (Test-OnePacsLocalAccountsModule) {
        foreach ($user in @(Get-LocalUser -ErrorAction Stop)) {
            $null = $records.Add([ordered]@{
                sid = [string]$user.SID.Value
                name = [string]$user.Name
                full_name = [string]$user.FullName
                enabled = [bool]$user.Enabled
                last_logon = ConvertTo-OnePacsAccountTime -Value $user.LastLogon
                password_last_set = ConvertTo-OnePacsAccountTime -Value $user.PasswordLastSet
            })
        }
        return , $records
    }
    foreach ($entry in (Get-OnePacsAdsiUsers)) {
        $null = $records.Add((ConvertFrom-OnePacsAdsiUser -Entry $entry))
    }
    return , $records
}

function Get-OnePacsLocalGroup {
    # The local group with this SID: its SID is translated to its (localized) name, which ADSI binds by.
    param([string]$Sid, [string]$ArgumentName)
    $identifier = ConvertTo-OnePacsAccountSid -Text $Sid -Name $ArgumentName
    try {
        $account = $identifier.Translate([System.Security.Principal.NTAccount]).Value
        $name = $account.Substring($account.LastIndexOf('\') + 1)
        $group = [ADSI]('WinNT://' + $env:COMPUTERNAME + '/' + $name + ',group')
        # Binding is lazy: reading the cache is what fails for a group that is not local.
        $group.psbase.RefreshCache()
    }
    catch {
        Stop-OnePacsOp -Code 'not_found' -Message ('Group ' + $identifier.Value + ' was not found.')
    }
    return @{ Group = $group; Name = $name; Sid = $identifier.Value }
}

function Get-OnePacsGroupMemberRecords {
    # The members of an ADSI group by SID, with the name the SID translates to ("" for an orphaned SID).
    param($Group)
    $records = [System.Collections.ArrayList]::new()
    foreach ($member in @($Group.psbase.Invoke('Members'))) {
        $bytes = [byte[]](Get-OnePacsAdsiProperty -Object $member -Name 'objectSid')
        $identifier = [System.Security.Principal.SecurityIdentifier]::new($bytes, 0)
        $name = ''
        $class = ''
        try {
            $name = $identifier.Translate([System.Security.Principal.NTAccount]).Value
            $class = [string](Get-OnePacsAdsiProperty -Object $member -Name 'Class')
        }
        catch {
            $name = ''
        }
        $null = $records.Add([ordered]@{ sid = $identifier.Value; name = $name; class = $class })
    }
    return , $records
}

function Invoke-OpAccountsUsers {
    param($Op)
    # ProductType 2 is a domain controller, where Get-LocalUser lists the domain's accounts.
    $productType = [int](Get-CimInstance -ClassName Win32_OperatingSystem -ErrorAction Stop).ProductType
    return [ordered]@{
        computer_name = [string]$env:COMPUTERNAME
        product_type = $productType
        now = ConvertTo-OnePacsAccountTime -Value ([datetime]::UtcNow)
        users = (Get-OnePacsLocalUserRecords)
    }
}

function Invoke-OpAccountsGroupMembers {
    param($Op)
    $local = Get-OnePacsLocalGroup -Sid (Get-OnePacsArg -Op $Op -Name 'sid' -Type 'string') -ArgumentName 'sid'
    return [ordered]@{
        sid = $local.Sid
        name = $local.Name
        members = (Get-OnePacsGroupMemberRecords -Group $local.Group)
    }
}
