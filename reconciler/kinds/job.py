"""The job kind: a fine-tuning job, known by the fingerprint of its full input.

Identity: the `reconciler-fingerprint` in a job's metadata; a job without that key (made on the
surface that takes no metadata) is known by its fields: model, training and validation
*content* (the sha256 of the files it names, told by a lookup the caller gives: at plan time
the observed files, at apply time those and the files this apply uploaded), method, seed,
suffix, training type, and every hyperparameter written as a number. `auto` (or not written)
matches whatever the service chose, including Azure's `n_epochs: -1`; a hyperparameter the
service does not report is not held against a job, because a wrong "no match" would train the
same job twice. Among the jobs that are this one: succeeded, else still training, else the
latest that failed (shown, never reused); then the newest.

`decide` turns what was found (with, for the planner, the job it continues from) into the
action: a trained job is left alone, a running one waited for, a failed one shown and retried
only when `--replace` asks, a missing one created.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from reconciler.catalog import spec_training_type
from reconciler.kinds.decision import Decision
from reconciler.plan.desired import DesiredJob, JobRef
from reconciler.plan.fingerprint import Hyperparameter, explicit_hyperparameters
from reconciler.plan.model import Action, FieldChange, ResourceType
from reconciler.plan.naming import META_FINGERPRINT
from reconciler.plan.observed import JobStatus, ObservedJob, normalize_job_status
from reconciler.quoting import cut

TYPE = ResourceType.JOB

#: file id -> the sha256 of its content (None: not known)
ContentOf = Callable[[str], str | None]


class JobState(StrEnum):
    TRAINED = "trained"  # a job with this fingerprint succeeded: its model is known
    TRAINING = "training"  # one is validating, queued, running or paused
    FAILED = "failed"  # the latest one failed or was cancelled, and no retry was asked
    # none (or a retry was asked): create it, now or, when the job it continues from is also
    # created by this plan, once that one has its model
    CREATE = "create"
    WAIT_PARENT = "wait-parent"  # none, and the job it continues from is still training
    BLOCKED = "blocked"  # cannot be made: its parent failed, a checkpoint is missing, …


class JobReason(StrEnum):
    TRAINED = "trained"  # succeeded: its model is known
    TRAINING = "training"  # validating, queued, running or paused
    FAILED = "failed"  # failed or cancelled; not retried unless --replace asks
    BLOCKED = "blocked"  # the job it continues from failed, or the checkpoint is missing
    WAITS_FOR_PARENT = "waits-for-parent"  # the job it continues from is still training
    RETRY_ASKED = "retry-asked"  # --replace retries a failed or cancelled one
    RETRAIN_ASKED = "retrain-asked"  # --replace trains again what exists
    ABSENT = "absent"  # no job with this fingerprint


@dataclass(frozen=True)
class JobResolution:
    """What the spec's job is in Azure, with what it trains from."""

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


# -- payloads ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataRef:
    """The data a job trains on: its content, and the file id when one is processed already."""

    dataset: str
    sha256: str
    file_id: str | None

    def to_json(self) -> dict[str, Any]:
        return {"dataset": self.dataset, "sha256": self.sha256, "file_id": self.file_id}

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> DataRef:
        file_id = data.get("file_id")
        return DataRef(str(data["dataset"]), str(data["sha256"]), str(file_id) if file_id else None)


