"""What the spec wants, already resolved: accounts, dataset contents, jobs, deployments.

Built from a validated spec and its dataset reports (`from_spec.py`), or from JSON in the golden
cases. References are checked here (a broken one is a bug upstream, so it raises ValueError);
everything a person can get wrong is reported by the spec loader or the planner instead.
Each job's fingerprint is computed once, on construction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.datasets.digest_set import DigestSet
from reconciler.errors import Location
from reconciler.plan.deployment_fields import settings_json
from reconciler.plan.fingerprint import Hyperparameter, job_fingerprint
from reconciler.plan.naming import location_from_json, location_to_json, upload_filename
from reconciler.plan.smoke_test import SmokePrompt

HYPERPARAMETER_NAMES = (
    "n_epochs",
    "batch_size",
    "learning_rate_multiplier",
    "beta",
    "prompt_loss_weight",
    "eval_interval",
    "eval_samples",
    "compute_multiplier",
    "reasoning_effort",
)


@dataclass(frozen=True)
class JobRef:
    """A model that comes from a job of the spec: its final model, or the checkpoint of epoch N."""

    job: str
    checkpoint: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"job": self.job, "checkpoint": self.checkpoint}

    @property
    def what(self) -> str:
        """ "model" or "checkpoint of epoch N": what of the job is used, for plan texts."""
        return "model" if self.checkpoint is None else f"checkpoint of epoch {self.checkpoint}"

    def __str__(self) -> str:
        return self.job if self.checkpoint is None else f"{self.job} (checkpoint {self.checkpoint})"


ModelSpec = str | JobRef  # a model id string, or {job: X[, checkpoint: N]}


def _model_to_json(model: ModelSpec) -> Any:
    return model.to_json() if isinstance(model, JobRef) else model


def _model_from_json(value: Any) -> ModelSpec:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("job"), str):
        checkpoint = value.get("checkpoint")
        return JobRef(value["job"], int(checkpoint) if checkpoint is not None else None)
    raise ValueError(f"a model is a model id or {{job: NAME[, checkpoint: N]}}, not {value!r}")


def _locations_from_json(value: Any) -> dict[str, Location]:
    out: dict[str, Location] = {}
    for key, text in (value or {}).items():
        location = location_from_json(text)
        if location is not None:
            out[str(key)] = location
    return out


def _locations_to_json(locations: Mapping[str, Location]) -> dict[str, str | None]:
    return {key: location_to_json(locations[key]) for key in sorted(locations)}


@dataclass(frozen=True)
class DesiredAccount:
    key: str  # the spec's logical name
    subscription_id: str
    resource_group: str
    name: str  # the Azure resource name
    tenant_id: str | None = None  # None: the credential's default tenant
    location: Location | None = None

    @property
    def arm_id(self) -> str:
        return (
            f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}"
            f"/providers/Microsoft.CognitiveServices/accounts/{self.name}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "subscription_id": self.subscription_id,
            "resource_group": self.resource_group,
            "name": self.name,
            "tenant_id": self.tenant_id,
            "location": location_to_json(self.location),
        }

    @staticmethod
    def from_json(key: str, data: Mapping[str, Any]) -> DesiredAccount:
        return DesiredAccount(
            key=key,
            subscription_id=str(data["subscription_id"]),
            resource_group=str(data["resource_group"]),
            name=str(data["name"]),
            tenant_id=data.get("tenant_id"),
            location=location_from_json(data.get("location")),
        )


@dataclass(frozen=True)
class DatasetStats:
    """What a reviewer wants to know about the data (from the datasets report)."""

    examples: int
    total_tokens: int
    trained_tokens: int

    def billed_tokens(self, n_epochs: int) -> int:
        """Every token of every example, once per epoch (as reconciler.datasets estimates it)."""
        return self.total_tokens * n_epochs

    def to_json(self) -> dict[str, Any]:
        return {
            "examples": self.examples,
            "total_tokens": self.total_tokens,
            "trained_tokens": self.trained_tokens,
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> DatasetStats:
        return DatasetStats(
            int(data["examples"]), int(data["total_tokens"]), int(data["trained_tokens"])
        )


@dataclass(frozen=True)
class DesiredDataset:
    name: str  # "clippy-train", or "gozaru:train" for a split
    sha256: str
    bytes: int
    path: str  # as shown to people (relative to the working directory when below it)
    stats: DatasetStats | None = None
    location: Location | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "bytes": self.bytes,
            "path": self.path,
            "stats": self.stats.to_json() if self.stats else None,
            "location": location_to_json(self.location),
        }

    @staticmethod
    def from_json(name: str, data: Mapping[str, Any]) -> DesiredDataset:
        stats = data.get("stats")
        return DesiredDataset(
            name=name,
            sha256=str(data["sha256"]).lower(),
            bytes=int(data["bytes"]),
            path=str(data.get("path", "")),
            stats=DatasetStats.from_json(stats) if stats else None,
            location=location_from_json(data.get("location")),
        )


@dataclass(frozen=True)
class DesiredFile:
    """A dataset's content as it must be present in one account (for the jobs there)."""

    dataset: str
    account: str
    sha256: str
    bytes: int
    path: str
    filename: str

    @property
    def address(self) -> str:
        return file_address(self.dataset, self.account)


