# onepacs.baseline agent: runs generic read/write ops on a Windows host and reports them as one JSON document.
#
# The controller sends this file on stdin, followed by agent/<area>.ps1 for each area its request uses (and
# agent/<area>_write.ps1 when it writes), each behind a file tag line (FILE_TAG in _framing.py, then the file's
# name); the bootstrap dot-sources this file and calls
#     Invoke-OnePacsAgent -AreaScripts <the tagged files> -RequestJson '{"v": 1, "ops": [{"op": "registry.get"}]}'
# which loads each area file on its own (Split-OnePacsAreaScripts), so one blocked file fails only its ops.
# The op contract (names, arguments, return shapes, error codes) is plugins/plugin_utils/agent/protocol.yml.
#
# Rules this file keeps, and why:
# - Windows PowerShell 5.1 syntax only (Server 2016 and Windows 10 ship nothing newer), pure ASCII (stdin is ASCII).
# - Only function definitions at script level, so dot-sourcing has no side effects. Handlers are found by name
#   (Get-OnePacsOpHandler), so tests can check them against protocol.yml by parsing with tree-sitter-powershell.
# - Helpers used by more than one area live here; an area file holds its handlers and helpers only it uses.
# - No policy: the agent reads and writes primitives; every decision is made (and unit-tested) in Python.
# - Locale-independent: never parse the text output of a command; use CIM, the registry and exit codes.
# - One op's failure never affects another: each runs in its own try/catch and becomes a result.

function Invoke-OnePacsAgent {
    # Answers one request. Outcomes, all written between the marker lines:
    # - normal: {"v": 1, "results": [one result per op, in order]}
    # - request "v" is not 1: every op gets {"ok": false, "code": "invalid_argument"}; one answer per op keeps the
    #   response shape the controller already handles.
    # - the request is not JSON or has no "ops" list, so there are no ops to answer one by one:
    #   {"v": 1, "results": [], "code": "invalid_argument", "error": "..."}.
    # - an area file that could not be loaded: each op it serves gets {"ok": false, "code": "blocked"} naming it.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]$AreaScripts,
        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]$RequestJson
    )
    $ProgressPreference = 'SilentlyContinue'
    $ErrorActionPreference = 'Stop'
    Remove-OnePacsArrayTypeData
    # Dot-sourced here, the area files' functions live in this function's scope, which every op handler call below
    # runs inside (PowerShell resolves commands through the caller's scopes).
    $blockedFiles = @{}
    foreach ($areaFile in (Split-OnePacsAreaScripts -Text $AreaScripts)) {
        try {
            . ([ScriptBlock]::Create($areaFile.Text))
        }
        catch {
            # AMSI reports a block as a ParseException (ScriptContainedMaliciousContent) when the script block is
            # created or first run; any other load error (a parse error) is reported the same way.
            $blockedFiles[$areaFile.Name] = [string]$_.Exception.Message
        }
    }
    try {
        $response = Invoke-OnePacsRequest -RequestJson $RequestJson -BlockedFiles $blockedFiles
        $json = ConvertTo-Json -InputObject $response -Depth 10 -Compress
    }
    catch {
        # Last resort (e.g. a value the serializer rejects): still answer with valid JSON so the controller reports
        # the cause instead of "no result markers".
        $message = ConvertTo-Json -InputObject ('agent failure: ' + $_.Exception.Message) -Compress
        $json = '{"v":1,"results":[],"code":"failed","error":' + $message + '}'
    }
    Write-OnePacsResponse -Json (ConvertTo-OnePacsAsciiText -Text $json)
}

function Split-OnePacsAreaScripts {
    # File tag lines (FILE_TAG in _framing.py, the name, '#>') split the text into area files; returns @{ Name; Text }
    # for each, in order. The tag is assembled here because the bootstrap cuts core at the tag's first occurrence.
    param([string]$Text)
    $tag = '<' + '#ONEPACS:FILE:'
    foreach ($section in ($Text -split [regex]::Escape($tag))) {
        $end = $section.IndexOf('#>', [System.StringComparison]::Ordinal)
        if ($end -lt 0) {
            continue
        }
        @{ Name = $section.Substring(0, $end).Trim(); Text = $section.Substring($end + 2) }
    }
}

