"""Carrying out a plan: its changes as scheduler tasks, run in order, safely, resumably.

Each change that is not a no-op becomes one task named by its address, depending on the tasks
of the changes it ``depends_on`` (uploads, then jobs, then checkpoint copies, then
deployments). Deployment writes carry
their account's ARM id as serial key (ARM refuses concurrent writes to one account), so one
account's writes run one at a time and different accounts proceed in parallel; data-plane work
(uploads, jobs) needs no serialization, except that two uploads of one content to one account
run one after the other, so the second finds the first's file. A replace is one task (DELETE
then PUT: Azure forces delete-first under one name); deletes of deployments that left the spec
come last in the given order, so an account's creates go before its deletes; while a write in
that account runs a smoke test, its deletes depend on it (`smoke.deletes_wait_for`).

Every step reads what it is about to change right before changing it (see the steps_*
modules): a re-run after any interruption converges, and nothing is made twice.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial

from reconciler.apply.context import ApplyContext, ExecOptions
from reconciler.apply.progress import Progress
from reconciler.apply.scheduler import Outcome, RunReport, Task, TaskContext, run_tasks
from reconciler.apply.smoke import deletes_wait_for
from reconciler.apply.steps_checkpoint_copies import copy_label, run_copy
from reconciler.apply.steps_deployments import deployment_label, run_deployment
from reconciler.apply.steps_files import file_label, run_file
from reconciler.apply.steps_jobs import job_label, run_job
from reconciler.azure.clients import Clients
from reconciler.azure.observe import AccountAccess
from reconciler.azure.target import Target
from reconciler.confined import RootedPath
from reconciler.kinds import accounts_of
from reconciler.kinds.file import FileAfter
from reconciler.plan.desired import Desired
from reconciler.plan.model import Action, Change, Plan, ResourceType
from reconciler.plan.observed import Observed

Step = Callable[[ApplyContext, Change, TaskContext], Outcome]
_TYPE_ORDER = {
    ResourceType.FILE: 0,
    ResourceType.JOB: 1,
    ResourceType.CHECKPOINT_COPY: 2,
    ResourceType.DEPLOYMENT: 3,
}


@dataclass
class Execution:
    report: RunReport
    timed_out: list[str]  # tasks left pending because --timeout ran out

    @property
    def ok(self) -> bool:
        return self.report.ok and not self.timed_out


def _serial_key(change: Change, access: Mapping[str, AccountAccess]) -> str | None:
    if change.type is ResourceType.DEPLOYMENT:
        key = next(iter(accounts_of(change)), None)
        account = access.get(str(key))
        if account is None:
            return f"account:{key}"
        return (
            f"/subscriptions/{account.subscription_id}/resourceGroups/{account.resource_group}"
            f"/providers/Microsoft.CognitiveServices/accounts/{account.name}"
        ).lower()
    if isinstance(change.after, FileAfter):
        return f"upload:{change.after.account}:{change.after.sha256}"
    return None


def _sort_key(change: Change) -> tuple[int, int, str]:
    last = 1 if change.action is Action.DELETE else 0
    return (last, _TYPE_ORDER[change.type], change.address)


def build_tasks(plan: Plan, app: ApplyContext) -> list[Task]:
    """One task per change to carry out, in the order the scheduler should prefer."""
    changes = sorted((c for c in plan.changes if c.is_change), key=_sort_key)
    addresses = {c.address for c in changes}
    steps: dict[ResourceType, tuple[Step, Callable[[Change], str]]] = {
        ResourceType.FILE: (run_file, file_label),
        ResourceType.JOB: (run_job, job_label),
        ResourceType.DEPLOYMENT: (run_deployment, deployment_label),
        ResourceType.CHECKPOINT_COPY: (run_copy, copy_label),
    }
    tasks = []
    for change in changes:
        step, label = steps[change.type]
        tasks.append(
            Task(
                id=change.address,
                run=partial(step, app, change),
                depends_on=tuple(d for d in change.depends_on if d in addresses)
                + deletes_wait_for(change, changes),
                serial_key=_serial_key(change, app.access),
                label=label(change),
            )
        )
    return tasks


def execute(
    plan: Plan,
    *,
    desired: Desired,
    observed: Observed,
    access: Mapping[str, AccountAccess],
    clients: Clients,
    target: Target,
    dataset_paths: Mapping[str, RootedPath],
    replace: frozenset[str],
    options: ExecOptions,
    progress: Progress,
    cancel: threading.Event | None = None,
) -> Execution:
    """Carry out ``plan`` (computed from ``desired`` and ``observed``) and report each change."""
    app = ApplyContext(
        desired=desired,
        observed=observed,
        access=access,
        clients=clients,
        target=target,
        dataset_paths=dataset_paths,
        replace=replace,
        options=options,
    )
    report = run_tasks(build_tasks(plan, app), progress=progress, cancel=cancel)
    return Execution(report, app.timed_out)
