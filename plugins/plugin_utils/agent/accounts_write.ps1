# onepacs.baseline agent, accounts write ops: the handlers of the mutating accounts.* ops. Sent after core.ps1
# and accounts.ps1 (whose helpers they use) only when a request writes, so that a read-only request never
# carries them. Handlers are found by name, as in every agent file (see core.ps1).

function Find-OnePacsAdsiUser {
    # The DirectoryEntry of the local user with this SID; not_found when there is none.
    param([System.Security.Principal.SecurityIdentifier]$Sid)
    foreach ($entry in (Get-OnePacsAdsiUsers)) {
        if ((Get-OnePacsAdsiUserSid -Entry $entry).Equals($Sid)) {
            return $entry
        }
    }
    Stop-OnePacsOp -Code 'not_found' -Message ('User ' + $Sid.Value + ' was not found.')
}

function Test-OnePacsGroupMember {
    param($Group, [string]$Sid)
    foreach ($record in (Get-OnePacsGroupMemberRecords -Group $Group)) {
        if ($record.sid -eq $Sid) {
            return $true
        }
    }
    return $false
}

function Invoke-OpAccountsDisable {
    param($Op)
    $sid = ConvertTo-OnePacsAccountSid -Text (Get-OnePacsArg -Op $Op -Name 'sid' -Type 'string') -Name 'sid'
    if (Test-OnePacsLocalAccountsModule) {
        # An unknown SID fails with UserNotFound (category ObjectNotFound): not_found.
        $user = Get-LocalUser -SID $sid -ErrorAction Stop
        if ($user.Enabled) {
            Disable-LocalUser -SID $sid -ErrorAction Stop
        }
        $user = Get-LocalUser -SID $sid -ErrorAction Stop
        return [ordered]@{ sid = $sid.Value; name = [string]$user.Name; enabled = [bool]$user.Enabled }
    }
    $entry = Find-OnePacsAdsiUser -Sid $sid
    $flags = [int]$entry.UserFlags.Value
    if (($flags -band 2) -eq 0) {
        $entry.UserFlags.Value = $flags -bor 2
        $entry.psbase.CommitChanges()
    }
    $record = ConvertFrom-OnePacsAdsiUser -Entry (Find-OnePacsAdsiUser -Sid $sid)
    return [ordered]@{ sid = $sid.Value; name = $record.name; enabled = $record.enabled }
}

function Invoke-OpAccountsRemoveMember {
    param($Op)
    $local = Get-OnePacsLocalGroup -Sid (Get-OnePacsArg -Op $Op -Name 'group' -Type 'string') -ArgumentName 'group'
    $member = ConvertTo-OnePacsAccountSid -Text (Get-OnePacsArg -Op $Op -Name 'member' -Type 'string') -Name 'member'
    if (Test-OnePacsGroupMember -Group $local.Group -Sid $member.Value) {
        # WinNT://<SID> addresses the member by SID, which also reaches orphaned SIDs.
        $null = $local.Group.psbase.Invoke('Remove', ('WinNT://' + $member.Value))
    }
    return [ordered]@{
        group = $local.Sid
        member = $member.Value
        is_member = [bool](Test-OnePacsGroupMember -Group $local.Group -Sid $member.Value)
    }
}
