"""The pure parts of apply's steps: the job create request and job progress. Which existing
file, job or deployment to reuse, update or replace is the kinds' decision (tests/unit/kinds)."""

from __future__ import annotations

import dataclasses

from reconciler.apply.steps_jobs import describe_progress, job_body
from reconciler.kinds.job import DataRef, JobAfter

AFTER = JobAfter(
    account="swc",
    account_name="aoai-swc",
    name="clippy",
    fingerprint="abc",
    model="gpt-4.1-mini-2025-04-14",
    training_data=DataRef("train", "ab" * 32, "file-t"),
    validation_data=DataRef("valid", "cd" * 32, "file-v"),
    method="dpo",
    hyperparameters={"beta": 0.2, "batch_size": "auto", "n_epochs": 2},
    seed=105,
    suffix="clippy",
    training_type="developer",
    metadata={"reconciler-fingerprint": "abc", "reconciler-job": "clippy"},
)


def test_a_job_needing_an_azure_only_field_goes_to_the_surface_that_documents_it() -> None:
    request = job_body(AFTER, "gpt-4.1-mini-2025-04-14", "file-t", "file-v")
    assert request.api_version == "2025-04-01-preview"
    assert request.body == {
        "model": "gpt-4.1-mini-2025-04-14",
        "training_file": "file-t",
        "validation_file": "file-v",
        "suffix": "clippy",
        "seed": 105,
        "trainingType": "developerTier",
        "method": {"type": "dpo", "dpo": {"hyperparameters": {"beta": 0.2, "n_epochs": 2}}},
    }


def test_a_standard_job_goes_to_v1_with_its_metadata_and_auto_kept() -> None:
    after = dataclasses.replace(AFTER, seed=None, suffix=None, training_type="standard")
    request = job_body(after, "m", "file-t", None)
    assert request.api_version is None
    assert request.body == {
        "model": "m",
        "training_file": "file-t",
        "method": {
            "type": "dpo",
            "dpo": {"hyperparameters": {"beta": 0.2, "batch_size": "auto", "n_epochs": 2}},
        },
        "metadata": {"reconciler-fingerprint": "abc", "reconciler-job": "clippy"},
    }


def test_progress_names_the_epoch_step_and_latest_train_loss() -> None:
    job = {"id": "ftjob-1", "status": "running", "hyperparameters": {"n_epochs": 3}}
    events = [
        {
            "type": "metrics",
            "created_at": 10,
            "data": {"step": 4, "total_steps": 12, "train_loss": 1.5},
        },
        {
            "type": "metrics",
            "created_at": 20,
            "data": {"step": 7, "total_steps": 12, "train_loss": 0.75},
        },
        {"type": "message", "created_at": 30, "message": "Step 7/12"},
    ]
    text, fraction = describe_progress(job, events)
    assert text == "running: epoch 2/3, step 7/12, train loss 0.75"
    assert fraction == 7 / 12


def test_progress_without_metrics_is_the_status() -> None:
    assert describe_progress({"id": "ftjob-1", "status": "queued"}, []) == ("queued", None)
