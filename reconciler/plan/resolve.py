"""Matching the spec to what Azure holds: which observed job is a desired job, which model a
deployment should serve. Shared by the planner and drift detection.

A job is found by the `reconciler-fingerprint` in its metadata; a job without that key (made
through an API that takes no metadata) is found by its fields: model, training and validation
content (the sha256 in the file names), method, seed, suffix, training type, and every
hyperparameter written as a number. `auto` (or not written) matches whatever the service
chose, including Azure's `n_epochs: -1`; a hyperparameter the service does not report is not
held against a job, because a wrong "no match" would train the same job twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

from reconciler.catalog import spec_training_type
from reconciler.model_ids import base_of_fine_tuned, is_fine_tuned, split_model_id
from reconciler.plan.desired import Desired, DesiredDeployment, DesiredJob, JobRef
from reconciler.plan.fingerprint import explicit_hyperparameters
from reconciler.plan.naming import META_FINGERPRINT, MODEL_FORMAT, sha256_in_filename
from reconciler.plan.observed import (
    JobStatus,
    Observed,
    ObservedAccount,
    ObservedCheckpoint,
    ObservedJob,
)


class JobState(StrEnum):
    TRAINED = "trained"  # a job with this fingerprint succeeded: its model is known
    TRAINING = "training"  # one is validating, queued, running or paused
    FAILED = "failed"  # the latest one failed or was cancelled, and no retry was asked
    # none (or a retry was asked): create it, now or, when the job it continues from is also
    # created by this plan, once that one has its model
    CREATE = "create"
    WAIT_PARENT = "wait-parent"  # none, and the job it continues from is still training
    BLOCKED = "blocked"  # cannot be made: its parent failed, a checkpoint is missing, …


@dataclass(frozen=True)
class JobResolution:
    job: DesiredJob
    fingerprint: str
    state: JobState
    match: ObservedJob | None  # the observed job with this fingerprint, if any
    model_id: str | None = None  # TRAINED: the fine-tuned model
    parent_model: str | None = None  # the model it trains from, when known
    note: str = ""  # why WAIT_PARENT / BLOCKED / FAILED

    @property
    def address(self) -> str:
        return self.job.address


def translate_training_type(value: str | None) -> str | None:
    """The API's `developerTier` is the spec's `developer`."""
    return None if value is None else spec_training_type(value)


def same_number(a: object, b: object) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b)
    try:
        return float(str(a)) == float(str(b))
    except ValueError:
        return False


def hyperparameters_match(
    written: Mapping[str, int | float | str | None], chosen: Mapping[str, int | float | str]
) -> bool:
    for key, value in explicit_hyperparameters(written).items():
        if key not in chosen:
            continue  # not reported: not held against the job
        observed = chosen[key]
        if key == "n_epochs" and same_number(observed, -1):
            return False  # the service chose ("automatic"), the spec fixed a number
        if not same_number(observed, value):
            return False
    return True


def _rank(job: ObservedJob) -> tuple[int, int, str]:
    if job.status is JobStatus.SUCCEEDED:
        rank = 2
    elif job.status.active:
        rank = 1
    else:
        rank = 0
    return (rank, job.created_at or 0, job.id)


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


class TargetState(StrEnum):
    READY = "ready"  # the model is known
    PENDING = "pending"  # its job is created by this plan: the model is known once it trains
    WAIT = "wait"  # its job is training (or waits for one that is)
    BLOCKED = "blocked"  # its job failed, or the checkpoint does not exist


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
        return sha256_in_filename(observed.filename) if observed else None

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
        candidates = [
            observed
            for observed in account.jobs
            if observed.metadata.get(META_FINGERPRINT) == fingerprint
            or (
                META_FINGERPRINT not in observed.metadata
                and self._fields_match(job, observed, parent_model, account)
            )
        ]
        match = max(candidates, key=_rank) if candidates else None
        retry = job.address in self.replace
        if match is not None and (match.status.active or not retry):
            if match.status is JobStatus.SUCCEEDED:
                return JobResolution(
                    job, fingerprint, JobState.TRAINED, match, match.fine_tuned_model, parent_model
                )
            if match.status.active:
                return JobResolution(
                    job, fingerprint, JobState.TRAINING, match, parent_model=parent_model
                )
            return JobResolution(
                job,
                fingerprint,
                JobState.FAILED,
                match,
                parent_model=parent_model,
                note=(match.error_message or "").strip().rstrip(".") or "no reason given",
            )
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

    def _fields_match(
        self,
        job: DesiredJob,
        observed: ObservedJob,
        model: str | None,
        account: ObservedAccount,
    ) -> bool:
        if model is None or observed.model != model:
            return False
        datasets = self.desired.datasets
        if self.file_sha(account, observed.training_file) != datasets[job.training_data].sha256:
            return False
        if job.validation_data is None:
            if observed.validation_file is not None:
                return False
        elif (
            self.file_sha(account, observed.validation_file) != datasets[job.validation_data].sha256
        ):
            return False
        if (observed.method or "supervised") != job.method:
            return False
        if job.seed is not None and observed.seed != job.seed:
            return False
        if (observed.suffix or None) != (job.suffix or None):
            return False
        observed_type = translate_training_type(observed.training_type)
        if observed_type is not None and observed_type != job.training_type:
            return False
        return hyperparameters_match(job.hyperparameters, observed.hyperparameters)

    # -- deployments -----------------------------------------------------------------------

    def source_of(self, deployment: DesiredDeployment, job: DesiredJob) -> dict[str, str]:
        """`source` for a model trained in another account; `sourceAccount` across tenants."""
        if job.account == deployment.account:
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
