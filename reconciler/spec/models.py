"""The spec's entries as pydantic models (SPEC.md §1).

Every model forbids unknown keys and validates strictly: YAML already gives numbers, booleans
and strings their types, so a string where a number belongs (``capacity: "5"`` or
``capacity: ${env:CAP}``) is an error rather than a silent conversion. Rules that span fields or
entries (references, ``beta`` only for dpo, catalog facts) live in ``references.py`` and
``catalog_checks.py``, where they can name the exact place.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainValidator,
    Tag,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from reconciler.model_ids import SUFFIX_PATTERN, SUFFIX_RULE
from reconciler.quoting import quote
from reconciler.spec.graders import Grader
from reconciler.spec.smoke_test import SmokeTest

# Deployment skus Azure OpenAI knows (SPEC.md lists the common ones); the catalog says which
# of them each model offers where.
SkuName = Literal[
    "Standard",
    "GlobalStandard",
    "DataZoneStandard",
    "ProvisionedManaged",
    # Provisioned fine-tuned deployments, as Azure's fine-tuning deploy doc names the sku.
    "ProvisionedStandard",
    "GlobalProvisionedManaged",
    "DataZoneProvisionedManaged",
    "DeveloperTier",
    "GlobalBatch",
    "DataZoneBatch",
]
SKU_NAMES: tuple[str, ...] = get_args(SkuName)
Method = Literal["supervised", "dpo", "reinforcement"]
TrainingType = Literal["standard", "globalstandard", "developer"]
DatasetFormat = Literal["chat", "preference", "reinforcement"]
# Azure's DeploymentModelVersionUpgradeOption (cognitiveservices 2025-09-01 and 2026-03-01).
VersionUpgrade = Literal[
    "OnceNewDefaultVersionAvailable", "OnceCurrentVersionExpired", "NoAutoUpgrade"
]

SECTIONS = ("accounts", "datasets", "jobs", "deployments")
TOP_LEVEL_KEYS = ("stack", *SECTIONS, "lock")

GUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
# Logical names: they appear in addresses (job.NAME), uploaded file names and `NAME:train`.
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
NAME_RULE = "1 to 64 of A-Z a-z 0-9 _ . - starting with a letter or digit"
# The stack name is a tag value and part of names: kept to lower-case DNS-label characters.
STACK_PATTERN = r"^[a-z0-9-]{1,63}$"
STACK_RULE = "1 to 63 of a-z 0-9 -"
# Names that go into ARM URL paths (…/resourceGroups/G/…/accounts/A/deployments/D) follow
# Azure's published rules, so no name can be a dot-segment (`.`, `..`) that a URL normaliser
# folds onto another resource, nor carry `/`, `?`, `#` or `%`.
# Deployment: Azure/azure-rest-api-specs publishes no pattern for `deploymentName`
# (cognitiveservices.json 2026-03-01 and the TypeSpec Deployment.tsp: `NamePattern = ""`), so
# this is the account name's published character set and 2-64 length, starting with a letter
# or digit, and not ending in `.` (ARM's rule for names in a path, as for resource groups).
DEPLOYMENT_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}[A-Za-z0-9_-]$"
DEPLOYMENT_NAME_RULE = (
    "2 to 64 of A-Z a-z 0-9 _ . - starting with a letter or digit, not ending in ."
)
# Account: the `accountName` path parameter of cognitiveservices.json (2026-03-01):
# minLength 2, maxLength 64, pattern ^[a-zA-Z0-9][a-zA-Z0-9_.-]*$.
ACCOUNT_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,63}$"
ACCOUNT_NAME_RULE = "2 to 64 of A-Z a-z 0-9 _ . - starting with a letter or digit"
# Resource group: common-types/resource-management/v3/types.json ResourceGroupNameParameter
# (minLength 1, maxLength 90, pattern ^[-\w\._\(\)]+$), and ARM's naming rules: not ending in `.`.
RESOURCE_GROUP_PATTERN = r"^[-\w.()]{0,89}[-\w()]$"
RESOURCE_GROUP_RULE = "1 to 90 of letters, digits, _ . - ( ), not ending in ."
# Tenant: a GUID or a domain name (contoso.onmicrosoft.com); it goes into the sign-in URL path.
# Dot-separated labels of letters, digits and inner hyphens, so never `.` or `..`.
TENANT_PATTERN = (
    r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?){0,9}$"
)
TENANT_RULE = "a tenant GUID or domain name (labels of A-Z a-z 0-9 -, separated by .)"
# Blob containers, as Azure's container naming rules give them (3 to 63 characters; lower-case
# letters, digits and single hyphens between them).
CONTAINER_PATTERN = r"^(?=.{3,63}$)[a-z0-9]+(?:-[a-z0-9]+)*$"
CONTAINER_RULE = "3 to 63 of a-z 0-9 -, starting and ending with a letter or digit, no --"
ENV_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
ENV_NAME_RULE = "letters, digits and _, not starting with a digit"

# The one error type for the rules written here; errors.py prefixes the message with the path.
RULE_ERROR = "reconciler_rule"


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return quote(value)


def _pattern_rule(pattern: str, rule: str, what: str) -> AfterValidator:
    """Checks a string against ``pattern``; the error names the rule in words."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise PydanticCustomError(
                RULE_ERROR,
                "{value} is not a valid {what}: {rule}",
                {"value": _show(value), "what": what, "rule": rule},
            )
        return value

    return AfterValidator(check)


