"""Planning uploads: a dataset's content goes to each account whose jobs still need it, once.

An account holds the content when it has a `fine-tune` file whose name carries the content's
sha256 and whose size matches. A processed one is reused; a pending one is waited for; one the
service rejected (`error`) is uploaded again. Content that no job to be created needs is not
uploaded (a trained job no longer needs its data).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from reconciler.plan.desired import DesiredFile, file_address
from reconciler.plan.model import Action, Change, ResourceType
from reconciler.plan.naming import FINE_TUNE_PURPOSE, sha256_in_filename
from reconciler.plan.observed import FileState, ObservedAccount, ObservedFile
from reconciler.plan.resolve import JobState, Resolver

_STATE_RANK = {FileState.READY: 2, FileState.PENDING: 1, FileState.ERROR: 0}


def size_matches(reported: int | None, size: int) -> bool:
    """A file's reported size agrees with the content's: Azure may report `bytes: null`, and
    silence must not make the same content look different (it would be uploaded again); the
    sha256 in the name still decides."""
    return reported is None or reported == size


def held_file(account: ObservedAccount, sha256: str, size: int) -> ObservedFile | None:
    """The best file holding this content: processed, else pending, else rejected."""
    found = [
        observed
        for observed in account.files
        if observed.purpose == FINE_TUNE_PURPOSE
        and size_matches(observed.bytes, size)
        and observed.state is not FileState.GONE
        and sha256_in_filename(observed.filename) == sha256
    ]
    if not found:
        return None
    return max(found, key=lambda f: (_STATE_RANK[f.state], f.created_at or 0, f.id))


def file_json(observed: ObservedFile) -> dict[str, Any]:
    return {
        "id": observed.id,
        "filename": observed.filename,
        "bytes": observed.bytes,
        "status": observed.status,
        "status_details": observed.status_details,
    }


def jobs_needing_files(resolver: Resolver) -> dict[str, list[str]]:
    """file address -> the jobs to be created (now or later) that train on it."""
    needing: dict[str, list[str]] = defaultdict(list)
    for resolution in resolver.jobs():
        if resolution.state not in (JobState.CREATE, JobState.WAIT_PARENT):
            continue
        job = resolution.job
        for dataset in (job.training_data, job.validation_data):
            if dataset is not None:
                needing[file_address(dataset, job.account)].append(job.name)
    return needing


def plan_files(resolver: Resolver) -> dict[str, Change]:
    needing = jobs_needing_files(resolver)
    changes: dict[str, Change] = {}
    for desired in resolver.desired.files():
        account = resolver.account(desired.account)
        if account is None:
            continue  # reported once for the account
        changes[desired.address] = _plan_file(
            desired, account, needing.get(desired.address, []), resolver.replace
        )
    return changes


def _plan_file(
    desired: DesiredFile, account: ObservedAccount, needed_by: list[str], replace: frozenset[str]
) -> Change:
    after = {
        "account": desired.account,
        "account_name": account.name,
        "dataset": desired.dataset,
        "filename": desired.filename,
        "sha256": desired.sha256,
        "bytes": desired.bytes,
        "path": desired.path,
    }
    held = held_file(account, desired.sha256, desired.bytes)
    before = file_json(held) if held else None
    details: dict[str, Any] = {"needed_by": [f"job.{name}" for name in sorted(needed_by)]}

    def change(action: Action, reason: str) -> Change:
        return Change(
            desired.address, ResourceType.FILE, action, reason, before, after, (), details
        )

    if desired.address in replace:
        return change(Action.CREATE, f"upload again to {account.name}, as --replace asks")
    if held is not None and held.state is FileState.READY:
        return change(Action.NO_OP, f"already in {account.name} as {held.id}")
    if not needed_by:
        where = f"{held.id} is {held.status}" if held else "not uploaded"
        return change(Action.NO_OP, f"{where} in {account.name}; no job to be created needs it")
    if held is not None and held.state is FileState.PENDING:
        return change(Action.WAIT, f"{held.id} is {held.status} in {account.name}")
    if held is not None:
        why = held.status_details or "no reason given"
        return change(
            Action.CREATE, f"{held.id} in {account.name} was rejected ({why}); uploading again"
        )
    return change(Action.CREATE, f"no file with this content in {account.name}")
