"""The emulator's reinforcement fine-tuning, through the real openai SDK on v1: the grader is
checked strictly, a validation file is required, data that lacks what the grader reads fails the
job at validation (naming the lines), and a trained job reports reward metrics."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest

from .dataplane_support import DataPlane, jsonl

O4_MINI = "o4-mini-2025-04-16"
GRADER: dict[str, Any] = {
    "type": "string_check",
    "name": "exact",
    "input": "{{sample.output_text}}",
    "reference": "{{item.answer}}",
    "operation": "eq",
}


def prompts(count: int, *, missing: tuple[int, ...] = ()) -> list[str]:
    lines = []
    for i in range(count):
        line: dict[str, Any] = {
            "messages": [{"role": "user", "content": f"What is {i} + {i}?"}],
            "answer": str(2 * i),
        }
        if i in missing:
            del line["answer"]
        lines.append(json.dumps(line))
    return lines


def _create(
    dp: DataPlane, grader: Any, *, validation: bool = True, train: list[str] | None = None
) -> Any:
    training = dp.upload(jsonl(train or prompts(12)))
    valid = dp.upload(jsonl(prompts(10)), name="valid.jsonl") if validation else None
    return dp.v1().fine_tuning.jobs.create(
        model=O4_MINI,
        training_file=training.id,
        validation_file=valid.id if valid else openai.NOT_GIVEN,
        method={
            "type": "reinforcement",
            "reinforcement": {"grader": grader, "hyperparameters": {"n_epochs": 2}},
        },
    )


@pytest.mark.parametrize(
    ("grader", "said"),
    [
        ({k: v for k, v in GRADER.items() if k != "operation"}, "'operation' is required"),
        ({**GRADER, "operation": "equals"}, "'operation' must be one of eq, ne, like, ilike"),
        ({**GRADER, "pass_threshold": 1}, "Unrecognized request argument supplied"),
        ({**GRADER, "reference": "{{items.answer}}"}, "namespace 'items' is unknown"),
        (
            {
                "type": "multi",
                "name": "m",
                "calculate_output": "a",
                "graders": {"a": {"type": "multi"}},
            },
            "graders.a: type must be one of",
        ),
    ],
    ids=["required", "enum", "unknown", "namespace", "nested-multi"],
)
def test_a_wrong_grader_is_refused(dp: DataPlane, grader: dict[str, Any], said: str) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        _create(dp, grader)
    assert said in str(refused.value)


def test_a_validation_file_is_required(dp: DataPlane) -> None:
    with pytest.raises(openai.BadRequestError, match="needs a validation_file"):
        _create(dp, GRADER, validation=False)


def test_data_without_a_field_the_grader_reads_fails_the_job_naming_the_lines(
    dp: DataPlane,
) -> None:
    job = _create(dp, GRADER, train=prompts(12, missing=(2, 7)))
    dp.advance(120)  # past file validation, where the service checks the data
    failed = dp.v1().fine_tuning.jobs.retrieve(job.id)
    assert failed.status == "failed"
    assert failed.error is not None
    assert "{{item.answer}}" in failed.error.message
    assert "(lines 3, 8)" in failed.error.message


def test_a_trained_reinforcement_job_reports_rewards(dp: DataPlane) -> None:
    job = _create(dp, GRADER)
    done = dp.finish(job.id)
    assert done.status == "succeeded"
    assert done.method is not None and done.method.type == "reinforcement"
    points = dp.v1().fine_tuning.jobs.checkpoints.list(job.id).data
    metrics = points[-1].metrics.model_dump()
    assert {"train_reward_mean", "valid_reward_mean", "train_reasoning_tokens_mean"} <= set(metrics)
