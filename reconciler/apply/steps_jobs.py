"""Creating a fine-tuning job once per fingerprint, and waiting for it when asked (``--wait``).

The job carries its fingerprint in ``metadata``. Right before the create, one list call reads
the jobs and the job kind decides (`reconciler.kinds.job`, as the planner does): a job with
that fingerprint (or, where the API dropped the metadata, with the same fields, files compared
by content) that is training or trained (another apply, or one that was killed after sending,
made it) is used; one that failed is not retried unless ``--replace`` asks. A create that
fails in a way that may have taken effect looks again (at jobs it had not seen) before it is
retried. One fingerprint, one job.

Without ``--wait`` a job still training ends its step as *pending*: what depends on it is
reported as waiting, and a later apply continues. With ``--wait`` the step polls the job,
showing its status, epoch, step and latest train loss, until it ends or ``--timeout`` runs out.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from typing import Any

from reconciler.apply.context import ApplyContext
from reconciler.apply.scheduler import MissingDependency, Outcome, TaskContext
from reconciler.azure import lookup, read, write
from reconciler.azure.job_request import JobRequest, job_request
from reconciler.azure.observe import observed_job
from reconciler.kinds import job as job_kind
from reconciler.kinds.decision import Decision
from reconciler.kinds.job import (
    DataRef,
    JobAfter,
    JobBefore,
    JobInput,
    JobReason,
    JobResolution,
    JobState,
)
from reconciler.plan.desired import DesiredJob, file_address
from reconciler.plan.model import Action, Change, ResourceType
from reconciler.plan.observed import JobStatus, ObservedFile, ObservedJob, normalize_job_status
from reconciler.plan.render_reason import reason_text
from reconciler.plan.resolve import checkpoint_for_epoch, checkpoint_model

JSON = dict[str, Any]


class StepError(Exception):
    """A step cannot go on; its message is the step's failure."""


def job_status(job: Mapping[str, Any]) -> JobStatus:
    return normalize_job_status(str(job.get("status") or ""))


def _after(change: Change) -> JobAfter:
    after = change.after
    if not isinstance(after, JobAfter):
        raise TypeError(f"{change.address}: not a job change")
    return after


def job_body(after: JobAfter, model: str, training_file: str, validation: str | None) -> JobRequest:
    """The create request for a planned job, on the surface that takes its fields
    (`reconciler.azure.job_request`); hyperparameters as written, ``auto`` kept where allowed."""
    return job_request(
        model=model,
        training_file=training_file,
        validation_file=validation,
        method=after.method,
        hyperparameters=dict(after.hyperparameters),
        seed=after.seed,
        suffix=after.suffix,
        training_type=after.training_type,
        metadata=dict(after.metadata),
        grader=after.grader,
    )


def job_label(change: Change) -> str:
    after = _after(change)
    where = after.account_name
    if change.action is Action.WAIT and _training(change) is not None:
        return f"fine-tuning job {after.name} training in {where}"
    return f"create fine-tuning job {after.name} in {where}"


def _training(change: Change) -> str | None:
    """The id of the job this change waits for, when it waits for one already in Azure."""
    before = change.before
    if isinstance(before, JobBefore) and before.status.active:
        return before.id
    return None


def model_of_job(
    app: ApplyContext,
    ctx: TaskContext,
    account: str,
    job: Mapping[str, Any],
    checkpoint: int | None,
) -> str:
    """The model a trained job gives: its fine-tuned model, or the checkpoint of an epoch."""
    job_id = str(job.get("id"))
    if checkpoint is None:
        model = job.get("fine_tuned_model")
        if not model:
            raise StepError(f"{job_id} succeeded but reports no fine-tuned model yet")
        return str(model)
    access = app.account(account)
    client = lookup.data_plane_for(app.clients, access)
    checkpoints = app.call(
        ctx,
        f"list checkpoints of {job_id} in {access.name}",
        lambda: lookup.list_checkpoints(client, access.name, job_id),
    )
    found, epochs = checkpoint_for_epoch(observed_job(dict(job), checkpoints), checkpoint)
    if found is None:
        kept = ", ".join(str(e) for e in epochs or ()) or "none known"
        raise StepError(f"{job_id} has no checkpoint for epoch {checkpoint} (kept: {kept})")
    return checkpoint_model(found)


