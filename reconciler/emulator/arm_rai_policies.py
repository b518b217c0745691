"""Content filters (raiPolicies) of an account: Azure's built-in two and any the seed names.

Answered in the published shape of `RaiPolicies_List` (Azure/azure-rest-api-specs,
Microsoft.CognitiveServices stable/2025-06-01/examples/ListRaiPolicies.json: `id`, `name`,
`properties{basePolicyName, mode, contentFilters[]}`). The emulator does not filter content, so
every policy carries the same filters; only their names matter to a deployment.
"""

from __future__ import annotations

from typing import Any

from reconciler.emulator.state import SeedAccount

BUILT_IN = ("Microsoft.Default", "Microsoft.DefaultV2")
_CATEGORIES = ("Hate", "Sexual", "Selfharm", "Violence")


def names(account: SeedAccount) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*BUILT_IN, *account.rai_policies)))


def exists(account: SeedAccount, name: str) -> bool:
    return name in names(account)


def _filters() -> list[dict[str, Any]]:
    return [
        {
            "name": category,
            "blocking": True,
            "enabled": True,
            "severityThreshold": "Medium",
            "source": source,
        }
        for category in _CATEGORIES
        for source in ("Prompt", "Completion")
    ]


def policy(account: SeedAccount, name: str) -> dict[str, Any]:
    properties: dict[str, Any] = {"mode": "Blocking", "contentFilters": _filters()}
    if name not in BUILT_IN:
        properties = {"basePolicyName": "Microsoft.DefaultV2", **properties}
    return {
        "name": name,
        "id": f"{account.arm_id}/raiPolicies/{name}",
        "properties": properties,
    }


def list_all(account: SeedAccount) -> list[dict[str, Any]]:
    return [policy(account, name) for name in names(account)]
