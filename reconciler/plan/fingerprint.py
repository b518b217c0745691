"""A job's identity: the sha256 of its full input.

SPEC.md §1: "A job is the same job exactly when …".

The input is the base model (or the parent job's fingerprint and checkpoint, for continuous
training), the sha256 of the training and validation data, method, hyperparameters, seed, suffix
and training type. Hyperparameters count as written, never as the service resolved them:
`auto` and an omitted value both mean "the service chooses" and are the same input, so neither
appears in the fingerprint; `1` and `1.0` are the same number.
"""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.plan.naming import canonical_json, sha256_hex

FINGERPRINT_VERSION = 1

Hyperparameter = int | float | str | None  # a number, "auto", or not written


def explicit_hyperparameters(
    hyperparameters: Mapping[str, Hyperparameter],
) -> dict[str, int | float]:
    """The values a person fixed: numbers only, integral floats as ints, sorted by name."""
    explicit: dict[str, int | float] = {}
    for key in sorted(hyperparameters):
        value = hyperparameters[key]
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
) -> str:
    """sha256 hex of the canonical JSON of a job's input; give a base model or a parent."""
    if (base_model is None) == (parent_fingerprint is None):
        raise ValueError("a job starts from exactly one of a base model or a parent job")
    model: object = (
        base_model
        if base_model is not None
        else {"job": parent_fingerprint, "checkpoint": parent_checkpoint}
    )
    payload = {
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
    return sha256_hex(canonical_json(payload))
