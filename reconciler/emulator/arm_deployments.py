"""Deployments of Microsoft.CognitiveServices accounts: Azure's rules for creating, scaling and
deleting them, kept apart from HTTP so the routes stay thin.

State is computed lazily from the simulated clock: ``settle`` finishes the operations that are
due and removes the fine-tuned deployments the service would have removed (DeveloperTier ones 24
hours after creation, others after 15 days without inference); every ARM read and write of an
account calls it first.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.azure_limits import (
    DEVELOPER_TIER_LIFETIME_SECONDS,
    DEVELOPER_TIER_SKU,
    FINE_TUNED_IDLE_LIMIT_SECONDS,
)
from reconciler.catalog import Capacity, ModelInfo
from reconciler.emulator import activity_log, arm_rai_policies, arm_schema, lro
from reconciler.emulator.arm_errors import (
    ArmError,
    bad_request,
    deployment_not_found,
    invalid_property,
    request_conflict,
)
from reconciler.emulator.dataplane.queries import account_models
from reconciler.emulator.state import EmulatorState, SeedAccount
from reconciler.model_ids import is_fine_tuned

KIND = "deployment"
INFERENCE = "inference"
DEPLOYMENT_TYPE = "Microsoft.CognitiveServices/accounts/deployments"
DEFAULT_RAI_POLICY = "Microsoft.DefaultV2"
UPGRADE_OPTIONS = ("OnceNewDefaultVersionAvailable", "OnceCurrentVersionExpired", "NoAutoUpgrade")
_INT32_MAX = 2**31 - 1
_MAX_TAGS = 50
_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


def key(account: str, deployment: str) -> str:
    return f"{account}/{deployment}"


# --- reading the request body ------------------------------------------------------------


@dataclass(frozen=True)
class ModelRequest:
    format: str
    name: str
    version: str | None
    source: str | None
    source_account: str | None


@dataclass(frozen=True)
class DeploymentRequest:
    model: ModelRequest
    sku_name: str
    capacity: int | None
    tags: dict[str, str] | None
    rai_policy: str | None
    upgrade_option: str | None
    spillover: str | None = None


def _string(value: Any, target: str, *, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise invalid_property(f"The '{target}' property is required.", target=target)
        return None
    if not isinstance(value, str):
        raise bad_request(
            f"The request content was invalid and could not be deserialized: "
            f"'{target}' must be a string.",
            target=target,
        )
    if required and not value.strip():
        raise invalid_property(f"The '{target}' property must not be empty.", target=target)
    return value


def _object(value: Any, target: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad_request(
            f"The request content was invalid and could not be deserialized: "
            f"'{target}' must be an object.",
            target=target,
        )
    return value


def _capacity(value: Any, target: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _INT32_MAX:
        raise bad_request(
            "The request content was invalid and could not be deserialized: "
            f"'{target}' must be a non-negative 32-bit integer.",
            target=target,
        )
    return value


def _tags(value: Any) -> dict[str, str] | None:
    tags = _object(value, "tags")
    if tags is None:
        return None
    if len(tags) > _MAX_TAGS:
        raise ArmError(400, "InvalidTagCount", f"A resource may have at most {_MAX_TAGS} tags.")
    for name, tag in tags.items():
        if not isinstance(tag, str):
            raise bad_request(
                "The request content was invalid and could not be deserialized: "
                f"the value of tag '{name}' must be a string.",
                target="tags",
            )
        if not name or len(name) > 512 or len(tag) > 256:
            raise ArmError(
                400,
                "InvalidTagNameCharacters",
                f"The tag '{name[:64]}' is invalid: names are 1-512 characters, "
                "values at most 256.",
            )
    return dict(tags)


def check_deployment_name(name: str) -> None:
    if not 2 <= len(name) <= 64 or not set(name) <= _NAME_CHARS or not name[0].isalnum():
        raise ArmError(
            400,
            "InvalidResourceName",
            f"The deployment name '{name[:80]}' is invalid: use 2-64 letters, digits, '_', '.' "
            "or '-', starting with a letter or digit.",
        )


_ACCOUNT_ID = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.CognitiveServices"
    r"/accounts/[^/]+/?$",
    re.IGNORECASE,
)


def _account_id(value: str | None, target: str) -> str | None:
    if value is not None and not _ACCOUNT_ID.match(value):
        raise ArmError(
            400,
            "LinkedInvalidPropertyId",
            f"Property id '{value[:200]}' at path '{target}' is invalid. Expect fully qualified "
            "resource Id that start with '/subscriptions/{subscriptionId}' of a "
            "Microsoft.CognitiveServices account.",
            target=target,
        )
    return value


def parse_put_body(body: Any) -> DeploymentRequest:
    doc = _object(body, "deployment")
    if doc is None:
        raise bad_request(
            "The request content was invalid and could not be deserialized: "
            "the body must be a Deployment object."
        )
    arm_schema.check(doc, arm_schema.DEPLOYMENT)
    properties = _object(doc.get("properties"), "properties")
    if properties is None:
        raise invalid_property(
            "The 'properties' of the deployment are required.", target="properties"
        )
    model = _object(properties.get("model"), "properties.model")
    if model is None:
        raise invalid_property(
            "The model of the deployment is required.", target="properties.model"
        )
    sku = _object(doc.get("sku"), "sku")
    if sku is None:
        raise invalid_property("The 'sku' of the deployment is required.", target="sku")
    upgrade = _string(properties.get("versionUpgradeOption"), "properties.versionUpgradeOption")
    if upgrade is not None and upgrade not in UPGRADE_OPTIONS:
        raise invalid_property(
            f"The versionUpgradeOption '{upgrade}' is invalid "
            f"(one of: {', '.join(UPGRADE_OPTIONS)}).",
            target="properties.versionUpgradeOption",
        )
    return DeploymentRequest(
        model=ModelRequest(
            format=str(_string(model.get("format"), "properties.model.format", required=True)),
            name=str(_string(model.get("name"), "properties.model.name", required=True)),
            version=_string(model.get("version"), "properties.model.version") or None,
            source=_account_id(
                _string(model.get("source"), "properties.model.source") or None,
                "properties.model.source",
            ),
            source_account=_account_id(
                _string(model.get("sourceAccount"), "properties.model.sourceAccount") or None,
                "properties.model.sourceAccount",
            ),
        ),
        sku_name=str(_string(sku.get("name"), "sku.name", required=True)),
        capacity=_capacity(sku.get("capacity"), "sku.capacity"),
        tags=_tags(doc.get("tags")),
        rai_policy=_string(properties.get("raiPolicyName"), "properties.raiPolicyName") or None,
        upgrade_option=upgrade,
        spillover=_string(
            properties.get("spilloverDeploymentName"), "properties.spilloverDeploymentName"
        )
        or None,
    )


@dataclass(frozen=True)
class PatchRequest:
    tags: dict[str, str] | None
    sku_name: str | None
    capacity: int | None


def parse_patch_body(body: Any) -> PatchRequest:
    doc = _object(body, "deployment")
    if doc is None:
        raise bad_request(
            "The request content was invalid and could not be deserialized: "
            "the body must be an object with 'tags' and/or 'sku'."
        )
    arm_schema.check(doc, arm_schema.PATCH)
    sku = _object(doc.get("sku"), "sku") or {}
    return PatchRequest(
        tags=_tags(doc.get("tags")),
        sku_name=_string(sku.get("name"), "sku.name") or None,
        capacity=_capacity(sku.get("capacity"), "sku.capacity"),
    )


# --- Azure's rules ------------------------------------------------------------------------


@dataclass(frozen=True)
class ResolvedModel:
    format: str
    name: str
    version: str
    base: ModelInfo
    fine_tuned: bool
    skus: Mapping[str, Capacity]  # offered in the deployment's region


def _model_label(fmt: str, name: str, version: str | None) -> str:
    return f"Format:{fmt},Name:{name},Version:{version or ''}"


def resolve_model(state: EmulatorState, account: SeedAccount, model: ModelRequest) -> ResolvedModel:
    region = account.location
    if model.format.lower() != "openai":
        raise ArmError(
            400,
            "DeploymentModelNotSupported",
            f"The model '{_model_label(model.format, model.name, model.version)}' is not "
            "supported: this account serves models of format 'OpenAI'.",
            target="properties.model.format",
        )
    candidates = [m for m in state.catalog.models.values() if m.name == model.name]
    if candidates:
        if model.version is not None:
            candidates = [m for m in candidates if m.version == model.version]
        offered = [m for m in candidates if m.base_skus.get(region)]
        if not offered:
            raise ArmError(
                400,
                "DeploymentModelNotSupported",
                f"The model '{_model_label('OpenAI', model.name, model.version)}' is not "
                f"supported in this region '{region}'.",
                target="properties.model",
            )
        chosen = max(offered, key=lambda m: m.version)
        return ResolvedModel(
            format="OpenAI",
            name=chosen.name,
            version=chosen.version,
            base=chosen,
            fine_tuned=False,
            skus=chosen.base_skus.get(region, {}),
        )
    if not is_fine_tuned(model.name):
        raise ArmError(
            400,
            "DeploymentModelNotSupported",
            f"The model '{_model_label('OpenAI', model.name, model.version)}' is not supported.",
            target="properties.model.name",
        )
    holder = account
    source = model.source_account or model.source
    if source is not None:
        found = state.account_by_id(source)
        if found is None:
            raise invalid_property(
                f"The source '{source}' of the model is not an existing "
                "Microsoft.CognitiveServices account.",
                target="properties.model.source",
            )
        holder = found
    held = account_models(state, holder.name)
    base_id = held.get(model.name)
    base = state.catalog.model(base_id) if base_id is not None else None
    if base is None:
        where = "this account" if holder is account else f"the source account '{holder.arm_id}'"
        raise ArmError(
            400,
            "ModelNotFound",
            f"The model '{model.name}' was not found in {where}."
            + (
                ""
                if source is not None
                else " To deploy a model trained in another account, "
                "name that account in properties.model.source."
            ),
            target="properties.model.name",
        )
    skus = state.catalog.deploy_skus(base.id, region, fine_tuned=True)
    if not skus:
        raise ArmError(
            400,
            "DeploymentModelNotSupported",
            f"The fine-tuned model '{model.name}' (base '{base.name} {base.version}') cannot be "
            f"deployed in this region '{region}'.",
            target="properties.model",
        )
    return ResolvedModel(
        format="OpenAI",
        name=model.name,
        version=model.version or "1",
        base=base,
        fine_tuned=True,
        skus=skus,
    )


def _sku(resolved: ResolvedModel, account: SeedAccount, sku_name: str) -> tuple[str, Capacity]:
    for name, limits in resolved.skus.items():
        if name.lower() == sku_name.lower():
            return name, limits
    raise invalid_property(
        f"The specified SKU '{sku_name}' for model '{resolved.name} {resolved.version}' is not "
        f"supported in this region '{account.location}'.",
        target="sku.name",
    )


def _check_rai_policy(account: SeedAccount, name: str | None) -> None:
    # Azure's exact code for an unknown content filter is not in its published specs; the
    # ARM error shape is, and InvalidResourceProperties is what this emulator answers for a
    # deployment property Azure refuses.
    if name is not None and not arm_rai_policies.exists(account, name):
        raise invalid_property(
            f"The raiPolicyName '{name}' does not exist in account '{account.name}'.",
            target="properties.raiPolicyName",
        )


def _check_spillover(
    state: EmulatorState, account: SeedAccount, name: str, spillover: str | None
) -> None:
    """The spillover deployment must be another deployment of the same account (Azure's
    spillover doc: both in the same resource)."""
    if spillover is None:
        return
    if spillover == name or state.store.get(KIND, key(account.name, spillover)) is None:
        raise invalid_property(
            f"The spilloverDeploymentName '{spillover}' is not another deployment of account "
            f"'{account.name}'.",
            target="properties.spilloverDeploymentName",
        )


def _check_capacity(capacity: int, limits: Capacity) -> None:
    if limits.problem(capacity) is not None:
        steps = f", in steps of {limits.step} from {limits.minimum}" if limits.step > 1 else ""
        raise ArmError(
            400,
            "InvalidCapacity",
            f"The specified capacity '{capacity}' of account deployment should be at least "
            f"{limits.minimum} and no more than {limits.maximum}{steps}.",
            target="sku.capacity",
        )


def usage_name(state: EmulatorState, base: ModelInfo, sku: str, fine_tuned: bool) -> str:
    return state.catalog.usage_name_or_general(base.id, sku, fine_tuned=fine_tuned)


def usage_of(state: EmulatorState, doc: dict[str, Any]) -> str | None:
    """The usage name an existing deployment counts against (None when its model is unknown)."""
    model = doc.get("properties", {}).get("model", {})
    name = str(model.get("name", ""))
    sku = str(doc.get("sku", {}).get("name", ""))
    if not is_fine_tuned(name):
        base = next(
            (
                m
                for m in state.catalog.models.values()
                if m.name == name and m.version == model.get("version")
            ),
            None,
        )
        return usage_name(state, base, sku, False) if base is not None else None
    base = state.catalog.base_of(name)
    if base is None:
        base_id = doc.get("_base")
        base = state.catalog.model(str(base_id)) if base_id else None
    return usage_name(state, base, sku, True) if base is not None else None


def current_usage(
    state: EmulatorState, subscription_id: str, location: str, usage: str, *, skip: str = ""
) -> int:
    total = 0
    for account in state.accounts.values():
        if account.subscription_id != subscription_id or account.location != location:
            continue
        for doc_key, doc in state.store.items(KIND, f"{account.name}/"):
            if doc_key == skip or usage_of(state, doc) != usage:
                continue
            total += int(doc.get("sku", {}).get("capacity") or 0)
    return total


def usage_label(usage: str) -> str:
    """ARM's localized usage name, e.g. 'Tokens Per Minute (thousands) - gpt-4.1-mini'."""
    parts = usage.split(".", 2)
    if len(parts) < 2:
        return usage
    sku = parts[1]
    model = parts[2] if len(parts) == 3 else ""
    if "Provisioned" in sku:
        return f"{sku} Throughput Unit" + (f" - {model}" if model else "")
    suffix = "" if sku == "Standard" else f" - {sku}"
    return f"Tokens Per Minute (thousands) - {model}{suffix}"


