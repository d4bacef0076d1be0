"""Every error mapping of the agent (Get-OnePacsErrorCode in agent/core.ps1) against recorded real errors
(tests/data/recorded/errors/ and defender/) and against the lab's copy of it (winlab.sim_errors).

The agent cannot run here, so its tables are read from its source and must equal the lab's; the lab's mapping is
then applied to the shapes Windows really produced.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ansible_collections.onepacs.baseline.plugins.plugin_utils._paths import AGENT_DIR
from winlab.sim_errors import (
    CATEGORY_CODES,
    CIM_NATIVE_ERROR_CODES,
    WMI_HRESULT_CODES,
    ErrorRecordShape,
    agent_error_code,
    agent_sees_defender_service_down,
)

RECORDED = Path(__file__).resolve().parents[2] / "data" / "recorded"
EXCEPTION_TYPES = {
    "CimException": "Microsoft.Management.Infrastructure.CimException",
    "COMException": "System.Runtime.InteropServices.COMException",
}


def core_function(name: str) -> str:
    source = (AGENT_DIR / "core.ps1").read_text(encoding="ascii")
    start = source.index(f"function {name} {{")
    return source[start : source.index("\n}\n", start)]


def switch_table(body: str) -> dict[str, str]:
    return dict(re.findall(r"'([\w]+)' \{\s*return '(\w+)'", body))


def test_the_labs_cim_code_table_is_the_agents() -> None:
    assert switch_table(core_function("Get-OnePacsCimErrorCode")) == CIM_NATIVE_ERROR_CODES


def test_the_labs_wmi_hresult_table_is_the_agents() -> None:
    assert switch_table(core_function("Get-OnePacsWmiErrorCode")) == WMI_HRESULT_CODES


def test_the_labs_category_table_is_the_agents() -> None:
    body = core_function("Get-OnePacsErrorCode")
    pairs = re.findall(r"\$category -eq '(\w+)'\) \{\s*return '(\w+)'", body)
    assert dict(pairs) == CATEGORY_CODES


def test_the_agent_reads_the_wmi_hresult_before_the_category() -> None:
    body = core_function("Get-OnePacsErrorCode")
    assert body.index("Get-OnePacsWmiErrorCode") < body.index("$category = ")


def recorded_shape(relative: str) -> ErrorRecordShape:
    text = (RECORDED / relative).read_text(encoding="utf-8")
    message = text.splitlines()[0].split(" : ", 1)[1]
    category = re.search(r"CategoryInfo\s+: (\w+):.*\], (\w+)\s*$", text, re.MULTILINE)
    error_id = re.search(r"FullyQualifiedErrorId : (.+)", text)
    assert category is not None, relative
    assert error_id is not None, relative
    return ErrorRecordShape(
        EXCEPTION_TYPES[category.group(2)], message.strip(), error_id.group(1).strip(), category.group(1)
    )


@pytest.mark.parametrize(
    ("relative", "code"),
    [
        # A class this Windows lacks (a feature not installed): the message is localised, the id is not.
        ("errors/get-ciminstance-invalid-class.txt", "not_supported"),
        # WMI refused the account (E_ACCESSDENIED in the id, PermissionDenied category).
        ("errors/get-ciminstance-access-denied.txt", "access_denied"),
        # One volume Get-BitLockerVolume cannot read: a COMException the agent does not recognise.
        ("errors/get-bitlockervolume-comexception.txt", "failed"),
        # Defender's service down, before the Defender handlers' own check: a generic failure.
        ("defender/get-mpcomputerstatus-service-down.txt", "failed"),
        ("defender/get-mppreference-service-down.txt", "failed"),
    ],
)
def test_recorded_errors_map_to_the_expected_code(relative: str, code: str) -> None:
    assert agent_error_code(recorded_shape(relative)) == code


def test_the_invalid_class_code_comes_from_the_id_not_the_message() -> None:
    shape = recorded_shape("errors/get-ciminstance-invalid-class.txt")
    localised = ErrorRecordShape(
        shape.exception_type,
        "\u6307\u5b9a\u7684\u7c7b\u4e0d\u5b58\u5728\u3002",
        shape.fully_qualified_error_id,
        shape.category,
    )
    assert agent_error_code(localised) == "not_supported"
    assert agent_error_code(ErrorRecordShape(shape.exception_type, shape.message, "x", "NotSpecified")) == "failed"


def test_the_defender_check_is_the_only_one_that_sees_the_service_down() -> None:
    shape = recorded_shape("defender/get-mpcomputerstatus-service-down.txt")
    assert agent_sees_defender_service_down(shape)
    assert not agent_sees_defender_service_down(recorded_shape("errors/get-ciminstance-invalid-class.txt"))