def _pattern_schema(pattern: str, rule: str, what: str) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "pattern": pattern, "description": f"{what}: {rule}"})


def _pattern(pattern: str, rule: str, what: str) -> tuple[AfterValidator, WithJsonSchema]:
    return _pattern_rule(pattern, rule, what), _pattern_schema(pattern, rule, what)


_NAME = _pattern(NAME_PATTERN, NAME_RULE, "name")
_STACK = _pattern(STACK_PATTERN, STACK_RULE, "stack name")
_SUFFIX = _pattern(SUFFIX_PATTERN, SUFFIX_RULE, "suffix")
_DEPLOYMENT = _pattern(DEPLOYMENT_NAME_PATTERN, DEPLOYMENT_NAME_RULE, "deployment name")
_ACCOUNT = _pattern(ACCOUNT_NAME_PATTERN, ACCOUNT_NAME_RULE, "account name")
_GROUP = _pattern(RESOURCE_GROUP_PATTERN, RESOURCE_GROUP_RULE, "resource group")
_TENANT = _pattern(TENANT_PATTERN, TENANT_RULE, "tenant id")
_SUBSCRIPTION = _pattern(
    GUID_PATTERN, "a GUID such as 00000000-0000-0000-0000-000000000000", "subscription id"
)
_ENV_NAME = _pattern(ENV_NAME_PATTERN, ENV_NAME_RULE, "environment variable name")
_CONTAINER = _pattern(CONTAINER_PATTERN, CONTAINER_RULE, "blob container name")

Name = Annotated[str, _NAME[0], _NAME[1]]
StackName = Annotated[str, _STACK[0], _STACK[1]]
Suffix = Annotated[str, _SUFFIX[0], _SUFFIX[1]]
DeploymentName = Annotated[str, _DEPLOYMENT[0], _DEPLOYMENT[1]]
AccountName = Annotated[str, _ACCOUNT[0], _ACCOUNT[1]]
ResourceGroup = Annotated[str, _GROUP[0], _GROUP[1]]
SubscriptionId = Annotated[str, _SUBSCRIPTION[0], _SUBSCRIPTION[1]]
TenantId = Annotated[str, _TENANT[0], _TENANT[1]]
EnvName = Annotated[str, _ENV_NAME[0], _ENV_NAME[1]]
ContainerName = Annotated[str, _CONTAINER[0], _CONTAINER[1]]


# For editors only (the validator below is the rule): https anywhere, http to this machine.
ACCOUNT_URL_PATTERN = (
    r"^(https://[^/?#\s]+|http://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?)(/[^?#\s]*)?$"
)


def _check_account_url(value: str) -> str:
    """https, or plain http to this machine only (Azurite): a key or token never crosses a
    network in clear text."""
    parts = urlsplit(value)
    local = parts.hostname in ("127.0.0.1", "localhost", "::1")
    scheme_ok = parts.scheme == "https" or (parts.scheme == "http" and local)
    if not scheme_ok or not parts.hostname or parts.query or parts.fragment:
        raise PydanticCustomError(
            RULE_ERROR,
            "{value} is not a blob endpoint: write https://ACCOUNT.blob.core.windows.net "
            "(http only for 127.0.0.1 or localhost, e.g. Azurite)",
            {"value": _show(value)},
        )
    return value


