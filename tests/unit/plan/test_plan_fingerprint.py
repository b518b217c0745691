"""A job's fingerprint: equal exactly when SPEC.md says two jobs are the same job."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.plan.fingerprint import explicit_hyperparameters, job_fingerprint

SHA = "a" * 64


def fingerprint(**changes: Any) -> str:
    fields: dict[str, Any] = {
        "base_model": "gpt-4.1-mini-2025-04-14",
        "parent_fingerprint": None,
        "parent_checkpoint": None,
        "training_sha256": SHA,
        "validation_sha256": None,
        "method": "supervised",
        "hyperparameters": {"n_epochs": 3},
        "seed": 1,
        "suffix": "s",
        "training_type": "standard",
    }
    fields.update(changes)
    return job_fingerprint(**fields)


def test_is_a_sha256_hex_and_stable() -> None:
    value = fingerprint()
    assert len(value) == 64 and int(value, 16) >= 0
    assert fingerprint() == value


@pytest.mark.parametrize(
    "change",
    [
        {"base_model": "gpt-4.1-2025-04-14"},
        {"training_sha256": "b" * 64},
        {"validation_sha256": "c" * 64},
        {"method": "dpo"},
        {"hyperparameters": {"n_epochs": 4}},
        {"hyperparameters": {"n_epochs": 3, "learning_rate_multiplier": 0.5}},
        {"seed": 2},
        {"seed": None},
        {"suffix": "other"},
        {"training_type": "globalstandard"},
    ],
)
def test_every_input_changes_it(change: dict[str, Any]) -> None:
    assert fingerprint(**change) != fingerprint()


def test_auto_and_unwritten_are_the_same_input() -> None:
    plain = fingerprint(hyperparameters={"n_epochs": 3})
    assert fingerprint(hyperparameters={"n_epochs": 3, "batch_size": "auto"}) == plain
    assert fingerprint(hyperparameters={"n_epochs": 3, "batch_size": None}) == plain


def test_integral_floats_equal_ints_and_case_of_sha_does_not_matter() -> None:
    assert fingerprint(hyperparameters={"n_epochs": 3.0}) == fingerprint()
    assert fingerprint(training_sha256=SHA.upper()) == fingerprint()
    assert fingerprint(suffix="") == fingerprint(suffix=None)


def test_parent_job_and_checkpoint_count() -> None:
    parent = fingerprint(base_model=None, parent_fingerprint="f" * 64)
    assert parent != fingerprint()
    assert fingerprint(base_model=None, parent_fingerprint="f" * 64, parent_checkpoint=2) != parent


def test_needs_exactly_one_starting_model() -> None:
    with pytest.raises(ValueError):
        fingerprint(base_model=None)
    with pytest.raises(ValueError):
        fingerprint(parent_fingerprint="f" * 64)


def test_explicit_hyperparameters_keeps_numbers_only() -> None:
    assert explicit_hyperparameters(
        {"n_epochs": 2.0, "batch_size": "auto", "beta": None, "learning_rate_multiplier": 0.1}
    ) == {"n_epochs": 2, "learning_rate_multiplier": 0.1}