def _check_quota(
    state: EmulatorState, account: SeedAccount, usage: str, capacity: int, skip: str
) -> None:
    used = current_usage(state, account.subscription_id, account.location, usage, skip=skip)
    limit = state.quota_limit(account.subscription_id, account.location, usage)
    if used + capacity > limit:
        label = usage_label(usage)
        raise ArmError(
            400,
            "InsufficientQuota",
            f"This operation require {capacity} new capacity in quota {label}, which is bigger "
            f"than the current available capacity {max(0, limit - used)}. The current quota "
            f"usage is {used} and the quota limit is {limit} for quota {label}.",
            target="sku.capacity",
        )


# --- lazily computed state ----------------------------------------------------------------


def settle(state: EmulatorState, account: SeedAccount) -> None:
    """Finish the operations that are due and remove idle fine-tuned deployments."""
    _settled(state, account)


def _settled(state: EmulatorState, account: SeedAccount) -> list[dict[str, Any]]:
    """``settle``, then the account's deployments (stored form), read once for both."""
    with state.store.transaction():
        now = state.clock.now()
        for op in lro.operations_in_progress(state, account.name):
            if float(op["done_at"]) > now:
                continue
            doc_key = key(account.name, op["deployment"])
            doc = state.store.get(KIND, doc_key)
            if op["action"] == "delete":
                state.store.delete(KIND, doc_key)
                state.store.delete(INFERENCE, doc_key)
            elif doc is not None:
                doc["properties"]["provisioningState"] = "Succeeded"
                doc["properties"]["currentCapacity"] = doc["sku"].get("capacity")
                state.store.put(KIND, doc_key, doc)
            lro.finish(state, op)
        prefix = f"{account.name}/"
        used = dict(state.store.items(INFERENCE, prefix))  # one read, not one per deployment
        kept: list[dict[str, Any]] = []
        for doc_key, doc in state.store.items(KIND, prefix):
            removed_at = _removal_time(doc, used.get(doc_key))
            if removed_at is not None and removed_at <= now:
                state.store.delete(KIND, doc_key)
                state.store.delete(INFERENCE, doc_key)
                activity_log.record_removal(state, account, str(doc["name"]), removed_at)
            else:
                kept.append(doc)
        return kept