@dataclass(frozen=True)
class JobAfter:
    """What apply sends (the model is None while the job it continues from has none)."""

    account: str
    account_name: str
    name: str
    fingerprint: str
    model: str | None
    training_data: DataRef
    validation_data: DataRef | None
    method: str
    hyperparameters: Mapping[str, int | float | str]  # as written, `auto` included
    seed: int | None
    suffix: str | None
    training_type: str
    metadata: Mapping[str, str]
    from_job: JobRef | None = None
    grader: Mapping[str, Any] | None = None  # reinforcement only

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "account": self.account,
            "account_name": self.account_name,
            "name": self.name,
            "fingerprint": self.fingerprint,
            "model": self.model,
            "training_data": self.training_data.to_json(),
            "validation_data": self.validation_data.to_json() if self.validation_data else None,
            "method": self.method,
            "hyperparameters": dict(self.hyperparameters),
            "seed": self.seed,
            "suffix": self.suffix,
            "training_type": self.training_type,
            "metadata": dict(self.metadata),
        }
        if self.from_job is not None:
            data["from_job"] = self.from_job.to_json()
        if self.grader is not None:
            data["grader"] = dict(self.grader)
        return data

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> JobAfter:
        validation = data.get("validation_data")
        origin = data.get("from_job")
        checkpoint = origin.get("checkpoint") if isinstance(origin, dict) else None
        seed = data.get("seed")
        return JobAfter(
            account=str(data["account"]),
            account_name=str(data["account_name"]),
            name=str(data["name"]),
            fingerprint=str(data["fingerprint"]),
            model=str(data["model"]) if data.get("model") else None,
            training_data=DataRef.from_json(data["training_data"]),
            validation_data=DataRef.from_json(validation) if validation else None,
            method=str(data.get("method") or "supervised"),
            hyperparameters=dict(data.get("hyperparameters") or {}),
            seed=int(seed) if seed is not None else None,
            suffix=data.get("suffix"),
            training_type=str(data.get("training_type") or "standard"),
            metadata={str(k): str(v) for k, v in (data.get("metadata") or {}).items()},
            from_job=JobRef(str(origin["job"]), int(checkpoint) if checkpoint is not None else None)
            if isinstance(origin, dict)
            else None,
            grader=dict(data["grader"]) if data.get("grader") is not None else None,
        )

    def content(self, training_file: str, validation_file: str | None) -> dict[str, str]:
        """The content of the files this job is sent with, by file id."""
        known = {training_file: self.training_data.sha256}
        if validation_file is not None and self.validation_data is not None:
            known[validation_file] = self.validation_data.sha256
        return known


