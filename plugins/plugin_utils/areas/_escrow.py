"""BitLocker recovery password escrow on the controller, and the apply step that puts it between two host steps.

Turning BitLocker on (ENC-01, opt-in) must never leave a host whose only way back in is a key nobody kept. So the
apply runs in two round trips:

1. every change except bitlocker.enable, with no_log on the connection: bitlocker.add_recovery_password carries a
   public key made for it alone (_sealing.py) and returns the new recovery password sealed with it (RSA-OAEP), so
   the password never crosses the connection in clear; a host that answers with a password in clear is refused;
2. each password is opened here and written to `escrow_dir` (a trusted folder, see _escrow_dir.py; one new file
   per host and key protector id, mode 0600, flushed to disk and read back); only then is bitlocker.enable sent,
   carrying the id of the escrowed protector, which the agent requires before it turns protection on.

The password never leaves this module: results handed back to the engine carry the escrow file path instead, and
every error text from the first round trip is scrubbed of anything shaped like a recovery password.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from ansible.errors import AnsibleConnectionFailure

from .._findings import Change
from ..agent._sealing import PUBLIC_KEY_ARG, SealingKey, UnsealError
from ..agent._transport import AgentError, OpResult
from ._escrow_dir import make_escrow_dir

ADD_RECOVERY_PASSWORD_OP = "bitlocker.add_recovery_password"
ENABLE_OP = "bitlocker.enable"
#: Key the apply puts in the add op's result once the password is safely on disk (the change's read_back looks for
#: it, so a result that skipped the escrow can never count as a fix).
ESCROWED_TO = "escrowed_to"
#: The add op's result field holding the sealed password, and the field an agent that leaks it in clear would use.
SEALED_PASSWORD = "sealed_recovery_password"
CLEAR_PASSWORD = "recovery_password"
#: A BitLocker numerical recovery password: 48 digits in 8 groups of 6.
RECOVERY_PASSWORD = re.compile(r"\d{6}(?:-\d{6}){7}")
REDACTED = "<recovery password redacted>"
_UNSAFE_FILE_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]")

RunOps = Callable[[str, Sequence[dict[str, Any]]], list[OpResult]]


def redact(text: str) -> str:
    """text with every recovery-password-shaped run of digits replaced."""
    return RECOVERY_PASSWORD.sub(REDACTED, text)


def escrow_file(directory: str | Path, host: str, key_protector_id: str) -> Path:
    """Where the recovery password of one key protector of one host is kept: <host>_<protector guid>.json."""
    safe_host = _UNSAFE_FILE_CHARACTERS.sub("_", host).lstrip(".") or "host"
    safe_id = _UNSAFE_FILE_CHARACTERS.sub("_", key_protector_id.strip("{}").lower())
    return Path(directory) / f"{safe_host}_{safe_id}.json"


def write_escrow(
    directory: str | Path,
    host: str,
    mount_point: str,
    key_protector_id: str,
    recovery_password: str,
    *,
    now: dt.datetime | None = None,
) -> Path:
    """Write one recovery password to its own new file (mode 0600), flush it to disk and read it back.

    Raises OSError when any step fails (an existing file is never overwritten); the error names the file, never
    the password.
    """
    make_escrow_dir(directory)
    path = escrow_file(directory, host, key_protector_id)
    record = {
        "host": host,
        "mount_point": mount_point,
        "key_protector_id": key_protector_id,
        "recovery_password": recovery_password,
        "escrowed_at": (now or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        os.fchmod(descriptor, 0o600)  # whatever the umask
        os.write(descriptor, (json.dumps(record, indent=2) + "\n").encode("utf-8"))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    _fsync_directory(Path(directory))
    with path.open(encoding="utf-8") as stored:
        if json.load(stored).get("recovery_password") != recovery_password:
            raise OSError(f"{path}: the escrow file does not read back as written")
    return path


def _fsync_directory(directory: Path) -> None:
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory descriptors
        return
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@contextmanager
def no_log(*play_contexts: Any) -> Iterator[None]:
    """Set no_log on the play contexts for the duration (connection plugins then censor stdout in their logs)."""
    distinct = {id(context): context for context in play_contexts if context is not None}
    saved = [(context, getattr(context, "no_log", False)) for context in distinct.values()]
    for context, _saved in saved:
        context.no_log = True
    try:
        yield
    finally:
        for context, value in saved:
            context.no_log = value


def _unsealed(value: dict[str, Any], key: SealingKey) -> str | None:
    try:
        return key.unseal(value.pop(SEALED_PASSWORD, None))
    except UnsealError:
        return None


def _escrowed(result: OpResult, change: Change, host: str, escrow_dir: str | None, key: SealingKey) -> OpResult:
    """The add op's result with the password opened, escrowed and removed, or a failed result saying why not."""
    mount_point = str(change.op.get("mount_point"))
    if not result.ok:
        return OpResult(ok=False, code=result.code, error=redact(result.error or ""))
    value = dict(result.value or {}) if isinstance(result.value, dict) else {}
    key_protector_id = value.get("key_protector_id")
    if value.pop(CLEAR_PASSWORD, None) is not None:
        return OpResult(
            ok=False,
            code="failed",
            error=f"the host returned the recovery password of {mount_point} in clear instead of sealed with this "
            f"run's key (protector {key_protector_id}); it is not trusted or escrowed and protection stays off: "
            "update the agent, and remove that protector from the host (its password crossed the connection)",
        )
    password = _unsealed(value, key)
    if not isinstance(password, str) or not RECOVERY_PASSWORD.fullmatch(password) or not key_protector_id:
        return OpResult(
            ok=False,
            code="failed",
            error=f"the host did not return a recovery password sealed with this run's key and a protector id for "
            f"{mount_point}; nothing was escrowed and protection stays off",
        )
    if not escrow_dir:
        return OpResult(
            ok=False,
            code="failed",
            error=f"recovery password protector {key_protector_id} was added on {mount_point} but escrow_dir is not "
            "set, so it was not escrowed; protection stays off",
        )
    try:
        path = write_escrow(escrow_dir, host, mount_point, str(key_protector_id), password)
    except OSError as exc:
        return OpResult(
            ok=False,
            code="failed",
            error=redact(
                f"recovery password protector {key_protector_id} was added on {mount_point} but could not be escrowed "
                f"({exc}); protection stays off"
            ),
        )
    finally:
        del password
    return OpResult(ok=True, value={**value, ESCROWED_TO: str(path)})


