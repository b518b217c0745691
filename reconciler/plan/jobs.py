"""Planning fine-tuning jobs: create only what no job with the same fingerprint already is.

A trained job is left alone; a running one is waited for; a failed or cancelled one is shown
with the service's reason and retried only when `--replace job.NAME` asks. A job that continues
from another waits for that one's model. A job removed from the spec is never touched.
For review, a job to be created carries its data's stats and what changed since the job whose
model its deployments serve now.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from reconciler.plan.desired import DesiredJob, JobRef, file_address
from reconciler.plan.files import held_file
from reconciler.plan.fingerprint import explicit_hyperparameters
from reconciler.plan.model import Action, Change, FieldChange, PlanIssue, ResourceType
from reconciler.plan.naming import META_FINGERPRINT, META_JOB, META_STACK, TAG_STACK
from reconciler.plan.observed import FileState, JobStatus, ObservedAccount, ObservedJob
from reconciler.plan.resolve import (
    JobResolution,
    JobState,
    Resolver,
    same_number,
    translate_training_type,
)


def job_json(job: ObservedJob) -> dict[str, Any]:
    """What the plan shows of an observed job."""
    return {
        "id": job.id,
        "status": job.status.value,
        "model": job.model,
        "fine_tuned_model": job.fine_tuned_model,
        "training_file": job.training_file,
        "validation_file": job.validation_file,
        "hyperparameters": dict(sorted(job.hyperparameters.items())),
        "seed": job.seed,
        "suffix": job.suffix,
        "training_type": job.training_type,
        "error": job.error_message,
    }


def _data_json(resolver: Resolver, account: ObservedAccount, dataset: str) -> dict[str, Any]:
    data = resolver.desired.datasets[dataset]
    held = held_file(account, data.sha256, data.bytes)
    ready = held is not None and held.state is FileState.READY
    return {
        "dataset": dataset,
        "sha256": data.sha256,
        "file_id": held.id if ready and held is not None else None,
    }


def desired_job_json(resolver: Resolver, resolution: JobResolution) -> dict[str, Any]:
    """What apply sends (the model is null while the job it continues from has none)."""
    job = resolution.job
    account = resolver.account(job.account)
    assert account is not None  # jobs of unread accounts are not planned
    after: dict[str, Any] = {
        "account": job.account,
        "account_name": account.name,
        "name": job.name,
        "fingerprint": resolution.fingerprint,
        "model": resolution.parent_model,
        "training_data": _data_json(resolver, account, job.training_data),
        "validation_data": _data_json(resolver, account, job.validation_data)
        if job.validation_data
        else None,
        "method": job.method,
        "hyperparameters": job.written_hyperparameters(),
        "seed": job.seed,
        "suffix": job.suffix,
        "training_type": job.training_type,
        "metadata": {
            META_STACK: resolver.desired.stack,
            META_JOB: job.name,
            META_FINGERPRINT: resolution.fingerprint,
        },
    }
    if isinstance(job.model, JobRef):
        after["from_job"] = job.model.to_json()
    return after


def _when(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M UTC")


def plan_jobs(
    resolver: Resolver, file_changes: Mapping[str, Change], issues: list[PlanIssue]
) -> dict[str, Change]:
    changes: dict[str, Change] = {}
    # A child depends on its parent's change, so the parent is planned first.
    for resolution in resolver.jobs_parents_first():
        job = resolution.job
        account = resolver.account(job.account)
        if account is None:
            continue
        match = resolution.match
        before = job_json(match) if match is not None else None
        after = desired_job_json(resolver, resolution)
        details = _details(resolver, resolution, account)
        depends_on: list[str] = []
        state = resolution.state
        if state is JobState.TRAINED and match is not None:
            action = Action.NO_OP
            reason = f"trained as {match.id}: {match.fine_tuned_model}"
        elif state is JobState.TRAINING and match is not None:
            action = Action.WAIT
            reason = f"{match.id} is {match.status.value}"
            progress = match.progress.describe() if match.progress else ""
            if progress:
                reason += f" ({progress})"
            if match.estimated_finish:
                reason += f", estimated to finish {_when(match.estimated_finish)}"
        elif state is JobState.FAILED and match is not None:
            action = Action.NO_OP
            details["status"] = match.status.value
            reason = (
                f"{match.id} {match.status.value}: {resolution.note}; not retried "
                f"(plan --replace {job.address} retries it)"
            )
        elif state is JobState.BLOCKED:
            action = Action.NO_OP
            details["status"] = "blocked"
            reason = f"blocked: {resolution.note}"
            issues.append(
                PlanIssue(f"cannot be trained: {resolution.note}", job.address, job.where("model"))
            )
        else:
            action = Action.CREATE if state is JobState.CREATE else Action.WAIT
            reason = _create_reason(resolution, account, details)
            depends_on = _dependencies(resolution, file_changes, changes)
        changes[job.address] = Change(
            job.address,
            ResourceType.JOB,
            action,
            reason,
            before,
            after,
            tuple(depends_on),
            details,
        )
    return changes


def _create_reason(
    resolution: JobResolution, account: ObservedAccount, details: Mapping[str, Any]
) -> str:
    match = resolution.match
    if resolution.state is JobState.WAIT_PARENT:
        return f"waits for {resolution.note}; it starts from {_starts_from(resolution.job)}"
    if match is not None and match.status.finished_badly:
        why = (match.error_message or "").strip().rstrip(".") or "no reason given"
        return f"retry of {match.id} ({match.status.value}: {why}), as --replace asks"
    if match is not None:
        return f"train again ({match.id} {match.status.value}), as --replace asks"
    reason = f"no job with this fingerprint in {account.name}"
    if resolution.note:  # continues from a job this plan creates too
        reason += f"; it starts from {_starts_from(resolution.job, resolution.note)}"
    previous = details.get("previous")
    if isinstance(previous, dict) and previous.get("changed"):
        fields = ", ".join(c["field"] for c in previous["changed"])
        reason += f"; changed since {previous['id']}: {fields}"
    return reason


def _starts_from(job: DesiredJob, parent: str = "") -> str:
    """ "the model of job.x" or "the checkpoint of epoch 2 of job.x"; `parent` describes job.x."""
    assert isinstance(job.model, JobRef)
    return f"the {job.model.what} of {parent or f'job.{job.model.job}'}"


def _dependencies(
    resolution: JobResolution, file_changes: Mapping[str, Change], job_changes: Mapping[str, Change]
) -> list[str]:
    job = resolution.job
    depends_on = []
    for dataset in (job.training_data, job.validation_data):
        if dataset is None:
            continue
        upload = file_changes.get(file_address(dataset, job.account))
        if upload is not None and upload.action in (Action.CREATE, Action.WAIT):
            depends_on.append(upload.address)
    if isinstance(job.model, JobRef):
        parent = job_changes.get(f"job.{job.model.job}")
        if parent is not None and parent.is_change:
            depends_on.append(parent.address)
    return depends_on


def _details(
    resolver: Resolver, resolution: JobResolution, account: ObservedAccount
) -> dict[str, Any]:
    job = resolution.job
    desired = resolver.desired
    details: dict[str, Any] = {
        "deployments": sorted(
            d.address
            for d in desired.deployments.values()
            if isinstance(d.model, JobRef) and d.model.job == job.name
        ),
    }
    if resolution.match is not None:
        details["job_status"] = resolution.match.status.value
    details["stats"] = _stats(resolver, resolution)
    if resolution.state in (JobState.CREATE, JobState.WAIT_PARENT):
        previous = _previous(resolver, resolution, account)
        if previous is not None:
            details["previous"] = previous
    return details


def _stats(resolver: Resolver, resolution: JobResolution) -> dict[str, Any]:
    job = resolution.job
    datasets = resolver.desired.datasets
    training = datasets[job.training_data].stats
    validation = datasets[job.validation_data].stats if job.validation_data else None
    n_epochs = explicit_hyperparameters(job.hyperparameters).get("n_epochs")
    chosen = resolution.match.hyperparameters.get("n_epochs") if resolution.match else None
    if n_epochs is None and isinstance(chosen, int) and chosen > 0:
        n_epochs = chosen
    epochs = int(n_epochs) if n_epochs is not None else None
    return {
        "training": training.to_json() if training else None,
        "validation": validation.to_json() if validation else None,
        "n_epochs": epochs,
        "billed_tokens_estimate": training.billed_tokens(epochs) if training and epochs else None,
    }


def _serving_job(resolver: Resolver, job: DesiredJob) -> tuple[ObservedJob | None, list[str]]:
    """The observed job whose model the job's deployments serve now, and those deployments."""
    account = resolver.account(job.account)
    if account is None:
        return None, []
    by_model: dict[str, ObservedJob] = {}
    for observed in sorted(account.jobs, key=lambda j: (j.created_at or 0, j.id)):
        if observed.fine_tuned_model:
            by_model[observed.fine_tuned_model] = observed
        for checkpoint in observed.checkpoints:
            by_model[checkpoint.id] = observed
    serving: ObservedJob | None = None
    addresses = []
    for deployment in sorted(resolver.desired.deployments.values(), key=lambda d: d.key):
        if not (isinstance(deployment.model, JobRef) and deployment.model.job == job.name):
            continue
        here = resolver.account(deployment.account)
        existing = here.deployment(deployment.azure_name) if here else None
        if existing is None or existing.tags.get(TAG_STACK) != resolver.desired.stack:
            continue
        found = by_model.get(existing.model_name)
        if found is not None:
            serving = serving or found
            if found is serving:
                addresses.append(deployment.address)
    return serving, addresses


