"""Checkpoints copied into an account (store kind "copied_checkpoint", key
"<destination account>/<checkpoint id>"); see ``checkpoint_copy`` for the routes."""

from __future__ import annotations

from typing import Any

KIND = "copied_checkpoint"
COPY_SECONDS = 60.0  # simulated time a copy reads InProgress before it completes


def completed(doc: dict[str, Any], now: float) -> bool:
    return now >= float(doc["completes_at"])


def held(doc: dict[str, Any], now: float) -> bool:
    """The destination holds the checkpoint: the copy completed and did not fail."""
    return completed(doc, now) and not doc.get("failed")
