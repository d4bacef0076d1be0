"""Whether the escrow folder can be trusted with the only copy of a recovery password, and making it safely.

Another local user of the controller must not be able to read, delete, replace or redirect an escrowed password. So
the folder, and every folder above it, must be a real directory (no symbolic link anywhere on the path), and must
be writable by nobody but its owner, which is the controller's user or root; a folder above it may be shared only
when it has the sticky bit (like /tmp), which stops other users from renaming or deleting what they do not own.
The escrow folder itself must belong to the controller's user. Missing folders are created one by one with mode
0700, whatever the umask (os.makedirs gives intermediate folders the umask's mode).

AWX / AAP run each job in a container whose filesystem is thrown away after the job: a recovery password escrowed
there is lost with it. In an AWX or AAP job (the JOB_ID and INVENTORY_ID environment variables AWX sets for every
job: awx/main/tasks/jobs.py RunJob.build_env in github.com/ansible/awx) an escrow folder is refused unless the
operator states that it is on persistent storage (a mounted volume) with `escrow_dir_persistent`.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path

FOLDER_MODE = 0o700
AWX_JOB_VARIABLES = ("JOB_ID", "INVENTORY_ID")


def in_awx_job(environment: Mapping[str, str] | None = None) -> bool:
    variables = os.environ if environment is None else environment
    return all(variables.get(name) for name in AWX_JOB_VARIABLES)


def _components(directory: Path) -> list[Path]:
    """/, /a, /a/b, ... up to directory."""
    return [*reversed(directory.parents), directory]


def _unsafe(path: Path, info: os.stat_result, *, leaf: bool, user: int) -> str | None:
    if stat.S_ISLNK(info.st_mode):
        return f"{str(path)!r} is a symbolic link (give the real path; a link can be redirected)"
    if not stat.S_ISDIR(info.st_mode):
        return f"{str(path)!r} exists and is not a directory"
    owners = (user,) if leaf else (user, 0)
    if info.st_uid not in owners:
        whose = "the controller's user" if leaf else "root or the controller's user"
        return f"{str(path)!r} belongs to uid {info.st_uid}, not {whose} (uid {user})"
    shared = info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    if shared and (leaf or not info.st_mode & stat.S_ISVTX):
        return (
            f"{str(path)!r} is writable by other users (mode {stat.S_IMODE(info.st_mode):04o}); another user could "
            "delete or replace an escrowed recovery password: make it 0700"
        )
    return None


def escrow_dir_problem(
    path: str, *, persistent: bool = False, environment: Mapping[str, str] | None = None
) -> str | None:
    """Why recovery passwords cannot be escrowed under path, or None. A missing folder is fine when it can be
    created under a trusted one."""
    if not os.path.isabs(path):
        return f"{path!r} must be an absolute path on the controller"
    if in_awx_job(environment) and not persistent:
        return (
            f"{path!r}: this is an AWX / AAP job, whose container filesystem is deleted after the job with every "
            "recovery password escrowed on it; mount persistent storage there and set escrow_dir_persistent: true"
        )
    directory = Path(os.path.normpath(path))
    user = os.geteuid()
    for component in _components(directory):
        try:
            info = os.lstat(component)
        except FileNotFoundError:
            parent = component.parent
            if not os.access(parent, os.W_OK | os.X_OK):
                return f"{path!r} does not exist and cannot be created under {str(parent)!r}"
            return None
        except NotADirectoryError:
            return f"{path!r} does not exist and cannot be created under {str(component.parent)!r}"
        problem = _unsafe(component, info, leaf=component == directory, user=user)
        if problem:
            if "is not a directory" in problem and component != directory:
                return f"{path!r} does not exist and cannot be created under {str(component)!r}"
            return problem
    if not os.access(directory, os.W_OK | os.X_OK):
        return f"{path!r} is not writable by the controller's user"
    return None


def make_escrow_dir(path: str | Path) -> Path:
    """Create the missing folders of path one by one, each mode 0700 whatever the umask, then check the whole path
    again (it may have changed since the options were validated). OSError says why it cannot be used."""
    directory = Path(os.path.normpath(path))
    for component in _components(directory):
        try:
            os.mkdir(component, FOLDER_MODE)
        except FileExistsError:
            continue
        os.chmod(component, FOLDER_MODE, follow_symlinks=False)
    problem = escrow_dir_problem(str(directory), persistent=True)
    if problem:
        raise OSError(f"escrow_dir {problem}")
    return directory
