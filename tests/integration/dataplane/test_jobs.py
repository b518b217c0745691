"""Fine-tuning jobs through the real openai clients: create, lifecycle over simulated time,
events, checkpoints, results.csv, cancel, pause / resume, list paging, refusals."""

from __future__ import annotations

import csv
import io
import itertools
import json
import time

import openai
import pytest
from openai.types.fine_tuning import FineTuningJob

from .dataplane_support import BASE, DataPlane, chat_lines, jsonl

METADATA = {
    "reconciler-stack": "demo",
    "reconciler-job": "pirate",
    "reconciler-fingerprint": "ab12",
}


def test_create_accepts_training_type_and_metadata(dp: DataPlane) -> None:
    training = dp.upload(jsonl(chat_lines(20)))
    job = dp.v1().fine_tuning.jobs.create(
        model=BASE,
        training_file=training.id,
        suffix="pirate",
        seed=42,
        metadata=METADATA,
        extra_body={"trainingType": "globalstandard"},
    )
    body = job.model_dump()
    assert job.status == "validating_files"
    assert job.metadata == METADATA
    # A v1 job reports the suffix as user_provided_suffix; trainingType is not reported.
    assert job.seed == 42 and body["user_provided_suffix"] == "pirate"
    assert "suffix" not in body and "trainingType" not in body
    # auto resolved to what the service chose: 20 examples -> 5 epochs, batch 1
    assert job.hyperparameters.n_epochs == 5
    assert job.hyperparameters.batch_size == 1
    assert job.hyperparameters.learning_rate_multiplier == 1.0
    assert job.method is not None and job.method.type == "supervised"
    # the v1 body validates strictly against the SDK's model
    with dp.raw() as raw:
        text = raw.get(f"/openai/v1/fine_tuning/jobs/{job.id}").text
    assert FineTuningJob.model_validate_json(text).id == job.id


def test_azure_create_answers_201_location_and_azure_status(dp: DataPlane) -> None:
    training = dp.upload(jsonl(chat_lines(20)))
    raw = dp.azure().fine_tuning.jobs.with_raw_response.create(
        model=BASE,
        training_file=training.id,
        suffix="azure",
        extra_body={"trainingType": "developerTier"},
    )
    assert raw.status_code == 201
    body = json.loads(raw.text)
    assert raw.headers["location"].endswith(f"/openai/fine_tuning/jobs/{body['id']}")
    assert body["status"] == "pending"
    assert body["suffix"] == "azure"
    assert body["method"] == {"type": "supervised"}  # as Azure's examples show it
    assert "metadata" not in body  # Azure's api-version job has no metadata
    assert "fine_tuned_model" not in body  # nulls omitted, as in Azure's examples
    v1 = dp.v1().fine_tuning.jobs.retrieve(body["id"])
    assert v1.metadata is None
    assert v1.model_dump()["user_provided_suffix"] == "azure"