def _parent_model(app: ApplyContext, ctx: TaskContext, after: JobAfter) -> str:
    """The model of the job this one continues from, which this apply created or waited for."""
    origin = after.from_job
    if origin is None:
        raise StepError(f"job.{after.name} has no model and continues from no job")
    parent = origin.job
    try:
        value = ctx.value_of(f"job.{parent}")
    except MissingDependency as exc:
        raise StepError(
            f"needs the model of job.{parent}, which this apply neither created nor waited for "
            f"(the plan lists no dependency on job.{parent}); nothing was created"
        ) from exc
    if not isinstance(value, dict):
        raise StepError(f"job.{parent} gave no job to continue from")
    account = app.desired.jobs[parent].account
    return model_of_job(app, ctx, account, value, origin.checkpoint)


def _file_id(ctx: TaskContext, data: DataRef | None, account: str) -> str | None:
    if data is None:
        return None
    if data.file_id:
        return data.file_id
    value = ctx.value_of(file_address(data.dataset, account))
    if not isinstance(value, str):
        raise StepError(f"no file id for dataset {data.dataset}")
    return value


def create_decision(
    change: Change,
    job: DesiredJob,
    sent_with: tuple[str, str, str | None],
    observed_files: Iterable[ObservedFile],
    jobs: Iterable[ObservedJob],
    *,
    retry: bool,
) -> tuple[Decision[JobReason], JobResolution]:
    """The job kind's decision on the jobs read right before a create: the same `identify`
    and `decide` as the planner's. `sent_with`: the model, training and validation file ids
    the job would be created with; files are compared by content, known from
    `observed_files` (those the plan saw) and from the files it is sent with."""
    after = _after(change)
    model, training_file, validation_file = sent_with
    content = {f.id: sha for f in observed_files if (sha := f.content()) is not None}
    content.update(after.content(training_file, validation_file))
    wanted = JobInput.of_after(after, model)
    match = job_kind.pick(job_kind.identify(after.fingerprint, wanted, jobs, content.get))
    resolution = job_kind.resolve_found(
        job, after.fingerprint, match, retry=retry, parent_model=model
    ) or JobResolution(job, after.fingerprint, JobState.CREATE, match)
    return job_kind.decide(resolution, after.account_name), resolution


