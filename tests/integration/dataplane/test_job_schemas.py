"""Fine-tuning job requests and answers in the published schema of each surface: v1
(``CreateFineTuningJobRequest`` + the docs' ``trainingType``), 2025-04-01-preview
(``FineTuningJobCreation`` + the docs' ``trainingType`` and ``hyperparameters.prompt_loss_weight``)
and 2024-10-21. Anything else is refused, at any depth."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import openai
import pytest

from .dataplane_support import BASE, DataPlane, chat_lines, jsonl

PREVIEW = "2025-04-01-preview"
GA = "2024-10-21"


def post(dp: DataPlane, body: dict[str, Any], version: str | None) -> Any:
    with dp.raw() as raw:
        if version is None:
            return raw.post("/openai/v1/fine_tuning/jobs", json=body)
        return raw.post("/openai/fine_tuning/jobs", params={"api-version": version}, json=body)


@pytest.fixture(scope="module")
def training(dp: DataPlane) -> str:
    return dp.upload(jsonl(chat_lines(12))).id


def test_v1_refuses_azure_only_hyperparameters_through_the_sdk(
    dp: DataPlane, training: str
) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        dp.v1().fine_tuning.jobs.create(
            model=BASE,
            training_file=training,
            method={
                "type": "supervised",
                "supervised": {"hyperparameters": {"n_epochs": 2, "prompt_loss_weight": 0.1}},  # type: ignore[typeddict-unknown-key]
            },
        )
    path = "method.supervised.hyperparameters.prompt_loss_weight"
    assert refused.value.body == {
        "message": f"Unrecognized request argument supplied: {path}",
        "type": "invalid_request_error",
        "param": path,
        "code": None,
    }


V1_UNKNOWN = {
    "top level": ({"learning_rate": 0.1}, "learning_rate"),
    "top-level hyperparameters": ({"hyperparameters": {"beta": 0.1}}, "hyperparameters.beta"),
    "method": ({"method": {"type": "supervised", "lora": {}}}, "method.lora"),
    "dpo hyperparameters": (
        {"method": {"type": "dpo", "dpo": {"hyperparameters": {"l2_multiplier": 1.0}}}},
        "method.dpo.hyperparameters.l2_multiplier",
    ),
    "integration": (
        {"integrations": [{"type": "wandb", "wandb": {"project": "p", "team": "t"}}]},
        "integrations[0].wandb.team",
    ),
    "snake-case training type": ({"training_type": "standard"}, "training_type"),
}


@pytest.mark.parametrize("case", sorted(V1_UNKNOWN))
def test_v1_refuses_fields_of_no_published_schema(dp: DataPlane, training: str, case: str) -> None:
    extra, path = V1_UNKNOWN[case]
    answer = post(dp, {"model": BASE, "training_file": training, **extra}, None)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["message"] == f"Unrecognized request argument supplied: {path}"
    assert (error["param"], error["type"], error["code"]) == (path, "invalid_request_error", None)


def test_v1_takes_the_documented_training_type_and_answers_the_v1_job(
    dp: DataPlane, training: str, published: SimpleNamespace
) -> None:
    created = dp.v1().fine_tuning.jobs.create(
        model=BASE,
        training_file=training,
        suffix="v1-shape",
        metadata={"k": "v"},
        integrations=[{"type": "wandb", "wandb": {"project": "p"}}],
        method={"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": "auto"}}},
        extra_body={"trainingType": "GlobalStandard"},
    )
    with dp.raw() as raw:
        body = raw.get(f"/openai/v1/fine_tuning/jobs/{created.id}").json()
    v1 = published.schema_properties()["v1"]
    assert set(body) <= set(v1["FineTuningJob"])
    assert set(body["hyperparameters"]) <= set(v1["FineTuningJob.hyperparameters"])
    hyper = body["method"]["supervised"]["hyperparameters"]
    assert set(hyper) <= set(v1["FineTuneSupervisedHyperparameters"])
    assert body["user_provided_suffix"] == "v1-shape"
    assert "suffix" not in body and "trainingType" not in body
    assert body["metadata"] == {"k": "v"}


def test_preview_refuses_what_its_schema_lacks(dp: DataPlane, training: str) -> None:
    cases: dict[str, tuple[dict[str, Any], str]] = {
        "metadata": ({"metadata": {"k": "v"}}, "metadata"),
        "supervised section": (
            {"method": {"type": "supervised", "supervised": {"hyperparameters": {}}}},
            "method.supervised",
        ),
        "reasoning effort": (
            {"hyperparameters": {"reasoning_effort": "low"}},
            "hyperparameters.reasoning_effort",
        ),
    }
    for name, (extra, path) in cases.items():
        answer = post(dp, {"model": BASE, "training_file": training, **extra}, PREVIEW)
        assert answer.status_code == 400, (name, answer.text)
        error = answer.json()["error"]
        assert (error["code"], error["target"]) == ("invalidPayload", path), name
        assert error["message"] == f"Unrecognized request argument supplied: {path}"


@pytest.mark.parametrize(
    ("hyperparameters", "path"),
    [
        ({"n_epochs": "auto"}, "hyperparameters.n_epochs"),
        ({"batch_size": 2.5}, "hyperparameters.batch_size"),
        ({"learning_rate_multiplier": "auto"}, "hyperparameters.learning_rate_multiplier"),
        ({"prompt_loss_weight": "0.1"}, "hyperparameters.prompt_loss_weight"),
    ],
)
def test_preview_hyperparameters_are_numbers_never_auto(
    dp: DataPlane, training: str, hyperparameters: dict[str, Any], path: str
) -> None:
    body = {"model": BASE, "training_file": training, "hyperparameters": hyperparameters}
    answer = post(dp, body, PREVIEW)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["target"] == path


def test_preview_takes_the_documented_fields_and_answers_its_job(
    dp: DataPlane, training: str, published: SimpleNamespace
) -> None:
    body = {
        "model": BASE,
        "training_file": training,
        "seed": 105,
        "suffix": "preview",
        "hyperparameters": {"n_epochs": 2, "prompt_loss_weight": 0.1},
        "trainingType": "developerTier",
        "integrations": [{"type": "wandb", "wandb": {"project": "custom-wandb-project"}}],
        "method": {"type": "supervised"},
    }
    answer = post(dp, body, PREVIEW)
    assert answer.status_code == 201, answer.text
    job = answer.json()
    schema = published.schema_properties()[PREVIEW]
    assert set(job) <= set(schema["FineTuningJob"])
    assert set(job["hyperparameters"]) <= set(schema["FineTuningHyperParameters"])
    assert job["hyperparameters"]["n_epochs"] == 2
    assert job["method"] == {"type": "supervised"}
    assert job["status"] in schema["FineTuningState"]
    example = published.example("openai/2025-04-01-preview.post_finetuning_job.json", "201")
    assert set(example) <= set(schema["FineTuningJob"])  # the fixture agrees with the schema
    listed = dp.azure().fine_tuning.jobs.with_raw_response.list()
    for item in json.loads(listed.text)["data"]:
        assert set(item) <= set(schema["FineTuningJob"])


def test_preview_dpo_takes_its_published_hyperparameters(
    dp: DataPlane, published: SimpleNamespace
) -> None:
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
    training = dp.upload(jsonl(lines)).id
    hyper = {"beta": 0.2, "l2_multiplier": 0.5, "n_epochs": 1}
    body = {
        "model": BASE,
        "training_file": training,
        "method": {"type": "dpo", "dpo": {"hyperparameters": hyper}},
    }
    answer = post(dp, body, PREVIEW)
    assert answer.status_code == 201, answer.text
    method = answer.json()["method"]
    assert method["type"] == "dpo"
    dpo_keys = published.schema_properties()[PREVIEW]["DpoHyperparamsRequest"]
    assert set(method["dpo"]["hyperparameters"]) <= set(dpo_keys)
    assert method["dpo"]["hyperparameters"]["l2_multiplier"] == 0.5
    # reinforcement is not a method of this api-version
    body["method"] = {"type": "reinforcement"}
    refused = post(dp, body, PREVIEW)
    assert refused.status_code == 400
    assert refused.json()["error"]["target"] == "method.type"


def test_ga_2024_10_21_has_no_training_type_method_or_integrations(
    dp: DataPlane, training: str, published: SimpleNamespace
) -> None:
    for extra, path in (
        ({"trainingType": "standard"}, "trainingType"),
        ({"method": {"type": "supervised"}}, "method"),
        ({"integrations": []}, "integrations"),
        ({"hyperparameters": {"prompt_loss_weight": 0.1}}, "hyperparameters.prompt_loss_weight"),
    ):
        answer = post(dp, {"model": BASE, "training_file": training, **extra}, GA)
        assert answer.status_code == 400, (path, answer.text)
        assert answer.json()["error"]["target"] == path
    made = post(dp, {"model": BASE, "training_file": training, "seed": 7}, GA)
    assert made.status_code == 201, made.text
    assert set(made.json()) <= set(published.schema_properties()[GA]["FineTuningJob"])
    assert "method" not in made.json()