function Invoke-OnePacsRequest {
    # Returns the response document (an ordered dictionary) for one request text.
    param([string]$RequestJson, [hashtable]$BlockedFiles = @{})
    $results = [System.Collections.ArrayList]::new()
    $response = [ordered]@{ v = 1; results = $results }
    try {
        $request = ConvertFrom-Json -InputObject $RequestJson
    }
    catch {
        $response['code'] = 'invalid_argument'
        $response['error'] = 'the request is not valid JSON: ' + $_.Exception.Message
        return $response
    }
    if (-not ($request -is [System.Management.Automation.PSCustomObject])) {
        $response['code'] = 'invalid_argument'
        $response['error'] = 'the request is not a JSON object'
        return $response
    }
    $opsProperty = $request.PSObject.Properties['ops']
    if ($null -eq $opsProperty -or -not ($opsProperty.Value -is [System.Array])) {
        $response['code'] = 'invalid_argument'
        $response['error'] = 'the request has no "ops" list'
        return $response
    }
    $requestError = ''
    $versionProperty = $request.PSObject.Properties['v']
    if ($null -eq $versionProperty -or -not ($versionProperty.Value -is [int]) -or $versionProperty.Value -ne 1) {
        $requestError = 'unsupported request version (this agent speaks protocol version 1)'
    }
    foreach ($op in $opsProperty.Value) {
        $null = $results.Add((Invoke-OnePacsOp -Op $op -RequestError $requestError -BlockedFiles $BlockedFiles))
    }
    return $response
}

function Invoke-OnePacsOp {
    # Runs one op through its handler and returns its result; never throws.
    param($Op, [string]$RequestError, [hashtable]$BlockedFiles = @{})
    try {
        if ($RequestError) {
            Stop-OnePacsOp -Code 'invalid_argument' -Message $RequestError
        }
        if (-not ($Op -is [System.Management.Automation.PSCustomObject])) {
            Stop-OnePacsOp -Code 'invalid_argument' -Message 'an op must be a JSON object'
        }
        $name = Get-OnePacsArg -Op $Op -Name 'op' -Type 'string'
        $handler = Get-OnePacsOpHandler -Name $name
        if ($null -eq $handler) {
            $blocked = Get-OnePacsBlockedFileMessage -OpName $name -BlockedFiles $BlockedFiles
            if ($blocked) {
                return [ordered]@{ ok = $false; code = 'blocked'; error = $blocked }
            }
            return [ordered]@{ ok = $false; code = 'unknown_op'; error = "this agent has no handler for op '$name'" }
        }
        $value = & $handler -Op $Op
        return [ordered]@{ ok = $true; value = $value }
    }
    catch {
        $errorRecord = $_
        return [ordered]@{
            ok = $false
            code = (Get-OnePacsErrorCode -ErrorRecord $errorRecord)
            error = [string]$errorRecord.Exception.Message
        }
    }
}

function Get-OnePacsBlockedFileMessage {
    # Why an op has no handler when a file of its area ('<area>' or '<area>_write') failed to load; '' otherwise.
    param([string]$OpName, [hashtable]$BlockedFiles)
    $area = $OpName.Split('.')[0]
    $messages = foreach ($fileName in @($area, ($area + '_write'))) {
        if ($BlockedFiles.ContainsKey($fileName)) {
            "the host blocked agent/$fileName.ps1 while loading it: " + $BlockedFiles[$fileName]
        }
    }
    return (@($messages) -join '; ')
}

function Get-OnePacsOpHandler {
    # Op '<area>.<verb_words>' is handled by function Invoke-Op<Area><VerbWords> in agent/<area>.ps1, e.g.
    # 'registry.get' -> Invoke-OpRegistryGet, 'defender.add_exclusion' -> Invoke-OpDefenderAddExclusion. Names are
    # matched exactly (-cmatch), so only well-formed op names can reach a function; $null when none exists.
    param([string]$Name)
    if ($Name -cnotmatch '^[a-z][a-z0-9]*\.[a-z][a-z0-9_]*$') {
        return $null
    }
    $words = foreach ($word in ($Name -split '[._]')) {
        if ($word) {
            $word.Substring(0, 1).ToUpperInvariant() + $word.Substring(1)
        }
    }
    $function = 'Invoke-Op' + ($words -join '')
    $command = Get-Command -Name $function -CommandType Function -ErrorAction SilentlyContinue
    if ($null -eq $command) {
        return $null
    }
    return $function
}