def _previous(
    resolver: Resolver, resolution: JobResolution, account: ObservedAccount
) -> dict[str, Any] | None:
    job = resolution.job
    previous, serving = _serving_job(resolver, job)
    if previous is None:
        earlier = [
            j
            for j in account.jobs
            if j.metadata.get(META_JOB) == job.name
            and j.metadata.get(META_STACK, resolver.desired.stack) == resolver.desired.stack
            and j.status is JobStatus.SUCCEEDED
        ]
        previous = max(earlier, key=lambda j: (j.created_at or 0, j.id)) if earlier else None
    if previous is None:
        return None
    changed: list[FieldChange] = []
    examples: dict[str, Any] = {}
    if resolution.parent_model is not None and previous.model != resolution.parent_model:
        changed.append(FieldChange("model", previous.model, resolution.parent_model))
    elif resolution.parent_model is None and isinstance(job.model, JobRef):
        # the job it continues from trains (again) first: a model that does not exist yet
        changed.append(
            FieldChange("model", previous.model, f"({job.model.what} of job.{job.model.job})")
        )
    datasets = resolver.desired.datasets
    for label, dataset, file_id in (
        ("training data", job.training_data, previous.training_file),
        ("validation data", job.validation_data, previous.validation_file),
    ):
        now = datasets[dataset].sha256 if dataset else None
        then = resolver.file_sha(account, file_id)
        if now == then or (file_id is None and now is None):
            continue
        changed.append(FieldChange(label, then, now))
        digests = resolver.desired.example_digests
        if now and then and now in digests and then in digests:
            examples[label.split()[0]] = {
                "added": len(digests[now] - digests[then]),
                "removed": len(digests[then] - digests[now]),
            }
    if (previous.method or "supervised") != job.method:
        changed.append(FieldChange("method", previous.method, job.method))
    for key, value in explicit_hyperparameters(job.hyperparameters).items():
        chosen = previous.hyperparameters.get(key)
        if chosen is None or not same_number(chosen, value):
            changed.append(FieldChange(f"hyperparameters.{key}", chosen, value))
    if job.seed is not None and previous.seed != job.seed:
        changed.append(FieldChange("seed", previous.seed, job.seed))
    if (previous.suffix or None) != (job.suffix or None):
        changed.append(FieldChange("suffix", previous.suffix, job.suffix))
    observed_type = translate_training_type(previous.training_type)
    if observed_type is not None and observed_type != job.training_type:
        changed.append(FieldChange("training_type", observed_type, job.training_type))
    return {
        "id": previous.id,
        "fine_tuned_model": previous.fine_tuned_model,
        "serving": serving,
        "changed": [c.to_json() for c in changed],
        "examples": examples,
    }
