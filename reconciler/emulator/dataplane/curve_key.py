"""The key of a simulated job's training curves: the same base model, training and validation
content, method, resolved hyperparameters and seed (when the request gives one) train the same
metrics, whatever seed the service draws for a request without one. Tests can then set a
promotion gate on either side of a job's final metrics (docs/emulator.md)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

CHUNK = 1 << 20


def content_digest(paths: list[Path]) -> str:
    """blake2b of a file's bytes, over its stored segments in order."""
    digest = hashlib.blake2b(digest_size=16)
    for path in paths:
        with path.open("rb") as stream:
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
    return digest.hexdigest()


def curve_key(
    *,
    base_model: str,
    training: list[Path],
    validation: list[Path] | None,
    method: str,
    hyperparameters: dict[str, Any],
    seed: int | None,
) -> int:
    material = json.dumps(
        [
            base_model,
            content_digest(training),
            content_digest(validation) if validation is not None else None,
            method,
            hyperparameters,
            seed,
        ],
        sort_keys=True,
    ).encode()
    return int.from_bytes(hashlib.blake2b(material, digest_size=8).digest(), "big")
