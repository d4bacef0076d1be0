"""The Area contract's shared parts: validating a module's arguments never changes the area's options."""

from __future__ import annotations

import copy

from action_runner import run_action_plugin
from ansible_collections.onepacs.baseline.plugins.action.win_firewall import ActionModule as FirewallAction
from ansible_collections.onepacs.baseline.plugins.plugin_utils._common_options import COMMON_OPTIONS
from ansible_collections.onepacs.baseline.plugins.plugin_utils._role_inputs import check_area_settings
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._area import module_argument_spec
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._firewall import FirewallArea
from fake_connection import SimulatedConnection
from winlab.simulator import SimulatedHost


def test_the_module_argument_spec_is_a_copy_of_the_options_and_the_common_options():
    spec = module_argument_spec(FirewallArea)
    assert spec == {**FirewallArea.options, **COMMON_OPTIONS}
    assert spec["rule_allowlist"]["default"][0] is not FirewallArea.options["rule_allowlist"]["default"][0]


def allowlist_entries_have_one_key() -> bool:
    """How the firewall's default allow list is written: one of name, group or display_name per entry."""
    return all(len(entry) == 1 for entry in FirewallArea.options["rule_allowlist"]["default"])


def test_running_a_module_leaves_its_area_options_as_they_were():
    # rule_allowlist's default is a list of dicts with suboptions: the case Ansible's validator writes into.
    before = copy.deepcopy(FirewallArea.options)
    connection = SimulatedConnection(SimulatedHost.from_profile("server2022-desktop-fresh"))
    result = run_action_plugin(
        FirewallAction,
        connection,
        "onepacs.baseline.win_firewall",
        {},
        host="gw01",
        check_mode=True,
        connection_options={"port": 5985, "remote_user": "labadmin"},
    )
    assert result["controls"]
    assert FirewallArea.options == before
    assert allowlist_entries_have_one_key()


def test_checking_role_settings_leaves_the_area_options_as_they_were():
    before = copy.deepcopy(FirewallArea.options)
    check_area_settings("win_firewall", {"log_max_size_kilobytes": 20000}, {})
    assert FirewallArea.options == before
    assert allowlist_entries_have_one_key()