BlobAccountUrl = Annotated[
    str,
    AfterValidator(_check_account_url),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": ACCOUNT_URL_PATTERN,
            "description": "https://ACCOUNT.blob.core.windows.net (http only for 127.0.0.1 "
            "or localhost, e.g. Azurite)",
        }
    ),
]

Auto = Literal["auto"]


def _auto_or_number(
    *, integer: bool, minimum: float, maximum: float | None, exclusive_minimum: bool = False
) -> tuple[PlainValidator, WithJsonSchema]:
    """A hyperparameter: a number within the service's documented range, or ``auto``
    (``maximum`` None: the published schema gives none)."""
    kind = "an integer" if integer else "a number"
    if maximum is None:
        words = f"{kind} {'above' if exclusive_minimum else 'of at least'} {minimum:g}"
    else:
        low = f"above {minimum:g} up to" if exclusive_minimum else f"from {minimum:g} to"
        words = f"{kind} {low} {maximum:g}"

    def check(value: object) -> object:
        if value is None or value == "auto":
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _out_of_range(words, value)
        if integer and not isinstance(value, int):
            raise _out_of_range(words, value)
        below = value <= minimum if exclusive_minimum else value < minimum
        above = maximum is not None and value > maximum
        if below or above or value != value or value == float("inf"):  # value != value: NaN
            raise _out_of_range(words, value)
        return value if integer else float(value)

    number: dict[str, Any] = {"type": "integer" if integer else "number"}
    if maximum is not None:
        number["maximum"] = maximum
    number["exclusiveMinimum" if exclusive_minimum else "minimum"] = minimum
    schema = {"anyOf": [{"const": "auto"}, number, {"type": "null"}], "description": words}
    return PlainValidator(check), WithJsonSchema(schema)


def _out_of_range(words: str, value: object) -> PydanticCustomError:
    return PydanticCustomError(
        RULE_ERROR,
        "must be {words} or 'auto', not {value}",
        {"words": words, "value": _show(value)},
    )


_EPOCHS = _auto_or_number(integer=True, minimum=1, maximum=50)
_BATCH = _auto_or_number(integer=True, minimum=1, maximum=256)
_LR = _auto_or_number(integer=False, minimum=0, maximum=10, exclusive_minimum=True)
_BETA = _auto_or_number(integer=False, minimum=0, maximum=2, exclusive_minimum=True)
_PLW = _auto_or_number(integer=False, minimum=0, maximum=1)
# Reinforcement's own (OpenAI's published FineTuneReinforcementHyperparameters): eval_interval
# and eval_samples integers of at least 1, compute_multiplier above 0.00001 up to 10.
_EVAL_INTERVAL = _auto_or_number(integer=True, minimum=1, maximum=None)
_EVAL_SAMPLES = _auto_or_number(integer=True, minimum=1, maximum=None)
_COMPUTE = _auto_or_number(integer=False, minimum=0.00001, maximum=10, exclusive_minimum=True)

Epochs = Annotated[int | Auto | None, _EPOCHS[0], _EPOCHS[1]]
BatchSize = Annotated[int | Auto | None, _BATCH[0], _BATCH[1]]
LearningRateMultiplier = Annotated[float | Auto | None, _LR[0], _LR[1]]
Beta = Annotated[float | Auto | None, _BETA[0], _BETA[1]]
PromptLossWeight = Annotated[float | Auto | None, _PLW[0], _PLW[1]]
EvalInterval = Annotated[int | Auto | None, _EVAL_INTERVAL[0], _EVAL_INTERVAL[1]]
EvalSamples = Annotated[int | Auto | None, _EVAL_SAMPLES[0], _EVAL_SAMPLES[1]]
ComputeMultiplier = Annotated[float | Auto | None, _COMPUTE[0], _COMPUTE[1]]
# "default" is the service's own default value in the published schema.
ReasoningEffort = Literal["default", "low", "medium", "high"]


class SpecModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Account(SpecModel):
    """An Azure OpenAI (or AI Services) resource; region and endpoint are read from ARM."""

    subscription_id: SubscriptionId
    resource_group: ResourceGroup
    name: AccountName = Field(description="the Azure resource name")
    api_key_env: EnvName | None = Field(
        default=None, description="environment variable holding a data-plane key"
    )
    tenant_id: TenantId | None = None


class Split(SpecModel):
    validation: float = Field(gt=0, lt=1, description="fraction of examples for validation")
    seed: int = 0


class Dataset(SpecModel):
    path: Path = Field(
        strict=False, description="a JSONL file, relative to the folder of the file naming it"
    )
    format: DatasetFormat | None = Field(default=None, description="detected when left out")
    split: Split | None = Field(default=None, description="makes NAME:train and NAME:validation")


class ModelRef(SpecModel):
    """The fine-tuned model of a job in the spec (its final model, or one epoch's checkpoint)."""

    job: Name
    checkpoint: int | None = Field(
        default=None, ge=1, le=50, description="the checkpoint of this epoch (1-based)"
    )


JobModelRef = ModelRef
DeploymentModelRef = ModelRef


def _model_kind(value: object) -> str | None:
    if isinstance(value, str):
        return "<model id>"
    if isinstance(value, dict):
        return "<job ref>"
    return None


ModelSpec = Annotated[
    Annotated[str, Field(min_length=1), Tag("<model id>")] | Annotated[ModelRef, Tag("<job ref>")],
    Discriminator(
        _model_kind,
        custom_error_type=RULE_ERROR,
        custom_error_message="must be a model id or {job: NAME} / {job: NAME, checkpoint: N}",
    ),
]


class Hyperparameters(SpecModel):
    """Each a number in the documented range or ``auto``; left out means the service decides."""

    n_epochs: Epochs = None
    batch_size: BatchSize = None
    learning_rate_multiplier: LearningRateMultiplier = None
    beta: Beta = Field(default=None, description="dpo only")
    prompt_loss_weight: PromptLossWeight = None
    eval_interval: EvalInterval = Field(default=None, description="reinforcement only")
    eval_samples: EvalSamples = Field(default=None, description="reinforcement only")
    compute_multiplier: ComputeMultiplier = Field(default=None, description="reinforcement only")
    reasoning_effort: ReasoningEffort | None = Field(default=None, description="reinforcement only")


class Job(SpecModel):
    account: Name
    model: ModelSpec = Field(description="a base model id, or {job: OTHER[, checkpoint: N]}")
    training_data: str = Field(min_length=1, description="NAME, NAME:train or NAME:validation")
    validation_data: str | None = Field(default=None, min_length=1)
    method: Method = "supervised"
    hyperparameters: Hyperparameters = Hyperparameters()
    seed: int | None = Field(default=None, ge=0, le=2147483647)
    suffix: Suffix | None = None
    training_type: TrainingType = "standard"
    grader: Grader | None = Field(
        default=None, description="reinforcement only (required there): how answers are scored"
    )


class Sku(SpecModel):
    name: SkuName
    capacity: int = Field(ge=1)


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


class Deployment(SpecModel):
    account: Name
    # Filled with the entry's key when left out (the loader does it before validating).
    name: DeploymentName = Field(
        default="",
        description="the Azure deployment name; defaults to the entry's key",
        json_schema_extra=_no_default,
    )
    model: ModelSpec = Field(description="{job: J}, {job: J, checkpoint: N} or a model id")
    sku: Sku
    prevent_destroy: bool = False
    rai_policy: str | None = Field(
        default=None,
        min_length=1,
        description="content filter (properties.raiPolicyName); must exist on the account",
    )
    version_upgrade: VersionUpgrade | None = Field(
        default=None, description="properties.versionUpgradeOption"
    )
    spillover_to: DeploymentName | None = Field(
        default=None,
        description="a standard deployment of the same account that takes this provisioned "
        "deployment's overflow (properties.spilloverDeploymentName)",
    )
    gate: Gate | None = Field(
        default=None,
        description="promotion gate: the deployment moves to a new model of its job only when "
        "the job's final metrics hold these bounds (SPEC.md §5.8)",
    )
    smoke_test: SmokeTest | None = Field(
        default=None,
        description="prompts sent after apply creates or changes the deployment; each answer "
        "must match its `expect` (SPEC §5.8)",
    )


