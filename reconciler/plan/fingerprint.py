"""A job's identity: the sha256 of its full input.

SPEC.md §1: "A job is the same job exactly when …".

The input is the base model (or the parent job's fingerprint and checkpoint, for continuous
training), the sha256 of the training and validation data, method, hyperparameters, seed, suffix
and training type, and a reinforcement job's grader (added to the input only when there is one,
so the fingerprints of other jobs stay what they were). Hyperparameters count as written, never
as the service resolved them: `auto` and an omitted value both mean "the service chooses" and
are the same input, so neither appears in the fingerprint; `1` and `1.0` are the same number.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.plan.naming import canonical_json, sha256_hex

FINGERPRINT_VERSION = 1

Hyperparameter = int | float | str | None  # a number, "auto", or not written


def explicit_hyperparameters(
    hyperparameters: Mapping[str, Hyperparameter],
) -> dict[str, int | float | str]:
    """The values a person fixed: numbers, integral floats as ints, and words other than `auto`
    (a reinforcement job's reasoning_effort), sorted by name."""
    explicit: dict[str, int | float | str] = {}
    for key in sorted(hyperparameters):
        value = hyperparameters[key]
        if isinstance(value, str) and value != "auto":
            explicit[key] = value
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        explicit[key] = int(value) if isinstance(value, float) and value.is_integer() else value
    return explicit


def job_fingerprint(
    *,
    base_model: str | None,
    parent_fingerprint: str | None,
    parent_checkpoint: int | None,
    training_sha256: str,
    validation_sha256: str | None,
    method: str,
    hyperparameters: Mapping[str, Hyperparameter],
    seed: int | None,
    suffix: str | None,
    training_type: str,
    grader: Mapping[str, Any] | None = None,
) -> str:
    """sha256 hex of the canonical JSON of a job's input; give a base model or a parent."""
    if (base_model is None) == (parent_fingerprint is None):
        raise ValueError("a job starts from exactly one of a base model or a parent job")
    model: object = (
        base_model
        if base_model is not None
        else {"job": parent_fingerprint, "checkpoint": parent_checkpoint}
    )
    payload: dict[str, Any] = {
        "v": FINGERPRINT_VERSION,
        "model": model,
        "training": training_sha256.lower(),
        "validation": validation_sha256.lower() if validation_sha256 else None,
        "method": method,
        "hyperparameters": explicit_hyperparameters(hyperparameters),
        "seed": seed,
        "suffix": suffix or None,
        "training_type": training_type,
    }
    if grader is not None:
        payload["grader"] = grader
    return sha256_hex(canonical_json(payload))
