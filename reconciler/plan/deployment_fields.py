"""SPEC §5.3's deployment fields: their names in the spec and in Azure's ARM JSON, and their
JSON form (a field that is not set is left out), one home for the spec side (``desired``),
Azure's side (``observed``) and the deployment kind's payloads."""

from __future__ import annotations

#: spec field -> ARM ``properties`` name
SETTINGS = {
    "rai_policy": "raiPolicyName",
    "version_upgrade": "versionUpgradeOption",
    "spillover_to": "spilloverDeploymentName",
}


def settings_json(rai: str | None, upgrade: str | None, spill: str | None) -> dict[str, str]:
    """The §5.3 fields that are set (an unset one is left out of the JSON)."""
    values = {"rai_policy": rai, "version_upgrade": upgrade, "spillover_to": spill}
    return {k: v for k, v in values.items() if v is not None}
