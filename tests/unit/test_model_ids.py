"""Model ids, checked on the ids Azure publishes (sources in reconciler/model_ids.py)."""

from __future__ import annotations

import pytest

from reconciler.model_ids import (
    FineTunedModelId,
    base_of_fine_tuned,
    checkpoint_id,
    checkpoint_model_name,
    fine_tuned_model_id,
    is_checkpoint_id,
    is_fine_tuned,
    is_valid_suffix,
    parse_fine_tuned,
    split_model_id,
    suffix_of,
)

SHA = "0123456789abcdef" * 4

# Published examples, verbatim.
DOCS_FT = "gpt-4o-mini-2024-07-18.ft-0e208cf33a6a466994aff31a08aba678"  # fine-tune.md
SPEC_FT = "curie.ft-72a2792ef7d24ba7b82c7fe4a37e379f"  # get_model_finetune.json
SPEC_CKPT_NAME = "gpt-35-turbo-0613.ft-72a2792ef7d24ba7b82c7fe4a37e379f:ckpt-step-10"
DOCS_CKPT_NAME = "gpt-4o-mini-2024-07-18.ft-0e208cf33a6a466994aff31a08aba678:ckpt-step-90"
DOCS_CKPT_ID = "ftchkpt-e559c011ecc04fc68eaa339d8227d02d"  # fine-tune.md, fine-tuning-deploy.md
SPEC_CKPT_ID = "ftckpt_qtZ5Gyk4BLq1SfLFWp3RtO3P"  # get_finetuning_job_checkpoints.json
OPENAI_FT = "ft:gpt-4o-mini-2024-07-18:org:weather:B7R9VjQd"  # openai-openapi.yaml


@pytest.mark.parametrize(
    ("model_id", "expected"),
    [
        (DOCS_FT, FineTunedModelId("gpt-4o-mini-2024-07-18")),
        (SPEC_FT, FineTunedModelId("curie")),
        (SPEC_CKPT_NAME, FineTunedModelId("gpt-35-turbo-0613", checkpoint_step=10)),
        (DOCS_CKPT_NAME, FineTunedModelId("gpt-4o-mini-2024-07-18", checkpoint_step=90)),
        (f"{DOCS_FT}-my-model_2", FineTunedModelId("gpt-4o-mini-2024-07-18", "my-model_2")),
        (
            f"{DOCS_FT}-clippy:ckpt-step-80",
            FineTunedModelId("gpt-4o-mini-2024-07-18", "clippy", 80),
        ),
        (OPENAI_FT, FineTunedModelId("gpt-4o-mini-2024-07-18", "weather")),
        # "gpt-4.1" must not swallow "gpt-4.1-mini": the base is everything before ".ft-"
        (f"gpt-4.1-mini-2025-04-14.ft-{SHA[:32]}", FineTunedModelId("gpt-4.1-mini-2025-04-14")),
    ],
)
def test_published_fine_tuned_ids_parse(model_id: str, expected: FineTunedModelId) -> None:
    assert parse_fine_tuned(model_id) == expected
    assert is_fine_tuned(model_id)
    assert base_of_fine_tuned(model_id) == expected.base
    assert suffix_of(model_id) == expected.suffix
    assert not is_checkpoint_id(model_id)


@pytest.mark.parametrize("model_id", [DOCS_CKPT_ID, SPEC_CKPT_ID])
def test_checkpoint_ids_are_fine_tuned_but_name_no_base(model_id: str) -> None:
    assert is_checkpoint_id(model_id)
    assert is_fine_tuned(model_id)
    assert parse_fine_tuned(model_id) is None
    assert base_of_fine_tuned(model_id) is None


@pytest.mark.parametrize(
    "model_id",
    [
        "gpt-4o-mini-2024-07-18",
        "gpt-35-turbo-0613",
        "curie",
        "gpt-4.1-mini-2025-04-14.ft-123",  # not 32 hex
        f"gpt-4.1-mini-2025-04-14.ft-{SHA[:32].upper()}",  # Azure writes lower-case hex
        "ftjob-372c72db22c34e6f9ccb62c26ee0fbd9",  # a job id, not a model
        "ft:",
    ],
)
def test_other_ids_are_not_fine_tuned(model_id: str) -> None:
    assert not is_fine_tuned(model_id)
    assert base_of_fine_tuned(model_id) is None


@pytest.mark.parametrize(
    ("model_id", "expected"),
    [
        ("gpt-4.1-mini-2025-04-14", ("gpt-4.1-mini", "2025-04-14")),
        ("gpt-4o-mini-2024-07-18", ("gpt-4o-mini", "2024-07-18")),
        ("gpt-35-turbo-0125", ("gpt-35-turbo", "0125")),
        ("gpt-35-turbo-0301", ("gpt-35-turbo", "0301")),  # ListLocationModels.json
        ("o3-mini", ("o3-mini", "")),
        (
            f"gpt-4.1-2025-04-14.ft-{SHA[:32]}-clippy",
            (f"gpt-4.1-2025-04-14.ft-{SHA[:32]}-clippy", "1"),
        ),
        (DOCS_FT, (DOCS_FT, "1")),  # fine-tune.md deploys it as name + version "1"
        (DOCS_CKPT_ID, (DOCS_CKPT_ID, "1")),
        ("ftchkpt-abc", ("ftchkpt-abc", "1")),
    ],
)
def test_split_model_id(model_id: str, expected: tuple[str, str]) -> None:
    assert split_model_id(model_id) == expected


def test_split_model_id_prefers_the_catalog() -> None:
    assert split_model_id("weird-2024", {"weird-2024": ("weird", "2024")}) == ("weird", "2024")
    assert split_model_id("model-x-1234", {"model-x-1234": ("model", "x-1234")}) == (
        "model",
        "x-1234",
    )


def test_joined_ids_parse_back() -> None:
    model = fine_tuned_model_id("gpt-4.1-mini-2025-04-14", SHA[:32], "clippy")
    assert model == f"gpt-4.1-mini-2025-04-14.ft-{SHA[:32]}-clippy"
    assert parse_fine_tuned(model) == FineTunedModelId("gpt-4.1-mini-2025-04-14", "clippy")
    assert fine_tuned_model_id("curie", "72a2792ef7d24ba7b82c7fe4a37e379f") == SPEC_FT
    assert checkpoint_model_name(SPEC_FT.replace("curie", "gpt-35-turbo-0613"), 10) == (
        SPEC_CKPT_NAME
    )
    assert checkpoint_id("e559c011ecc04fc68eaa339d8227d02d") == DOCS_CKPT_ID


@pytest.mark.parametrize(
    ("suffix", "valid"),
    [("clippy", True), ("a" * 40, True), ("a" * 41, False), ("with space", False), ("", False)],
)
def test_suffix_rule(suffix: str, valid: bool) -> None:
    assert is_valid_suffix(suffix) is valid
