"""The pure decisions inside apply's steps: which existing file or job to reuse, the job create
request, what differs in a deployment and whether only a replace can fix it, job progress."""

from __future__ import annotations

from typing import Any

from reconciler.apply.steps_deployments import Wanted, differences, replace_reason
from reconciler.apply.steps_files import pick_file
from reconciler.apply.steps_jobs import describe_progress, job_body, matching_jobs, pick_job
from reconciler.azure.job_request import JobRequest
from reconciler.plan.observed import ObservedDeployment


def _file(file_id: str, status: str, created_at: int) -> dict[str, Any]:
    return {"id": file_id, "status": status, "created_at": created_at}


def test_a_processed_file_is_reused_before_a_pending_one() -> None:
    files = [_file("file-new", "pending", 20), _file("file-old", "processed", 10)]
    assert pick_file(files) == files[1]


def test_rejected_and_deleted_files_are_never_reused() -> None:
    assert pick_file([_file("file-a", "error", 1), _file("file-b", "deleted", 2)]) is None
    uploaded = _file("file-c", "uploaded", 0)
    assert pick_file([_file("file-a", "error", 1), uploaded]) == uploaded


def test_excluded_files_are_not_reused() -> None:
    files = [_file("file-a", "processed", 1), _file("file-b", "pending", 2)]
    assert pick_file(files, frozenset({"file-a"})) == files[1]
    assert pick_file(files, frozenset({"file-a", "file-b"})) is None


def test_a_succeeded_job_is_reused_before_a_running_one_and_failed_ones_never() -> None:
    jobs = [
        {"id": "ftjob-1", "status": "failed", "created_at": 30},
        {"id": "ftjob-2", "status": "running", "created_at": 20},
        {"id": "ftjob-3", "status": "succeeded", "created_at": 10},
    ]
    assert pick_job(jobs) == jobs[2]
    assert pick_job(jobs[:2]) == jobs[1]
    assert pick_job(jobs[:1]) is None
    assert pick_job([{"id": "ftjob-4", "status": "cancelled"}]) is None


AFTER = {
    "method": "dpo",
    "hyperparameters": {"beta": 0.2, "batch_size": "auto", "n_epochs": 2},
    "seed": 105,
    "suffix": "clippy",
    "training_type": "developer",
    "metadata": {"reconciler-fingerprint": "abc", "reconciler-job": "clippy"},
}


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
    after = {**AFTER, "seed": None, "suffix": None, "training_type": "standard"}
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


def _made_from(request: JobRequest, **changes: Any) -> dict[str, Any]:
    """A job as the v1 list shows it after ``request`` was created: without metadata."""
    body = request.body
    kind = body["method"]["type"]
    job = {
        "id": "ftjob-9",
        "status": "running",
        "model": body["model"],
        "training_file": body["training_file"],
        "validation_file": body.get("validation_file"),
        "seed": body.get("seed"),
        "user_provided_suffix": body.get("suffix"),
        "trainingType": body["trainingType"],
        "method": {
            "type": kind,
            kind: {"hyperparameters": {"beta": 0.2, "batch_size": 3, "n_epochs": 2}},
        },
    }
    job.update(changes)
    return job


def test_jobs_are_found_by_fingerprint_or_by_their_fields_when_metadata_was_dropped() -> None:
    body = job_body(AFTER, "gpt-4.1-mini-2025-04-14", "file-t", "file-v")
    tagged = {"id": "ftjob-1", "status": "running", "metadata": {"reconciler-fingerprint": "abc"}}
    other = {"id": "ftjob-2", "status": "running", "metadata": {"reconciler-fingerprint": "xyz"}}
    untagged = _made_from(body)
    found = matching_jobs([tagged, other, untagged], "abc", body)
    assert [j["id"] for j in found] == ["ftjob-1", "ftjob-9"]


def test_a_job_with_other_fields_is_another_job() -> None:
    body = job_body(AFTER, "gpt-4.1-mini-2025-04-14", "file-t", "file-v")
    for change in (
        {"training_file": "file-x"},
        {"seed": 1},
        {"user_provided_suffix": "other"},
        {"trainingType": "globalstandard"},
        {"method": {"type": "dpo", "dpo": {"hyperparameters": {"n_epochs": 5}}}},
        {"model": "gpt-4.1-2025-04-14"},
    ):
        assert matching_jobs([_made_from(body, **change)], "abc", body) == [], change


WANTED = Wanted(
    account="swc",
    name="chat",
    model={"format": "OpenAI", "name": "gpt-4.1-mini-2025-04-14.ft-abc", "version": "1"},
    sku_name="Standard",
    capacity=2,
    prevent_destroy=False,
)
OURS = {"managed-by": "reconciler", "reconciler-stack": "clippy", "owner": "team-x"}


def _deployed(**fields: Any) -> ObservedDeployment:
    values: dict[str, Any] = {
        "name": "chat",
        "sku_name": "standard",
        "capacity": 2,
        "model_name": "gpt-4.1-mini-2025-04-14.ft-abc",
        "model_version": "1",
        "tags": OURS,
    }
    values.update(fields)
    return ObservedDeployment(**values)


def test_a_deployment_as_wanted_has_no_differences_whatever_else_it_carries() -> None:
    assert differences(WANTED, _deployed(extra={"raiPolicyName": "custom"}), "clippy") == []


def test_capacity_and_tags_differ_in_place() -> None:
    current = _deployed(capacity=1, tags={"reconciler-stack": "clippy"})
    assert differences(WANTED, current, "clippy") == ["capacity 1 → 2", "stack tags"]
    assert replace_reason(WANTED, current) is None


def test_a_failed_provisioning_is_put_again() -> None:
    current = _deployed(provisioning_state="Failed")
    assert differences(WANTED, current, "clippy") == ["provisioning failed"]


def test_another_model_or_sku_name_can_only_be_replaced() -> None:
    other_model = _deployed(model_name="gpt-4.1-mini-2025-04-14.ft-old")
    # what Azure has → what the spec wants, as the plan writes it: "replaced X: <this>" reads
    # the right way round
    assert replace_reason(WANTED, other_model) == (
        "model gpt-4.1-mini-2025-04-14.ft-old → gpt-4.1-mini-2025-04-14.ft-abc"
    )
    other_sku = _deployed(sku_name="GlobalStandard")
    assert replace_reason(WANTED, other_sku) == "sku GlobalStandard → Standard"


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
