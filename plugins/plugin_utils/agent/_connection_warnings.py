"""Warnings for connection settings that expose the connection to the network path (a careless operator's defaults).

- Certificate validation off (winrm `ansible_winrm_server_cert_validation: ignore`, psrp
  `ansible_psrp_cert_validation: ignore`): whoever sits on the path can pose as the host, take the connection
  password and feed the controller any answer.
- Basic authentication over plain HTTP (winrm transport `basic` with scheme `http`, psrp auth `basic` with protocol
  `http`): "the user name and password are sent over the network as clear text" (Microsoft, the WinRM client's
  AllowBasic policy: https://learn.microsoft.com/en-us/windows/client-management/mdm/policy-csp-remotemanagement).
  NTLM, Kerberos and CredSSP encrypt the messages over HTTP (Ansible's WinRM guide, "HTTP encryption":
  https://docs.ansible.com/ansible/latest/os_guide/windows_winrm.html), so only Basic is warned about.

The lab serves WinRM on 127.0.0.1 with Basic over HTTP on purpose, so a loopback address is never warned about; the
recovery password never depends on these settings (it is sealed, see _sealing.py), but the connection password
and every answer do.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

OptionReader = Callable[[str], Any]


def is_loopback(address: Any) -> bool:
    text = str(address or "").strip().strip("[]")
    if text.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(text).is_loopback
    except ValueError:
        return False


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip().lower() for part in value.split(",") if part.strip()]
    return [str(part).strip().lower() for part in value]


def _winrm(option: OptionReader, host: str) -> list[str]:
    extras = option("_extras") or {}
    warnings = []
    if str(extras.get("ansible_winrm_server_cert_validation", "")).strip().lower() == "ignore":
        warnings.append(
            f"{host}: TLS certificate validation is off (ansible_winrm_server_cert_validation: ignore): anyone on the "
            "network path can pose as this host, take the connection password and answer for it; set it to validate "
            "and give the CA with ansible_winrm_ca_trust_path"
        )
    port = option("port")
    scheme = str(option("scheme") or ("http" if str(port) == "5985" else "https")).lower()
    if scheme == "http" and "basic" in _as_list(option("transport")):
        warnings.append(
            f"{host}: Basic authentication over plain HTTP (ansible_winrm_transport: basic, scheme http) sends the "
            "connection password in clear with every request; use HTTPS (port 5986), or NTLM or Kerberos, which "
            "encrypt the messages"
        )
    return warnings


def _psrp(option: OptionReader, host: str) -> list[str]:
    warnings = []
    if str(option("cert_validation") or "").strip().lower() == "ignore":
        warnings.append(
            f"{host}: TLS certificate validation is off (ansible_psrp_cert_validation: ignore): anyone on the network "
            "path can pose as this host, take the connection password and answer for it; set it to validate and give "
            "the CA with ansible_psrp_ca_cert"
        )
    if str(option("protocol") or "").lower() == "http" and str(option("auth") or "").lower() == "basic":
        warnings.append(
            f"{host}: Basic authentication over plain HTTP (ansible_psrp_auth: basic, protocol http) sends the "
            "connection password in clear with every request; use HTTPS, or NTLM or Kerberos, which encrypt the "
            "messages"
        )
    return warnings


def connection_warnings(connection_name: str, option: OptionReader, host: str) -> list[str]:
    """Warnings for the connection's settings; none for a loopback address (the lab)."""
    if is_loopback(option("remote_addr")):
        return []
    name = connection_name.rsplit(".", 1)[-1]
    if name == "winrm":
        return _winrm(option, host)
    if name == "psrp":
        return _psrp(option, host)
    return []