function Stop-OnePacsOp {
    # Throws an exception that carries its protocol error code, for failures the agent detects itself.
    param([string]$Code, [string]$Message)
    $exception = [System.Exception]::new($Message)
    $exception.Data['OnePacsCode'] = $Code
    throw $exception
}

function Get-OnePacsErrorCode {
    # Maps an error to a protocol error code. Exceptions from .NET methods arrive wrapped in a
    # MethodInvocationException, so the whole InnerException chain is examined, outermost first.
    param([System.Management.Automation.ErrorRecord]$ErrorRecord)
    $exception = $ErrorRecord.Exception
    while ($null -ne $exception) {
        if ($exception.Data.Contains('OnePacsCode')) {
            return [string]$exception.Data['OnePacsCode']
        }
        if ($exception -is [System.UnauthorizedAccessException] -or
            $exception -is [System.Security.SecurityException]) {
            return 'access_denied'
        }
        # HRESULT E_ACCESSDENIED and Win32 ERROR_ACCESS_DENIED, as COM and Win32 wrappers report them.
        if ($exception.HResult -eq -2147024891) {
            return 'access_denied'
        }
        if ($exception -is [System.ComponentModel.Win32Exception] -and $exception.NativeErrorCode -eq 5) {
            return 'access_denied'
        }
        # Checked before "not found": a missing command is also categorised ObjectNotFound.
        if ($exception -is [System.Management.Automation.CommandNotFoundException]) {
            return 'not_supported'
        }
        if ($exception -is [System.NotSupportedException] -or $exception -is [System.PlatformNotSupportedException]) {
            return 'not_supported'
        }
        if ($exception -is [System.Management.Automation.ItemNotFoundException]) {
            return 'not_found'
        }
        if ($exception.GetType().FullName -eq 'Microsoft.Management.Infrastructure.CimException') {
            $cimCode = Get-OnePacsCimErrorCode -NativeErrorCode ([string]$exception.NativeErrorCode)
            if ($cimCode) {
                return $cimCode
            }
        }
        if ($exception -is [System.ArgumentException] -or $exception -is [System.FormatException] -or
            $exception -is [System.InvalidCastException] -or $exception -is [System.OverflowException] -or
            $exception -is [System.Management.Automation.ParameterBindingException]) {
            return 'invalid_argument'
        }
        $exception = $exception.InnerException
    }
    $wmiCode = Get-OnePacsWmiErrorCode -FullyQualifiedErrorId ([string]$ErrorRecord.FullyQualifiedErrorId)
    if ($wmiCode) {
        return $wmiCode
    }
    $category = [string]$ErrorRecord.CategoryInfo.Category
    if ($category -eq 'PermissionDenied') {
        return 'access_denied'
    }
    if ($category -eq 'ObjectNotFound') {
        return 'not_found'
    }
    if ($category -eq 'NotImplemented') {
        return 'not_supported'
    }
    return 'failed'
}

function Get-OnePacsCimErrorCode {
    # CIM reports a missing namespace or class (a feature this Windows edition lacks) by code, not by type.
    param([string]$NativeErrorCode)
    switch ($NativeErrorCode) {
        'AccessDenied' {
            return 'access_denied'
        }
        'InvalidNamespace' {
            return 'not_supported'
        }
        'InvalidClass' {
            return 'not_supported'
        }
        'NotSupported' {
            return 'not_supported'
        }
        'NotFound' {
            return 'not_found'
        }
        'InvalidParameter' {
            return 'invalid_argument'
        }
    }
    return ''
}

function Get-OnePacsWmiErrorCode {
    # The CIM cmdlets put WMI's HRESULT in the error's FullyQualifiedErrorId, "HRESULT 0x80041010,Microsoft.
    # Management.Infrastructure.CimCmdlets.GetCimInstanceCommand", and their message is localised (recorded:
    # tests/data/recorded/errors/; PowerShell's own tests assert these ids). WMI error constants:
    # https://learn.microsoft.com/windows/win32/wmisdk/wmi-error-constants. '' for any other id.
    param([string]$FullyQualifiedErrorId)
    $match = [regex]::Match($FullyQualifiedErrorId, '^HRESULT (0x[0-9A-Fa-f]{8}),')
    if (-not $match.Success) {
        return ''
    }
    switch ($match.Groups[1].Value.ToLowerInvariant()) {
        '0x80041003' {
            return 'access_denied'
        }
        '0x80070005' {
            return 'access_denied'
        }
        '0x8004100e' {
            return 'not_supported'
        }
        '0x80041010' {
            return 'not_supported'
        }
        '0x8004100c' {
            return 'not_supported'
        }
        '0x80041002' {
            return 'not_found'
        }
        '0x80041008' {
            return 'invalid_argument'
        }
    }
    return ''
}

