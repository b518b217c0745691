"""What Azure holds, per account of the spec: files, jobs, deployments, and the region's offer.

Plain data, JSON round-trippable, so golden cases store it and saved plans carry its digest.
`reconciler/azure/` builds it from the SDKs (normalising statuses with `normalize_job_status`);
nothing here talks to Azure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

from reconciler.catalog.model import off_step
from reconciler.plan.activity import ActivityLog
from reconciler.plan.deployment_fields import settings_json
from reconciler.plan.naming import canonical_json, sha256_hex, sha256_in_filename
from reconciler.promotion.metrics import JobResults


class JobStatus(StrEnum):
    VALIDATING_FILES = "validating_files"
    QUEUED = "queued"
    RUNNING = "running"
    PAUSED = "paused"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def active(self) -> bool:
        """Still going (or resumable): the job may yet produce its model."""
        return self in _ACTIVE

    @property
    def finished_badly(self) -> bool:
        return self in (JobStatus.FAILED, JobStatus.CANCELLED)


_ACTIVE = frozenset(
    {JobStatus.VALIDATING_FILES, JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.PAUSED}
)

# The union of the OpenAI (v1) and Azure (api-version) job statuses, onto one vocabulary.
_JOB_STATUS = {
    "validating_files": JobStatus.VALIDATING_FILES,
    "created": JobStatus.VALIDATING_FILES,
    "notstarted": JobStatus.VALIDATING_FILES,
    "pending": JobStatus.QUEUED,
    "queued": JobStatus.QUEUED,
    "running": JobStatus.RUNNING,
    "resuming": JobStatus.RUNNING,
    "pausing": JobStatus.PAUSED,
    "paused": JobStatus.PAUSED,
    "succeeded": JobStatus.SUCCEEDED,
    "failed": JobStatus.FAILED,
    "cancelled": JobStatus.CANCELLED,
    "canceled": JobStatus.CANCELLED,
    "cancelling": JobStatus.CANCELLED,
    "canceling": JobStatus.CANCELLED,
}


def normalize_job_status(raw: str) -> JobStatus:
    """OpenAI or Azure job status → JobStatus; an unknown one raises ValueError."""
    key = raw.strip().lower().replace(" ", "").replace("-", "_")
    try:
        return _JOB_STATUS[key]
    except KeyError:
        raise ValueError(f"unknown fine-tuning job status {raw!r}") from None


class FileState(StrEnum):
    """What a file's status means for the plan."""

    READY = "ready"  # processed
    PENDING = "pending"  # uploaded, pending, running: wait for it
    ERROR = "error"  # rejected: upload again
    GONE = "gone"  # deleting, deleted


def file_state(status: str) -> FileState:
    status = status.strip().lower()
    if status == "processed":
        return FileState.READY
    if status == "error":
        return FileState.ERROR
    if status in ("deleting", "deleted"):
        return FileState.GONE
    return FileState.PENDING


PROVISIONING_IN_PROGRESS = frozenset({"accepted", "creating", "updating", "deleting", "moving"})


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class ObservedFile:
    id: str
    filename: str
    bytes: int | None  # None: the service did not say (Azure's `bytes` may be null)
    purpose: str = "fine-tune"
    status: str = "processed"
    status_details: str | None = None
    created_at: int | None = None
    # The sha256 of its canonical bytes when known otherwise than from its name: a file
    # uploaded by hand that `reconciler import` downloaded and hashed (`adopted_files`).
    content_sha256: str | None = None

    @property
    def state(self) -> FileState:
        return file_state(self.status)

    def content(self) -> str | None:
        """The sha256 of the content it holds, if known: hashed on import, else from its name."""
        return self.content_sha256 or sha256_in_filename(self.filename)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "filename": self.filename,
            "bytes": self.bytes,
            "purpose": self.purpose,
            "status": self.status,
            "status_details": self.status_details,
            "created_at": self.created_at,
        }
        if self.content_sha256 is not None:
            data["content_sha256"] = self.content_sha256
        return data

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> ObservedFile:
        return ObservedFile(
            id=str(data["id"]),
            filename=str(data.get("filename") or ""),
            bytes=_opt_int(data.get("bytes")),
            purpose=str(data.get("purpose") or ""),
            status=str(data.get("status") or "processed"),
            status_details=_opt_str(data.get("status_details")),
            created_at=_opt_int(data.get("created_at")),
            content_sha256=_opt_str(data.get("content_sha256")),
        )


