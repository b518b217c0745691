"""Names shared with Azure: upload file names, tags, job metadata, canonical JSON.

These conventions are how the tool recognises what it made without a state file (DESIGN.md
principle 1): a file by the sha256 in its name, a deployment by the stack's tag, a job by the
fingerprint in its metadata. Model ids have their own module, ``reconciler.model_ids``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from reconciler.errors import Location

TAG_MANAGED_BY = "managed-by"
TAG_STACK = "reconciler-stack"
TAG_PREVENT_DESTROY = "reconciler-prevent-destroy"
MANAGED_BY_VALUE = "reconciler"
OUR_TAGS = (TAG_MANAGED_BY, TAG_STACK, TAG_PREVENT_DESTROY)

META_STACK = "reconciler-stack"
META_JOB = "reconciler-job"
META_FINGERPRINT = "reconciler-fingerprint"

FINE_TUNE_PURPOSE = "fine-tune"
MODEL_FORMAT = "OpenAI"

_SHA256 = re.compile(r"(?<![0-9a-fA-F])([0-9a-fA-F]{64})(?![0-9a-fA-F])")


def upload_filename(dataset: str, sha256: str) -> str:
    """`<dataset>.<sha256>.jsonl`; ":" of a split dataset name becomes "."."""
    return f"{dataset.replace(':', '.')}.{sha256}.jsonl"


def sha256_in_filename(filename: str) -> str | None:
    """The last 64-hex run in a file name (lower-cased), or None."""
    found = _SHA256.findall(filename)
    return found[-1].lower() if found else None


def stack_tags(stack: str, prevent_destroy: bool) -> dict[str, str]:
    tags = {TAG_MANAGED_BY: MANAGED_BY_VALUE, TAG_STACK: stack}
    if prevent_destroy:
        tags[TAG_PREVENT_DESTROY] = "true"
    return tags


def has_prevent_destroy_tag(tags: Mapping[str, str]) -> bool:
    return tags.get(TAG_PREVENT_DESTROY, "").strip().lower() == "true"


def is_protected(observed_tags: Mapping[str, str], prevent_destroy: bool = False) -> bool:
    """Whether a delete or replace of a deployment must be refused: the one rule plan and apply
    share. Azure's tag counts whatever the spec now says, so a change that drops the flag
    cannot also destroy what the tag still protects; the flag counts before the tag is written.
    """
    return prevent_destroy or has_prevent_destroy_tag(observed_tags)


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace: the same data gives the same bytes (for digests)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def location_to_json(location: Location | None) -> str | None:
    return None if location is None else str(location)


def location_from_json(value: object) -> Location | None:
    """Parse `path[:line[:col]]` as `str(Location)` writes it."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"a location is a string 'path:line:col', not {value!r}")
    parts = value.rsplit(":", 2)
    numbers: list[int] = []
    while len(parts) > 1 and parts[-1].isdigit():
        numbers.insert(0, int(parts.pop()))
    path = ":".join(parts)
    line = numbers[0] if numbers else 0
    col = numbers[1] if len(numbers) > 1 else 0
    return Location(path, line, col)