function Get-OnePacsArg {
    # Returns one argument of an op after checking its JSON type (string, int, bool, list, dict or any).
    # A missing or null argument is invalid_argument unless -Optional, which returns $null instead.
    param(
        $Op,
        [string]$Name,
        [string]$Type,
        [switch]$Optional,
        [switch]$AllowEmpty
    )
    $property = $Op.PSObject.Properties[$Name]
    if ($null -eq $property -or $null -eq $property.Value) {
        if ($Optional) {
            return $null
        }
        Stop-OnePacsOp -Code 'invalid_argument' -Message "missing argument '$Name'"
    }
    $value = $property.Value
    $valid = $false
    switch ($Type) {
        'string' {
            $valid = ($value -is [string]) -and ($AllowEmpty -or $value.Length -gt 0)
        }
        'int' {
            $valid = Test-OnePacsInteger -Value $value
        }
        'bool' {
            $valid = $value -is [bool]
        }
        'list' {
            $valid = $value -is [System.Array]
        }
        'dict' {
            $valid = $value -is [System.Management.Automation.PSCustomObject]
        }
        'any' {
            $valid = $true
        }
    }
    if (-not $valid) {
        $expected = $Type
        if ($Type -eq 'string' -and -not $AllowEmpty) {
            $expected = 'non-empty string'
        }
        Stop-OnePacsOp -Code 'invalid_argument' -Message "argument '$Name' must be a $expected"
    }
    if ($Type -eq 'int') {
        return [decimal]$value
    }
    # The unary comma keeps a list a list: PowerShell would otherwise unroll it on return.
    return , $value
}

function Test-OnePacsInteger {
    # ConvertFrom-Json yields Int32, Int64 or Decimal for JSON numbers; all count as int when they are whole.
    param($Value)
    if ($Value -is [int] -or $Value -is [long]) {
        return $true
    }
    if ($Value -is [decimal] -or $Value -is [double]) {
        return [System.Math]::Floor($Value) -eq $Value
    }
    return $false
}

