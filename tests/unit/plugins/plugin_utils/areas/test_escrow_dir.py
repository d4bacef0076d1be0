"""The escrow folder holds the only copy of a recovery password: another local user must not be able to reach it."""

from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._area import InvalidOptionError
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._bitlocker import BitLockerArea
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._escrow import write_escrow
from ansible_collections.onepacs.baseline.plugins.plugin_utils.areas._escrow_dir import escrow_dir_problem

PASSWORD = "123453-654324-111111-222222-333333-444444-555555-666666"
RECOVERY_ID = "{7A8B9C0D-1E2F-4A3B-9C4D-5E6F7A8B9C0D}"
OTHER_USER = 65534  # nobody


def enabling(path, **extra):
    return BitLockerArea({"enable_os_volume": True, "escrow_dir": str(path), "skip_hardware_test": False, **extra})


def test_a_world_writable_escrow_folder_is_refused(tmp_path):
    shared = tmp_path / "escrow"
    shared.mkdir()
    shared.chmod(0o777)
    with pytest.raises(InvalidOptionError, match=r"^escrow_dir: .*writable by other users \(mode 0777\)"):
        enabling(shared)
    with pytest.raises(OSError, match="writable by other users"):
        write_escrow(shared, "gw01", "C:", RECOVERY_ID, PASSWORD)
    assert list(shared.iterdir()) == []


def test_a_group_writable_folder_above_it_without_the_sticky_bit_is_refused(tmp_path):
    parent = tmp_path / "team"
    parent.mkdir()
    parent.chmod(0o775)
    with pytest.raises(InvalidOptionError, match="team' is writable by other users"):
        enabling(parent / "escrow")
    parent.chmod(0o1777)  # like /tmp: others cannot rename or delete what they do not own
    enabling(parent / "escrow")


def test_a_symlink_to_another_users_folder_is_refused(tmp_path):
    theirs = tmp_path / "theirs"
    theirs.mkdir(mode=0o700)
    os.chown(theirs, OTHER_USER, OTHER_USER)
    link = tmp_path / "escrow"
    link.symlink_to(theirs)
    with pytest.raises(InvalidOptionError, match="is a symbolic link"):
        enabling(link)
    with pytest.raises(InvalidOptionError, match="is a symbolic link"):
        enabling(link / "below")
    with pytest.raises(OSError, match="is a symbolic link"):
        write_escrow(link, "gw01", "C:", RECOVERY_ID, PASSWORD)
    assert list(theirs.iterdir()) == []


def test_a_folder_of_another_user_is_refused(tmp_path):
    theirs = tmp_path / "theirs"
    theirs.mkdir(mode=0o700)
    os.chown(theirs, OTHER_USER, OTHER_USER)
    assert escrow_dir_problem(str(theirs)) == (
        f"{str(theirs)!r} belongs to uid {OTHER_USER}, not the controller's user (uid {os.geteuid()})"
    )


def test_missing_parents_are_created_0700_even_under_umask_000(tmp_path):
    deep = tmp_path / "a" / "b" / "escrow"
    previous = os.umask(0)
    try:
        enabling(deep)
        path = write_escrow(deep, "gw01", "C:", RECOVERY_ID, PASSWORD)
    finally:
        os.umask(previous)
    for folder in (tmp_path / "a", tmp_path / "a" / "b", deep):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_an_escrow_file_planted_as_a_symlink_is_never_followed(tmp_path):
    escrow = tmp_path / "escrow"
    escrow.mkdir(mode=0o700)
    target = tmp_path / "elsewhere.json"
    (escrow / "gw01_7a8b9c0d-1e2f-4a3b-9c4d-5e6f7a8b9c0d.json").symlink_to(target)
    with pytest.raises(FileExistsError):
        write_escrow(escrow, "gw01", "C:", RECOVERY_ID, PASSWORD)
    assert not target.exists()


def test_in_an_awx_job_the_escrow_folder_must_be_declared_persistent(tmp_path, monkeypatch):
    monkeypatch.setenv("JOB_ID", "42")
    monkeypatch.setenv("INVENTORY_ID", "7")
    with pytest.raises(InvalidOptionError, match=r"AWX / AAP job.*escrow_dir_persistent: true"):
        enabling(tmp_path / "escrow")
    enabling(tmp_path / "escrow", escrow_dir_persistent=True)
    monkeypatch.delenv("JOB_ID")
    enabling(tmp_path / "escrow")