@dataclass(frozen=True)
class JobBefore:
    """The observed job that is this one, as the plan shows it."""

    id: str
    status: JobStatus
    model: str
    fine_tuned_model: str | None
    training_file: str | None
    validation_file: str | None
    hyperparameters: Mapping[str, int | float | str]
    seed: int | None
    suffix: str | None
    training_type: str | None
    error: str | None

    @staticmethod
    def of(job: ObservedJob) -> JobBefore:
        return JobBefore(
            id=job.id,
            status=job.status,
            model=job.model,
            fine_tuned_model=job.fine_tuned_model,
            training_file=job.training_file,
            validation_file=job.validation_file,
            hyperparameters=dict(sorted(job.hyperparameters.items())),
            seed=job.seed,
            suffix=job.suffix,
            training_type=job.training_type,
            error=job.error_message,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status.value,
            "model": self.model,
            "fine_tuned_model": self.fine_tuned_model,
            "training_file": self.training_file,
            "validation_file": self.validation_file,
            "hyperparameters": dict(self.hyperparameters),
            "seed": self.seed,
            "suffix": self.suffix,
            "training_type": self.training_type,
            "error": self.error,
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> JobBefore:
        seed = data.get("seed")
        return JobBefore(
            id=str(data["id"]),
            status=normalize_job_status(str(data["status"])),
            model=str(data.get("model") or ""),
            fine_tuned_model=data.get("fine_tuned_model"),
            training_file=data.get("training_file"),
            validation_file=data.get("validation_file"),
            hyperparameters=dict(data.get("hyperparameters") or {}),
            seed=int(seed) if seed is not None else None,
            suffix=data.get("suffix"),
            training_type=data.get("training_type"),
            error=data.get("error"),
        )


# -- identity ------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobInput:
    """A job's input as its fields show it, for jobs that carry no fingerprint."""

    model: str | None  # None: the job it continues from has no model yet
    training_sha256: str
    validation_sha256: str | None
    method: str
    hyperparameters: Mapping[str, Hyperparameter] = field(default_factory=dict)
    seed: int | None = None
    suffix: str | None = None
    training_type: str = "standard"

    @staticmethod
    def of_after(after: JobAfter, model: str) -> JobInput:
        return JobInput(
            model=model,
            training_sha256=after.training_data.sha256,
            validation_sha256=after.validation_data.sha256 if after.validation_data else None,
            method=after.method,
            hyperparameters=after.hyperparameters,
            seed=after.seed,
            suffix=after.suffix,
            training_type=after.training_type,
        )


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
        return str(a) == str(b)  # words (reasoning_effort)


def hyperparameters_match(
    written: Mapping[str, Hyperparameter], chosen: Mapping[str, int | float | str]
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


def _content(content: ContentOf, file_id: str | None) -> str | None:
    return content(file_id) if file_id is not None else None


def same_input(observed: ObservedJob, wanted: JobInput, content: ContentOf) -> bool:
    """Whether a job without a fingerprint was made from `wanted`."""
    if wanted.model is None or observed.model != wanted.model:
        return False
    if _content(content, observed.training_file) != wanted.training_sha256:
        return False
    if wanted.validation_sha256 is None:
        if observed.validation_file is not None:
            return False
    elif _content(content, observed.validation_file) != wanted.validation_sha256:
        return False
    if (observed.method or "supervised") != wanted.method:
        return False
    if wanted.seed is not None and observed.seed != wanted.seed:
        return False
    if (observed.suffix or None) != (wanted.suffix or None):
        return False
    observed_type = translate_training_type(observed.training_type)
    if observed_type is not None and observed_type != wanted.training_type:
        return False
    return hyperparameters_match(wanted.hyperparameters, observed.hyperparameters)


def identify(
    fingerprint: str, wanted: JobInput, jobs: Iterable[ObservedJob], content: ContentOf
) -> list[ObservedJob]:
    """The jobs that are this job: by the fingerprint in their metadata, or by their fields
    when they carry none."""
    return [
        observed
        for observed in jobs
        if observed.metadata.get(META_FINGERPRINT) == fingerprint
        or (META_FINGERPRINT not in observed.metadata and same_input(observed, wanted, content))
    ]


def _rank(job: ObservedJob) -> tuple[int, int, str]:
    if job.status is JobStatus.SUCCEEDED:
        rank = 2
    elif job.status.active:
        rank = 1
    else:
        rank = 0
    return (rank, job.created_at or 0, job.id)


def pick(found: Iterable[ObservedJob]) -> ObservedJob | None:
    """The job that stands for this one: succeeded, else training, else the latest failed."""
    candidates = list(found)
    return max(candidates, key=_rank) if candidates else None


def resolve_found(
    job: DesiredJob,
    fingerprint: str,
    match: ObservedJob | None,
    *,
    retry: bool,
    parent_model: str | None,
) -> JobResolution | None:
    """TRAINED, TRAINING or FAILED for the job found, or None when one is to be made: none was
    found, or `retry` (--replace) asks for a new one and none is training."""
    if match is None or not (match.status.active or not retry):
        return None
    if match.status is JobStatus.SUCCEEDED:
        return JobResolution(
            job, fingerprint, JobState.TRAINED, match, match.fine_tuned_model, parent_model
        )
    if match.status.active:
        return JobResolution(job, fingerprint, JobState.TRAINING, match, parent_model=parent_model)
    return JobResolution(
        job,
        fingerprint,
        JobState.FAILED,
        match,
        parent_model=parent_model,
        note=(match.error_message or "").strip().rstrip(".") or "no reason given",
    )


# -- decision ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Previous:
    """The job whose model the job's deployments serve now (else its latest trained run), and
    what of the input changed since: shown when a job is trained anew."""

    job: ObservedJob
    changed: tuple[FieldChange, ...]


def changed_since(
    previous: ObservedJob,
    job: DesiredJob,
    wanted: JobInput,
    content: ContentOf,
) -> list[FieldChange]:
    """The input fields in which `job` differs from `previous` (for review: a hyperparameter
    the service does not report shows as changed)."""
    changed: list[FieldChange] = []
    if wanted.model is not None and previous.model != wanted.model:
        changed.append(FieldChange("model", previous.model, wanted.model))
    elif wanted.model is None and isinstance(job.model, JobRef):
        # the job it continues from trains (again) first: a model that does not exist yet
        changed.append(
            FieldChange("model", previous.model, f"({job.model.what} of job.{job.model.job})")
        )
    for label, now, file_id in (
        ("training data", wanted.training_sha256, previous.training_file),
        ("validation data", wanted.validation_sha256, previous.validation_file),
    ):
        then = _content(content, file_id)
        if now == then or (file_id is None and now is None):
            continue
        changed.append(FieldChange(label, then, now))
    if (previous.method or "supervised") != wanted.method:
        changed.append(FieldChange("method", previous.method, wanted.method))
    for key, value in explicit_hyperparameters(wanted.hyperparameters).items():
        chosen = previous.hyperparameters.get(key)
        if chosen is None or not same_number(chosen, value):
            changed.append(FieldChange(f"hyperparameters.{key}", chosen, value))
    if job.grader is not None and previous.grader is not None:
        changed.extend(
            FieldChange(f"grader.{key}", then, now)
            for key, then, now in _differences(previous.grader, job.grader)
        )
    if wanted.seed is not None and previous.seed != wanted.seed:
        changed.append(FieldChange("seed", previous.seed, wanted.seed))
    if (previous.suffix or None) != (wanted.suffix or None):
        changed.append(FieldChange("suffix", previous.suffix, wanted.suffix))
    observed_type = translate_training_type(previous.training_type)
    if observed_type is not None and observed_type != wanted.training_type:
        changed.append(FieldChange("training_type", observed_type, wanted.training_type))
    return changed


def _differences(then: Any, now: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """(dotted key, then, now) of each value that differs between two JSON objects."""
    if isinstance(then, Mapping) and isinstance(now, Mapping):
        found: list[tuple[str, Any, Any]] = []
        for key in sorted(set(then) | set(now)):
            where = f"{path}.{key}" if path else str(key)
            found.extend(_differences(then.get(key), now.get(key), where))
        return found
    if then == now:
        return []
    # grader texts can be pages long (a python grader's source): a plan quotes at most 80
    # characters of a spec value (SPEC.md §5.1)
    return [(path, _cut(then), _cut(now))]


def _cut(value: Any) -> Any:
    return cut(value) if isinstance(value, str) else value


def _parent(job: DesiredJob) -> dict[str, Any]:
    assert isinstance(job.model, JobRef)
    return {"parent": job.model.job, "checkpoint": job.model.checkpoint}


def decide(
    resolution: JobResolution, account_name: str, previous: Previous | None = None
) -> Decision[JobReason]:
    """The action for a resolved job; `previous` (a job trained anew): what it replaces."""
    match, state, job = resolution.match, resolution.state, resolution.job
    if state is JobState.TRAINED and match is not None:
        return Decision(
            Action.NO_OP, JobReason.TRAINED, {"job_id": match.id, "model": match.fine_tuned_model}
        )
    if state is JobState.TRAINING and match is not None:
        facts = {
            "job_id": match.id,
            "status": match.status.value,
            "progress": match.progress.describe() if match.progress else "",
            "estimated_finish": match.estimated_finish,
        }
        return Decision(Action.WAIT, JobReason.TRAINING, facts)
    if state is JobState.FAILED and match is not None:
        facts = {"job_id": match.id, "status": match.status.value, "note": resolution.note}
        return Decision(Action.NO_OP, JobReason.FAILED, facts)
    if state is JobState.BLOCKED:
        return Decision(Action.NO_OP, JobReason.BLOCKED, {"note": resolution.note})
    if state is JobState.WAIT_PARENT:
        facts = {"note": resolution.note, **_parent(job)}
        return Decision(Action.WAIT, JobReason.WAITS_FOR_PARENT, facts)
    if match is not None and match.status.finished_badly:
        why = (match.error_message or "").strip().rstrip(".") or "no reason given"
        facts = {"job_id": match.id, "status": match.status.value, "why": why}
        return Decision(Action.CREATE, JobReason.RETRY_ASKED, facts)
    if match is not None:
        facts = {"job_id": match.id, "status": match.status.value}
        return Decision(Action.CREATE, JobReason.RETRAIN_ASKED, facts)
    absent: dict[str, Any] = {"account_name": account_name}
    if resolution.note:  # continues from a job this plan creates too
        absent.update(note=resolution.note, **_parent(job))
    if previous is not None and previous.changed:
        absent.update(previous=previous.job.id, changed=[c.field for c in previous.changed])
    return Decision(Action.CREATE, JobReason.ABSENT, absent)


def trains_anew(action: Action, before: JobBefore | None) -> bool:
    """A job this plan creates, now or once the job it continues from has its model (rather
    than one it waits for while it trains)."""
    if action is Action.CREATE:
        return True
    return action is Action.WAIT and (before is None or not before.status.active)


__all__ = [
    "TYPE",
    "ContentOf",
    "DataRef",
    "DesiredJob",
    "JobAfter",
    "JobBefore",
    "JobInput",
    "JobReason",
    "JobResolution",
    "JobState",
    "ObservedJob",
    "Previous",
    "changed_since",
    "decide",
    "hyperparameters_match",
    "identify",
    "pick",
    "resolve_found",
    "same_input",
    "same_number",
    "trains_anew",
    "translate_training_type",
]