def file_address(dataset: str, account: str) -> str:
    return f"file.{dataset}@{account}"


@dataclass(frozen=True)
class DesiredJob:
    name: str
    account: str
    model: ModelSpec
    training_data: str
    validation_data: str | None = None
    method: str = "supervised"
    hyperparameters: Mapping[str, Hyperparameter] = field(default_factory=dict)
    seed: int | None = None
    suffix: str | None = None
    training_type: str = "standard"
    grader: Mapping[str, Any] | None = None  # reinforcement: the grader as the service takes it
    # where each field was written: "" for the entry, or "model", "training_data", ...
    locations: Mapping[str, Location] = field(default_factory=dict)

    @property
    def address(self) -> str:
        return f"job.{self.name}"

    def where(self, *fields: str) -> Location | None:
        """The first known location among `fields`, else the entry's."""
        for name in (*fields, ""):
            if name in self.locations:
                return self.locations[name]
        return None

    def written_hyperparameters(self) -> dict[str, int | float | str]:
        """Hyperparameters as written, `auto` included, unwritten ones left out."""
        return {k: v for k, v in sorted(self.hyperparameters.items()) if v is not None}

    def to_json(self) -> dict[str, Any]:
        data = {
            "account": self.account,
            "model": _model_to_json(self.model),
            "training_data": self.training_data,
            "validation_data": self.validation_data,
            "method": self.method,
            "hyperparameters": self.written_hyperparameters(),
            "seed": self.seed,
            "suffix": self.suffix,
            "training_type": self.training_type,
            "locations": _locations_to_json(self.locations),
        }
        if self.grader is not None:
            data["grader"] = dict(self.grader)
        return data

    @staticmethod
    def from_json(name: str, data: Mapping[str, Any]) -> DesiredJob:
        hyperparameters = dict(data.get("hyperparameters") or {})
        unknown = set(hyperparameters) - set(HYPERPARAMETER_NAMES)
        if unknown:
            raise ValueError(f"job {name}: unknown hyperparameters {sorted(unknown)}")
        return DesiredJob(
            name=name,
            account=str(data["account"]),
            model=_model_from_json(data["model"]),
            training_data=str(data["training_data"]),
            validation_data=data.get("validation_data"),
            method=str(data.get("method") or "supervised"),
            hyperparameters=hyperparameters,
            seed=data.get("seed"),
            suffix=data.get("suffix"),
            training_type=str(data.get("training_type") or "standard"),
            grader=dict(data["grader"]) if data.get("grader") is not None else None,
            locations=_locations_from_json(data.get("locations")),
        )


