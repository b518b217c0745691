"""Small builders of Desired / Observed for the planner's unit tests (plain data, no I/O)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from reconciler.datasets.digest_set import DigestSet
from reconciler.errors import Location
from reconciler.plan import (
    DatasetStats,
    Desired,
    DesiredAccount,
    DesiredDataset,
    DesiredDeployment,
    DesiredJob,
    JobRef,
    JobStatus,
    Observed,
    ObservedAccount,
    ObservedDeployment,
    ObservedFile,
    ObservedJob,
    OfferedModel,
    OfferedSku,
    Usage,
)

SUB = "00000000-0000-0000-0000-000000000001"
BASE = "gpt-4.1-mini-2025-04-14"
FT = f"{BASE}.ft-0123456789abcdef0123456789abcdef-clippy"
TRAIN = hashlib.sha256(b"train").hexdigest()
VALID = hashlib.sha256(b"valid").hexdigest()
STACK_TAGS = {"managed-by": "reconciler", "reconciler-stack": "clippy"}


def arm_id(name: str, sub: str = SUB) -> str:
    return (
        f"/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.CognitiveServices"
        f"/accounts/{name}"
    )


def loc(line: int, col: int = 3) -> Location:
    return Location("specs/clippy.yaml", line, col)


def desired(
    *,
    jobs: Mapping[str, DesiredJob] | None = None,
    deployments: Mapping[str, DesiredDeployment] | None = None,
    datasets: Mapping[str, DesiredDataset] | None = None,
    accounts: Mapping[str, DesiredAccount] | None = None,
    example_digests: Mapping[str, DigestSet] | None = None,
) -> Desired:
    return Desired(
        stack="clippy",
        accounts=accounts
        or {
            "swc": DesiredAccount("swc", SUB, "rg", "aoai-swc"),
            "ncus": DesiredAccount("ncus", SUB, "rg", "aoai-ncus"),
        },
        datasets=datasets
        or {
            "train": DesiredDataset(
                "train", TRAIN, 1000, "data/train.jsonl", DatasetStats(50, 5000, 2000)
            ),
            "valid": DesiredDataset("valid", VALID, 200, "data/valid.jsonl"),
        },
        jobs={"clippy": job()} if jobs is None else jobs,
        deployments={"clippy-swc": deployment()} if deployments is None else deployments,
        example_digests=example_digests or {},
        stack_location=loc(1, 1),
    )


def job(name: str = "clippy", **fields: Any) -> DesiredJob:
    values: dict[str, Any] = {
        "account": "swc",
        "model": BASE,
        "training_data": "train",
        "validation_data": "valid",
        "hyperparameters": {"n_epochs": 3, "batch_size": "auto"},
        "seed": 7,
        "suffix": "clippy",
        "locations": {"": loc(10), "model": loc(12, 12)},
    }
    values.update(fields)
    return DesiredJob(name=name, **values)


def deployment(key: str = "clippy-swc", **fields: Any) -> DesiredDeployment:
    values: dict[str, Any] = {
        "account": "swc",
        "azure_name": key,
        "model": JobRef("clippy"),
        "sku_name": "Standard",
        "capacity": 1,
        "locations": {"": loc(30), "model": loc(32, 12), "sku.capacity": loc(33, 30)},
    }
    values.update(fields)
    return DesiredDeployment(key=key, **values)


def processed_file(file_id: str, dataset: str, sha: str, size: int, **fields: Any) -> ObservedFile:
    return ObservedFile(file_id, f"{dataset}.{sha}.jsonl", size, **fields)


def observed_job(job_id: str, status: JobStatus, **fields: Any) -> ObservedJob:
    values: dict[str, Any] = {
        "model": BASE,
        "training_file": "file-t",
        "validation_file": "file-v",
        "hyperparameters": {"n_epochs": 3, "batch_size": 4, "learning_rate_multiplier": 1.0},
        "method": "supervised",
        "seed": 7,
        "suffix": "clippy",
        "training_type": "standard",
    }
    values.update(fields)
    return ObservedJob(job_id, status, **values)


def tagged(name: str, **fields: Any) -> ObservedDeployment:
    values: dict[str, Any] = {
        "sku_name": "Standard",
        "capacity": 1,
        "model_name": FT,
        "model_version": "1",
        "tags": dict(STACK_TAGS),
    }
    values.update(fields)
    return ObservedDeployment(name, **values)


def catalog(limit: float = 100, current: float = 0) -> dict[str, Any]:
    ft_standard = OfferedSku(1, 50, 1, 10, "OpenAI.Standard.gpt-4.1-mini-finetune")
    return {
        "catalog": (
            OfferedModel(
                "gpt-4.1-mini",
                "2025-04-14",
                skus={"Standard": OfferedSku(1, 1000, 1, 100, "OpenAI.Standard.gpt-4.1-mini")},
                fine_tunable=True,
                finetune_skus={"Standard": ft_standard},
            ),
        ),
        "usages": {"OpenAI.Standard.gpt-4.1-mini-finetune": Usage(current, limit)},
    }


def account(key: str, name: str, region: str, **fields: Any) -> ObservedAccount:
    return ObservedAccount(key, arm_id(name), name, region, **fields)


def observed(
    swc: Mapping[str, Any] | None = None, ncus: Mapping[str, Any] | None = None
) -> Observed:
    return Observed(
        {
            "swc": account("swc", "aoai-swc", "swedencentral", **(swc or {})),
            "ncus": account("ncus", "aoai-ncus", "northcentralus", **(ncus or {})),
        }
    )


def trained(fingerprint: str, **fields: Any) -> dict[str, Any]:
    """An swc account holding the files and a succeeded job with this fingerprint."""
    return {
        "files": (
            processed_file("file-t", "train", TRAIN, 1000),
            processed_file("file-v", "valid", VALID, 200),
        ),
        "jobs": (
            observed_job(
                "ftjob-1",
                JobStatus.SUCCEEDED,
                fine_tuned_model=FT,
                metadata={"reconciler-fingerprint": fingerprint, "reconciler-job": "clippy"},
            ),
        ),
        **fields,
    }
