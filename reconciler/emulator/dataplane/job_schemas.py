"""The published shapes of a fine-tuning job, request and answer, per URL style and api-version:
which fields a create request may carry (anything else is refused, at any depth) and which
fields a job answer shows.

Sources (Azure/azure-rest-api-specs):
- v1 (``/openai/v1``): ``specification/ai/data-plane/OpenAI.v1/azure-v1-v1-generated.yaml``,
  ``OpenAI.CreateFineTuningJobRequest`` (model, training_file, validation_file, deprecated
  top-level hyperparameters, method{type, supervised|dpo|reinforcement}, suffix, seed,
  integrations, metadata) and ``OpenAI.FineTuningJob`` (it reports ``user_provided_suffix``, has
  no ``suffix``). Added here: ``trainingType``, because Azure's fine-tuning how-to sends it on v1
  from Python (``client.fine_tuning.jobs.create(..., extra_body={"trainingType": ...})`` with
  ``OpenAI(base_url=".../openai/v1/")``) although the v1 schema does not list it.
- ``2025-04-01-preview``: ``.../AzureOpenAI/authoring/preview/2025-04-01-preview/
  azureopenai.json``, ``FineTuningJobCreation`` (hyperparameters are int32 / double, never
  ``"auto"``; ``method`` is ``{type: supervised}`` or ``{type: dpo, dpo: {hyperparameters}}``)
  and ``FineTuningJob``. Added here, as the how-to documents for this version only:
  ``trainingType`` and ``hyperparameters.prompt_loss_weight``.
- ``2024-10-21``: ``.../authoring/stable/2024-10-21/azureopenai.json``: no method, no
  integrations, no trainingType.
Other api-versions (schemas not read): earlier stable ones take the 2024-10-21 shape, other
previews the 2025-04-01-preview shape without the how-to's additions (chosen).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.emulator.dataplane.errors import ApiError

# Leaves of a shape: what a value may be. Objects are dicts of name -> shape; a one-element list
# is an array of that shape.
ANY = "any"  # not looked into (free maps such as metadata, grader objects)
STRING = "string"
INT = "int"  # an int32: an integer, never "auto"
NUMBER = "number"  # a double, never "auto"
AUTO_OR_VALUE = "auto-or-value"  # OpenAI's hyperparameters; ranges are checked in hyperparams

Shape = str | Mapping[str, "Shape"] | list["Shape"]

_V1_SUPERVISED = {
    "batch_size": AUTO_OR_VALUE,
    "learning_rate_multiplier": AUTO_OR_VALUE,
    "n_epochs": AUTO_OR_VALUE,
}
_V1_DPO = {**_V1_SUPERVISED, "beta": AUTO_OR_VALUE}
_V1_REINFORCEMENT = {
    **_V1_SUPERVISED,
    "reasoning_effort": STRING,
    "compute_multiplier": AUTO_OR_VALUE,
    "eval_interval": AUTO_OR_VALUE,
    "eval_samples": AUTO_OR_VALUE,
}
_WANDB: Shape = [
    {"type": STRING, "wandb": {"project": STRING, "name": ANY, "entity": ANY, "tags": ANY}}
]

V1_CREATE: Shape = {
    "model": STRING,
    "training_file": STRING,
    "validation_file": ANY,
    "hyperparameters": _V1_SUPERVISED,
    "method": {
        "type": STRING,
        "supervised": {"hyperparameters": _V1_SUPERVISED},
        "dpo": {"hyperparameters": _V1_DPO},
        "reinforcement": {
            "grader": ANY,
            "response_format": ANY,
            "hyperparameters": _V1_REINFORCEMENT,
        },
    },
    "suffix": ANY,
    "seed": ANY,
    "integrations": _WANDB,
    "metadata": ANY,
    "trainingType": ANY,
}

_AZURE_HYPERPARAMETERS = {"n_epochs": INT, "batch_size": INT, "learning_rate_multiplier": NUMBER}
GA_2024_10_21_CREATE: dict[str, Shape] = {
    "model": STRING,
    "training_file": STRING,
    "validation_file": STRING,
    "hyperparameters": _AZURE_HYPERPARAMETERS,
    "suffix": STRING,
    "seed": INT,
}
PREVIEW_CREATE: dict[str, Shape] = {
    **GA_2024_10_21_CREATE,
    "integrations": _WANDB,
    "method": {
        "type": STRING,
        "dpo": {
            "hyperparameters": {
                **_AZURE_HYPERPARAMETERS,
                "beta": NUMBER,
                "l2_multiplier": NUMBER,
            }
        },
    },
}
PREVIEW_2025_04_01_CREATE: Shape = {
    **PREVIEW_CREATE,
    "hyperparameters": {**_AZURE_HYPERPARAMETERS, "prompt_loss_weight": NUMBER},
    "trainingType": STRING,
}

DOCUMENTED_PREVIEW = "2025-04-01-preview"
_METHOD_TYPES = {"v1": ("supervised", "dpo", "reinforcement"), "azure": ("supervised", "dpo")}


@dataclass(frozen=True)
class JobSchema:
    """One published job schema: what a create may send, what an answer shows."""

    name: str
    create: Shape
    method_types: tuple[str, ...]
    has_method: bool  # the job answer shows method (and integrations)


V1 = JobSchema("v1", V1_CREATE, _METHOD_TYPES["v1"], True)


def for_api_version(version: str) -> JobSchema:
    if version == DOCUMENTED_PREVIEW:
        return JobSchema(version, PREVIEW_2025_04_01_CREATE, _METHOD_TYPES["azure"], True)
    if version.endswith("-preview"):
        return JobSchema(version, PREVIEW_CREATE, _METHOD_TYPES["azure"], True)
    return JobSchema(version, GA_2024_10_21_CREATE, (), False)


def unrecognized(path: str) -> ApiError:
    # OpenAI's gateway wording; the v1 code is null as in OpenAI's answers to unknown arguments.
    return ApiError(
        400,
        "invalidPayload",
        f"Unrecognized request argument supplied: {path}",
        param=path,
        v1_code="",
    )


def _wrong_type(path: str, expected: str) -> ApiError:
    return ApiError(400, "invalidPayload", f"'{path}' must be {expected}.", param=path)


def _leaf(value: Any, shape: str, path: str) -> None:
    if value is None or shape in (ANY, AUTO_OR_VALUE):
        return
    if shape == STRING and not isinstance(value, str):
        raise _wrong_type(path, "a string")
    if shape == INT and (isinstance(value, bool) or not isinstance(value, int)):
        raise _wrong_type(path, "an integer (int32)")
    if shape == NUMBER and (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(float(value))
    ):
        raise _wrong_type(path, "a number")


def check(value: Any, shape: Shape, path: str = "") -> None:
    """Refuse fields the shape does not have (400 naming the first, by its dotted path) and, on
    Azure's api-version surface, values of the wrong JSON type."""
    if isinstance(shape, str):
        _leaf(value, shape, path)
        return
    if value is None:
        return
    if isinstance(shape, list):
        if not isinstance(value, list):
            raise _wrong_type(path, "an array")
        for index, item in enumerate(value):
            check(item, shape[0], f"{path}[{index}]")
        return
    if not isinstance(value, dict):
        raise _wrong_type(path or "the body", "an object")
    for name, item in value.items():
        where = f"{path}.{name}" if path else str(name)
        if name not in shape:
            raise unrecognized(where)
        check(item, shape[name], where)