function Get-OnePacsRangedInteger {
    # Returns an int argument after checking it lies in [Minimum, Maximum]; Decimal holds the full UInt64 range.
    param($Op, [string]$Name, [decimal]$Minimum, [decimal]$Maximum, [switch]$Optional)
    $value = Get-OnePacsArg -Op $Op -Name $Name -Type 'int' -Optional:$Optional
    if ($null -eq $value) {
        return $null
    }
    if ($value -lt $Minimum -or $value -gt $Maximum) {
        Stop-OnePacsOp -Code 'invalid_argument' -Message "argument '$Name' must be between $Minimum and $Maximum"
    }
    return $value
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

function ConvertTo-OnePacsGuid {
    # Returns a GUID in the protocol's form: lower case, no braces.
    param([string]$Text, [string]$Name)
    $guid = [System.Guid]::Empty
    if (-not [System.Guid]::TryParse($Text, [ref]$guid)) {
        Stop-OnePacsOp -Code 'invalid_argument' -Message "argument '$Name' must be a GUID, got '$Text'"
    }
    return $guid.ToString('D')
}

# ---------------------------------------------------------------------------------------------------------------
# Output

function Remove-OnePacsArrayTypeData {
    # Windows PowerShell 5.1 gives System.Array an extended Count property, which makes ConvertTo-Json write some
    # arrays as {"value": [...], "Count": n}. The agent runs in a throwaway process, so the type data is dropped.
    try {
        if ($null -ne (Get-TypeData -TypeName 'System.Array')) {
            Remove-TypeData -TypeName 'System.Array'
        }
    }
    catch {
        $null = $_
    }
}

function ConvertTo-OnePacsAsciiText {
    # Escapes every character above 0x7E as \uXXXX. Inside JSON they can only occur in strings, so the document
    # means the same and survives any console code page between here and the controller.
    param([string]$Text)
    if ($Text -notmatch '[^\x00-\x7E]') {
        return $Text
    }
    $builder = [System.Text.StringBuilder]::new($Text.Length + 64)
    foreach ($character in $Text.ToCharArray()) {
        $codeUnit = [int]$character
        if ($codeUnit -gt 126) {
            $null = $builder.Append('\u').Append($codeUnit.ToString('x4'))
        }
        else {
            $null = $builder.Append($character)
        }
    }
    return $builder.ToString()
}

function Write-OnePacsResponse {
    # Writes the framed response (markers as in plugins/plugin_utils/agent/_framing.py). In powershell.exe (winrm,
    # ssh) it goes straight to stdout, bypassing the PowerShell host so that formatting and width cannot touch it.
    # Under psrp no powershell.exe runs: the script runs in a remote runspace whose host is ServerRemoteHost
    # (PowerShell's engine/remoting/server/ServerRemoteHost.cs) and has no console, and Ansible's psrp plugin builds
    # stdout from the pipeline's output objects and the host UI only (ansible-core plugins/connection/psrp.py,
    # _parse_pipeline_result), so there the lines are pipeline output.
    param([string]$Json)
    if ($Host.Name -ne 'ConsoleHost') {
        '<<<ONEPACS:RESULT:BEGIN>>>'
        $Json
        '<<<ONEPACS:RESULT:END>>>'
        return
    }
    $out = [System.Console]::Out
    $out.WriteLine('<<<ONEPACS:RESULT:BEGIN>>>')
    $out.WriteLine($Json)
    $out.WriteLine('<<<ONEPACS:RESULT:END>>>')
    $out.Flush()
}

# ---------------------------------------------------------------------------------------------------------------
# Registry access shared by every area: the .NET API rather than the registry provider, for exact value kinds and
# unexpanded REG_EXPAND_SZ.

function Resolve-OnePacsRegistryPath {
    # Splits a provider path ("HKLM:\SOFTWARE\X", "Registry::HKEY_LOCAL_MACHINE\SOFTWARE\X") into hive and subkey.
    param([string]$Path)
    $hives = @{
        HKLM = 'LocalMachine'
        HKEY_LOCAL_MACHINE = 'LocalMachine'
        HKCU = 'CurrentUser'
        HKEY_CURRENT_USER = 'CurrentUser'
        HKU = 'Users'
        HKEY_USERS = 'Users'
        HKCR = 'ClassesRoot'
        HKEY_CLASSES_ROOT = 'ClassesRoot'
        HKCC = 'CurrentConfig'
        HKEY_CURRENT_CONFIG = 'CurrentConfig'
    }
    $text = $Path
    $providerEnd = $text.IndexOf('::', [System.StringComparison]::Ordinal)
    if ($providerEnd -ge 0) {
        $text = $text.Substring($providerEnd + 2)
    }
    $separator = $text.IndexOf('\', [System.StringComparison]::Ordinal)
    if ($separator -lt 0) {
        $hiveName = $text
        $subKey = ''
    }
    else {
        $hiveName = $text.Substring(0, $separator)
        $subKey = $text.Substring($separator + 1).Trim('\')
    }
    $hiveName = $hiveName.TrimEnd(':')
    if (-not $hives.ContainsKey($hiveName)) {
        $message = "'$Path' is not a registry path (expected e.g. HKLM:\SOFTWARE\...)"
        Stop-OnePacsOp -Code 'invalid_argument' -Message $message
    }
    return @{ Hive = [Microsoft.Win32.RegistryHive]$hives[$hiveName]; SubKey = $subKey }
}

function Open-OnePacsRegistryHive {
    # The 64-bit view on 64-bit Windows: a 32-bit PowerShell would otherwise see the WOW6432Node redirection.
    param([Microsoft.Win32.RegistryHive]$Hive)
    $view = [Microsoft.Win32.RegistryView]::Default
    if ([System.Environment]::Is64BitOperatingSystem) {
        $view = [Microsoft.Win32.RegistryView]::Registry64
    }
    return [Microsoft.Win32.RegistryKey]::OpenBaseKey($Hive, $view)
}

function Read-OnePacsRegistryValue {
    # Returns the registry.get shape: key_exists, exists, type, data.
    param([string]$Path, [string]$Name)
    $location = Resolve-OnePacsRegistryPath -Path $Path
    $result = [ordered]@{ key_exists = $false; exists = $false; type = $null; data = $null }
    $hiveKey = Open-OnePacsRegistryHive -Hive $location.Hive
    try {
        $key = $hiveKey.OpenSubKey($location.SubKey, $false)
        if ($null -eq $key) {
            return $result
        }
        try {
            $result['key_exists'] = $true
            # Value names are case-insensitive in Windows, as is -contains.
            if ($key.GetValueNames() -notcontains $Name) {
                return $result
            }
            $kind = $key.GetValueKind($Name)
            $raw = $key.GetValue($Name, $null, [Microsoft.Win32.RegistryValueOptions]::DoNotExpandEnvironmentNames)
            $result['exists'] = $true
            $result['type'] = [string]$kind
            $result['data'] = ConvertFrom-OnePacsRegistryData -Kind $kind -Raw $raw
            return $result
        }
        finally {
            $key.Close()
        }
    }
    finally {
        $hiveKey.Close()
    }
}

function ConvertFrom-OnePacsRegistryData {
    # Registry data -> JSON value. DWORD and QWORD are reported unsigned, as regedit and reg.exe show them
    # (.NET returns them signed). Binary and unknown kinds travel as base64.
    param([Microsoft.Win32.RegistryValueKind]$Kind, $Raw)
    switch ($Kind) {
        'DWord' {
            return [long][System.BitConverter]::ToUInt32([System.BitConverter]::GetBytes([int]$Raw), 0)
        }
        'QWord' {
            return [System.BitConverter]::ToUInt64([System.BitConverter]::GetBytes([long]$Raw), 0)
        }
        'MultiString' {
            return , ([string[]]$Raw)
        }
        'String' {
            return [string]$Raw
        }
        'ExpandString' {
            return [string]$Raw
        }
    }
    if ($Raw -is [byte[]]) {
        return [System.Convert]::ToBase64String($Raw)
    }
    if ($null -eq $Raw) {
        return $null
    }
    return [string]$Raw
}

function ConvertTo-OnePacsRegistryData {
    # JSON value -> @{ Kind; Data } ready for RegistryKey.SetValue; malformed data is invalid_argument.
    # $Type is one of the kinds registry.set declares: its handler reads it with Get-OnePacsChoiceArg.
    param([string]$Type, $Data)
    $kind = [Microsoft.Win32.RegistryValueKind]$Type
    if ($Type -eq 'String' -or $Type -eq 'ExpandString') {
        if (-not ($Data -is [string])) {
            Stop-OnePacsOp -Code 'invalid_argument' -Message "$Type data must be a string"
        }
        return @{ Kind = $kind; Data = $Data }
    }
    if ($Type -eq 'MultiString') {
        if (-not ($Data -is [System.Array])) {
            Stop-OnePacsOp -Code 'invalid_argument' -Message 'MultiString data must be a list of strings'
        }
        $strings = [System.Collections.Generic.List[string]]::new()
        foreach ($item in $Data) {
            if (-not ($item -is [string])) {
                Stop-OnePacsOp -Code 'invalid_argument' -Message 'MultiString data must be a list of strings'
            }
            $strings.Add($item)
        }
        return @{ Kind = $kind; Data = $strings.ToArray() }
    }
    if ($Type -eq 'Binary') {
        if (-not ($Data -is [string])) {
            Stop-OnePacsOp -Code 'invalid_argument' -Message 'Binary data must be a base64 string'
        }
        try {
            $bytes = [System.Convert]::FromBase64String($Data)
        }
        catch {
            Stop-OnePacsOp -Code 'invalid_argument' -Message 'Binary data must be a base64 string'
        }
        return @{ Kind = $kind; Data = $bytes }
    }
    # DWord and QWord: accept the unsigned range and store its two's complement bit pattern, which is what
    # SetValue expects (a signed Int32 / Int64).
    if (-not (Test-OnePacsInteger -Value $Data)) {
        Stop-OnePacsOp -Code 'invalid_argument' -Message "$Type data must be an integer"
    }
    $number = [decimal]$Data
    if ($Type -eq 'DWord') {
        if ($number -lt 0 -or $number -gt [decimal][uint32]::MaxValue) {
            Stop-OnePacsOp -Code 'invalid_argument' -Message 'DWord data must be between 0 and 4294967295'
        }
        $bits = [System.BitConverter]::ToInt32([System.BitConverter]::GetBytes([uint32]$number), 0)
        return @{ Kind = $kind; Data = $bits }
    }
    if ($number -lt 0 -or $number -gt [decimal][uint64]::MaxValue) {
        Stop-OnePacsOp -Code 'invalid_argument' -Message 'QWord data must be between 0 and 18446744073709551615'
    }
    $bits = [System.BitConverter]::ToInt64([System.BitConverter]::GetBytes([uint64]$number), 0)
    return @{ Kind = $kind; Data = $bits }
}

function Get-OnePacsRegistryData {
    # The data of one registry value, or $Default when the key or value is absent.
    param([string]$Path, [string]$Name, $Default)
    $value = Read-OnePacsRegistryValue -Path $Path -Name $Name
    if (-not $value['exists']) {
        return $Default
    }
    return $value['data']
}

function ConvertTo-OnePacsInstalledOn {
    # Win32_QuickFixEngineering.InstalledOn -> "yyyy-MM-dd", or $null; the one parser for every op that reads it.
    # Windows keeps it as text in the US form M/d/yyyy whatever the host's culture (projects that read it parse it
    # with en-US, e.g. aws/amazon-ssm-agent's windows update plugin; recorded: tests/data/recorded/hotfix/), or as a
    # 16-digit hexadecimal FILETIME on old builds; a DateTime if a type extension converted it already. Never parsed
    # with the host's culture, where 1/2/2026 would be the 1st of February.
    param($Value)
    $invariant = [System.Globalization.CultureInfo]::InvariantCulture
    if ($Value -is [datetime]) {
        return $Value.ToString('yyyy-MM-dd', $invariant)
    }
    if ($null -eq $Value) {
        return $null
    }
    $text = ([string]$Value).Trim()
    $date = [datetime]::MinValue
    $formats = [string[]]@('M/d/yyyy', 'M/d/yyyy h:mm:ss tt', 'M/d/yyyy H:mm:ss')
    $styles = [System.Globalization.DateTimeStyles]::None
    if ([datetime]::TryParseExact($text, $formats, $invariant, $styles, [ref]$date)) {
        return $date.ToString('yyyy-MM-dd', $invariant)
    }
    if ($text -match '^[0-9A-Fa-f]{16}$') {
        try {
            $fileTime = [System.Convert]::ToInt64($text, 16)
            return [datetime]::FromFileTimeUtc($fileTime).ToString('yyyy-MM-dd', $invariant)
        }
        catch {
            # A negative or out-of-range FILETIME is no date.
            return $null
        }
    }
    return $null
}

function Test-OnePacsElevated {
    # Several tools (powercfg /hibernate, secedit, auditpol) refuse to work without elevation and say so only in
    # localized text or a bare exit code; checking first keeps access_denied apart from other failures.
    $identity = [System.Security.Principal.WindowsIdentity]::GetCurrent()
    $principal = [System.Security.Principal.WindowsPrincipal]::new($identity)
    return $principal.IsInRole([System.Security.Principal.WindowsBuiltInRole]::Administrator)
}

# ---------------------------------------------------------------------------------------------------------------
# The TPM, read by bitlocker.tpm and system.tpm alike.

function Get-OnePacsTpmState {
    # Get-Tpm with the specification version of Win32_Tpm ('' when the class has no instance), in the shape
    # bitlocker.tpm answers; system.tpm answers the same without 'owned'.
    $tpm = Get-Tpm -ErrorAction Stop
    $specVersion = ''
    $query = @{ Namespace = 'root\cimv2\Security\MicrosoftTpm'; ClassName = 'Win32_Tpm' }
    $instance = Get-CimInstance @query -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($null -ne $instance) {
        $specVersion = [string]$instance.SpecVersion
    }
    return [ordered]@{
        present = [bool]$tpm.TpmPresent
        ready = [bool]$tpm.TpmReady
        enabled = [bool]$tpm.TpmEnabled
        activated = [bool]$tpm.TpmActivated
        owned = [bool]$tpm.TpmOwned
        manufacturer = [string]$tpm.ManufacturerIdTxt
        spec_version = $specVersion
    }
}
