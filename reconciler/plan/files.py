"""Planning uploads: a dataset's content goes to each account whose jobs still need it, once.

Which file holds the content and what to do about it is the file kind's decision
(`reconciler.kinds.file`): a processed one is reused; a pending one is waited for; one the
service rejected (`error`) is uploaded again. Content that no job to be created needs is not
uploaded (a trained job no longer needs its data).
"""

from __future__ import annotations

from collections import defaultdict

from reconciler.kinds import file
from reconciler.kinds.file import FileAfter, FileBefore
from reconciler.plan.desired import DesiredFile, file_address
from reconciler.plan.model import Change, ResourceType
from reconciler.plan.observed import ObservedAccount, ObservedFile
from reconciler.plan.resolve import JobState, Resolver


def held_file(account: ObservedAccount, sha256: str, size: int) -> ObservedFile | None:
    """The best file holding this content: processed, else pending, else rejected."""
    return file.seen(sha256, size, account.files)


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
    decision = file.decide(
        desired,
        account.name,
        account.files,
        needed=bool(needed_by),
        replace=desired.address in replace,
    )
    return Change(
        desired.address,
        ResourceType.FILE,
        decision.action,
        decision.because,
        FileBefore.of(decision.seen) if decision.seen else None,
        FileAfter.of(desired, account.name),
        (),
        {"needed_by": [f"job.{name}" for name in sorted(needed_by)]},
    )