def _scrubbed_round_trip(run_ops: RunOps, host: str, ops: list[dict[str, Any]]) -> list[OpResult]:
    try:
        return run_ops(host, ops)
    except AgentError as exc:
        raise AgentError(exc.host, redact(exc.cause)) from None
    except AnsibleConnectionFailure as exc:
        raise AnsibleConnectionFailure(redact(str(exc))) from None


def apply_with_escrow(
    run_ops: RunOps,
    host: str,
    changes: Sequence[Change],
    escrow_dir: str | None,
    quiet: Callable[[], AbstractContextManager[Any]],
) -> list[OpResult]:
    """Apply changes in two round trips with the escrow between them; one result per change, in order.

    `quiet()` wraps the first round trip (the one whose output holds recovery passwords): it must stop the
    connection from logging that output (see no_log). bitlocker.enable is sent only for a mount point whose new
    recovery password was escrowed in this run, with that protector's id.
    """
    results: list[OpResult | None] = [None] * len(changes)
    first = [index for index, change in enumerate(changes) if change.op["op"] != ENABLE_OP]
    second = [index for index, change in enumerate(changes) if change.op["op"] == ENABLE_OP]

    escrowed: dict[str, str] = {}
    # A fresh key pair per password: the private half never leaves this call.
    keys = {index: SealingKey.new() for index in first if changes[index].op["op"] == ADD_RECOVERY_PASSWORD_OP}
    if first:
        sent = [
            {**changes[index].op, PUBLIC_KEY_ARG: keys[index].public_argument()} if index in keys else changes[index].op
            for index in first
        ]
        with quiet():
            answers = _scrubbed_round_trip(run_ops, host, sent)
        for index, answer in zip(first, answers, strict=True):
            change = changes[index]
            result = answer
            if index in keys:
                result = _escrowed(answer, change, host, escrow_dir, keys[index])
                if result.ok:
                    escrowed[str(change.op["mount_point"]).casefold()] = str(result.value["key_protector_id"])
            results[index] = result

    ready = []
    for index in second:
        op = changes[index].op
        protector = escrowed.get(str(op["mount_point"]).casefold())
        if protector is None:
            results[index] = OpResult(
                ok=False,
                code="failed",
                error=f"not sent: no recovery password was escrowed for {op['mount_point']} in this run, so "
                "protection was not turned on",
            )
        else:
            ready.append((index, {**op, "recovery_protector_id": protector}))
    if ready:
        answers = run_ops(host, [op for _index, op in ready])
        for (index, _op), answer in zip(ready, answers, strict=True):
            results[index] = answer
    return [result for result in results if result is not None]
