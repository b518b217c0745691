"""Rules of reading raw Azure JSON into observed objects, on variations of the published shapes.

The published examples themselves are data cases (observe_cases/, test_observe_cases.py); what
stays here varies them (a capability spelled "False", a missing model, `bytes: null`, a v1 job's
`user_provided_suffix`) or checks what the package catalog adds to them.

What matters most: the region catalog (`locations/{loc}/models`) publishes per base model its
skus and string capabilities only, so a fine-tuned model's skus come from the package catalog;
`finetuneCapabilities` speaks before `capabilities`; an explicit "false" narrows; silence never
refuses.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reconciler.azure.observe import (
    observed_file,
    observed_job,
    offered_models,
)
from reconciler.catalog import load_catalog
from reconciler.plan.files import held_file
from reconciler.plan.observed import ObservedAccount

EXAMPLES = Path(__file__).resolve().parents[2] / "contract" / "examples"
CATALOG = load_catalog()


def _body(name: str, status: str = "200") -> Any:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))["responses"][status]["body"]


def _by_id(models: list[Any]) -> dict[str, Any]:
    return {m.id: m for m in models}


def test_the_published_region_list_takes_fine_tuned_skus_from_the_catalog() -> None:
    """What ARM publishes is read as data (observe_cases/arm-list-location-models); the catalog's
    part of the same read is checked here, against the catalog itself."""
    offered = _by_id(
        offered_models(_body("arm/2025-09-01.ListLocationModels.json")["value"], "westus", CATALOG)
    )
    # the fine-tuned skus of gpt-4o 2024-08-06 are the docs' (the package catalog's) for westus
    expected = dict(CATALOG.deploy_skus("gpt-4o-2024-08-06", "westus", fine_tuned=True))
    assert expected, "the catalog should offer fine-tuned gpt-4o deployments in westus"
    assert set(offered["gpt-4o-2024-08-06"].finetune_skus) == set(expected)
    # the account list's gpt-4o 2024-08-06 says finetuneCapabilities.inference "true": same skus
    account = _body("arm/2025-09-01.ListAccountModels.json")["value"]
    listed = offered_models([{"kind": "OpenAI", "model": m} for m in account], "westus", CATALOG)
    assert set(_by_id(listed)["gpt-4o-2024-08-06"].finetune_skus) == set(expected)


def _published_entry(name: str, version: str, **model: Any) -> dict[str, Any]:
    """A region-list entry in the published shape: skus and string capabilities, nothing else."""
    return {
        "kind": "OpenAI",
        "skuName": "S0",
        "model": {
            "format": "OpenAI",
            "name": name,
            "version": version,
            "skus": [
                {
                    "name": "GlobalStandard",
                    "usageName": f"OpenAI.GlobalStandard.{name}",
                    "capacity": {"minimum": 1, "maximum": 5000, "step": 1, "default": 100},
                }
            ],
            "capabilities": {"chatCompletion": "true", "fineTune": "true"},
            "lifecycleStatus": "GenerallyAvailable",
            **model,
        },
    }


def test_fine_tuned_skus_come_from_the_catalog_when_arm_publishes_none() -> None:
    entry = _published_entry("gpt-4.1-mini", "2025-04-14")
    mini = _by_id(offered_models([entry], "swedencentral", CATALOG))["gpt-4.1-mini-2025-04-14"]
    expected = CATALOG.deploy_skus("gpt-4.1-mini-2025-04-14", "swedencentral", fine_tuned=True)
    assert set(mini.finetune_skus) == set(expected) and mini.finetune_skus
    standard = mini.finetune_skus["Standard"]
    assert standard.usage_name == "OpenAI.Standard.gpt-4.1-mini-finetune"
    assert (standard.minimum, standard.step) == (expected["Standard"].minimum, 1)
    assert set(mini.training_types) == {"standard", "globalstandard", "developer"}
    # the base model's own skus stay what ARM says
    assert set(mini.skus) == {"GlobalStandard"}


def test_finetune_capabilities_inference_false_narrows_deployment() -> None:
    entry = _published_entry(
        "gpt-4.1-mini",
        "2025-04-14",
        finetuneCapabilities={"fineTune": "true", "inference": "false"},
    )
    mini = _by_id(offered_models([entry], "swedencentral", CATALOG))["gpt-4.1-mini-2025-04-14"]
    assert mini.fine_tunable is True
    assert mini.finetune_skus == {}


def test_a_region_list_that_leaves_a_model_out_does_not_refuse_it() -> None:
    offered = _by_id(offered_models([], "northcentralus", CATALOG))
    mini = offered["gpt-4.1-mini-2025-04-14"]
    assert mini.fine_tunable is True
    assert "Standard" in mini.finetune_skus
    assert mini.skus == {}  # base deployments: ARM is the one to say, and it said nothing


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("false", False),
        ("False", False),
        ("true", True),
        (True, True),
    ],
)
def test_capability_values_are_strings(raw: object, expected: bool) -> None:
    entry = _published_entry("gpt-4.1-mini", "2025-04-14", capabilities={"fineTune": raw})
    mini = _by_id(offered_models([entry], "swedencentral", CATALOG))["gpt-4.1-mini-2025-04-14"]
    assert mini.fine_tunable is expected


def test_a_file_with_null_bytes_is_still_the_same_content() -> None:
    sha = "a" * 64
    raw = {
        "id": "file-1",
        "object": "file",
        "bytes": None,
        "filename": f"train.{sha}.jsonl",
        "purpose": "fine-tune",
        "status": "processed",
        "created_at": 1,
    }
    observed = observed_file(raw)
    assert observed.bytes is None
    account = ObservedAccount(
        key="swc", arm_id="", name="a", location="swedencentral", endpoint="", files=(observed,)
    )
    assert held_file(account, sha, 1234) == observed  # not uploaded again


def test_a_v1_job_reports_its_suffix_as_user_provided_suffix() -> None:
    raw = {
        "id": "ftjob-1",
        "object": "fine_tuning.job",
        "status": "succeeded",
        "model": "gpt-4.1-mini-2025-04-14",
        "fine_tuned_model": "gpt-4.1-mini-2025-04-14.ft-0123456789abcdef0123456789abcdef",
        "training_file": "file-1",
        "validation_file": None,
        "hyperparameters": {"n_epochs": 3},
        "user_provided_suffix": "clippy",
        "seed": 7,
        "created_at": 1,
        "metadata": None,
    }
    assert observed_job(raw).suffix == "clippy"


def test_checkpoints_read_in_step_order_whatever_order_azure_lists_them() -> None:
    checkpoints = _body("openai/2025-04-01-preview.get_finetuning_job_checkpoints.json")["data"]
    job = observed_job(
        {"id": "ftjob-72a2792ef7d24ba7b82c7fe4a37e379f", "status": "succeeded"},
        list(reversed(checkpoints)),
    )
    assert [c.step for c in job.checkpoints] == sorted(c["step_number"] for c in checkpoints)
    first = job.checkpoints[0]
    assert first.id == "ftckpt_qtZ5Gyk4BLq1SfLFWp3RtO3P"
    assert first.metrics["full_valid_loss"] == pytest.approx(0.567)
