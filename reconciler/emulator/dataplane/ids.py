"""Identifiers in the service's formats: random ones for new objects, derived ones (stable for
one job) for the things a job's timeline produces (checkpoints, events)."""

from __future__ import annotations

import hashlib
import secrets


def new_hex() -> str:
    return secrets.token_hex(16)


def new_id(prefix: str) -> str:
    """``file-<32 hex>``, ``ftjob-<32 hex>``, ``upload_<32 hex>``... (the prefix includes its
    separator)."""
    return f"{prefix}{new_hex()}"


def derived_hex(*parts: object) -> str:
    text = "\x1f".join(str(p) for p in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
