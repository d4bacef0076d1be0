"""Does a host look like the machine its baseline is for? The enforcement guard's decision (baseline_guard).

An inventory mistake (a Windows 11 reception PC listed in `gateways`) would otherwise get the other baseline's
settings enforced. The host's own facts decide, never its name:

- Win32_OperatingSystem.ProductType: 1 is a client OS (Windows 10/11), 2 a domain controller, 3 a server
  (https://learn.microsoft.com/en-us/windows/win32/cimwin32prov/win32-operatingsystem).
- The OnePacs components installed (ansible_facts.onepacs_host.onepacs, from the uninstall registry keys).

A gateway baseline is contradicted by a client OS running the OnePacs Workstation or Study Retriever without the
Gateway; a workstation baseline by a server OS running the Gateway without the Workstation or Study Retriever. A
host with no OnePacs component yet (being prepared) contradicts nothing. When the facts needed are missing the
fit cannot be shown, and the guard treats that as a refusal too (when in doubt, do not change).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

CLIENT_OS = 1
SERVER_OS = (2, 3)
WORKSTATION_COMPONENTS = ("workstation", "study_retriever")


@dataclass(frozen=True)
class Fit:
    """fits: the facts agree with the baseline (or show nothing against it); reason says why not, in words."""

    fits: bool
    reason: str = ""


def _installed(onepacs: Mapping[str, Any], component: str) -> bool:
    return bool(onepacs.get(component))


def baseline_fit(baseline: str, facts: Mapping[str, Any] | None) -> Fit:
    system = (facts or {}).get("system") if isinstance(facts, Mapping) else None
    onepacs = (facts or {}).get("onepacs") if isinstance(facts, Mapping) else None
    product_type = system.get("product_type") if isinstance(system, Mapping) else None
    if not isinstance(product_type, int) or not isinstance(onepacs, Mapping):
        return Fit(False, "the host facts (OS product type, installed OnePacs components) could not be read")
    caption = str(system.get("os_caption") or "Windows") if isinstance(system, Mapping) else "Windows"
    client_side = [name for name in WORKSTATION_COMPONENTS if _installed(onepacs, name)]
    gateway = _installed(onepacs, "gateway")
    labels = {"workstation": "OnePacs Workstation", "study_retriever": "OnePacs Study Retriever"}
    if baseline == "gateway" and product_type == CLIENT_OS and client_side and not gateway:
        running = " and ".join(labels[name] for name in client_side)
        return Fit(False, f"it runs a client OS ({caption}) with the {running} and no OnePacs Gateway: a workstation")
    if baseline == "workstation" and product_type in SERVER_OS and gateway and not client_side:
        return Fit(False, f"it runs a server OS ({caption}) with the OnePacs Gateway and no Workstation: a gateway")
    return Fit(True)
