"""Observed state: status normalisation, JSON round trip, the digest of saved plans."""

from __future__ import annotations

import dataclasses

import pytest

from reconciler.plan import JobProgress, JobStatus, Observed, normalize_job_status
from reconciler.plan.observed import FileState, file_state

from .plan_builders import observed, observed_job, processed_file


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("validating_files", JobStatus.VALIDATING_FILES),
        ("created", JobStatus.VALIDATING_FILES),
        ("pending", JobStatus.QUEUED),
        ("queued", JobStatus.QUEUED),
        ("running", JobStatus.RUNNING),
        ("resuming", JobStatus.RUNNING),
        ("pausing", JobStatus.PAUSED),
        ("paused", JobStatus.PAUSED),
        ("succeeded", JobStatus.SUCCEEDED),
        ("failed", JobStatus.FAILED),
        ("cancelled", JobStatus.CANCELLED),
        ("Canceled", JobStatus.CANCELLED),
    ],
)
def test_job_statuses_of_both_apis(raw: str, status: JobStatus) -> None:
    assert normalize_job_status(raw) is status


def test_unknown_status_is_an_error() -> None:
    with pytest.raises(ValueError):
        normalize_job_status("exploded")


def test_file_states() -> None:
    assert file_state("processed") is FileState.READY
    assert file_state("pending") is FileState.PENDING
    assert file_state("uploaded") is FileState.PENDING
    assert file_state("running") is FileState.PENDING
    assert file_state("error") is FileState.ERROR
    assert file_state("deleted") is FileState.GONE


def _with_job(**fields: object) -> Observed:
    job = observed_job("ftjob-1", JobStatus.RUNNING, **fields)
    return observed(swc={"jobs": (job,), "files": (processed_file("file-t", "t", "a" * 64, 5),)})


def test_round_trip() -> None:
    state = _with_job(progress=JobProgress(step=3, n_epochs=2, epoch=1, train_loss=0.5))
    assert Observed.from_json(state.to_json()) == state


def test_digest_ignores_progress_but_not_status() -> None:
    base = _with_job(progress=JobProgress(step=3))
    moved = _with_job(progress=JobProgress(step=30), estimated_finish=123)
    assert moved.digest() == base.digest()
    account = base.accounts["swc"]
    finished = dataclasses.replace(
        account, jobs=(dataclasses.replace(account.jobs[0], status=JobStatus.SUCCEEDED),)
    )
    changed = Observed({**base.accounts, "swc": finished})
    assert changed.digest() != base.digest()


def test_subscription_of_an_account() -> None:
    assert observed().accounts["swc"].subscription_id == "00000000-0000-0000-0000-000000000001"
