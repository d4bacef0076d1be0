from __future__ import annotations

import pytest

from ansible_collections.onepacs.baseline.plugins.plugin_utils._whole_number import whole_number


@pytest.mark.parametrize(("value", "number"), [(7, 7), ("30", 30), (" 12 ", 12), ("-3", -3), (0, 0)])
def test_an_int_or_its_text_is_a_whole_number(value, number):
    assert whole_number(value) == number


@pytest.mark.parametrize("value", [True, False, 1.0, "1.5", "ten", "", None, [3]])
def test_anything_else_is_not_a_whole_number(value):
    assert whole_number(value) is None
