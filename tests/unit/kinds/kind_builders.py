"""Small builders of desired and observed objects for the kinds' tests (plain data)."""

from __future__ import annotations

import hashlib
from typing import Any

from reconciler.plan.desired import DesiredJob
from reconciler.plan.observed import JobStatus, ObservedJob

BASE = "gpt-4.1-mini-2025-04-14"
FT = f"{BASE}.ft-0123456789abcdef0123456789abcdef-clippy"
TRAIN = hashlib.sha256(b"train").hexdigest()
VALID = hashlib.sha256(b"valid").hexdigest()


def job(name: str = "clippy", **fields: Any) -> DesiredJob:
    values: dict[str, Any] = {
        "account": "swc",
        "model": BASE,
        "training_data": "train",
        "validation_data": "valid",
        "hyperparameters": {"n_epochs": 3, "batch_size": "auto"},
        "seed": 7,
        "suffix": "clippy",
    }
    values.update(fields)
    return DesiredJob(name=name, **values)


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
