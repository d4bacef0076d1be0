# onepacs.baseline agent, auditpol write ops: the handlers of the mutating auditpol.* ops. Sent after core.ps1
# and auditpol.ps1 (whose helpers they use) only when a request writes, so that a read-only request never
# carries them. Handlers are found by name, as in every agent file (see core.ps1).

function ConvertTo-OnePacsAuditSwitch {
    param([string]$Side, [bool]$Enabled)
    if ($Enabled) {
        return ('/' + $Side + ':enable')
    }
    return ('/' + $Side + ':disable')
}

function Invoke-OpAuditpolSet {
    param($Op)
    $guid = ConvertTo-OnePacsGuid -Text (Get-OnePacsArg -Op $Op -Name 'guid' -Type 'string') -Name 'guid'
    $success = Get-OnePacsArg -Op $Op -Name 'success' -Type 'bool' -Optional
    $failure = Get-OnePacsArg -Op $Op -Name 'failure' -Type 'bool' -Optional
    if ($null -eq $success -and $null -eq $failure) {
        Stop-OnePacsOp -Code 'invalid_argument' -Message "auditpol.set needs 'success', 'failure' or both"
    }
    # Checked first: auditpol reports an unknown subcategory only in its localised text.
    $null = Get-OnePacsAuditSetting -Policy (Read-OnePacsAuditPolicy) -Guid $guid
    $arguments = [System.Collections.Generic.List[string]]::new()
    $arguments.Add('/set')
    $arguments.Add('/subcategory:{' + $guid + '}')
    if ($null -ne $success) {
        $arguments.Add((ConvertTo-OnePacsAuditSwitch -Side 'success' -Enabled $success))
    }
    if ($null -ne $failure) {
        $arguments.Add((ConvertTo-OnePacsAuditSwitch -Side 'failure' -Enabled $failure))
    }
    Invoke-OnePacsAuditpol -ArgumentList $arguments.ToArray()
    $setting = Get-OnePacsAuditSetting -Policy (Read-OnePacsAuditPolicy) -Guid $guid
    return ConvertTo-OnePacsAuditEntry -Guid $guid -Setting $setting
}
