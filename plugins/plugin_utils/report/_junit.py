"""junit.xml: one test case per host and control, so CI systems show failing controls natively (xml.etree).

One test suite per host. Its first test case, `audit`, passes when every baseline was audited and errors with the
cause when the host was unreachable or its baseline failed. Then one case per control: fail and manual_missing are
failures, error an error, not_applicable skipped; pass, fixed, excepted and manual_attested pass. Host text that XML
cannot carry (control characters) is replaced, and the file holds no time stamp, so two runs over an unchanged
fleet give the same bytes.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: Any) -> str:
    """Text XML 1.0 can hold: structures as JSON, characters outside XML's range as U+FFFD."""
    if value is None:
        return ""
    result = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return _NOT_XML.sub("\ufffd", result)


def _element(parent: ET.Element, tag: str, body: str = "", **attributes: Any) -> ET.Element:
    element = ET.SubElement(parent, tag, {key: xml_text(value) for key, value in attributes.items()})
    if body:
        element.text = xml_text(body)
    return element


def _details(control: Mapping[str, Any]) -> str:
    lines = [
        f"status: {control['status']}",
        f"expected: {xml_text(control['expected'])}",
        f"actual: {xml_text(control['actual'])}",
        f"message: {control['message']}",
    ]
    if control["practice"]:
        lines.append(f"practice: {control['practice']}")
    if control["remediation"]:
        lines.append(f"remediation: {control['remediation']}")
    return "\n".join(lines)


def _host_suite(root: ET.Element, host: Mapping[str, Any]) -> None:
    suite = _element(root, "testsuite", name=host["name"], hostname=host["name"])
    properties = _element(suite, "properties")
    _element(properties, "property", name="clinics", value=" ".join(host["clinics"]))
    _element(properties, "property", name="outcome", value=host["outcome"])
    _element(properties, "property", name="score", value="" if host["score"] is None else host["score"])
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}

    audit = _element(suite, "testcase", classname=host["name"], name="audit")
    counts["tests"] += 1
    if host["problems"]:
        causes = [f"{problem['baseline']}: {problem['outcome']}: {problem['message']}" for problem in host["problems"]]
        _element(audit, "error", "\n".join(causes), message="; ".join(causes), type=host["outcome"])
        counts["errors"] += 1

    for control in host["controls"]:
        case = _element(
            suite,
            "testcase",
            classname=f"{host['name']}.{control['baseline']}.{control['area']}",
            name=f"{control['id']} {control['title']}",
        )
        counts["tests"] += 1
        message = f"{control['status']}: {control['message']}"
        if control["status"] == "error":
            _element(case, "error", _details(control), message=message, type=control["status"])
            counts["errors"] += 1
        elif control["failing"]:
            _element(case, "failure", _details(control), message=message, type=control["status"])
            counts["failures"] += 1
        elif control["status"] == "not_applicable" or control.get("needs_configuration"):
            _element(case, "skipped", message=control["message"])
            counts["skipped"] += 1
        elif control["status"] != "pass":
            _element(case, "system-out", message)
    for key, value in counts.items():
        suite.set(key, str(value))


def render_junit(document: Mapping[str, Any]) -> bytes:
    """The JUnit XML file's bytes (UTF-8, with declaration)."""
    root = ET.Element("testsuites", {"name": xml_text(document["run"].get("title") or "compliance")})
    for host in document["hosts"]:
        _host_suite(root, host)
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(sum(int(suite.get(key, "0")) for suite in root)))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
