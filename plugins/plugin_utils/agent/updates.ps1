# onepacs.baseline agent, updates ops. Sent after core.ps1 only when a request holds updates.* ops.
# Handlers are found by name: op 'updates.<verb>' runs function Invoke-OpUpdates<Verb> (see core.ps1).

# ---------------------------------------------------------------------------------------------------------------
# Installed updates: Win32_QuickFixEngineering (Get-HotFix) and the Windows Update Agent history. Dates leave the
# host as ISO 8601 text written with the invariant culture, so the controller never reads a localised date.

function Get-OnePacsHotFixes {
    $hotfixes = [System.Collections.ArrayList]::new()
    foreach ($hotfix in @(Get-CimInstance -ClassName 'Win32_QuickFixEngineering' -ErrorAction Stop)) {
        $null = $hotfixes.Add([ordered]@{
            id = [string]$hotfix.HotFixID
            description = [string]$hotfix.Description
            installed_on = ConvertTo-OnePacsInstalledOn -Value $hotfix.InstalledOn
        })
    }
    return , $hotfixes
}

function ConvertTo-OnePacsUpdateOperation {
    # UpdateOperation: 1 installation, 2 uninstallation.
    param([int]$Code)
    switch ($Code) {
        1 {
            return 'install'
        }
        2 {
            return 'uninstall'
        }
    }
    return 'other'
}

function ConvertTo-OnePacsUpdateResult {
    # OperationResultCode: 0 not started, 1 in progress, 2 succeeded, 3 succeeded with errors, 4 failed, 5 aborted.
    param([int]$Code)
    $names = @('not_started', 'in_progress', 'succeeded', 'succeeded_with_errors', 'failed', 'aborted')
    if ($Code -ge 0 -and $Code -lt $names.Count) {
        return $names[$Code]
    }
    return 'failed'
}

function Get-OnePacsUpdateCategories {
    # Classification and product GUIDs of a history entry (IUpdateHistoryEntry2.Categories); none where the
    # Windows Update Agent does not record them.
    param($Entry)
    $categories = [System.Collections.ArrayList]::new()
    try {
        foreach ($category in $Entry.Categories) {
            $null = $categories.Add(([string]$category.CategoryID).ToLowerInvariant())
        }
    }
    catch {
        $null = $_
    }
    return , $categories
}

function Get-OnePacsUpdateHistory {
    # The newest $Limit entries of the Windows Update Agent history, newest first.
    param([int]$Limit)
    $invariant = [System.Globalization.CultureInfo]::InvariantCulture
    $session = New-Object -ComObject 'Microsoft.Update.Session'
    $searcher = $session.CreateUpdateSearcher()
    $count = [System.Math]::Min([int]$searcher.GetTotalHistoryCount(), $Limit)
    $entries = [System.Collections.ArrayList]::new()
    if ($count -le 0) {
        return , $entries
    }
    foreach ($entry in $searcher.QueryHistory(0, $count)) {
        # The agent reports history dates in UTC; COM hands them over without a kind.
        $date = [datetime]::SpecifyKind([datetime]$entry.Date, [System.DateTimeKind]::Utc)
        $updateId = ''
        if ($null -ne $entry.UpdateIdentity) {
            $updateId = ([string]$entry.UpdateIdentity.UpdateID).ToLowerInvariant()
        }
        $null = $entries.Add([ordered]@{
            date = $date.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", $invariant)
            operation = ConvertTo-OnePacsUpdateOperation -Code ([int]$entry.Operation)
            result = ConvertTo-OnePacsUpdateResult -Code ([int]$entry.ResultCode)
            title = [string]$entry.Title
            update_id = $updateId
            categories = Get-OnePacsUpdateCategories -Entry $entry
        })
    }
    return , $entries
}

function Invoke-OpUpdatesHistory {
    param($Op)
    $limit = Get-OnePacsRangedInteger -Op $Op -Name 'limit' -Minimum 1 -Maximum 10000 -Optional
    if ($null -eq $limit) {
        $limit = 200
    }
    $hotfixes = Get-OnePacsHotFixes
    $history = [System.Collections.ArrayList]::new()
    $historyError = $null
    try {
        $history = Get-OnePacsUpdateHistory -Limit ([int]$limit)
    }
    catch {
        # The hotfix list still answers the question on its own, so this source failing is data, not an error.
        $historyError = 'the Windows Update history could not be read: ' + [string]$_.Exception.Message
    }
    return [ordered]@{
        hotfixes = $hotfixes
        history = $history
        history_error = $historyError
    }
}
