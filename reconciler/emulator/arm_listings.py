"""Read-only ARM documents: accounts, models offered in a region, deployment skus, usages."""

from __future__ import annotations

import hashlib
from typing import Any

from reconciler.catalog import CatalogError, ModelInfo
from reconciler.emulator import arm_deployments
from reconciler.emulator.state import EmulatorState, SeedAccount

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
            "publicNetworkAccess": "Enabled",
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


def _model_entry(state: EmulatorState, info: ModelInfo, region: str, kind: str) -> dict[str, Any]:
    skus: list[dict[str, Any]] = []
    for sku_name, capacity in info.base_skus.get(region, {}).items():
        skus.append(
            {
                "name": sku_name,
                "usageName": arm_deployments.usage_name(state, info, sku_name, False),
                "capacity": capacity.to_arm(),
            }
        )
    tunable = info.fine_tunable_in(region) and bool(info.methods)
    capabilities = {
        "chatCompletion": "true",
        "fineTune": "true" if tunable else "false",
        "inference": "true" if info.base_skus.get(region) else "false",
        "scaleType": "Standard" if skus else "Manual",
    }
    if info.vision:
        capabilities["vision"] = "true"
    if info.input_tokens:
        capabilities["maxContextToken"] = str(info.input_tokens)
    if info.output_tokens:
        capabilities["maxOutputToken"] = str(info.output_tokens)
    system_data = {"createdBy": "Microsoft", "lastModifiedBy": "Microsoft"}
    if len(info.version) == 10:  # a date version: the model's release day
        system_data["createdAt"] = f"{info.version}T00:00:00Z"
    model: dict[str, Any] = {
        "format": "OpenAI",
        "name": info.name,
        "version": info.version,
        "isDefaultVersion": True,
        "skus": skus,
        "maxCapacity": max((s["capacity"]["maximum"] for s in skus), default=0),
        "capabilities": capabilities,
        "lifecycleStatus": info.lifecycle_status,
        "systemData": system_data,
    }
    if tunable:
        methods = ",".join(sorted(info.methods))
        finetune: dict[str, str] = {
            "fineTune": "true",
            "inference": "true" if info.finetuned_skus.get(region) else "false",
            "chatCompletion": "true",
            "FineTuneTokensMaxValuePerExample": str(info.max_example_tokens),
            "FineTuneTokensMaxValue": "2000000000",
            "fineTuningMethods": methods,
            "trainingTypes": ",".join(
                t for t, regions in sorted(info.training_regions.items()) if region in regions
            ),
        }
        ft_skus = [
            {
                "name": sku_name,
                "usageName": arm_deployments.usage_name(state, info, sku_name, True),
                "capacity": capacity.to_arm(),
            }
            for sku_name, capacity in info.finetuned_skus.get(region, {}).items()
        ]
        if ft_skus:
            finetune["deploymentSkus"] = ",".join(str(s["name"]) for s in ft_skus)
        model["finetuneCapabilities"] = finetune
    return {"kind": kind, "skuName": "S0", "model": model}


def location_models(state: EmulatorState, region: str) -> list[dict[str, Any]]:
    entries = []
    for info in state.catalog.models_in_region(region):
        entries.append(_model_entry(state, info, region, "OpenAI"))
    return entries


def deployment_skus(state: EmulatorState, account: SeedAccount, name: str) -> list[dict[str, Any]]:
    doc = arm_deployments.get(state, account, name)
    model = doc["properties"]["model"]
    model_name = str(model["name"])
    if arm_deployments.is_fine_tuned_name(state, model_name):
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
