"""Holding a stack's lock for a command: the backend the spec asks for, waiting, the write gate.

``hold_stack_lock(spec, …)`` is what any command that changes Azure takes (apply now; ``import``
when it lands, SPEC.md §5.2): with ``lock.azure_blob`` in the spec, a lease on a blob shared by
every runner (``blob_lock``); without it, the file lock in the project root (``lock``). While it
is held, every request that would change Azure first checks that the lock still is
(``azure.write_gate``): a lost lease stops the command before its next write.

``RECONCILER_LOCK_LEASE_SECONDS`` (15 to 60, default 60) sets the lease's duration: how long a
crashed holder keeps others waiting. Tests use 15, Azure's shortest.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

from reconciler.apply.blob_lock import (
    DEFAULT_LEASE_SECONDS,
    MAX_LEASE_SECONDS,
    MIN_LEASE_SECONDS,
    BlobLeaseLock,
)
from reconciler.apply.lock import LocalFileLock, LockHandle, StackLock, lock_path
from reconciler.azure.blob_lease import ConnectionStringRefused, LeaseBlob
from reconciler.azure.write_gate import guarded
from reconciler.errors import LockError
from reconciler.spec import Spec

LEASE_SECONDS_VARIABLE = "RECONCILER_LOCK_LEASE_SECONDS"


def lease_seconds(environ: Mapping[str, str]) -> int:
    """The lease duration ``RECONCILER_LOCK_LEASE_SECONDS`` asks for (default 60)."""
    text = environ.get(LEASE_SECONDS_VARIABLE, "").strip()
    if not text:
        return DEFAULT_LEASE_SECONDS
    try:
        seconds = int(text)
    except ValueError:
        seconds = 0
    if not MIN_LEASE_SECONDS <= seconds <= MAX_LEASE_SECONDS:
        raise LockError(
            f"error: {LEASE_SECONDS_VARIABLE} must be a whole number of seconds from "
            f"{MIN_LEASE_SECONDS} to {MAX_LEASE_SECONDS} (Azure's finite blob leases)"
        )
    return seconds


def make_stack_lock(
    spec: Spec,
    *,
    command: str,
    say: Callable[[str], None],
    environ: Mapping[str, str] | None = None,
) -> StackLock:
    """``say``: where the lock's messages to the person go (a lost lease, said at once)."""
    environ = environ if environ is not None else os.environ
    project = spec.project_root
    if spec.lock is None:
        # In the project root, not the working directory: two applies of one project
        # started from different folders must find the same lock.
        return LocalFileLock(
            lock_path(project, spec.stack), stack=spec.stack, command=command, anchor=project
        )
    settings = spec.lock.azure_blob
    connection_string = None
    variable = settings.connection_string_env
    if variable is not None:
        connection_string = environ.get(variable)
        if not connection_string:
            where = spec.location("lock", "azure_blob", "connection_string_env")
            raise LockError(
                f"{where}: error: environment variable {variable} "
                "(lock.azure_blob.connection_string_env) is not set"
            )
    try:
        blob = LeaseBlob(
            settings.account_url,
            settings.container,
            f"{spec.stack}.lock",
            connection_string=connection_string,
            connection_string_env=variable,
        )
    except ConnectionStringRefused as exc:
        raise LockError(f"{spec.location('lock', 'azure_blob', exc.key)}: error: {exc}") from None

    return BlobLeaseLock(
        blob,
        stack=spec.stack,
        command=command,
        lease_seconds=lease_seconds(environ),
        environ=environ,
        report=say,
    )


@contextmanager
def hold_stack_lock(
    spec: Spec,
    *,
    command: str,
    timeout: float,
    say: Callable[[str], None],
    environ: Mapping[str, str] | None = None,
) -> Iterator[LockHandle]:
    """Hold the stack's lock inside (waiting up to ``timeout`` s, ``--lock-timeout``), with
    every write to Azure gated on it; released on the way out, however it is left. ``say``
    gets the messages for the person: who holds it while this one waits, a lost lease."""
    lock = make_stack_lock(spec, command=command, say=say, environ=environ)
    try:
        with lock.acquire(timeout, on_wait=say) as handle, guarded(handle.check):
            yield handle
    finally:
        if isinstance(lock, BlobLeaseLock):
            lock.blob.close()
