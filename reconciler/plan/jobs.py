"""Planning fine-tuning jobs: create only what no job with the same fingerprint already is.

What a job is in Azure and what to do about it is the job kind's decision
(`reconciler.kinds.job`); this module gathers what a reviewer reads beside it. A trained job
is left alone; a running one is waited for; a failed or cancelled one is shown with the
service's reason and retried only when `--replace job.NAME` asks. A job that continues from
another waits for that one's model. A job removed from the spec is never touched.
For review, a job to be created carries its data's stats and what changed since the job whose
model its deployments serve now.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.azure_limits import RFT_COST_GUARD
from reconciler.kinds import job as job_kind
from reconciler.kinds.job import DataRef, JobAfter, JobBefore, Previous
from reconciler.plan.desired import DesiredJob, JobRef, file_address
from reconciler.plan.files import held_file
from reconciler.plan.fingerprint import explicit_hyperparameters
from reconciler.plan.model import Action, Change, PlanIssue, ResourceType
from reconciler.plan.naming import META_FINGERPRINT, META_JOB, META_STACK, TAG_STACK
from reconciler.plan.observed import FileState, JobStatus, ObservedAccount, ObservedJob
from reconciler.plan.resolve import JobResolution, JobState, Resolver


def job_json(job: ObservedJob) -> dict[str, Any]:
    """What the plan shows of an observed job."""
    return JobBefore.of(job).to_json()


def _data(resolver: Resolver, account: ObservedAccount, dataset: str) -> DataRef:
    data = resolver.desired.datasets[dataset]
    held = held_file(account, data.sha256, data.bytes)
    ready = held is not None and held.state is FileState.READY
    return DataRef(dataset, data.sha256, held.id if ready and held is not None else None)


def desired_job_after(resolver: Resolver, resolution: JobResolution) -> JobAfter:
    """What apply sends (the model is null while the job it continues from has none)."""
    job = resolution.job
    account = resolver.account(job.account)
    assert account is not None  # jobs of unread accounts are not planned
    return JobAfter(
        account=job.account,
        account_name=account.name,
        name=job.name,
        fingerprint=resolution.fingerprint,
        model=resolution.parent_model,
        training_data=_data(resolver, account, job.training_data),
        validation_data=_data(resolver, account, job.validation_data)
        if job.validation_data
        else None,
        method=job.method,
        hyperparameters=job.written_hyperparameters(),
        seed=job.seed,
        suffix=job.suffix,
        training_type=job.training_type,
        metadata={
            META_STACK: resolver.desired.stack,
            META_JOB: job.name,
            META_FINGERPRINT: resolution.fingerprint,
        },
        from_job=job.model if isinstance(job.model, JobRef) else None,
        grader=job.grader,
    )


def plan_jobs(
    resolver: Resolver, file_changes: Mapping[str, Change], issues: list[PlanIssue]
) -> dict[str, Change]:
    changes: dict[str, Change] = {}
    serving = _serving(resolver)
    # A child depends on its parent's change, so the parent is planned first.
    for resolution in resolver.jobs_parents_first():
        job = resolution.job
        account = resolver.account(job.account)
        if account is None:
            continue
        match = resolution.match
        details = _details(resolver, resolution, serving)
        previous = (
            previous_job(resolver, resolution, account)
            if resolution.state in (JobState.CREATE, JobState.WAIT_PARENT)
            else None
        )
        if previous is not None:
            details["previous"] = _previous_json(resolver, resolution, previous)
        decision = job_kind.decide(resolution, account.name, previous)
        depends_on: list[str] = []
        if resolution.state is JobState.FAILED and match is not None:
            details["status"] = match.status.value
        elif resolution.state is JobState.BLOCKED:
            details["status"] = "blocked"
            issues.append(
                PlanIssue(f"cannot be trained: {resolution.note}", job.address, job.where("model"))
            )
        elif decision.action is not Action.NO_OP and resolution.state in (
            JobState.CREATE,
            JobState.WAIT_PARENT,
        ):
            depends_on = _dependencies(resolution, file_changes, changes)
        changes[job.address] = Change(
            job.address,
            ResourceType.JOB,
            decision.action,
            decision.because,
            JobBefore.of(match) if match is not None else None,
            desired_job_after(resolver, resolution),
            tuple(depends_on),
            details,
        )
    return changes


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


def _serving(resolver: Resolver) -> dict[str, list[str]]:
    """Job name -> the addresses of the deployments of its model (sorted), in one pass over
    the deployments rather than one per job."""
    serving: dict[str, list[str]] = {}
    for deployment in resolver.desired.deployments.values():
        if isinstance(deployment.model, JobRef):
            serving.setdefault(deployment.model.job, []).append(deployment.address)
    for addresses in serving.values():
        addresses.sort()
    return serving


def _details(
    resolver: Resolver, resolution: JobResolution, serving: Mapping[str, list[str]]
) -> dict[str, Any]:
    job = resolution.job
    details: dict[str, Any] = {"deployments": list(serving.get(job.name, ()))}
    if resolution.match is not None:
        details["job_status"] = resolution.match.status.value
    details["stats"] = _stats(resolver, resolution)
    if job.method == "reinforcement":
        details["cost_guard"] = RFT_COST_GUARD
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
        # reinforcement training is billed by the hour, not by tokens (the RFT how-to)
        "billed_tokens_estimate": training.billed_tokens(epochs)
        if training and epochs and job.method != "reinforcement"
        else None,
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


def previous_run(resolver: Resolver, job: DesiredJob) -> ObservedJob | None:
    """The job whose model the job's deployments serve now, else its latest trained run."""
    previous, _ = _serving_job(resolver, job)
    account = resolver.account(job.account)
    if previous is not None or account is None:
        return previous
    earlier = [
        j
        for j in account.jobs
        if j.metadata.get(META_JOB) == job.name
        and j.metadata.get(META_STACK, resolver.desired.stack) == resolver.desired.stack
        and j.status is JobStatus.SUCCEEDED
    ]
    return max(earlier, key=lambda j: (j.created_at or 0, j.id)) if earlier else None


def previous_job(
    resolver: Resolver, resolution: JobResolution, account: ObservedAccount
) -> Previous | None:
    """For a job trained anew: the job whose model its deployments serve now, else its latest
    trained run, and what of the input changed since."""
    job = resolution.job
    previous = previous_run(resolver, job)
    if previous is None:
        return None
    changed = job_kind.changed_since(
        previous,
        job,
        resolver.job_input(job, resolution.parent_model),
        lambda file_id: resolver.file_sha(account, file_id),
    )
    return Previous(previous, tuple(changed))


def _previous_json(
    resolver: Resolver, resolution: JobResolution, previous: Previous
) -> dict[str, Any]:
    """The review's view of `previous`: which deployments it serves, how many examples the
    changed data adds and removes."""
    _, serving = _serving_job(resolver, resolution.job)
    examples: dict[str, Any] = {}
    digests = resolver.desired.example_digests
    for change in previous.changed:
        if not change.field.endswith(" data"):
            continue
        now, then = change.after, change.before
        if now and then and now in digests and then in digests:
            examples[change.field.split()[0]] = {
                "added": len(digests[now] - digests[then]),
                "removed": len(digests[then] - digests[now]),
            }
    return {
        "id": previous.job.id,
        "fine_tuned_model": previous.job.fine_tuned_model,
        "serving": serving,
        "changed": [c.to_json() for c in previous.changed],
        "examples": examples,
    }
