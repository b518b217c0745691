"""Resolving the spec over what Azure holds: what each job is (through its parents, for
continuous training), which model a deployment should serve. Shared by the planner and drift.

Which observed job *is* a desired job is the job kind's decision (`reconciler.kinds.job`:
the fingerprint in its metadata, else its fields with file content compared by sha256); this
module adds what needs the whole spec: the model a job trains from when it continues another
job, and a deployment's target model.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from reconciler.kinds import job as job_kind
from reconciler.kinds.deployment import TargetState as TargetState
from reconciler.kinds.job import JobInput
from reconciler.kinds.job import JobResolution as JobResolution
from reconciler.kinds.job import JobState as JobState
from reconciler.kinds.job import hyperparameters_match as hyperparameters_match
from reconciler.kinds.job import same_number as same_number
from reconciler.kinds.job import translate_training_type as translate_training_type
from reconciler.model_ids import base_of_fine_tuned, is_fine_tuned, split_model_id
from reconciler.plan.desired import Desired, DesiredDeployment, DesiredJob, JobRef
from reconciler.plan.naming import MODEL_FORMAT
from reconciler.plan.observed import Observed, ObservedAccount, ObservedCheckpoint, ObservedJob


def checkpoint_for_epoch(
    job: ObservedJob, epoch: int
) -> tuple[ObservedCheckpoint | None, list[int] | None]:
    """The kept checkpoint of `epoch` and the epochs kept (None when they cannot be told).

    The service keeps one checkpoint per epoch for the last epochs only. When it does not say
    which epoch a checkpoint is, they are counted back from the last epoch (n_epochs).
    """
    kept = sorted(job.checkpoints, key=lambda c: c.step)
    if not kept:
        return None, []
    if all(c.epoch is not None for c in kept):
        epochs = [c.epoch for c in kept if c.epoch is not None]
        return next((c for c in kept if c.epoch == epoch), None), epochs
    n_epochs = job.hyperparameters.get("n_epochs")
    if not isinstance(n_epochs, int) or n_epochs <= 0:
        n_epochs = job.progress.n_epochs if job.progress else None
    if not n_epochs or n_epochs < len(kept):
        return None, None
    epochs = [n_epochs - (len(kept) - 1 - i) for i in range(len(kept))]
    for checkpoint, number in zip(kept, epochs, strict=True):
        if number == epoch:
            return checkpoint, epochs
    return None, epochs


def checkpoint_model(checkpoint: ObservedCheckpoint) -> str:
    """What a deployment (or a continued job) names to use a checkpoint: Azure takes its id."""
    return checkpoint.id


@dataclass(frozen=True)
class Target:
    """The model a deployment should serve."""

    state: TargetState
    model: dict[str, str] | None  # Azure's properties.model (format, name, version, source…)
    base_model: str | None  # for catalog checks (fine-tuned models deploy by their base)
    fine_tuned: bool
    job: JobResolution | None = None
    note: str = ""


class Resolver:
    """Lookups over one (desired, observed) pair; every method is pure."""

    def __init__(self, desired: Desired, observed: Observed, replace: frozenset[str]) -> None:
        self.desired = desired
        self.observed = observed
        self.replace = replace
        self._jobs: dict[str, JobResolution] = {}

    def account(self, key: str) -> ObservedAccount | None:
        return self.observed.accounts.get(key)

    @cached_property
    def known_models(self) -> dict[str, tuple[str, str]]:
        known: dict[str, tuple[str, str]] = {}
        for key in sorted(self.observed.accounts):
            for model in self.observed.accounts[key].catalog or ():
                known.setdefault(model.id, (model.name, model.version))
        return known

    def file_sha(self, account: ObservedAccount, file_id: str | None) -> str | None:
        if file_id is None:
            return None
        observed = account.file(file_id)
        return observed.content() if observed else None

    # -- jobs ------------------------------------------------------------------------------

    def job(self, name: str) -> JobResolution:
        if name not in self._jobs:
            self._jobs[name] = self._resolve_job(self.desired.jobs[name])
        return self._jobs[name]

    def jobs(self) -> list[JobResolution]:
        return [self.job(name) for name in sorted(self.desired.jobs)]

    def jobs_parents_first(self) -> list[JobResolution]:
        """Every job after the job it continues from, then by name: whoever plans a child can
        see its parent's change, whatever the names' order."""
        depth = {name: len(self.desired.ancestors(name)) for name in self.desired.jobs}
        return [self.job(name) for name in sorted(self.desired.jobs, key=lambda n: (depth[n], n))]

    def model_of(self, resolution: JobResolution, checkpoint: int | None) -> tuple[str | None, str]:
        """(model id, "" ) for a trained job (or its checkpoint), else (None, why not)."""
        if resolution.state is not JobState.TRAINED or resolution.match is None:
            return None, ""
        if checkpoint is None:
            return resolution.model_id, ""
        found, epochs = checkpoint_for_epoch(resolution.match, checkpoint)
        if found is not None:
            return checkpoint_model(found), ""
        if epochs is None:
            return None, (
                f"cannot tell which kept checkpoint of {resolution.match.id} is epoch "
                f"{checkpoint}: the service reports neither epochs nor n_epochs"
            )
        kept = ", ".join(str(e) for e in epochs) or "none"
        return None, (
            f"{resolution.match.id} has no checkpoint for epoch {checkpoint} "
            f"(kept epochs: {kept}; the service keeps the last ones only)"
        )

    def _resolve_job(self, job: DesiredJob) -> JobResolution:
        fingerprint = self.desired.fingerprint(job.name)
        account = self.account(job.account)
        parent_model: str | None = None
        parent: JobResolution | None = None
        parent_note = ""
        if isinstance(job.model, JobRef):
            parent = self.job(job.model.job)
            parent_model, parent_note = self.model_of(parent, job.model.checkpoint)
        else:
            parent_model = job.model
        if account is None:
            return JobResolution(
                job, fingerprint, JobState.BLOCKED, None, note=f"account {job.account} not read"
            )
        match = job_kind.pick(
            job_kind.identify(
                fingerprint,
                self.job_input(job, parent_model),
                account.jobs,
                lambda file_id: self.file_sha(account, file_id),
            )
        )
        found = job_kind.resolve_found(
            job, fingerprint, match, retry=job.address in self.replace, parent_model=parent_model
        )
        if found is not None:
            return found
        if parent is not None and parent_model is None:
            if parent.state in (JobState.FAILED, JobState.BLOCKED) or parent_note:
                why = parent_note or blocked_by(parent)
                return JobResolution(job, fingerprint, JobState.BLOCKED, match, note=why)
            if parent.state is JobState.CREATE:
                return JobResolution(
                    job, fingerprint, JobState.CREATE, match, note=waiting_on(parent)
                )
            return JobResolution(
                job, fingerprint, JobState.WAIT_PARENT, match, note=waiting_on(parent)
            )
        return JobResolution(job, fingerprint, JobState.CREATE, match, parent_model=parent_model)

    def job_input(self, job: DesiredJob, model: str | None) -> JobInput:
        """A job's input as its fields show it (`model`: what it trains from, when known)."""
        datasets = self.desired.datasets
        return JobInput(
            model=model,
            training_sha256=datasets[job.training_data].sha256,
            validation_sha256=datasets[job.validation_data].sha256 if job.validation_data else None,
            method=job.method,
            hyperparameters=job.hyperparameters,
            seed=job.seed,
            suffix=job.suffix,
            training_type=job.training_type,
        )

    # -- deployments -----------------------------------------------------------------------

    def source_of(self, deployment: DesiredDeployment, job: DesiredJob) -> dict[str, str]:
        """`source` for a model trained in another account; `sourceAccount` across tenants.
        None for a checkpoint: it is copied into the deployment's account and deployed from
        there under its own name (plan/checkpoint_copies.py)."""
        if job.account == deployment.account:
            return {}
        if isinstance(deployment.model, JobRef) and deployment.model.checkpoint is not None:
            return {}
        origin = self.desired.accounts[job.account]
        here = self.desired.accounts[deployment.account]
        key = "sourceAccount" if origin.tenant_id != here.tenant_id else "source"
        return {key: origin.arm_id}

    def target(self, deployment: DesiredDeployment) -> Target:
        model = deployment.model
        if isinstance(model, str):
            name, version = split_model_id(model, self.known_models)
            fine_tuned = is_fine_tuned(model)
            return Target(
                TargetState.READY,
                {"format": MODEL_FORMAT, "name": name, "version": version},
                base_of_fine_tuned(model) if fine_tuned else model,
                fine_tuned,
            )
        resolution = self.job(model.job)
        base = self.desired.base_model(model.job)
        model_id, why_not = self.model_of(resolution, model.checkpoint)
        if model_id is not None:
            name, version = split_model_id(model_id, self.known_models)
            return Target(
                TargetState.READY,
                {
                    "format": MODEL_FORMAT,
                    "name": name,
                    "version": version,
                    **self.source_of(deployment, resolution.job),
                },
                base,
                True,
                resolution,
            )
        if why_not or resolution.state in (JobState.FAILED, JobState.BLOCKED):
            note = why_not or blocked_by(resolution)
            return Target(TargetState.BLOCKED, None, base, True, resolution, note)
        if resolution.state is JobState.TRAINED:  # succeeded without a model id: odd, but wait
            note = f"{resolution.address}, which succeeded but reports no model yet"
            return Target(TargetState.WAIT, None, base, True, resolution, note)
        if resolution.state is JobState.CREATE:
            note = f"{resolution.address}, created by this plan"
            return Target(TargetState.PENDING, None, base, True, resolution, note)
        return Target(TargetState.WAIT, None, base, True, resolution, waiting_on(resolution))


def describe_job_state(resolution: JobResolution) -> str:
    """A short phrase: "is running (epoch 2/3, step 40)", "failed: …", "is not created yet"."""
    match = resolution.match
    state = resolution.state
    if state is JobState.TRAINED and match is not None:
        return f"succeeded as {match.id}"
    if state is JobState.TRAINING and match is not None:
        progress = match.progress.describe() if match.progress else ""
        return f"is {match.status.value} ({match.id}{', ' + progress if progress else ''})"
    if state is JobState.FAILED and match is not None:
        return f"{match.status.value} as {match.id}: {resolution.note}"
    if state is JobState.CREATE:
        return "is created by this plan"
    if state is JobState.WAIT_PARENT:
        return f"waits for {resolution.note}"
    return f"is blocked: {resolution.note}"


def waiting_on(resolution: JobResolution) -> str:
    """ "job.x, which is running (ftjob-1, epoch 2/3)" """
    return f"{resolution.address}, which {describe_job_state(resolution)}"


def blocked_by(resolution: JobResolution) -> str:
    """ "job.x failed as ftjob-1: …" """
    return f"{resolution.address} {describe_job_state(resolution)}"