def _removal_time(doc: dict[str, Any], used: dict[str, Any] | None) -> float | None:
    """When the service removes this deployment unless something changes: a DeveloperTier
    deployment 24 hours after its creation, any other fine-tuned deployment after 15 days
    without a chat completion (both from Azure's fine-tuning deploy docs); None: never."""
    if not is_fine_tuned(str(doc["properties"]["model"]["name"])):
        return None
    created = lro.parse_iso(doc["systemData"]["createdAt"])
    if str(doc["sku"].get("name", "")).lower() == DEVELOPER_TIER_SKU.lower():
        return created + DEVELOPER_TIER_LIFETIME_SECONDS
    last = max(created, float((used or {}).get("at", 0.0)))
    return last + FINE_TUNED_IDLE_LIMIT_SECONDS


def busy_with(state: EmulatorState, account: SeedAccount) -> dict[str, Any] | None:
    running = lro.operations_in_progress(state, account.name)
    return running[0] if running else None


def _check_not_busy(state: EmulatorState, account: SeedAccount) -> None:
    if busy_with(state, account) is not None:
        raise request_conflict(account)


def public(doc: dict[str, Any]) -> dict[str, Any]:
    """The deployment as ARM serves it (internal keys start with '_')."""
    return {k: v for k, v in doc.items() if not k.startswith("_")}