@dataclass(frozen=True)
class DesiredDeployment:
    key: str  # the spec's logical name: the address is deployment.KEY
    account: str
    azure_name: str
    model: ModelSpec
    sku_name: str
    capacity: int
    prevent_destroy: bool = False
    # SPEC §5.3; None: not declared, never compared
    rai_policy: str | None = None
    version_upgrade: str | None = None
    spillover_to: str | None = None  # an Azure deployment name in the same account
    # SPEC §5.8: metric -> {"min": N, "max": N} (either or both); None: no gate
    gate: Mapping[str, Mapping[str, float]] | None = None
    smoke_test: tuple[SmokePrompt, ...] = ()  # SPEC §5.8: run after apply changes it
    # "" for the entry, "name", "model", "sku", "sku.name", "sku.capacity", "prevent_destroy",
    # "rai_policy", "version_upgrade", "spillover_to"
    locations: Mapping[str, Location] = field(default_factory=dict)

    @property
    def address(self) -> str:
        return f"deployment.{self.key}"

    def where(self, *fields: str) -> Location | None:
        for name in (*fields, ""):
            if name in self.locations:
                return self.locations[name]
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "name": self.azure_name,
            "model": _model_to_json(self.model),
            "sku": {"name": self.sku_name, "capacity": self.capacity},
            "prevent_destroy": self.prevent_destroy,
            **settings_json(self.rai_policy, self.version_upgrade, self.spillover_to),
            **({} if self.gate is None else {"gate": {k: dict(v) for k, v in self.gate.items()}}),
            **({"smoke_test": [p.to_json() for p in self.smoke_test]} if self.smoke_test else {}),
            "locations": _locations_to_json(self.locations),
        }

    @staticmethod
    def from_json(key: str, data: Mapping[str, Any]) -> DesiredDeployment:
        sku = data["sku"]
        return DesiredDeployment(
            key=key,
            account=str(data["account"]),
            azure_name=str(data.get("name") or key),
            model=_model_from_json(data["model"]),
            sku_name=str(sku["name"]),
            capacity=int(sku["capacity"]),
            prevent_destroy=bool(data.get("prevent_destroy", False)),
            rai_policy=_opt_str(data.get("rai_policy")),
            version_upgrade=_opt_str(data.get("version_upgrade")),
            spillover_to=_opt_str(data.get("spillover_to")),
            gate=_gate_from_json(data.get("gate")),
            smoke_test=tuple(SmokePrompt.from_json(p) for p in data.get("smoke_test") or ()),
            locations=_locations_from_json(data.get("locations")),
        )


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _gate_from_json(data: Any) -> dict[str, dict[str, float]] | None:
    if not isinstance(data, Mapping):
        return None
    return {str(k): {str(b): float(n) for b, n in dict(v).items()} for k, v in data.items()}