class GateBound(SpecModel):
    """Bounds on one final metric of the job (SPEC.md §5.8): ``{min: N}``, ``{max: N}`` or
    both; the metric holds when min <= value <= max."""

    min: float | None = Field(default=None, allow_inf_nan=False)
    max: float | None = Field(default=None, allow_inf_nan=False)

    @model_validator(mode="after")
    def _bounds(self) -> GateBound:
        if self.min is None and self.max is None:
            raise PydanticCustomError(RULE_ERROR, "needs min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise PydanticCustomError(
                RULE_ERROR,
                "min {low} is above max {high}: no value can hold",
                {"low": self.min, "high": self.max},
            )
        return self


_GATE_METRIC = "a final metric of the job, as its checkpoints and results.csv name it"


class Gate(SpecModel):
    """A deployment's promotion gate (SPEC.md §5.8): bounds on its job's final metrics, by
    Azure's metric names (reconciler.promotion.names)."""

    train_loss: GateBound | None = Field(default=None, description=_GATE_METRIC)
    train_mean_token_accuracy: GateBound | None = Field(default=None, description=_GATE_METRIC)
    valid_loss: GateBound | None = Field(default=None, description=_GATE_METRIC)
    valid_mean_token_accuracy: GateBound | None = Field(default=None, description=_GATE_METRIC)
    full_valid_loss: GateBound | None = Field(default=None, description=_GATE_METRIC)
    full_valid_mean_token_accuracy: GateBound | None = Field(default=None, description=_GATE_METRIC)
    validation_mean_token_accuracy: GateBound | None = Field(
        default=None, description="results.csv's name of valid_mean_token_accuracy"
    )
    train_reward_mean: GateBound | None = Field(default=None, description="reinforcement jobs")
    valid_reward_mean: GateBound | None = Field(default=None, description="reinforcement jobs")
    train_reasoning_tokens_mean: GateBound | None = Field(
        default=None, description="reinforcement jobs"
    )
    valid_reasoning_tokens_mean: GateBound | None = Field(
        default=None, description="reinforcement jobs"
    )

    def bounds(self) -> dict[str, dict[str, float]]:
        """The written bounds, by metric: ``{"full_valid_loss": {"max": 0.9}}``."""
        out: dict[str, dict[str, float]] = {}
        for name in type(self).model_fields:
            bound = getattr(self, name)
            if isinstance(bound, GateBound):
                out[name] = {
                    k: v for k, v in (("min", bound.min), ("max", bound.max)) if v is not None
                }
        return out


class AzureBlobLock(SpecModel):
    """The lock shared by CI runners: a lease on the blob ``<stack>.lock`` (SPEC.md §5.6)."""

    account_url: BlobAccountUrl = Field(
        description="the storage account's blob endpoint, e.g. https://ACCOUNT.blob.core.windows.net"
    )
    container: ContainerName = Field(description="the container of the lock blobs")
    connection_string_env: EnvName | None = Field(
        default=None,
        description="environment variable holding a storage connection string (shared key, "
        "e.g. Azurite); without it, azure-identity",
    )


class LockSettings(SpecModel):
    """Where apply takes the stack's lock; without ``lock``, a file in the project root."""

    azure_blob: AzureBlobLock


class SpecFile(SpecModel):
    """One spec file; a spec directory merges all of them (only for the JSON Schema)."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        frozen=True,
        title="reconciler spec file",
        json_schema_extra={
            "description": "One file of a reconciler spec directory (SPEC.md §1): every "
            "*.yaml/*.yml below the directory is merged; exactly one file sets `stack`."
        },
    )

    stack: StackName | None = None
    accounts: dict[Name, Account] | None = None
    datasets: dict[Name, Dataset] | None = None
    jobs: dict[Name, Job] | None = None
    deployments: dict[Name, Deployment] | None = None
    lock: LockSettings | None = None


ENTRY_MODELS: dict[str, type[SpecModel]] = {
    "accounts": Account,
    "datasets": Dataset,
    "jobs": Job,
    "deployments": Deployment,
}
ENTRY_KINDS = {
    "accounts": "account",
    "datasets": "dataset",
    "jobs": "job",
    "deployments": "deployment",
}
