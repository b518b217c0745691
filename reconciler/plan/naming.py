"""Names shared with Azure: upload file names, tags, job metadata, model ids, canonical JSON.

These conventions are how the tool recognises what it made without a state file (DESIGN.md
principle 1): a file by the sha256 in its name, a deployment by the stack's tag, a job by the
fingerprint in its metadata.
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
FINE_TUNED_MODEL_VERSION = (
    "1"  # Azure deploys every fine-tuned model (and checkpoint) as version "1"
)
MODEL_FORMAT = "OpenAI"

_SHA256 = re.compile(r"(?<![0-9a-fA-F])([0-9a-fA-F]{64})(?![0-9a-fA-F])")
# Base model ids end in a version: a date (gpt-4.1-mini-2025-04-14) or 4 digits (gpt-35-turbo-0125).
_DATED = re.compile(r"^(?P<name>.+)-(?P<version>\d{4}-\d{2}-\d{2})$")
_SHORT_VERSION = re.compile(r"^(?P<name>.+)-(?P<version>\d{4})$")


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


def is_fine_tuned(model_id: str) -> bool:
    """A fine-tuned model id (`<base>.ft-<hex>[-suffix]`) or a checkpoint id."""
    return ".ft-" in model_id or model_id.startswith(("ftchkpt-", "ftckpt"))


def base_of_fine_tuned(model_id: str) -> str | None:
    """The base model id of `<base>.ft-…` (also `…:ckpt-step-N`); None for a bare checkpoint id."""
    if ".ft-" in model_id:
        return model_id.split(".ft-", 1)[0]
    return None


def split_model_id(
    model_id: str, known: dict[str, tuple[str, str]] | None = None
) -> tuple[str, str]:
    """(name, version) of a model id as a deployment names it.

    A fine-tuned model or checkpoint is deployed under its whole id, version "1". A base model id
    is split by the catalog when it knows the id (`known`: id -> (name, version)), else by its
    trailing date or four-digit version.
    """
    if is_fine_tuned(model_id):
        return model_id, FINE_TUNED_MODEL_VERSION
    if known and model_id in known:
        return known[model_id]
    for pattern in (_DATED, _SHORT_VERSION):
        match = pattern.match(model_id)
        if match:
            return match.group("name"), match.group("version")
    return model_id, ""


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