@dataclass(frozen=True)
class Desired:
    stack: str
    accounts: Mapping[str, DesiredAccount]
    datasets: Mapping[str, DesiredDataset]
    jobs: Mapping[str, DesiredJob]
    deployments: Mapping[str, DesiredDeployment]
    # sha256 -> digests of the examples in that content, for "what changed" in reviews;
    # may hold contents no longer in the spec (earlier versions found in the local cache)
    example_digests: Mapping[str, DigestSet] = field(default_factory=dict)
    stack_location: Location | None = None
    fingerprints: Mapping[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._check_references()
        object.__setattr__(self, "fingerprints", self._compute_fingerprints())

    def _check_references(self) -> None:
        for job in self.jobs.values():
            if job.account not in self.accounts:
                raise ValueError(f"job {job.name}: unknown account {job.account!r}")
            for dataset in (job.training_data, job.validation_data):
                if dataset is not None and dataset not in self.datasets:
                    raise ValueError(f"job {job.name}: unknown dataset {dataset!r}")
            if isinstance(job.model, JobRef) and job.model.job not in self.jobs:
                raise ValueError(f"job {job.name}: unknown job {job.model.job!r}")
        for deployment in self.deployments.values():
            if deployment.account not in self.accounts:
                raise ValueError(
                    f"deployment {deployment.key}: unknown account {deployment.account!r}"
                )
            model = deployment.model
            if isinstance(model, JobRef) and model.job not in self.jobs:
                raise ValueError(f"deployment {deployment.key}: unknown job {model.job!r}")

    def _compute_fingerprints(self) -> dict[str, str]:
        done: dict[str, str] = {}

        def visit(name: str, path: tuple[str, ...]) -> str:
            if name in done:
                return done[name]
            if name in path:
                raise ValueError(f"continuous training cycle: {' -> '.join((*path, name))}")
            job = self.jobs[name]
            validation = self.datasets[job.validation_data].sha256 if job.validation_data else None
            parent = job.model if isinstance(job.model, JobRef) else None
            done[name] = job_fingerprint(
                base_model=None if parent else str(job.model),
                parent_fingerprint=visit(parent.job, (*path, name)) if parent else None,
                parent_checkpoint=parent.checkpoint if parent else None,
                training_sha256=self.datasets[job.training_data].sha256,
                validation_sha256=validation,
                method=job.method,
                hyperparameters=job.hyperparameters,
                seed=job.seed,
                suffix=job.suffix,
                training_type=job.training_type,
                grader=job.grader,
            )
            return done[name]

        for name in sorted(self.jobs):
            visit(name, ())
        return done

    def fingerprint(self, job: str) -> str:
        return self.fingerprints[job]

    def ancestors(self, job: str) -> tuple[str, ...]:
        """The jobs a job continues from: its parent, the parent's parent, … up to the root."""
        found: list[str] = []
        model = self.jobs[job].model
        while isinstance(model, JobRef):
            if model.job == job or model.job in found:  # unreachable: refused on construction
                raise ValueError(f"continuous training cycle at {model.job}")
            found.append(model.job)
            model = self.jobs[model.job].model
        return tuple(found)

    def base_model(self, job: str) -> str:
        """The base model at the root of a job's continuous-training chain."""
        root = self.jobs[(job, *self.ancestors(job))[-1]].model
        assert isinstance(root, str)  # the root of a chain starts from a base model
        return root

    def files(self) -> list[DesiredFile]:
        """One file per dataset content and account whose jobs use it, sorted by address."""
        wanted: set[tuple[str, str]] = set()
        for job in self.jobs.values():
            wanted.add((job.training_data, job.account))
            if job.validation_data:
                wanted.add((job.validation_data, job.account))
        files = []
        for dataset, account in wanted:
            data = self.datasets[dataset]
            files.append(
                DesiredFile(
                    dataset=dataset,
                    account=account,
                    sha256=data.sha256,
                    bytes=data.bytes,
                    path=data.path,
                    filename=upload_filename(dataset, data.sha256),
                )
            )
        return sorted(files, key=lambda f: f.address)

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "stack_location": location_to_json(self.stack_location),
            "accounts": {k: v.to_json() for k, v in sorted(self.accounts.items())},
            "datasets": {k: v.to_json() for k, v in sorted(self.datasets.items())},
            "jobs": {k: v.to_json() for k, v in sorted(self.jobs.items())},
            "deployments": {k: v.to_json() for k, v in sorted(self.deployments.items())},
            "example_digests": {
                sha: digests.to_json() for sha, digests in sorted(self.example_digests.items())
            },
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> Desired:
        return Desired(
            stack=str(data["stack"]),
            accounts={
                k: DesiredAccount.from_json(k, v) for k, v in (data.get("accounts") or {}).items()
            },
            datasets={
                k: DesiredDataset.from_json(k, v) for k, v in (data.get("datasets") or {}).items()
            },
            jobs={k: DesiredJob.from_json(k, v) for k, v in (data.get("jobs") or {}).items()},
            deployments={
                k: DesiredDeployment.from_json(k, v)
                for k, v in (data.get("deployments") or {}).items()
            },
            example_digests={
                str(sha).lower(): DigestSet.from_json(digests)
                for sha, digests in (data.get("example_digests") or {}).items()
            },
            stack_location=location_from_json(data.get("stack_location")),
        )