def test_whole_lifecycle_under_a_second(dp: DataPlane) -> None:
    started = time.monotonic()
    client = dp.v1()
    training = dp.upload(jsonl(chat_lines(30)))
    validation = dp.upload(jsonl(chat_lines(10, topic="sea")), name="valid.jsonl")
    job = client.fine_tuning.jobs.create(
        model=BASE,
        training_file=training.id,
        validation_file=validation.id,
        suffix="lifecycle",
        method={"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 5}}},
    )
    seen = [job.status]
    for _ in range(4):
        dp.advance(45)
        seen.append(client.fine_tuning.jobs.retrieve(job.id).status)
    done = dp.finish(job.id)
    seen.append(done.status)
    elapsed = time.monotonic() - started
    assert elapsed < 1.0, f"lifecycle took {elapsed:.2f} s"
    order = ["validating_files", "queued", "running", "succeeded"]
    assert [s for i, s in enumerate(seen) if i == 0 or s != seen[i - 1]] == order
    assert done.fine_tuned_model is not None
    assert done.fine_tuned_model.startswith(f"{BASE}.ft-")
    assert done.fine_tuned_model.endswith("-lifecycle")
    assert len(done.fine_tuned_model.split(".ft-")[1].split("-")[0]) == 32
    assert done.trained_tokens is not None and done.trained_tokens > 0
    assert done.finished_at is not None and done.estimated_finish is None
    assert len(done.result_files) == 1

    checkpoints = client.fine_tuning.jobs.checkpoints.list(job.id).data
    steps = [c.step_number for c in checkpoints]
    assert steps == [90, 120, 150]  # 30 steps per epoch, 5 epochs, last three kept
    for ckpt in checkpoints:
        assert ckpt.id.startswith("ftchkpt-")
        assert (
            ckpt.fine_tuned_model_checkpoint
            == f"{done.fine_tuned_model}:ckpt-step-{ckpt.step_number}"
        )
        metrics = ckpt.metrics.model_dump()
        assert all(metrics[k] is not None for k in metrics)  # validation file: all seven
    losses = [c.metrics.train_loss or 0 for c in checkpoints]
    assert losses == sorted(losses, reverse=True)

    results = client.files.content(done.result_files[0]).text
    rows = list(csv.DictReader(io.StringIO(results)))
    assert list(rows[0]) == [
        "step",
        "train_loss",
        "train_mean_token_accuracy",
        "valid_loss",
        "validation_mean_token_accuracy",
        "full_valid_loss",
        "full_valid_mean_token_accuracy",
    ]
    assert [int(r["step"]) for r in rows] == list(range(1, 151))
    train_loss = [float(r["train_loss"]) for r in rows]
    assert all(a > b for a, b in itertools.pairwise(train_loss))
    assert {int(r["step"]) for r in rows if r["full_valid_loss"]} == {30, 60, 90, 120, 150}
    result_file = client.files.retrieve(done.result_files[0])
    assert (result_file.purpose, result_file.filename) == ("fine-tune-results", "results.csv")


def test_events_page_with_after_and_limit(dp: DataPlane) -> None:
    job = dp.train()
    client = dp.azure()
    everything = client.fine_tuning.jobs.list_events(job.id, limit=1000)
    messages = [e.message for e in everything.data]
    assert messages[0] == f"Created fine-tuning job: {job.id}"
    assert messages[-1] == "Job succeeded."
    assert "Job started." in messages
    assert any(e.type == "metrics" for e in everything.data)
    stamps = [e.created_at for e in everything.data]
    assert stamps == sorted(stamps)
    first = client.fine_tuning.jobs.list_events(job.id, limit=3)
    assert first.has_more is True
    assert [e.id for e in first.data] == [e.id for e in everything.data[:3]]
    rest = client.fine_tuning.jobs.list_events(job.id, after=first.data[-1].id, limit=1000)
    assert [e.id for e in rest.data] == [e.id for e in everything.data[3:]]
    assert rest.has_more is False


def test_cancel_running_job(dp: DataPlane) -> None:
    job = dp.train(finish=False)
    client = dp.v1()
    dp.advance(95)  # validated at +30, started at +90
    assert client.fine_tuning.jobs.retrieve(job.id).status == "running"
    cancelled = client.fine_tuning.jobs.cancel(job.id)
    assert cancelled.status == "cancelled"
    dp.advance(100_000)
    later = client.fine_tuning.jobs.retrieve(job.id)
    assert later.status == "cancelled" and later.fine_tuned_model is None
    with pytest.raises(openai.BadRequestError) as error:
        client.fine_tuning.jobs.cancel(job.id)
    assert "already cancelled" in error.value.message


def test_pause_and_resume_rules(dp: DataPlane) -> None:
    lines = chat_lines(200)  # long enough to catch it running
    job = dp.train(lines=lines, finish=False)
    client = dp.azure()
    with pytest.raises(openai.BadRequestError) as error:
        client.fine_tuning.jobs.pause(job.id)  # still validating files
    assert error.value.body["code"] == "unexpectedEntityState"  # type: ignore[index]
    dp.advance(90)  # exactly when training starts: no step trained yet
    with pytest.raises(openai.BadRequestError) as error:
        client.fine_tuning.jobs.pause(job.id)
    assert "at least one step" in error.value.message
    dp.advance(5)
    before = dp.v1().fine_tuning.jobs.retrieve(job.id)
    assert before.status == "running" and before.estimated_finish is not None
    paused = client.fine_tuning.jobs.pause(job.id)
    assert paused.model_dump()["status"] == "paused"  # Azure's status, beyond OpenAI's enum
    with pytest.raises(openai.BadRequestError):
        client.fine_tuning.jobs.pause(job.id)
    dp.advance(1000)
    assert dp.v1().fine_tuning.jobs.retrieve(job.id).model_dump()["status"] == "paused"
    # a pause leaves a deployable checkpoint at the step reached
    assert len(client.fine_tuning.jobs.checkpoints.list(job.id).data) == 1
    resumed = client.fine_tuning.jobs.resume(job.id)
    assert resumed.status == "running"
    after = dp.v1().fine_tuning.jobs.retrieve(job.id)
    assert after.estimated_finish is not None
    assert after.estimated_finish - before.estimated_finish == pytest.approx(1000, abs=2)
    with pytest.raises(openai.BadRequestError):
        client.fine_tuning.jobs.resume(job.id)
    assert dp.finish(job.id).status == "succeeded"


def test_list_pages_newest_first(dp: DataPlane) -> None:
    client = dp.v1("aoai-ncus")
    ids = [dp.train(account="aoai-ncus", finish=False).id for _ in range(3)]
    first = client.fine_tuning.jobs.list(limit=2)
    assert [j.id for j in first.data] == [ids[2], ids[1]]
    assert first.has_more is True
    second = client.fine_tuning.jobs.list(limit=2, after=ids[1])
    assert [j.id for j in second.data][:1] == [ids[0]]
    every = [j.id for j in client.fine_tuning.jobs.list(limit=100).data]
    assert every[:3] == ids[::-1]


def test_list_filters_by_metadata(dp: DataPlane) -> None:
    tagged = dp.train(finish=False, metadata={"reconciler-fingerprint": "feed"})
    dp.train(finish=False, metadata={"reconciler-fingerprint": "beef"})
    found = dp.v1().fine_tuning.jobs.list(metadata={"reconciler-fingerprint": "feed"})
    assert [j.id for j in found.data] == [tagged.id]


def test_continue_training_from_a_fine_tuned_model(dp: DataPlane) -> None:
    first = dp.train()
    assert first.fine_tuned_model is not None
    second = dp.train(model=first.fine_tuned_model)
    assert second.status == "succeeded"
    assert second.model == first.fine_tuned_model
    assert second.fine_tuned_model is not None and second.fine_tuned_model.startswith(f"{BASE}.ft-")


def test_delete_finished_job(dp: DataPlane) -> None:
    job = dp.train()
    client = dp.azure()
    with dp.raw() as raw:
        running = dp.train(finish=False)
        refused = raw.delete(
            f"/openai/fine_tuning/jobs/{running.id}", params={"api-version": "2025-04-01-preview"}
        )
        assert refused.status_code == 400
        response = raw.delete(
            f"/openai/fine_tuning/jobs/{job.id}", params={"api-version": "2025-04-01-preview"}
        )
    assert response.status_code == 204
    with pytest.raises(openai.NotFoundError):
        client.fine_tuning.jobs.retrieve(job.id)


REFUSALS: dict[str, tuple[dict[str, object], str, str]] = {
    "unknown file": ({"training_file": "file-nope"}, "training_file", "invalidPayload"),
    "model not offered": ({"model": "gpt-5-unknown"}, "model", "invalidPayload"),
    "method not offered": (
        {"model": "gpt-35-turbo-0125", "method": {"type": "dpo"}},
        "training_file",  # a chat file cannot train dpo: the file is checked first
        "invalidPayload",
    ),
    "training type not offered": (
        {"model": "gpt-35-turbo-0125", "trainingType": "globalstandard"},
        "model",
        "invalidPayload",
    ),
    "bad suffix": ({"suffix": "not ok!"}, "suffix", "invalidPayload"),
    "bad seed": ({"seed": -1}, "seed", "invalidPayload"),
    "bad epochs": (
        {"hyperparameters": {"n_epochs": 0}},
        "hyperparameters.n_epochs",
        "invalidPayload",
    ),
    "bad training type": ({"trainingType": "premium"}, "trainingType", "invalidPayload"),
    "too much metadata": (
        {"metadata": {str(i): "x" for i in range(17)}},
        "metadata",
        "invalidPayload",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_create_refusals(dp: DataPlane, case: str) -> None:
    overrides, param, code = REFUSALS[case]
    training = dp.upload(jsonl(chat_lines(10)))
    body: dict[str, object] = {"model": BASE, "training_file": training.id, **overrides}
    with dp.raw() as raw:
        azure = raw.post(
            "/openai/fine_tuning/jobs", params={"api-version": "2025-04-01-preview"}, json=body
        )
        v1 = raw.post("/openai/v1/fine_tuning/jobs", json=body)
    assert azure.status_code == 400, azure.text
    assert azure.json()["error"]["code"] == code
    assert azure.json()["error"]["target"] == param
    assert v1.status_code == 400
    assert v1.json()["error"]["param"] == param
    assert v1.json()["error"]["type"] == "invalid_request_error"


def test_create_refuses_pending_and_failed_files(dp: DataPlane) -> None:
    broken = dp.upload(b"nope\n")
    pending = dp.upload(jsonl(chat_lines(10)), process=False)
    client = dp.azure()
    with pytest.raises(openai.BadRequestError) as error:
        client.fine_tuning.jobs.create(model=BASE, training_file=pending.id)
    assert "not been processed" in error.value.message
    with pytest.raises(openai.BadRequestError) as error:
        client.fine_tuning.jobs.create(model=BASE, training_file=broken.id)
    assert error.value.body["code"] == "jsonlValidationFailed"  # type: ignore[index]


def test_files_of_another_account_are_not_usable(dp: DataPlane) -> None:
    training = dp.upload(jsonl(chat_lines(10)), account="aoai-ncus")
    with pytest.raises(openai.BadRequestError) as error:
        dp.v1("aoai-swc").fine_tuning.jobs.create(model=BASE, training_file=training.id)
    assert "was not found" in error.value.message


def test_dpo_job_on_preference_data(dp: DataPlane) -> None:
    lines = [
        json.dumps(
            {
                "input": {"messages": [{"role": "user", "content": f"q{i}"}]},
                "preferred_output": [{"role": "assistant", "content": f"good {i}"}],
                "non_preferred_output": [{"role": "assistant", "content": f"bad {i}"}],
            }
        )
        for i in range(12)
    ]
    job = dp.train(lines=lines, method={"type": "dpo", "dpo": {"hyperparameters": {"beta": 0.2}}})
    assert job.status == "succeeded"
    assert job.method is not None and job.method.dpo is not None
    assert job.method.dpo.hyperparameters is not None
    assert job.method.dpo.hyperparameters.beta == 0.2


def test_example_over_the_models_token_limit_fails_validation(dp: DataPlane) -> None:
    # gpt-35-turbo-0613 takes 4,096 tokens per example (catalog); ~5,000 estimated here
    long_reply = json.dumps(
        {
            "messages": [
                {"role": "user", "content": "long"},
                {"role": "assistant", "content": "word " * 4_000},
            ]
        }
    )
    job = dp.train(lines=[*chat_lines(10), long_reply], model="gpt-35-turbo-0613", finish=False)
    dp.advance(31)
    failed = dp.v1().fine_tuning.jobs.retrieve(job.id)
    assert failed.status == "failed"
    assert failed.error is not None and failed.error.param == "training_file"
    assert "at most 4096 tokens per example" in failed.error.message
    assert dp.train(lines=[*chat_lines(10), long_reply]).status == "succeeded"  # 65,536 for BASE
