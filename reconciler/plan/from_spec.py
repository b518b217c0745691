"""`desired_from_spec`: a validated spec and its dataset reports, as the planner's Desired.

Every location a plan error may point at is taken from the spec here, so the planner can say
`path:line:col` without knowing about YAML.
"""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.datasets import DatasetReport
from reconciler.datasets.digest_set import DigestSet
from reconciler.errors import Diagnostic, Location, SpecError, relpath
from reconciler.plan.desired import (
    HYPERPARAMETER_NAMES,
    DatasetStats,
    Desired,
    DesiredAccount,
    DesiredDataset,
    DesiredDeployment,
    DesiredJob,
    JobRef,
    ModelSpec,
)
from reconciler.plan.fingerprint import Hyperparameter
from reconciler.plan.smoke_test import smoke_prompts
from reconciler.spec import ModelRef, Spec
from reconciler.spec.graders import grader_json

_JOB_FIELDS = (
    "model",
    "training_data",
    "validation_data",
    "method",
    "hyperparameters",
    "training_type",
    "grader",
)
_DEPLOYMENT_FIELDS = (
    ("name",),
    ("model",),
    ("sku",),
    ("sku", "name"),
    ("sku", "capacity"),
    ("prevent_destroy",),
    ("rai_policy",),
    ("version_upgrade",),
    ("spillover_to",),
    ("smoke_test",),
)


def _model(model: str | ModelRef) -> ModelSpec:
    return JobRef(model.job, model.checkpoint) if isinstance(model, ModelRef) else model


def _dataset_name(report_key: str) -> str:
    """The spec entry a dataset report belongs to ("x" for "x:train")."""
    return report_key.split(":", 1)[0]


def desired_from_spec(
    spec: Spec,
    reports: Mapping[str, DatasetReport],
    *,
    history: Mapping[str, DigestSet | frozenset[bytes]] | None = None,
) -> Desired:
    """`reports` are keyed by dataset name, split parts included ("x:train", "x:validation").

    `history` adds example digests of earlier dataset contents (sha256 -> digests), e.g. from
    the local validation cache, so a review can count examples added and removed since the job
    that serves now.
    """
    missing = sorted(
        {
            reference
            for job in spec.jobs.values()
            for reference in (job.training_data, job.validation_data)
            if reference is not None and reference not in reports
        }
    )
    if missing:
        raise SpecError(
            Diagnostic.error(
                f"dataset {name} was not inspected", spec.location("datasets", _dataset_name(name))
            )
            for name in missing
        )
    accounts = {
        key: DesiredAccount(
            key=key,
            subscription_id=account.subscription_id,
            resource_group=account.resource_group,
            name=account.name,
            tenant_id=account.tenant_id,
            location=spec.key_location("accounts", key),
        )
        for key, account in spec.accounts.items()
    }
    datasets = {
        name: DesiredDataset(
            name=name,
            sha256=report.sha256,
            bytes=report.bytes,
            path=relpath(report.path),
            stats=DatasetStats(
                report.stats.examples, report.stats.total_tokens, report.stats.trained_tokens
            ),
            location=spec.key_location("datasets", _dataset_name(name)),
        )
        for name, report in reports.items()
    }
    jobs = {}
    for name, job in spec.jobs.items():
        locations: dict[str, Location] = {"": spec.key_location("jobs", name)}
        for field in _JOB_FIELDS:
            locations[field] = spec.location("jobs", name, field)
        written = job.hyperparameters.model_dump()
        hyperparameters: dict[str, Hyperparameter] = {
            key: written[key] for key in HYPERPARAMETER_NAMES if written.get(key) is not None
        }
        jobs[name] = DesiredJob(
            name=name,
            account=job.account,
            model=_model(job.model),
            training_data=job.training_data,
            validation_data=job.validation_data,
            method=job.method,
            hyperparameters=hyperparameters,
            seed=job.seed,
            suffix=job.suffix,
            training_type=job.training_type,
            grader=grader_json(job.grader) if job.grader is not None else None,
            locations=locations,
        )
    deployments = {}
    for key, deployment in spec.deployments.items():
        places: dict[str, Location] = {"": spec.key_location("deployments", key)}
        for path in _DEPLOYMENT_FIELDS:
            places[".".join(path)] = spec.location("deployments", key, *path)
        gate = deployment.gate.bounds() if deployment.gate is not None else None
        for metric in gate or ():
            places[f"gate.{metric}"] = spec.key_location("deployments", key, "gate", metric)
        if gate is not None:
            places["gate"] = spec.key_location("deployments", key, "gate")
        deployments[key] = DesiredDeployment(
            key=key,
            account=deployment.account,
            azure_name=deployment.name or key,
            model=_model(deployment.model),
            sku_name=deployment.sku.name,
            capacity=deployment.sku.capacity,
            prevent_destroy=deployment.prevent_destroy,
            rai_policy=deployment.rai_policy,
            version_upgrade=deployment.version_upgrade,
            spillover_to=deployment.spillover_to,
            gate=gate,
            smoke_test=smoke_prompts(deployment.smoke_test, spec.env_values),
            locations=places,
        )
    digests: dict[str, DigestSet] = {
        sha: found if isinstance(found, DigestSet) else DigestSet.of(found)
        for sha, found in (history or {}).items()
    }
    for report in reports.values():
        digests[report.sha256] = report.example_digests
    return Desired(
        stack=spec.stack,
        accounts=accounts,
        datasets=datasets,
        jobs=jobs,
        deployments=deployments,
        example_digests=digests,
        stack_location=spec.location("stack"),
    )
