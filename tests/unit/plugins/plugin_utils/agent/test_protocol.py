"""The protocol files' schema: what _protocol.py accepts, and the clear error for what it does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from ansible_collections.onepacs.baseline.plugins.plugin_utils.agent._protocol import (
    ArgSpec,
    load_protocol,
    op_args,
    read_protocol,
)

_COMMON = "version: 1\nerror_codes: {failed: anything else}\n"


def write_area(directory: Path, args: str) -> Path:
    (directory / "_common.yml").write_text(_COMMON, encoding="utf-8")
    (directory / "area.yml").write_text(
        f"ops:\n  area.set:\n    description: x\n    mutates: true\n    args:\n      {args}\n    returns: {{}}\n",
        encoding="utf-8",
    )
    return directory


def test_the_collections_protocol_loads_and_every_op_has_typed_arguments():
    ops = load_protocol()["ops"]
    assert all(isinstance(spec, ArgSpec) for name in ops for spec in op_args(name).values())


def test_ranges_and_choices_are_data():
    assert op_args("firewall.set_profile")["log_max_size_kilobytes"] == ArgSpec("int", False, None, 1, 32767)
    assert op_args("services.set")["start_mode"].choices == ("Auto", "Manual", "Disabled")


def test_a_well_formed_file_is_read(tmp_path):
    protocol = read_protocol(write_area(tmp_path, "level: {type: int, required: false, min: 0, max: 8}"))
    assert protocol["ops"]["area.set"]["args"]["level"] == {"type": "int", "required": False, "min": 0, "max": 8}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ("level: {type: int, required: false, minimum: 0}", "unknown keys ['minimum']"),
        ("level: {type: integer, required: true}", "type must be one of"),
        ("level: {type: int}", "required must be true or false"),
        ("level: {type: int, required: true, choices: [a]}", "choices must be a non-empty list of strings"),
        ("level: {type: string, required: true, choices: []}", "choices must be a non-empty list of strings"),
        ("level: {type: string, required: true, max: 3}", "max must be a whole number on an int argument"),
        ("level: {type: int, required: true, min: 1.5}", "min must be a whole number on an int argument"),
        ("level: {type: int, required: true, min: 9, max: 8}", "min 9 is above max 8"),
        ("level: int", "must be a mapping"),
    ],
)
def test_a_malformed_argument_is_refused_naming_the_file_op_and_argument(tmp_path, args, message):
    with pytest.raises(ValueError, match=r"area\.yml: op 'area\.set' argument 'level'") as raised:
        read_protocol(write_area(tmp_path, args))
    assert message in str(raised.value)


def test_an_op_in_the_wrong_file_or_with_an_unknown_key_is_refused(tmp_path):
    write_area(tmp_path, "level: {type: int, required: true}")
    (tmp_path / "other.yml").write_text("ops:\n  area.get: {mutates: false, args: {}}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"other.yml: op 'area.get' belongs in area.yml"):
        read_protocol(tmp_path)
    (tmp_path / "other.yml").write_text("ops:\n  other.get: {mutates: false, args: {}, mutate: 1}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"unknown keys \['mutate'\]"):
        read_protocol(tmp_path)