@dataclass(frozen=True)
class ObservedCheckpoint:
    id: str  # ftchkpt-…: what a deployment names to serve this checkpoint
    model_id: str | None  # fine_tuned_model_checkpoint, e.g. "<model>:ckpt-step-10"
    step: int
    epoch: int | None = None  # when the service (or the reader) knows it
    metrics: Mapping[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "model_id": self.model_id,
            "step": self.step,
            "epoch": self.epoch,
            "metrics": dict(sorted(self.metrics.items())),
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> ObservedCheckpoint:
        return ObservedCheckpoint(
            id=str(data["id"]),
            model_id=_opt_str(data.get("model_id")),
            step=int(data.get("step") or 0),
            epoch=_opt_int(data.get("epoch")),
            metrics={str(k): float(v) for k, v in (data.get("metrics") or {}).items()},
        )


@dataclass(frozen=True)
class JobProgress:
    step: int | None = None
    total_steps: int | None = None
    epoch: int | None = None
    n_epochs: int | None = None
    train_loss: float | None = None

    def describe(self) -> str:
        parts = []
        if self.epoch is not None:
            parts.append(
                f"epoch {self.epoch}/{self.n_epochs}" if self.n_epochs else f"epoch {self.epoch}"
            )
        if self.step is not None:
            parts.append(
                f"step {self.step}/{self.total_steps}" if self.total_steps else f"step {self.step}"
            )
        if self.train_loss is not None:
            parts.append(f"train loss {self.train_loss:.4g}")
        return ", ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "total_steps": self.total_steps,
            "epoch": self.epoch,
            "n_epochs": self.n_epochs,
            "train_loss": self.train_loss,
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> JobProgress:
        return JobProgress(
            step=_opt_int(data.get("step")),
            total_steps=_opt_int(data.get("total_steps")),
            epoch=_opt_int(data.get("epoch")),
            n_epochs=_opt_int(data.get("n_epochs")),
            train_loss=_opt_float(data.get("train_loss")),
        )


@dataclass(frozen=True)
class ObservedJob:
    id: str
    status: JobStatus
    model: str
    fine_tuned_model: str | None = None
    training_file: str | None = None
    validation_file: str | None = None
    # the concrete values the service chose (n_epochs -1 means "automatic" on Azure)
    hyperparameters: Mapping[str, int | float | str] = field(default_factory=dict)
    method: str | None = None
    seed: int | None = None
    suffix: str | None = None
    training_type: str | None = None  # None when the API did not say
    metadata: Mapping[str, str] = field(default_factory=dict)
    error_message: str | None = None
    created_at: int | None = None
    finished_at: int | None = None
    estimated_finish: int | None = None
    trained_tokens: int | None = None
    progress: JobProgress | None = None
    checkpoints: tuple[ObservedCheckpoint, ...] = ()
    grader: Mapping[str, Any] | None = None  # a reinforcement job's, as the service reports it
    result_files: tuple[str, ...] = ()  # its results.csv file (once it has finished)

    def to_json(self) -> dict[str, Any]:
        data = self._json()
        if self.grader is not None:
            data["grader"] = dict(self.grader)
        if self.result_files:  # written only when reported: older observations keep their JSON
            data["result_files"] = list(self.result_files)
        return data

    def _json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status.value,
            "model": self.model,
            "fine_tuned_model": self.fine_tuned_model,
            "training_file": self.training_file,
            "validation_file": self.validation_file,
            "hyperparameters": dict(sorted(self.hyperparameters.items())),
            "method": self.method,
            "seed": self.seed,
            "suffix": self.suffix,
            "training_type": self.training_type,
            "metadata": dict(sorted(self.metadata.items())),
            "error_message": self.error_message,
            "created_at": self.created_at,
            "finished_at": self.finished_at,
            "estimated_finish": self.estimated_finish,
            "trained_tokens": self.trained_tokens,
            "progress": self.progress.to_json() if self.progress else None,
            "checkpoints": [c.to_json() for c in self.checkpoints],
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> ObservedJob:
        progress = data.get("progress")
        return ObservedJob(
            id=str(data["id"]),
            status=normalize_job_status(str(data["status"])),
            model=str(data.get("model") or ""),
            fine_tuned_model=_opt_str(data.get("fine_tuned_model")),
            training_file=_opt_str(data.get("training_file")),
            validation_file=_opt_str(data.get("validation_file")),
            hyperparameters=dict(data.get("hyperparameters") or {}),
            method=_opt_str(data.get("method")),
            grader=dict(data["grader"]) if isinstance(data.get("grader"), dict) else None,
            seed=_opt_int(data.get("seed")),
            suffix=_opt_str(data.get("suffix")),
            training_type=_opt_str(data.get("training_type")),
            metadata={str(k): str(v) for k, v in (data.get("metadata") or {}).items()},
            error_message=_opt_str(data.get("error_message")),
            created_at=_opt_int(data.get("created_at")),
            finished_at=_opt_int(data.get("finished_at")),
            estimated_finish=_opt_int(data.get("estimated_finish")),
            trained_tokens=_opt_int(data.get("trained_tokens")),
            progress=JobProgress.from_json(progress) if progress else None,
            checkpoints=tuple(
                ObservedCheckpoint.from_json(c) for c in data.get("checkpoints") or ()
            ),
            result_files=tuple(str(f) for f in data.get("result_files") or ()),
        )


@dataclass(frozen=True)
class ObservedDeployment:
    name: str
    sku_name: str
    capacity: int
    model_name: str
    model_version: str = ""
    model_format: str = "OpenAI"
    source: str | None = None
    source_account: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    provisioning_state: str = "Succeeded"
    etag: str | None = None
    # properties.raiPolicyName, versionUpgradeOption, spilloverDeploymentName (SPEC §5.3):
    # compared only where the spec declares them (Azure fills the first two with defaults)
    rai_policy: str | None = None
    version_upgrade: str | None = None
    spillover_to: str | None = None
    # other server-filled properties (currentCapacity, rateLimits, …): kept for `show`, never
    # compared
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def provisioning_in_progress(self) -> bool:
        return self.provisioning_state.lower() in PROVISIONING_IN_PROGRESS

    @property
    def provisioning_failed(self) -> bool:
        return self.provisioning_state.lower() == "failed"

    def arm_model(self) -> dict[str, str]:
        """Azure's ``properties.model`` as it holds it: format, name, version, and the source
        account of a model trained elsewhere (``source``, or ``sourceAccount`` across tenants)."""
        model = {
            "format": self.model_format,
            "name": self.model_name,
            "version": self.model_version,
        }
        if self.source:
            model["source"] = self.source
        if self.source_account:
            model["sourceAccount"] = self.source_account
        return model

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "sku_name": self.sku_name,
            "capacity": self.capacity,
            "model_format": self.model_format,
            "model_name": self.model_name,
            "model_version": self.model_version,
            "source": self.source,
            "source_account": self.source_account,
            "tags": dict(sorted(self.tags.items())),
            "provisioning_state": self.provisioning_state,
            "etag": self.etag,
            **settings_json(self.rai_policy, self.version_upgrade, self.spillover_to),
            "extra": dict(sorted(self.extra.items())),
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> ObservedDeployment:
        return ObservedDeployment(
            name=str(data["name"]),
            sku_name=str(data["sku_name"]),
            capacity=int(data.get("capacity") or 0),
            model_name=str(data.get("model_name") or ""),
            model_version=str(data.get("model_version") or ""),
            model_format=str(data.get("model_format") or "OpenAI"),
            source=_opt_str(data.get("source")),
            source_account=_opt_str(data.get("source_account")),
            tags={str(k): str(v) for k, v in (data.get("tags") or {}).items()},
            provisioning_state=str(data.get("provisioning_state") or "Succeeded"),
            etag=_opt_str(data.get("etag")),
            rai_policy=_opt_str(data.get("rai_policy")),
            version_upgrade=_opt_str(data.get("version_upgrade")),
            spillover_to=_opt_str(data.get("spillover_to")),
            extra=dict(data.get("extra") or {}),
        )


@dataclass(frozen=True)
class OfferedSku:
    """A sku a model can be deployed with in a region, and the usage its capacity counts against."""

    minimum: int
    maximum: int
    step: int
    default: int
    usage_name: str | None = None

    def problem(self, capacity: int) -> str | None:
        if capacity < self.minimum:
            return f"capacity {capacity} is below the minimum {self.minimum}"
        if capacity > self.maximum:
            return f"capacity {capacity} is above the maximum {self.maximum}"
        if self.step > 0 and (capacity - self.minimum) % self.step:
            return off_step(capacity, self.minimum, self.maximum, self.step)
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "minimum": self.minimum,
            "maximum": self.maximum,
            "step": self.step,
            "default": self.default,
            "usage_name": self.usage_name,
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> OfferedSku:
        return OfferedSku(
            minimum=int(data.get("minimum") or 0),
            maximum=int(data.get("maximum") or 0),
            step=int(data.get("step") or 1),
            default=int(data.get("default") or 0),
            usage_name=_opt_str(data.get("usage_name")),
        )


@dataclass(frozen=True)
class OfferedModel:
    """A base model as a region's catalog offers it (ARM `locations/{loc}/models`)."""

    name: str
    version: str
    skus: Mapping[str, OfferedSku] = field(default_factory=dict)  # deploying the base model
    fine_tunable: bool = False
    # deploying a fine-tuned model (or checkpoint) of this base
    finetune_skus: Mapping[str, OfferedSku] = field(default_factory=dict)
    training_types: tuple[str, ...] = ()  # empty: not reported, not checked

    @property
    def id(self) -> str:
        return f"{self.name}-{self.version}" if self.version else self.name

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "skus": {k: v.to_json() for k, v in sorted(self.skus.items())},
            "fine_tunable": self.fine_tunable,
            "finetune_skus": {k: v.to_json() for k, v in sorted(self.finetune_skus.items())},
            "training_types": list(self.training_types),
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> OfferedModel:
        return OfferedModel(
            name=str(data["name"]),
            version=str(data.get("version") or ""),
            skus={k: OfferedSku.from_json(v) for k, v in (data.get("skus") or {}).items()},
            fine_tunable=bool(data.get("fine_tunable", False)),
            finetune_skus={
                k: OfferedSku.from_json(v) for k, v in (data.get("finetune_skus") or {}).items()
            },
            training_types=tuple(str(t) for t in data.get("training_types") or ()),
        )


@dataclass(frozen=True)
class Usage:
    current: float
    limit: float

    def to_json(self) -> dict[str, Any]:
        return {"current": self.current, "limit": self.limit}

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> Usage:
        return Usage(float(data["current"]), float(data["limit"]))


@dataclass(frozen=True)
class ObservedCopy:
    """One destination of a checkpoint's copy, as the source account reports it (GET
    …/checkpoints/{id}/copy: Azure's CopiedAccountDetails)."""

    destination_resource_id: str
    region: str
    status: str

    def to_json(self) -> dict[str, Any]:
        return {
            "destination_resource_id": self.destination_resource_id,
            "region": self.region,
            "status": self.status,
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> ObservedCopy:
        return ObservedCopy(
            str(data["destination_resource_id"]), str(data["region"]), str(data["status"])
        )

    @staticmethod
    def from_azure(data: Mapping[str, Any]) -> ObservedCopy:
        """From Azure's CopiedAccountDetails."""
        return ObservedCopy(
            str(data.get("destinationResourceId") or ""),
            str(data.get("region") or ""),
            str(data.get("status") or ""),
        )


@dataclass(frozen=True)
class ObservedAccount:
    key: str  # the spec's logical name
    arm_id: str
    name: str
    location: str  # the region, e.g. "swedencentral"
    endpoint: str = ""
    files: tuple[ObservedFile, ...] = ()
    jobs: tuple[ObservedJob, ...] = ()
    deployments: tuple[ObservedDeployment, ...] = ()
    catalog: tuple[OfferedModel, ...] | None = None  # None: not read, checks skipped
    usages: Mapping[str, Usage] | None = None  # usage name -> use; None: not read
    activity: ActivityLog | None = None  # deployment events; None: not read (only drift does)
    # ARM's properties.publicNetworkAccess ("Enabled"/"Disabled"); None: not reported
    public_network_access: str | None = None
    # checkpoint id -> where it was copied from this account (read only for checkpoints the
    # spec deploys in another account: reconciler.kinds.checkpoint_copy)
    copies: Mapping[str, tuple[ObservedCopy, ...]] = field(default_factory=dict)
    # the account's content filters (raiPolicies) by name; None: not read (no deployment of the
    # spec in this account sets rai_policy)
    rai_policies: tuple[str, ...] | None = None
    # job id -> its final metrics and curves (SPEC §5.8), read only for the jobs whose metrics
    # a promotion needs (reconciler.promotion.needs)
    results: Mapping[str, JobResults] = field(default_factory=dict)

    @property
    def subscription_id(self) -> str:
        parts = self.arm_id.split("/")
        return parts[2] if len(parts) > 2 and parts[1].lower() == "subscriptions" else ""

    def deployment(self, name: str) -> ObservedDeployment | None:
        return self._deployments_by_name.get(name)

    @cached_property
    def _deployments_by_name(self) -> dict[str, ObservedDeployment]:
        # Asked once per desired deployment: a scan each time is quadratic in an account's
        # deployments (thousands). Azure's names are unique within an account.
        return {deployment.name: deployment for deployment in self.deployments}

    def file(self, file_id: str) -> ObservedFile | None:
        for observed in self.files:
            if observed.id == file_id:
                return observed
        return None

    def offered(self, model_id: str) -> OfferedModel | None:
        for model in self.catalog or ():
            if model.id == model_id:
                return model
        return None

    def to_json(self) -> dict[str, Any]:
        activity: dict[str, Any] = {}
        if self.activity is not None:
            activity["activity"] = self.activity.to_json()
        # written only when read, so that observations without them keep their JSON (and digest)
        if self.public_network_access is not None:
            activity["public_network_access"] = self.public_network_access
        if self.copies:
            activity["copies"] = {
                k: [c.to_json() for c in v] for k, v in sorted(self.copies.items())
            }
        return {
            **activity,
            "arm_id": self.arm_id,
            "name": self.name,
            "location": self.location,
            "endpoint": self.endpoint,
            "files": [f.to_json() for f in self.files],
            "jobs": [j.to_json() for j in self.jobs],
            "deployments": [d.to_json() for d in self.deployments],
            "catalog": None if self.catalog is None else [m.to_json() for m in self.catalog],
            "usages": None
            if self.usages is None
            else {k: v.to_json() for k, v in sorted(self.usages.items())},
            **({} if self.rai_policies is None else {"rai_policies": list(self.rai_policies)}),
            **(
                {"results": {k: v.to_json() for k, v in sorted(self.results.items())}}
                if self.results
                else {}
            ),
        }

    @staticmethod
    def from_json(key: str, data: Mapping[str, Any]) -> ObservedAccount:
        catalog = data.get("catalog")
        usages = data.get("usages")
        return ObservedAccount(
            key=key,
            arm_id=str(data["arm_id"]),
            name=str(data["name"]),
            location=str(data["location"]),
            endpoint=str(data.get("endpoint") or ""),
            files=tuple(ObservedFile.from_json(f) for f in data.get("files") or ()),
            jobs=tuple(ObservedJob.from_json(j) for j in data.get("jobs") or ()),
            deployments=tuple(
                ObservedDeployment.from_json(d) for d in data.get("deployments") or ()
            ),
            catalog=None if catalog is None else tuple(OfferedModel.from_json(m) for m in catalog),
            usages=None
            if usages is None
            else {str(k): Usage.from_json(v) for k, v in usages.items()},
            activity=ActivityLog.from_json(data["activity"]) if data.get("activity") else None,
            public_network_access=data.get("public_network_access"),
            copies={
                str(k): tuple(ObservedCopy.from_json(c) for c in v)
                for k, v in (data.get("copies") or {}).items()
            },
            rai_policies=None
            if data.get("rai_policies") is None
            else tuple(str(p) for p in data["rai_policies"]),
            results={
                str(k): JobResults.from_json(v) for k, v in (data.get("results") or {}).items()
            },
        )


@dataclass(frozen=True)
class Observed:
    accounts: Mapping[str, ObservedAccount]

    def to_json(self) -> dict[str, Any]:
        return {"accounts": {k: v.to_json() for k, v in sorted(self.accounts.items())}}

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> Observed:
        return Observed(
            {k: ObservedAccount.from_json(k, v) for k, v in (data.get("accounts") or {}).items()}
        )

    def digest(self) -> str:
        """sha256 of the canonical JSON without what moves on its own (a running job's progress,
        estimates, metrics, server-filled deployment properties): a saved plan is stale when a
        fact the plan depends on changes, not while a job merely advances."""
        stable = self.to_json()
        for account in stable["accounts"].values():
            account.pop("activity", None)  # history, read for drift only: no fact a plan uses
            # read only when a promotion needs them; a finished job's metrics do not move
            account.pop("results", None)
            # the order a list API answers in is no fact about Azure
            account["files"].sort(key=lambda f: f["id"])
            account["jobs"].sort(key=lambda j: j["id"])
            account["deployments"].sort(key=lambda d: d["name"])
            for job in account["jobs"]:
                for volatile in ("progress", "estimated_finish", "trained_tokens"):
                    job[volatile] = None
                for checkpoint in job["checkpoints"]:
                    checkpoint["metrics"] = {}
            for deployment in account["deployments"]:
                deployment["extra"] = {}
        return sha256_hex(canonical_json(stable))