def check_method_type(body: Mapping[str, Any], schema: JobSchema) -> None:
    method = body.get("method")
    if not isinstance(method, dict):
        return
    kind = method.get("type")
    if kind not in schema.method_types:
        raise ApiError(
            400,
            "invalidPayload",
            f"method.type must be one of {', '.join(schema.method_types)}.",
            param="method.type",
        )


_V1_ANSWER_HYPERPARAMETERS = {
    "supervised": tuple(_V1_SUPERVISED),
    "dpo": tuple(_V1_DPO),
    "reinforcement": tuple(_V1_REINFORCEMENT),
}
_AZURE_ANSWER_HYPERPARAMETERS = tuple(_AZURE_HYPERPARAMETERS)
_AZURE_DPO_HYPERPARAMETERS = (*_AZURE_HYPERPARAMETERS, "beta", "l2_multiplier")


def _only(values: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k in names}


def answer_method(method: Mapping[str, Any], *, v1: bool) -> dict[str, Any]:
    """The job's method as each surface publishes it: v1 ``{type, <type>{hyperparameters}}``;
    api-version ``{type: supervised}`` or ``{type: dpo, dpo: {hyperparameters}}``."""
    kind = str(method.get("type"))
    section = dict(method.get(kind) or {})
    hyper = dict(section.get("hyperparameters") or {})
    if v1:
        section["hyperparameters"] = _only(hyper, _V1_ANSWER_HYPERPARAMETERS.get(kind, ()))
        return {"type": kind, kind: section}
    if kind == "dpo":
        return {"type": kind, kind: {"hyperparameters": _only(hyper, _AZURE_DPO_HYPERPARAMETERS)}}
    return {"type": kind}


def answer_hyperparameters(values: Mapping[str, Any], *, v1: bool) -> dict[str, Any]:
    names = _V1_ANSWER_HYPERPARAMETERS["supervised"] if v1 else _AZURE_ANSWER_HYPERPARAMETERS
    return _only(values, names)
