"""Model ids as Azure OpenAI writes them: which are fine-tuned, their parts, how to join them.

The one place that knows these formats (the planner, apply, the catalog, the spec checks, the
observer and the emulator all ask here). Forms, with the published examples they rest on:

- base model: ``gpt-4o-mini-2024-07-18``, which ARM names by name and version: ``gpt-4o-mini``
  + ``2024-07-18`` (the docs' supported-model lists write "``gpt-4o-mini`` (2024-07-18)",
  azure-ai-docs ``includes/fine-tuning-rest.md``); older versions are four digits
  (``gpt-35-turbo`` + ``0301`` in azure-specs ``ListLocationModels.json``).
- fine-tuned model: ``<base id>.ft-<32 hex>``, e.g.
  ``gpt-4o-mini-2024-07-18.ft-0e208cf33a6a466994aff31a08aba678`` (MicrosoftDocs/azure-ai-docs
  ``articles/ai-foundry/openai/tutorials/fine-tune.md``) or
  ``curie.ft-72a2792ef7d24ba7b82c7fe4a37e379f`` (azure-specs ``get_model_finetune.json``).
  A job's ``suffix`` (1-40 of ``A-Z a-z 0-9 _ -``, ``azureopenai.json`` 2025-04-01-preview
  ``FineTuningJob.suffix``) is "added to the fine-tuned model name":
  ``<base id>.ft-<32 hex>-<suffix>``.
- a checkpoint by name: ``<fine-tuned model>:ckpt-step-<N>``, e.g.
  ``gpt-35-turbo-0613.ft-72a2792ef7d24ba7b82c7fe4a37e379f:ckpt-step-10`` (azure-specs
  ``get_finetuning_job_checkpoints.json``).
- a checkpoint id: ``ftchkpt-<32 hex>`` (fine-tune.md:
  ``ftchkpt-e559c011ecc04fc68eaa339d8227d02d``, deployable as a model name per
  fine-tuning-deploy.md) or ``ftckpt_<base62>`` (the REST spec's example
  ``ftckpt_qtZ5Gyk4BLq1SfLFWp3RtO3P``). Its base model is known only to the account that
  holds it.
- OpenAI's form ``ft:<base>:<org>:<suffix>:<id>`` (openai-openapi.yaml:
  ``ft:gpt-4o-mini-2024-07-18:org:weather:B7R9VjQd``), accepted as fine-tuned too.

Every fine-tuned model and checkpoint is deployed under its whole id with version "1"
(fine-tune.md's deploy body: ``"name": <fine-tuned model>, "version": "1"``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FINE_TUNED_MODEL_VERSION = "1"
CHECKPOINT_ID_PREFIXES = ("ftchkpt-", "ftckpt_")
OPENAI_FINE_TUNED_PREFIX = "ft:"
CHECKPOINT_STEP_MARK = ":ckpt-step-"
SUFFIX_PATTERN = r"^[A-Za-z0-9_-]{1,40}$"
SUFFIX_RULE = "1 to 40 of A-Z a-z 0-9 _ -"

_SUFFIX = re.compile(SUFFIX_PATTERN)
# "<base>.ft-<32 hex>", then "-<suffix>" and/or ":ckpt-step-N"; the base is everything before
# the first ".ft-" so "gpt-4.1" never swallows "gpt-4.1-mini".
_AZURE_FINE_TUNED = re.compile(r"^(?P<base>.+?)\.ft-(?P<hex>[0-9a-f]{32})(?P<tail>[-:].*)?$")
_TAIL = re.compile(r"^(?:-(?P<suffix>[^:]+))?(?::ckpt-step-(?P<step>\d+))?$")
# Base model ids end in a version: a date (gpt-4.1-mini-2025-04-14) or 4 digits (gpt-35-turbo-0125).
_DATED = re.compile(r"^(?P<name>.+)-(?P<version>\d{4}-\d{2}-\d{2})$")
_SHORT_VERSION = re.compile(r"^(?P<name>.+)-(?P<version>\d{4})$")


@dataclass(frozen=True)
class FineTunedModelId:
    """The parts of ``<base>.ft-<hex>[-<suffix>][:ckpt-step-<N>]`` (or OpenAI's ``ft:`` form)."""

    base: str
    suffix: str | None = None
    checkpoint_step: int | None = None


def is_checkpoint_id(model_id: str) -> bool:
    """A checkpoint's own id (``ftchkpt-…``), which names no base model."""
    return model_id.startswith(CHECKPOINT_ID_PREFIXES)


def parse_fine_tuned(model_id: str) -> FineTunedModelId | None:
    """The parts of a fine-tuned model id (also a checkpoint by name); None for anything else,
    including a checkpoint id."""
    if model_id.startswith(OPENAI_FINE_TUNED_PREFIX):
        parts = model_id.split(":")
        if len(parts) < 2 or not parts[1]:
            return None
        suffix = parts[3] if len(parts) > 3 and parts[3] else None
        return FineTunedModelId(parts[1], suffix, _step_of(model_id))
    found = _AZURE_FINE_TUNED.match(model_id)
    if found is None:
        return None
    tail = _TAIL.match(found.group("tail") or "")
    if tail is None:  # an unusual tail still marks a fine-tuned model; its parts are unknown
        return FineTunedModelId(found.group("base"))
    step = tail.group("step")
    return FineTunedModelId(found.group("base"), tail.group("suffix"), int(step) if step else None)


def _step_of(model_id: str) -> int | None:
    _, mark, step = model_id.rpartition(CHECKPOINT_STEP_MARK)
    return int(step) if mark and step.isdigit() else None


def is_fine_tuned(model_id: str) -> bool:
    """A fine-tuned model, a checkpoint by name or a checkpoint id: anything not a base model."""
    return is_checkpoint_id(model_id) or parse_fine_tuned(model_id) is not None


def base_of_fine_tuned(model_id: str) -> str | None:
    """The base model id of a fine-tuned model id; None for a checkpoint id or a base model."""
    parsed = parse_fine_tuned(model_id)
    return parsed.base if parsed is not None else None


def suffix_of(model_id: str) -> str | None:
    """The job suffix a fine-tuned model id carries, if any."""
    parsed = parse_fine_tuned(model_id)
    return parsed.suffix if parsed is not None else None


def is_valid_suffix(suffix: str) -> bool:
    return _SUFFIX.match(suffix) is not None


def split_model_id(
    model_id: str, known: dict[str, tuple[str, str]] | None = None
) -> tuple[str, str]:
    """(name, version) of a model id as a deployment names it.

    A fine-tuned model or checkpoint is deployed under its whole id, version "1". A base model id
    is split by the catalog when it knows the id (``known``: id -> (name, version)), else by its
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


def fine_tuned_model_id(base: str, hex_id: str, suffix: str | None = None) -> str:
    """``<base>.ft-<hex>[-<suffix>]``: the model a fine-tuning job makes."""
    return f"{base}.ft-{hex_id}" + (f"-{suffix}" if suffix else "")


def checkpoint_model_name(fine_tuned_model: str, step: int) -> str:
    """``<fine-tuned model>:ckpt-step-<N>``: a checkpoint's ``fine_tuned_model_checkpoint``."""
    return f"{fine_tuned_model}{CHECKPOINT_STEP_MARK}{step}"


def checkpoint_id(hex_id: str) -> str:
    """``ftchkpt-<hex>``: a checkpoint's ``id``."""
    return f"{CHECKPOINT_ID_PREFIXES[0]}{hex_id}"
