"""The job create request is inside Azure's published contract on the surface it goes to, for
every combination of method, training type and hyperparameters a spec can write."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from reconciler.azure.job_request import AZURE_FIELDS_API_VERSION, job_request
from tests.contract.checker import check_request, operation_of

ENDPOINT = "https://aoai-swc.openai.azure.com"
METADATA = {"reconciler-stack": "s", "reconciler-job": "j", "reconciler-fingerprint": "f" * 64}

HYPERPARAMETERS: dict[str, list[dict[str, Any]]] = {
    "supervised": [
        {},
        {"n_epochs": 3, "batch_size": "auto", "learning_rate_multiplier": 0.5},
        {"n_epochs": 2, "prompt_loss_weight": 0.1},
        {"batch_size": 8, "learning_rate_multiplier": "auto", "prompt_loss_weight": 0.0},
    ],
    "dpo": [
        {},
        {"beta": 0.2, "n_epochs": 2, "batch_size": "auto"},
        {"beta": "auto", "learning_rate_multiplier": 1.5},
    ],
}


def _record(api_version: str | None, body: dict[str, Any]) -> dict[str, Any]:
    url = (
        f"{ENDPOINT}/openai/v1/fine_tuning/jobs"
        if api_version is None
        else f"{ENDPOINT}/openai/fine_tuning/jobs?api-version={api_version}"
    )
    return {
        "kind": "request",
        "method": "POST",
        "url": url,
        "headers": {"content-type": "application/json", "authorization": "Bearer [REDACTED]"},
        "body": body,
        "multipart": None,
    }


CASES = [
    (method, hyperparameters, training_type, validation, seed, suffix)
    for method, choices in HYPERPARAMETERS.items()
    for hyperparameters, training_type, validation, seed, suffix in itertools.product(
        choices,
        ("standard", "globalstandard", "developer"),
        (None, "file-v"),
        (None, 105),
        (None, "clippy"),
    )
]


@pytest.mark.parametrize(
    ("method", "hyperparameters", "training_type", "validation", "seed", "suffix"), CASES
)
def test_every_job_request_is_inside_the_published_contract(
    method: str,
    hyperparameters: dict[str, Any],
    training_type: str,
    validation: str | None,
    seed: int | None,
    suffix: str | None,
) -> None:
    request = job_request(
        model="gpt-4.1-mini-2025-04-14",
        training_file="file-t",
        validation_file=validation,
        method=method,
        hyperparameters=hyperparameters,
        seed=seed,
        suffix=suffix,
        training_type=training_type,
        metadata=METADATA,
    )
    record = _record(request.api_version, request.body)
    assert check_request(record) == []
    azure_only = training_type != "standard" or "prompt_loss_weight" in hyperparameters
    if azure_only:
        assert request.api_version == AZURE_FIELDS_API_VERSION
        assert "metadata" not in request.body
        assert "auto" not in repr(request.body)
        api_type = {"developer": "developerTier"}.get(training_type, training_type)
        assert request.body["trainingType"] == api_type
    else:
        assert request.api_version is None
        assert operation_of(record) == "v1 createFineTuningJob"
        assert request.body["metadata"] == METADATA


def test_the_old_v1_body_with_azure_only_fields_is_outside_the_contract() -> None:
    """What the tool sent before: trainingType and prompt_loss_weight on v1."""
    body = {
        "model": "gpt-4.1-mini-2025-04-14",
        "training_file": "file-t",
        "method": {
            "type": "supervised",
            "supervised": {"hyperparameters": {"n_epochs": 2, "prompt_loss_weight": 0.1}},
        },
        "metadata": METADATA,
        "trainingType": "globalstandard",
    }
    problems = check_request(_record(None, body))
    assert any("prompt_loss_weight" in p for p in problems), problems
    assert any("trainingType" in p for p in problems), problems
