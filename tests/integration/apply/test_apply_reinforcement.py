"""Reinforcement fine-tuning end to end, with the real SDKs against the emulator: a job of
`method: reinforcement` with a grader is planned (its grader and the service's cost guard shown),
created on v1 with `method.reinforcement.grader`, trained with reward metrics in its checkpoints
and results.csv, its model deployed; a changed grader is a new job."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from reconciler.plan import Action
from reconciler.plan.render_text import render_text

from .apply_support import Admin, apply, data_plane, deployment, fresh_plan, job
from .conftest import NewStack

O4_MINI = "o4-mini-2025-04-16"
GRADER: dict[str, Any] = {
    "type": "string_check",
    "name": "exact answer",
    "input": "{{sample.output_text}}",
    "reference": "{{item.answer}}",
    "operation": "eq",
}


def prompt_lines(topic: str, count: int = 12) -> list[str]:
    """Reinforcement lines: a developer instruction, the user's question, the answer field."""
    return [
        json.dumps(
            {
                "messages": [
                    {"role": "developer", "content": "Answer with the number only."},
                    {"role": "user", "content": f"{topic}: what is {i} + {i}?"},
                ],
                "answer": str(2 * i),
            }
        )
        for i in range(count)
    ]


def rft_job(grader: dict[str, Any]) -> dict[str, Any]:
    return job(
        "rft-train",
        model=O4_MINI,
        validation="rft-valid",
        method="reinforcement",
        grader=grader,
        hyperparameters={"n_epochs": 2, "reasoning_effort": "low", "eval_interval": 2},
    )


def test_a_reinforcement_job_trains_with_rewards_and_its_model_is_deployed(
    env: dict[str, str], admin: Admin, emulator: Any, new_stack: NewStack
) -> None:
    stack = new_stack(
        "rft",
        datasets={"rft-train": prompt_lines("sums"), "rft-valid": prompt_lines("checks", 10)},
        jobs={"puzzles": rft_job(GRADER)},
        deployments={"puzzles": deployment("swc", {"job": "puzzles"})},
        accounts=("swc",),
    )

    plan = fresh_plan(stack.root)
    text = render_text(plan)
    assert "grader: string_check 'exact answer'" in text
    assert (
        "cost guard: the service pauses this reinforcement job once training and grading " in text
    )
    assert "$5,000" in text

    admin.clear_requests()
    result = apply(stack.root, wait=True)

    assert result.code == 0, result.text
    assert ("POST", "/dp/aoai-swc/openai/v1/fine_tuning/jobs") in admin.requests()
    (trained,) = admin.jobs("rft")
    assert trained["method"]["type"] == "reinforcement"
    assert trained["method"]["reinforcement"]["grader"] == GRADER
    assert trained["method"]["reinforcement"]["hyperparameters"]["reasoning_effort"] == "low"
    with data_plane(emulator, "aoai-swc") as client:
        job_id = trained["id"]
        checkpoints = client.fine_tuning.jobs.checkpoints.list(job_id).data
        assert checkpoints
        metrics = checkpoints[0].metrics.model_dump()
        assert 0.0 < metrics["train_reward_mean"] < 1.0
        assert 0.0 < metrics["valid_reward_mean"] < 1.0
        finished = client.fine_tuning.jobs.retrieve(job_id)
        assert finished.status == "succeeded"
        results = client.files.content(finished.result_files[0]).text
    rows = list(csv.DictReader(io.StringIO(results)))
    rewards = [float(r["train_reward_mean"]) for r in rows]
    assert rewards[-1] > rewards[0]  # the reward rises over the training
    (deployed,) = admin.deployments("rft").values()
    assert deployed["properties"]["model"]["name"] == finished.fine_tuned_model

    assert not [c.address for c in fresh_plan(stack.root).changes if c.is_change]

    stack.jobs["puzzles"] = rft_job({**GRADER, "operation": "ilike"})
    stack.write()
    changed = {c.address: c for c in fresh_plan(stack.root).changes}
    assert changed["job.puzzles"].action is Action.CREATE


def test_the_same_data_and_hyperparameters_train_the_same_rewards(
    env: dict[str, str], admin: Admin, emulator: Any, new_stack: NewStack
) -> None:
    """Two jobs that differ only in suffix (and so in fingerprint) train identical reward
    curves: the emulator's rewards are a function of data, hyperparameters and grader."""
    jobs = {name: {**rft_job(GRADER), "suffix": name} for name in ("first", "second")}
    stack = new_stack(
        "rftsame",
        datasets={"rft-train": prompt_lines("twins"), "rft-valid": prompt_lines("pairs", 10)},
        jobs=jobs,
        accounts=("swc",),
    )
    assert apply(stack.root, wait=True).code == 0
    curves = []
    with data_plane(emulator, "aoai-swc") as client:
        for trained in sorted(admin.jobs("rftsame"), key=lambda j: j["suffix"]):
            points = client.fine_tuning.jobs.checkpoints.list(trained["id"]).data
            curves.append(
                sorted((c.step_number, c.metrics.model_dump()["train_reward_mean"]) for c in points)
            )
    assert curves[0] == curves[1]


def test_a_grader_reading_a_field_some_lines_lack_stops_validate_with_the_lines(
    env: dict[str, str], new_stack: NewStack
) -> None:
    lines = prompt_lines("gaps")
    broken = json.loads(lines[6])
    del broken["answer"]
    lines[6] = json.dumps(broken)
    stack = new_stack(
        "rftgap",
        datasets={"rft-train": lines, "rft-valid": prompt_lines("fine", 10)},
        jobs={"puzzles": rft_job(GRADER)},
        accounts=("swc",),
    )
    result = apply(stack.root, wait=True)
    assert result.code == 1
    assert "jobs.puzzles.grader reads {{item.answer}}, but 1 line lacks it in training_data" in (
        result.text
    )
    assert "data/rft-train.jsonl: line 7)" in result.text
