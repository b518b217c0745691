"""Read-only ARM documents: accounts, models offered in a region or to an account, deployment
skus, usages; each in the shape of Microsoft.CognitiveServices' published examples (2025-09-01:
GetAccount, ListLocationModels, ListAccountModels, ListDeploymentSkus, ListUsages)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from reconciler.catalog import CatalogError, ModelInfo
from reconciler.emulator import arm_deployments, lro
from reconciler.emulator.dataplane.holdings import holdings
from reconciler.emulator.state import EmulatorState, SeedAccount
from reconciler.model_ids import is_fine_tuned

ACCOUNT_TYPE = "Microsoft.CognitiveServices/accounts"


def account_json(state: EmulatorState, account: SeedAccount) -> dict[str, Any]:
    endpoint = state.account_endpoint(account.name)
    etag = hashlib.sha256(account.arm_id.encode()).hexdigest()[:32]
    return {
        "id": account.arm_id,
        "name": account.name,
        "type": ACCOUNT_TYPE,
        "location": account.location,
        "sku": {"name": "S0"},
        "kind": account.kind,
        "tags": {},
        "etag": f'"{etag}"',
        "properties": {
            "endpoint": endpoint,
            "endpoints": {
                "OpenAI Language Model Instance API": endpoint,
                "OpenAI Model Scaleset API": endpoint,
                "OpenAI Realtime API": endpoint.replace("https://", "wss://"),
            },
            "provisioningState": "Succeeded",
            "customSubDomainName": account.name,
            "publicNetworkAccess": account.public_network_access,
            "internalId": etag,
            "capabilities": [
                {"name": "VirtualNetworks"},
                {"name": "CustomerManagedKey"},
                {"name": "MaxFineTuneCount", "value": "500"},
                {"name": "MaxRunningFineTuneCount", "value": "3"},
                {"name": "MaxUserFileCount", "value": "100"},
                {"name": "MaxTrainingFileSize", "value": "512000000"},
                {"name": "MaxUserFileImportDurationInHours", "value": "1"},
                {"name": "MaxFineTuneJobDurationInHours", "value": "720"},
            ],
        },
    }


def _scale_type(sku_names: Iterable[str]) -> str:
    """``capabilities.scaleType`` as Azure lists it, e.g. "Manual,Standard,Provisioned"."""
    kinds = ["Manual"]
    names = list(sku_names)
    if any("Provisioned" not in n for n in names):
        kinds.append("Standard")
    if any("Provisioned" in n for n in names):
        kinds.append("Provisioned")
    return ",".join(kinds)


def _system_data(day: str) -> dict[str, str]:
    stamp = f"{day}T00:00:00Z" if len(day) == 10 else "2023-01-01T00:00:00Z"
    return {
        "createdBy": "Microsoft",
        "createdByType": "Application",
        "createdAt": stamp,
        "lastModifiedBy": "Microsoft",
        "lastModifiedByType": "Application",
        "lastModifiedAt": stamp,
    }


def _base_model(state: EmulatorState, info: ModelInfo, region: str) -> dict[str, Any]:
    """A base model in the shape of ListLocationModels' ``model`` (2025-09-01).

    Only published keys: ``capabilities`` and ``finetuneCapabilities`` are string maps with the
    names Azure's examples use. A model that can be fine-tuned here reads as gpt-4o 2024-08-06
    does in ListAccountModels / ListLocationModels: ``capabilities.fineTune`` "false" (the base
    deployment) and ``finetuneCapabilities.fineTune`` "true" (its fine-tuned models). Which skus a
    fine-tuned model may use is not published there: it is catalog data."""
    skus: list[dict[str, Any]] = [
        {
            "name": sku_name,
            "usageName": arm_deployments.usage_name(state, info, sku_name, False),
            "capacity": capacity.to_arm(),
        }
        for sku_name, capacity in info.base_skus.get(region, {}).items()
    ]
    tunable = info.fine_tunable_in(region) and bool(info.methods)
    capabilities = {
        "chatCompletion": "true",
        "fineTune": "false",
        "inference": "true" if skus else "false",
        "scaleType": _scale_type(s["name"] for s in skus),
    }
    if info.vision:
        capabilities["vision"] = "true"
    if tunable:
        capabilities["FineTuneTokensMaxValuePerExample"] = str(info.max_example_tokens)
        capabilities["FineTuneTokensMaxValue"] = "2000000000"
    model: dict[str, Any] = {
        "format": "OpenAI",
        "name": info.name,
        "version": info.version,
        "isDefaultVersion": True,
        "skus": skus,
        "maxCapacity": max((s["capacity"]["maximum"] for s in skus), default=0),
        "capabilities": capabilities,
        "lifecycleStatus": info.lifecycle_status,
        "systemData": _system_data(info.version),
    }
    if tunable:
        ft_skus = info.finetuned_skus.get(region, {})
        model["finetuneCapabilities"] = {
            "fineTune": "true",
            "inference": "true" if ft_skus else "false",
            "scaleType": _scale_type(ft_skus),
            "chat": "true",
        }
    return model


def location_models(state: EmulatorState, region: str) -> list[dict[str, Any]]:
    return [
        {"kind": "OpenAI", "skuName": "S0", "model": _base_model(state, info, region)}
        for info in state.catalog.models_in_region(region)
    ]


def account_models(state: EmulatorState, account: SeedAccount) -> list[dict[str, Any]]:
    """GET accounts/{a}/models in the shape of ListAccountModels (2025-09-01): the base models
    the account's region offers (no ``skus``, as the example shows none) and the fine-tuned models
    the account holds, each with ``baseModel``."""
    region = account.location
    out: list[dict[str, Any]] = []
    for info in state.catalog.models_in_region(region):
        model = _base_model(state, info, region)
        # ListAccountModels shows neither skus nor the fine-tuning token limits.
        del model["skus"]
        for name in ("FineTuneTokensMaxValuePerExample", "FineTuneTokensMaxValue"):
            model["capabilities"].pop(name, None)
        out.append(model)
    for held in holdings(state, account.name).values():
        base = state.catalog.model(held.base)
        if not held.listed or base is None:
            continue
        day = lro.iso(held.created_at)
        deployable = bool(state.catalog.deploy_skus(base.id, region, fine_tuned=True))
        out.append(
            {
                "baseModel": {"format": "OpenAI", "name": base.name, "version": base.version},
                "format": "OpenAI",
                "name": held.id,
                "version": "1",
                "isDefaultVersion": False,
                "capabilities": {
                    "chatCompletion": "true",
                    "fineTune": "true" if base.fine_tunable_in(region) else "false",
                    "inference": "true" if deployable else "false",
                },
                "lifecycleStatus": "GenerallyAvailable",
                "systemData": {
                    "createdBy": account.name,
                    "createdByType": "Application",
                    "createdAt": day,
                    "lastModifiedBy": account.name,
                    "lastModifiedByType": "Application",
                    "lastModifiedAt": day,
                },
            }
        )
    return out


def deployment_skus(state: EmulatorState, account: SeedAccount, name: str) -> list[dict[str, Any]]:
    doc = arm_deployments.get(state, account, name)
    model = doc["properties"]["model"]
    model_name = str(model["name"])
    if is_fine_tuned(model_name):
        stored = state.store.get(arm_deployments.KIND, arm_deployments.key(account.name, name))
        base_id = str((stored or {}).get("_base", ""))
        base = state.catalog.model(base_id) or state.catalog.base_of(model_name)
        table = (
            state.catalog.deploy_skus(base.id, account.location, fine_tuned=True) if base else {}
        )
    else:
        info = next(
            (
                m
                for m in state.catalog.models.values()
                if m.name == model_name and m.version == model.get("version")
            ),
            None,
        )
        table = info.base_skus.get(account.location, {}) if info else {}
    return [
        {
            "resourceType": arm_deployments.DEPLOYMENT_TYPE,
            "sku": {"name": sku_name, "capacity": capacity.default},
            "capacity": capacity.to_arm(),
        }
        for sku_name, capacity in table.items()
    ]


def _usage_names(state: EmulatorState, subscription_id: str, region: str) -> list[str]:
    names: list[str] = []
    for info in state.catalog.models_in_region(region):
        for fine_tuned, table in ((False, info.base_skus), (True, info.finetuned_skus)):
            for sku_name in table.get(region, {}):
                try:
                    names.append(state.catalog.usage_name(info.id, sku_name, fine_tuned=fine_tuned))
                except CatalogError:
                    continue
    names.extend(n for (s, loc, n) in state.quotas if s == subscription_id and loc == region)
    return list(dict.fromkeys(names))


def usages(state: EmulatorState, subscription_id: str, region: str) -> list[dict[str, Any]]:
    for account in state.accounts.values():
        if account.subscription_id == subscription_id and account.location == region:
            arm_deployments.settle(state, account)
    out = []
    for name in _usage_names(state, subscription_id, region):
        out.append(
            {
                "name": {"value": name, "localizedValue": arm_deployments.usage_label(name)},
                "currentValue": arm_deployments.current_usage(state, subscription_id, region, name),
                "limit": state.quota_limit(subscription_id, region, name),
                "unit": "Count",
            }
        )
    accounts = sum(
        1
        for a in state.accounts.values()
        if a.subscription_id == subscription_id and a.location == region
    )
    out.append(
        {
            "name": {
                "value": "AccountCount",
                "localizedValue": "Cognitive Services total account limit",
            },
            "currentValue": accounts,
            "limit": 200,
            "unit": "Count",
        }
    )
    return out