def get(state: EmulatorState, account: SeedAccount, name: str) -> dict[str, Any]:
    settle(state, account)
    doc = state.store.get(KIND, key(account.name, name))
    if doc is None:
        raise deployment_not_found(name)
    return public(doc)


def list_all(state: EmulatorState, account: SeedAccount) -> list[dict[str, Any]]:
    return [public(doc) for doc in _settled(state, account)]


def _system_data(created: str, modified: str) -> dict[str, str]:
    return {
        "createdBy": "reconciler-emulator",
        "createdByType": "User",
        "createdAt": created,
        "lastModifiedBy": "reconciler-emulator",
        "lastModifiedByType": "User",
        "lastModifiedAt": modified,
    }


def _rate_limits(sku: str, capacity: int) -> list[dict[str, Any]]:
    if "Provisioned" in sku:
        return []
    # Standard-like skus: one unit is 1,000 tokens per minute and 6 requests per minute.
    return [
        {"key": "request", "renewalPeriod": 10, "count": capacity},
        {"key": "token", "renewalPeriod": 60, "count": capacity * 1000},
    ]


def _capabilities(resolved: ResolvedModel) -> dict[str, str]:
    caps = {"chatCompletion": "true"}
    if resolved.base.input_tokens:
        caps["maxContextToken"] = str(resolved.base.input_tokens)
    if resolved.base.output_tokens:
        caps["maxOutputToken"] = str(resolved.base.output_tokens)
    if resolved.base.vision:
        caps["imageInput"] = "true"
    return caps