def run_job(app: ApplyContext, change: Change, ctx: TaskContext) -> Outcome:
    after = _after(change)
    access = app.account(after.account)
    client = lookup.data_plane_for(app.clients, access)
    name = access.name
    training = _training(change)
    if training is not None:
        if not app.options.wait:
            return Outcome.pending(change.reason)
        return wait_for_job(app, ctx, client, name, training)
    try:
        model = after.model or _parent_model(app, ctx, after)
        training_file = _file_id(ctx, after.training_data, after.account)
        validation_file = _file_id(ctx, after.validation_data, after.account)
    except StepError as exc:
        return Outcome.failed(str(exc))
    assert training_file is not None
    body = job_body(after, model, training_file, validation_file)
    desired = app.desired.jobs[after.name]
    observed_account = app.observed.accounts.get(after.account)
    observed_files = observed_account.files if observed_account is not None else ()
    retry = change.address in app.replace
    seen: set[str] = set()

    def look(*, retry: bool, unseen: bool) -> tuple[JSON | None, Outcome | None]:
        """The job to use (None: create one), or the outcome when the job kind says neither;
        `unseen`: only jobs listed after the first look (after a doubtful create)."""
        listed = app.call(
            ctx, f"list fine-tuning jobs in {name}", lambda: read.list_jobs(client, name)
        )
        raw = {str(j["id"]): j for j in listed if not (unseen and str(j["id"]) in seen)}
        seen.update(str(j["id"]) for j in listed)
        decision, resolution = create_decision(
            change,
            desired,
            (model, training_file, validation_file),
            observed_files,
            [observed_job(j) for j in raw.values()],
            retry=retry,
        )
        match = resolution.match
        if decision.action is Action.CREATE or match is None:
            return None, None
        if resolution.state is JobState.FAILED:
            why = reason_text(ResourceType.JOB, decision.because, address=change.address)
            return None, Outcome.failed(why)
        return raw[match.id], None

    job, refused = look(retry=retry, unseen=False)
    if refused is not None:
        return refused
    if job is not None:
        ctx.update(f"{job['id']} already is this job in {name}")
    else:

        def look_again() -> JSON | None:
            # a failed job is never taken for the one just created: that create is retried
            found, _ = look(retry=False, unseen=retry)
            return found

        job = app.call(
            ctx,
            f"create fine-tuning job {after.name} in {name}",
            lambda: write.create_job(
                lookup.job_client_for(app.clients, access, body), name, after.name, body
            ),
            before_retry=look_again,
            idempotent=False,
        )
    job_id = str(job["id"])
    status = job_status(job)
    if status is JobStatus.SUCCEEDED:
        return Outcome.done(f"{job_id} succeeded: {job.get('fine_tuned_model')}", value=job)
    if not app.options.wait:
        return Outcome.pending(
            f"{job_id} is {status.value} in {name} (apply --wait, or a later apply, continues)",
            value=job,
        )
    return wait_for_job(app, ctx, client, name, job_id)


def describe_progress(job: Mapping[str, Any], events: list[JSON]) -> tuple[str, float | None]:
    """``running: epoch 2/3, step 40/60, train loss 0.8123`` and the fraction done, if known.

    The epoch, when the events do not give it, is counted from the step: every epoch has the
    same number of steps.
    """
    status = job_status(job).value
    progress = observed_job(dict(job), None, events).progress
    if progress is None:
        return status, None
    if (
        progress.epoch is None
        and progress.step is not None
        and progress.total_steps
        and progress.n_epochs
    ):
        per_epoch = progress.total_steps / progress.n_epochs
        epoch = min(progress.n_epochs, max(1, math.ceil(progress.step / per_epoch)))
        progress = dataclasses.replace(progress, epoch=epoch)
    described = progress.describe()
    fraction = None
    if progress.step is not None and progress.total_steps:
        fraction = min(1.0, progress.step / progress.total_steps)
    return (f"{status}: {described}" if described else status), fraction


def wait_for_job(
    app: ApplyContext, ctx: TaskContext, client: Any, name: str, job_id: str
) -> Outcome:
    while True:
        job = app.call(
            ctx,
            f"GET fine-tuning job {job_id} in {name}",
            lambda: write.get_job(client, name, job_id),
        )
        status = job_status(job)
        if status is JobStatus.SUCCEEDED and job.get("fine_tuned_model"):
            return Outcome.done(f"{job_id} succeeded: {job['fine_tuned_model']}", value=job)
        if status.finished_badly:
            error = job.get("error") or {}
            why = str(error.get("message") or "") if isinstance(error, dict) else ""
            return Outcome.failed(f"{job_id} {status.value}: {why or 'no reason given'}")
        events: list[JSON] = []
        if status is not JobStatus.SUCCEEDED:
            events = app.call(
                ctx,
                f"list events of {job_id} in {name}",
                lambda: lookup.latest_events(client, name, job_id),
            )
        message, fraction = describe_progress(job, events)
        ctx.update(f"{job_id} {message}", fraction)
        if app.out_of_time():
            app.mark_timed_out(ctx.task_id)
            return Outcome.pending(f"{job_id} is still {message} at --timeout", value=job)
        app.pause(ctx, app.options.job_poll_seconds)
