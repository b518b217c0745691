"""Content screening: training data carrying the documented marker tokens fails the job with the
service's message naming the harm types."""

from __future__ import annotations

import json

from .dataplane_support import DataPlane, chat_lines, jsonl


def harmful(marker: str) -> str:
    return json.dumps(
        {
            "messages": [
                {"role": "user", "content": "hello"},
                {"role": "assistant", "content": f"text with {marker} inside"},
            ]
        }
    )


def test_marked_training_data_fails_the_job_naming_the_categories(dp: DataPlane) -> None:
    lines = [
        *chat_lines(10),
        harmful("RECONCILER_HARMFUL_TEST_VIOLENCE"),
        harmful("RECONCILER_HARMFUL_TEST_HATE_FAIRNESS"),
    ]
    training = dp.upload(jsonl(lines))
    assert training.status == "processed"  # screening happens in the job, not at upload
    job = dp.train(lines=lines, finish=False)
    assert job.status == "validating_files"
    dp.advance(31)
    failed = dp.v1().fine_tuning.jobs.retrieve(job.id)
    assert failed.status == "failed"
    assert failed.error is not None
    assert failed.error.message == (
        "The provided training data failed RAI checks for harm types: "
        "[hate_fairness, violence]. Please fix the data and try again."
    )
    assert failed.error.param == "training_file"
    assert failed.fine_tuned_model is None and failed.result_files == []
    events = dp.azure().fine_tuning.jobs.list_events(job.id).data
    assert events[-1].level == "error"
    assert "hate_fairness, violence" in events[-1].message
    azure = dp.azure().fine_tuning.jobs.retrieve(job.id)
    assert azure.status == "failed"


def test_clean_data_is_not_flagged(dp: DataPlane) -> None:
    lines = [*chat_lines(10), harmful("RECONCILER_HARMFUL_TEST_UNKNOWN_CATEGORY")]
    assert dp.train(lines=lines).status == "succeeded"