def create_or_update(
    state: EmulatorState, account: SeedAccount, name: str, request: DeploymentRequest
) -> tuple[bool, dict[str, Any], dict[str, Any]]:
    """PUT: (created?, the deployment as answered, the operation)."""
    check_deployment_name(name)
    with state.store.transaction():
        settle(state, account)
        _check_not_busy(state, account)
        doc_key = key(account.name, name)
        existing = state.store.get(KIND, doc_key)
        if existing is not None:
            old_model = existing["properties"]["model"]
            if (
                old_model["name"] != request.model.name
                or old_model["format"].lower() != request.model.format.lower()
            ):
                raise ArmError(
                    400,
                    "CannotChangeDeploymentModel",
                    "The model of deployment cannot be changed.",
                    target="properties.model.name",
                )
        resolved = resolve_model(state, account, request.model)
        _check_rai_policy(account, request.rai_policy)
        _check_spillover(state, account, name, request.spillover)
        sku_name, limits = _sku(resolved, account, request.sku_name)
        capacity = limits.default if request.capacity is None else request.capacity
        _check_capacity(capacity, limits)
        usage = usage_name(state, resolved.base, sku_name, resolved.fine_tuned)
        _check_quota(state, account, usage, capacity, doc_key)

        now = lro.iso(state.clock.now())
        created = existing["systemData"]["createdAt"] if existing else now
        model: dict[str, Any] = {
            "format": resolved.format,
            "name": resolved.name,
            "version": resolved.version,
        }
        if request.model.source is not None:
            model["source"] = request.model.source
        if request.model.source_account is not None:
            model["sourceAccount"] = request.model.source_account
        default_upgrade = (
            "NoAutoUpgrade" if resolved.fine_tuned else "OnceNewDefaultVersionAvailable"
        )
        properties: dict[str, Any] = {
            "model": model,
            "versionUpgradeOption": request.upgrade_option or default_upgrade,
            "capabilities": _capabilities(resolved),
            # Published DeploymentProvisioningState has no "Updating": a change in progress
            # reads Accepted.
            "provisioningState": "Accepted" if existing else "Creating",
            "currentCapacity": (
                existing["properties"].get("currentCapacity") if existing else capacity
            ),
            "raiPolicyName": request.rai_policy or DEFAULT_RAI_POLICY,
            "rateLimits": _rate_limits(sku_name, capacity),
        }
        if request.spillover is not None:
            properties["spilloverDeploymentName"] = request.spillover
        doc: dict[str, Any] = {
            "id": f"{account.arm_id}/deployments/{name}",
            "type": DEPLOYMENT_TYPE,
            "name": name,
            "sku": {"name": sku_name, "capacity": capacity},
            "systemData": _system_data(created, now),
            "etag": f'"{uuid.uuid4()}"',
            "properties": properties,
            "_base": resolved.base.id,
        }
        if request.tags is not None:
            doc["tags"] = request.tags
        state.store.put(KIND, doc_key, doc)
        op = lro.start_operation(state, account, name, "update" if existing else "create")
    answer = public(doc)
    answer["properties"] = {**properties, "provisioningState": "Accepted"}
    return existing is None, answer, op


