"""The fine-tuning job create request, and which of Azure's two data-plane surfaces gets it.

Azure publishes two surfaces for creating a job, and they differ in what they take:

- v1 (`POST {endpoint}/openai/v1/fine_tuning/jobs`, Azure/azure-rest-api-specs
  `specification/ai/data-plane/OpenAI.v1`): OpenAI's `CreateFineTuningJobRequest`:
  `method.{supervised|dpo}.hyperparameters` = batch_size, learning_rate_multiplier, n_epochs
  (and beta for dpo), each a number or `"auto"`, and `metadata` (16 string pairs). It has no
  `trainingType` and no `prompt_loss_weight`.
- api-version style (`POST {endpoint}/openai/fine_tuning/jobs?api-version=2025-04-01-preview`,
  `specification/cognitiveservices/data-plane/AzureOpenAI/authoring/preview/2025-04-01-preview`):
  `FineTuningJobCreation`, with top-level `hyperparameters` (integers and numbers, no "auto")
  and no `metadata`; the fine-tuning how-to (MicrosoftDocs/azure-ai-docs) sends `trainingType`
  and `hyperparameters.prompt_loss_weight` on exactly this surface and api-version.

So a job that needs neither Azure-only field goes to v1 and carries the stack's metadata (its
fingerprint: exact identity). A job that needs one goes to the surface that documents it, in
that surface's shape, without metadata; it is then recognised by its fields
(`reconciler.kinds.job`), which is why the fields that surface reports must stay comparable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.catalog import api_training_type
from reconciler.plan.fingerprint import explicit_hyperparameters

#: the data-plane api-version whose documentation carries trainingType and prompt_loss_weight
AZURE_FIELDS_API_VERSION = "2025-04-01-preview"
REINFORCEMENT = "reinforcement"
#: hyperparameters only Azure's api-version surface takes
AZURE_ONLY_HYPERPARAMETERS = frozenset({"prompt_loss_weight"})
#: hyperparameters of the 2025-04-01-preview `FineTuningHyperParameters` that are integers
_INTEGER_HYPERPARAMETERS = frozenset({"n_epochs", "batch_size"})

JSON = dict[str, Any]


@dataclass(frozen=True)
class JobRequest:
    """What to POST, and where (`api_version` None: the v1 surface)."""

    body: JSON
    api_version: str | None = None

    @property
    def surface(self) -> str:
        return "v1" if self.api_version is None else f"api-version {self.api_version}"


def needs_azure_surface(training_type: str, hyperparameters: Mapping[str, Any]) -> bool:
    return training_type != "standard" or bool(
        AZURE_ONLY_HYPERPARAMETERS & explicit_hyperparameters(hyperparameters).keys()
    )


def job_request(
    *,
    model: str,
    training_file: str,
    validation_file: str | None,
    method: str,
    hyperparameters: Mapping[str, Any],
    seed: int | None,
    suffix: str | None,
    training_type: str,
    metadata: Mapping[str, str],
    grader: Mapping[str, Any] | None = None,
) -> JobRequest:
    common: JSON = {"model": model, "training_file": training_file}
    if validation_file is not None:
        common["validation_file"] = validation_file
    if suffix:
        common["suffix"] = suffix
    if seed is not None:
        common["seed"] = seed
    if method == REINFORCEMENT:
        return _reinforcement(common, hyperparameters, training_type, metadata, grader)
    if not needs_azure_surface(training_type, hyperparameters):
        written = {k: v for k, v in hyperparameters.items() if v is not None}
        return JobRequest(
            {
                **common,
                "method": {"type": method, method: {"hyperparameters": written}},
                "metadata": dict(metadata),
            }
        )
    numbers: JSON = {
        k: int(v) if k in _INTEGER_HYPERPARAMETERS else v
        for k, v in explicit_hyperparameters(hyperparameters).items()
    }
    body: JSON = {**common, "trainingType": api_training_type(training_type)}
    if method == "supervised":
        if numbers:
            body["hyperparameters"] = numbers
    else:
        # prompt_loss_weight is documented only beside the top-level hyperparameters; the
        # method's own ones (beta, …) stay in the method, as the schema has them.
        top = {k: v for k, v in numbers.items() if k in AZURE_ONLY_HYPERPARAMETERS}
        own = {k: v for k, v in numbers.items() if k not in AZURE_ONLY_HYPERPARAMETERS}
        if top:
            body["hyperparameters"] = top
        body["method"] = {"type": method, method: {"hyperparameters": own}}
    return JobRequest(body, AZURE_FIELDS_API_VERSION)


def _reinforcement(
    common: JSON,
    hyperparameters: Mapping[str, Any],
    training_type: str,
    metadata: Mapping[str, str],
    grader: Mapping[str, Any] | None,
) -> JobRequest:
    """Only v1 takes ``method.reinforcement`` (Azure's ``AzureFineTuneReinforcementMethod``
    {grader, hyperparameters, response_format}); the api-version surface's method types are
    supervised and dpo. v1 has no trainingType, so only standard training goes there (the spec
    refuses the others for reinforcement)."""
    if grader is None:
        raise ValueError("a reinforcement job needs a grader")
    if training_type != "standard":
        raise ValueError("reinforcement jobs are sent to v1, which takes no trainingType")
    section: JSON = {"grader": dict(grader)}
    written = {k: v for k, v in hyperparameters.items() if v is not None}
    if written:
        section["hyperparameters"] = written
    return JobRequest(
        {
            **common,
            "method": {"type": REINFORCEMENT, REINFORCEMENT: section},
            "metadata": dict(metadata),
        }
    )


__all__ = [
    "AZURE_FIELDS_API_VERSION",
    "JobRequest",
    "job_request",
    "needs_azure_surface",
]
