"""Copying a checkpoint into another account (Azure's checkpoint copy, preview), polled until
the destination holds it, before the deployment there that serves it.

Level-triggered like every step: it reads the source account's copy status first and decides
again with the kind's `decide` (`reconciler.kinds.checkpoint_copy`), so an apply that finds the
copy done writes nothing, and one that finds it under way only waits. A copy that fails is an
error that names the documented prerequisites: Azure's status says only "Failed".
"""

from __future__ import annotations

from collections.abc import Callable

from reconciler.apply.context import ApplyContext
from reconciler.apply.scheduler import Outcome, TaskContext
from reconciler.apply.steps_jobs import StepError, model_of_job
from reconciler.azure import checkpoint_copy as azure_copy
from reconciler.azure import lookup
from reconciler.kinds import checkpoint_copy as copy_kind
from reconciler.kinds.checkpoint_copy import CopyAfter, CopyReason, Readiness
from reconciler.kinds.decision import Decision
from reconciler.plan.model import Action, Change
from reconciler.plan.observed import ObservedCopy


def copy_label(change: Change) -> str:
    after = _after(change)
    return (
        f"copy checkpoint (epoch {after.checkpoint} of job.{after.job}) from "
        f"{after.source_name} to {after.destination_name}"
    )


def _after(change: Change) -> CopyAfter:
    after = change.after
    if not isinstance(after, CopyAfter):
        raise TypeError(f"{change.address}: not a checkpoint copy")
    return after


def _checkpoint(app: ApplyContext, ctx: TaskContext, after: CopyAfter) -> tuple[str, str]:
    """(job id, checkpoint id): from the plan, or from the job this apply trained."""
    if after.job_id is not None and after.checkpoint_id is not None:
        return after.job_id, after.checkpoint_id
    value = ctx.value_of(f"job.{after.job}")
    if not isinstance(value, dict):
        raise StepError(f"job.{after.job} gave no checkpoint to copy")
    checkpoint_id = model_of_job(app, ctx, after.source, value, after.checkpoint)
    return str(value.get("id")), checkpoint_id


def failed_text(after: CopyAfter, checkpoint_id: str) -> str:
    needs = "; ".join(copy_kind.PREREQUISITES)
    return (
        f"Azure reports the copy of {checkpoint_id} from {after.source_name} to "
        f"{after.destination_name} failed; the docs require: {needs}"
    )


def copy_decision(after: CopyAfter, current: ObservedCopy | None) -> Decision[CopyReason]:
    """The kind's decision on the copy status read right before the POST (the checkpoint is
    known by now): the same `decide` as the planner's."""
    return copy_kind.decide(Readiness.KNOWN, current, destination_name=after.destination_name)


def run_copy(app: ApplyContext, change: Change, ctx: TaskContext) -> Outcome:
    after = _after(change)
    job_id, checkpoint_id = _checkpoint(app, ctx, after)
    access = app.account(after.source)
    client = lookup.data_plane_for(app.clients, access)

    def read() -> ObservedCopy | None:
        copies = app.call(
            ctx,
            f"GET copy status of {checkpoint_id} in {access.name}",
            lambda: azure_copy.copy_status(client, access.name, job_id, checkpoint_id),
        )
        return copy_kind.identify(after.destination_resource_id, copies)

    decision = copy_decision(after, read())
    if decision.action is Action.NO_OP:
        return Outcome.done(f"{checkpoint_id} is in {after.destination_name}", value=checkpoint_id)
    if decision.action is Action.CREATE:
        ctx.update(f"copying {checkpoint_id} to {after.destination_name} ({after.region})")
        app.call(
            ctx,
            f"copy {checkpoint_id} from {access.name} to {after.destination_name}",
            lambda: azure_copy.start_copy(
                client,
                access.name,
                job_id,
                checkpoint_id,
                destination_resource_id=after.destination_resource_id,
                region=after.region,
            ),
            # a second POST of the same copy only starts it again: safe to retry
        )
    return _wait(app, ctx, after, checkpoint_id, read)


def _wait(
    app: ApplyContext,
    ctx: TaskContext,
    after: CopyAfter,
    checkpoint_id: str,
    read: Callable[[], ObservedCopy | None],
) -> Outcome:
    started = app.clock()
    while True:
        current = read()
        status = current.status if current is not None else "not reported yet"
        if status.lower() == copy_kind.COMPLETED.lower():
            return Outcome.done(
                f"{checkpoint_id} copied to {after.destination_name}", value=checkpoint_id
            )
        if status.lower() == copy_kind.FAILED.lower():
            return Outcome.failed(failed_text(after, checkpoint_id))
        waited = app.clock() - started
        ctx.update(
            f"copying {checkpoint_id} to {after.destination_name}: {status} ({waited:.0f} s)"
        )
        if app.out_of_time():
            app.mark_timed_out(ctx.task_id)
            return Outcome.pending(f"the copy of {checkpoint_id} is still {status} at --timeout")
        app.pause(ctx, app.options.deployment_poll_seconds)