def patch(
    state: EmulatorState, account: SeedAccount, name: str, request: PatchRequest
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """PATCH tags and sku: (the deployment, the operation when capacity or sku changed)."""
    with state.store.transaction():
        settle(state, account)
        _check_not_busy(state, account)
        doc_key = key(account.name, name)
        doc = state.store.get(KIND, doc_key)
        if doc is None:
            raise deployment_not_found(name)
        old_sku = dict(doc["sku"])
        sku_name = request.sku_name or str(old_sku["name"])
        capacity = request.capacity if request.capacity is not None else old_sku.get("capacity")
        scaling = sku_name.lower() != str(old_sku["name"]).lower() or capacity != old_sku.get(
            "capacity"
        )
        if scaling:
            model = doc["properties"]["model"]
            resolved = resolve_model(
                state,
                account,
                ModelRequest(
                    format=str(model["format"]),
                    name=str(model["name"]),
                    version=model.get("version"),
                    source=model.get("source"),
                    source_account=model.get("sourceAccount"),
                ),
            )
            sku_name, limits = _sku(resolved, account, sku_name)
            capacity = limits.default if capacity is None else int(capacity)
            _check_capacity(capacity, limits)
            usage = usage_name(state, resolved.base, sku_name, resolved.fine_tuned)
            _check_quota(state, account, usage, capacity, doc_key)
            doc["sku"] = {"name": sku_name, "capacity": capacity}
            doc["properties"]["provisioningState"] = "Accepted"
            doc["properties"]["rateLimits"] = _rate_limits(sku_name, capacity)
        if request.tags is not None:
            doc["tags"] = request.tags
        doc["etag"] = f'"{uuid.uuid4()}"'
        doc["systemData"]["lastModifiedAt"] = lro.iso(state.clock.now())
        state.store.put(KIND, doc_key, doc)
        op = lro.start_operation(state, account, name, "update") if scaling else None
    return public(doc), op


def delete(state: EmulatorState, account: SeedAccount, name: str) -> dict[str, Any] | None:
    """DELETE: the operation, or None when there was nothing to delete (204)."""
    with state.store.transaction():
        settle(state, account)
        _check_not_busy(state, account)
        doc_key = key(account.name, name)
        doc = state.store.get(KIND, doc_key)
        if doc is None:
            return None
        doc["properties"]["provisioningState"] = "Deleting"
        state.store.put(KIND, doc_key, doc)
        return lro.start_operation(state, account, name, "delete")
