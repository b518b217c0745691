"""Creating a fine-tuning job once per fingerprint, and waiting for it when asked (``--wait``).

The job carries its fingerprint in ``metadata``. Right before the create, one list call looks
for a job with that fingerprint (or, where the API dropped the metadata, with the same fields)
that is training or trained (another apply, or one that was killed after sending, made it):
that one is used. A create that fails in a way that may have
taken effect looks again before it is retried. One fingerprint, one job.

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
from reconciler.plan.desired import file_address
from reconciler.plan.model import Action, Change
from reconciler.plan.naming import META_FINGERPRINT
from reconciler.plan.observed import JobStatus, normalize_job_status
from reconciler.plan.resolve import (
    checkpoint_for_epoch,
    checkpoint_model,
    hyperparameters_match,
    translate_training_type,
)

JSON = dict[str, Any]


class StepError(Exception):
    """A step cannot go on; its message is the step's failure."""


def job_status(job: Mapping[str, Any]) -> JobStatus:
    return normalize_job_status(str(job.get("status") or ""))


def job_body(
    after: Mapping[str, Any], model: str, training_file: str, validation: str | None
) -> JobRequest:
    """The create request for a planned job, on the surface that takes its fields
    (`reconciler.azure.job_request`); hyperparameters as written, ``auto`` kept where allowed."""
    return job_request(
        model=model,
        training_file=training_file,
        validation_file=validation,
        method=str(after.get("method") or "supervised"),
        hyperparameters=dict(after.get("hyperparameters") or {}),
        seed=after.get("seed"),
        suffix=after.get("suffix"),
        training_type=str(after.get("training_type") or "standard"),
        metadata=dict(after.get("metadata") or {}),
    )


def same_request(job: Mapping[str, Any], request: JobRequest) -> bool:
    """Whether a job without our metadata (made on the surface that takes none) is the one
    ``request`` asks for: same model, files, method, seed, suffix, training type, and every
    hyperparameter written as a number (those the service does not report are not held
    against it: a wrong "no" would train twice)."""
    wanted = request.wanted
    observed = observed_job(dict(job))
    if observed.model != wanted["model"]:
        return False
    if observed.training_file != wanted["training_file"]:
        return False
    if observed.validation_file != wanted["validation_file"]:
        return False
    if (observed.method or "supervised") != wanted["method"]:
        return False
    if wanted["seed"] is not None and observed.seed != wanted["seed"]:
        return False
    if (observed.suffix or None) != wanted["suffix"]:
        return False
    wanted_type = translate_training_type(str(wanted["training_type"]))
    if observed.training_type and translate_training_type(observed.training_type) != wanted_type:
        return False
    return hyperparameters_match(wanted["hyperparameters"], observed.hyperparameters)


def matching_jobs(
    jobs: Iterable[Mapping[str, Any]], fingerprint: str, request: JobRequest
) -> list[JSON]:
    """The jobs that are this job: by the fingerprint in their metadata, or by their fields
    when they carry none."""
    found = []
    for job in jobs:
        metadata = job.get("metadata") or {}
        if META_FINGERPRINT in metadata:
            if metadata[META_FINGERPRINT] == fingerprint:
                found.append(dict(job))
        elif same_request(job, request):
            found.append(dict(job))
    return found


def pick_job(jobs: Iterable[Mapping[str, Any]]) -> JSON | None:
    """Among jobs with one fingerprint, the one to use: succeeded, else still training (newest
    first). Failed and cancelled ones are history, never reused."""
    usable = [dict(j) for j in jobs if job_status(j) is JobStatus.SUCCEEDED or job_status(j).active]
    if not usable:
        return None
    return max(
        usable,
        key=lambda j: (
            job_status(j) is JobStatus.SUCCEEDED,
            int(j.get("created_at") or 0),
            str(j.get("id")),
        ),
    )


def job_label(change: Change) -> str:
    after = change.after or {}
    where = after.get("account_name")
    if change.action is Action.WAIT and _training(change) is not None:
        return f"fine-tuning job {after.get('name')} training in {where}"
    return f"create fine-tuning job {after.get('name')} in {where}"


def _training(change: Change) -> str | None:
    """The id of the job this change waits for, when it waits for one already in Azure."""
    before = change.before or {}
    if before.get("id") and normalize_job_status(str(before.get("status") or "")).active:
        return str(before["id"])
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


def _parent_model(app: ApplyContext, ctx: TaskContext, after: Mapping[str, Any]) -> str:
    """The model of the job this one continues from, which this apply created or waited for."""
    origin = after.get("from_job") or {}
    parent = str(origin.get("job"))
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
    checkpoint = origin.get("checkpoint")
    return model_of_job(
        app, ctx, account, value, int(checkpoint) if checkpoint is not None else None
    )


def _file_id(ctx: TaskContext, data: Mapping[str, Any] | None, account: str) -> str | None:
    if not data:
        return None
    if data.get("file_id"):
        return str(data["file_id"])
    value = ctx.value_of(file_address(str(data["dataset"]), account))
    if not isinstance(value, str):
        raise StepError(f"no file id for dataset {data['dataset']}")
    return value


def run_job(app: ApplyContext, change: Change, ctx: TaskContext) -> Outcome:
    after = change.after or {}
    account = str(after["account"])
    access = app.account(account)
    client = lookup.data_plane_for(app.clients, access)
    name = access.name
    training = _training(change)
    if training is not None:
        if not app.options.wait:
            return Outcome.pending(change.reason)
        return wait_for_job(app, ctx, client, name, training)
    try:
        model = str(after["model"]) if after.get("model") else _parent_model(app, ctx, after)
        training_file = _file_id(ctx, after.get("training_data"), account)
        validation_file = _file_id(ctx, after.get("validation_data"), account)
    except StepError as exc:
        return Outcome.failed(str(exc))
    assert training_file is not None
    fingerprint = str(after["fingerprint"])
    body = job_body(after, model, training_file, validation_file)

    def look() -> JSON | None:
        jobs = app.call(
            ctx, f"list fine-tuning jobs in {name}", lambda: read.list_jobs(client, name)
        )
        return pick_job(matching_jobs(jobs, fingerprint, body))

    job = look()
    if job is not None:
        ctx.update(f"{job['id']} already is this job in {name}")
    else:
        job = app.call(
            ctx,
            f"create fine-tuning job {after.get('name')} in {name}",
            lambda: write.create_job(
                lookup.job_client_for(app.clients, access, body),
                name,
                str(after.get("name")),
                body,
            ),
            before_retry=look,
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
