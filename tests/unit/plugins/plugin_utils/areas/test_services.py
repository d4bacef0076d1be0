"""ServicesArea: recorded services.get results -> the SVC-01 finding, and the protect-list guard."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.onepacs.baseline.plugins.plugin_utils._findings import Outcome
from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._transport import OpResult
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._area import InvalidOptionError
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._services import (
    DEFAULT_DISABLED_SERVICES,
    OPTIONS,
    PROTECTED_SERVICES,
    ServicesArea,
    protection_reason,
)

DEFAULTS = {name: copy.deepcopy(spec.get("default")) for name, spec in OPTIONS.items()}


def service(name, start_mode="Manual", state="Stopped"):
    return {
        "name": name,
        "exists": True,
        "display_name": name,
        "start_mode": start_mode,
        "state": state,
        "delayed_auto_start": False,
    }


def missing(name):
    return {
        "name": name,
        "exists": False,
        "display_name": None,
        "start_mode": None,
        "state": None,
        "delayed_auto_start": None,
    }


def evaluate(entries, **params):
    area = ServicesArea({**DEFAULTS, "disabled_services": [entry["name"] for entry in entries], **params})
    (finding,) = area.evaluate({"services": OpResult(ok=True, value={"services": entries})})
    return finding


def test_probe_is_one_read_only_op_with_the_effective_list():
    area = ServicesArea({**DEFAULTS, "extra_disabled_services": ["Spooler", "lfsvc"], "keep_services": ["LFSVC"]})
    ops = area.probe_ops()
    assert list(ops) == ["services"]
    assert ops["services"]["op"] == "services.get"
    names = ops["services"]["names"]
    assert names[-1] == "Spooler"
    assert "lfsvc" not in names
    assert names == [name for name in DEFAULT_DISABLED_SERVICES if name != "lfsvc"] + ["Spooler"]


def test_duplicates_are_asked_once():
    area = ServicesArea({**DEFAULTS, "disabled_services": ["Fax", "fax"], "extra_disabled_services": [" Fax "]})
    assert area.probe_ops()["services"]["names"] == ["Fax"]


def test_drifted_services_get_only_the_changes_they_need():
    finding = evaluate(
        [
            service("RemoteRegistry", "Auto", "Stopped"),
            service("SSDPSRV", "Disabled", "Running"),
            service("lfsvc", "Manual", "Running"),
            service("XblGameSave", "Disabled", "Stopped"),
        ]
    )
    assert finding.outcome is Outcome.DRIFTED
    assert [change.op for change in finding.changes] == [
        {"op": "services.set", "name": "RemoteRegistry", "start_mode": "Disabled"},
        {"op": "services.set", "name": "SSDPSRV", "stop": True},
        {"op": "services.set", "name": "lfsvc", "start_mode": "Disabled", "stop": True},
    ]
    assert finding.message == (
        "not disabled and stopped: RemoteRegistry (Auto, Stopped), SSDPSRV (Disabled, Running), lfsvc (Manual, Running)"
    )
    assert finding.actual["XblGameSave"] == "Disabled, Stopped"
    assert finding.expected == dict.fromkeys(["RemoteRegistry", "SSDPSRV", "lfsvc", "XblGameSave"], "Disabled, Stopped")
    change = finding.changes[0]
    assert change.before == {"start_mode": "Auto", "state": "Stopped"}
    assert change.verify(service("RemoteRegistry", "Disabled", "Stopped")) == (
        True,
        {"start_mode": "Disabled", "state": "Stopped"},
    )
    assert change.verify(service("RemoteRegistry", "Auto", "Stopped"))[0] is False


def test_missing_services_are_not_applicable_and_named():
    finding = evaluate([service("RemoteRegistry", "Disabled"), missing("WalletService"), missing("wisvc")])
    assert finding.outcome is Outcome.COMPLIANT
    assert (
        finding.message == "disabled and stopped: RemoteRegistry; not installed (not applicable): WalletService, wisvc"
    )
    assert "WalletService" not in finding.expected
    drifted = evaluate([service("RemoteRegistry"), missing("WalletService")])
    assert drifted.message.endswith("; not installed (not applicable): WalletService")
    assert [change.op["name"] for change in drifted.changes] == ["RemoteRegistry"]


def test_none_installed_is_not_applicable():
    finding = evaluate([missing("WalletService"), missing("RetailDemo")])
    assert finding.outcome is Outcome.NOT_APPLICABLE
    assert finding.message == "none of the listed services is installed: WalletService, RetailDemo"


def test_an_empty_list_is_not_applicable():
    area = ServicesArea({**DEFAULTS, "disabled_services": ["Fax"], "keep_services": ["Fax"]})
    (finding,) = area.evaluate({"services": OpResult(ok=True, value={"services": []})})
    assert finding.outcome is Outcome.NOT_APPLICABLE


def test_a_failed_probe_is_an_error():
    area = ServicesArea(DEFAULTS)
    (finding,) = area.evaluate({"services": OpResult(ok=False, code="access_denied", error="Access denied")})
    assert finding.outcome is Outcome.ERROR
    assert finding.message == "could not read the services: access_denied: Access denied"


# --------------------------------------------------------------------------------------------- protect-list guard


@pytest.mark.parametrize(
    ("option", "name", "reason"),
    [
        ("extra_disabled_services", "WinRM", "the management connection runs over Windows Remote Management"),
        ("extra_disabled_services", "winrm", "the management connection runs over Windows Remote Management"),
        ("disabled_services", "RpcSs", "WinRM, CIM and the Service Control Manager need RPC"),
        ("extra_disabled_services", "OnePacsGateway", "OnePacs runs as these services"),
        ("extra_disabled_services", "postgresql-9.6", "the OnePacs gateway stores its data in PostgreSQL"),
        ("extra_disabled_services", "mpssvc", "the firewall controls (FW-*) need Windows Defender Firewall"),
    ],
)
def test_protected_services_are_refused_before_the_host_is_contacted(option, name, reason):
    with pytest.raises(InvalidOptionError) as caught:
        ServicesArea({**DEFAULTS, option: [*DEFAULTS[option], name]})
    assert str(caught.value) == f"{option}: {name!r} is never disabled: {reason}"


def test_keep_services_may_name_a_protected_service_it_only_removes_names():
    area = ServicesArea({**DEFAULTS, "extra_disabled_services": ["WinRM"], "keep_services": ["WinRM"]})
    assert "WinRM" not in area.probe_ops()["services"]["names"]


def test_the_default_list_holds_no_protected_service():
    assert [name for name in DEFAULT_DISABLED_SERVICES if protection_reason(name)] == []
    assert protection_reason("Spooler") is None
    assert {"WinRM", "RpcSs", "Winmgmt", "OnePacs*"} <= set(PROTECTED_SERVICES)


@pytest.mark.parametrize("bad", ["", "  ", 5])
def test_names_must_be_names(bad):
    with pytest.raises(InvalidOptionError, match=r"^extra_disabled_services\[0\]: must be a service name"):
        ServicesArea({**DEFAULTS, "extra_disabled_services": [bad]})
