from __future__ import annotations

import pytest

from ansible_collections.onepacs.baseline.plugins.plugin_utils._baseline_fit import baseline_fit

WIN11 = {"os_caption": "Microsoft Windows 11 Pro", "product_type": 1}
SERVER = {"os_caption": "Microsoft Windows Server 2022 Standard", "product_type": 3}
WORKSTATION_APP = {"gateway": None, "workstation": "9.1.2", "study_retriever": None}
GATEWAY_APP = {"gateway": "5.4.0", "workstation": None, "study_retriever": None}
NOTHING = {"gateway": None, "workstation": None, "study_retriever": None}


def facts(system, onepacs):
    return {"system": system, "onepacs": onepacs}


def test_a_client_os_running_the_workstation_is_no_gateway():
    fit = baseline_fit("gateway", facts(WIN11, WORKSTATION_APP))
    assert not fit.fits
    assert fit.reason == (
        "it runs a client OS (Microsoft Windows 11 Pro) with the OnePacs Workstation and no OnePacs Gateway: "
        "a workstation"
    )


def test_a_server_running_the_gateway_is_no_workstation():
    fit = baseline_fit("workstation", facts(SERVER, GATEWAY_APP))
    assert not fit.fits
    assert "server OS (Microsoft Windows Server 2022 Standard) with the OnePacs Gateway" in fit.reason


@pytest.mark.parametrize(
    ("baseline", "system", "onepacs"),
    [
        ("gateway", SERVER, GATEWAY_APP),
        ("workstation", WIN11, WORKSTATION_APP),
        ("gateway", WIN11, NOTHING),  # being prepared: nothing says what it is
        ("gateway", WIN11, GATEWAY_APP),  # a small clinic's gateway on a client OS: its software says gateway
        ("workstation", SERVER, WORKSTATION_APP | {"gateway": "5.4.0"}),  # both installed: no contradiction
    ],
)
def test_hosts_whose_facts_agree_or_say_nothing_against_it_fit(baseline, system, onepacs):
    assert baseline_fit(baseline, facts(system, onepacs)).fits


@pytest.mark.parametrize(
    "host_facts",
    [None, {}, facts({"product_type": None}, WORKSTATION_APP), facts(WIN11, None)],
)
def test_unknown_facts_do_not_prove_a_fit(host_facts):
    fit = baseline_fit("gateway", host_facts)
    assert not fit.fits
    assert "could not be read" in fit.reason
