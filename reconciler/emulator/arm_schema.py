"""The published request shapes of a deployment write: PUT takes a ``Deployment``, PATCH a
``PatchResourceTagsAndSku`` (Microsoft.CognitiveServices 2025-09-01 ``cognitiveservices.json``,
Azure/azure-rest-api-specs; the same members and read-only flags as the models of
azure-mgmt-cognitiveservices 14.1.0, whose default api-version it is. 2026-03-01 adds
serviceTier, deploymentState and routing, which 2025-09-01 does not have).

A field the type does not have is refused as ARM's JSON reader refuses it: 400
``InvalidRequestContent`` "The request content was invalid and could not be deserialized: 'Could
not find member 'x' on object of type 'T'. Path 'a.x'.'" (the wording of the reader's
missing-member error). A read-only field (``readOnly`` in the spec: id, name, type, systemData,
etag, properties.provisioningState, capabilities, callRateLimit, rateLimits,
dynamicThrottlingEnabled, model.callRateLimit, scaleSettings.activeCapacity) is refused the same
way, naming it read-only (chosen wording: the SDK never sends these, so a client that does has
built its body by hand from a GET).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.emulator.arm_errors import ArmError


@dataclass(frozen=True)
class ObjectType:
    """A published object type: its writable members (with their own types, None for a value
    or a free string map) and its read-only ones."""

    name: str
    members: Mapping[str, ObjectType | None]
    read_only: frozenset[str] = field(default_factory=frozenset)


SKU = ObjectType(
    "Sku", {"name": None, "tier": None, "size": None, "family": None, "capacity": None}
)
DEPLOYMENT_MODEL = ObjectType(
    "DeploymentModel",
    {
        "publisher": None,
        "format": None,
        "name": None,
        "version": None,
        "source": None,
        "sourceAccount": None,
    },
    frozenset({"callRateLimit"}),
)
SCALE_SETTINGS = ObjectType(
    "DeploymentScaleSettings",
    {"scaleType": None, "capacity": None},
    frozenset({"activeCapacity"}),
)
CAPACITY_SETTINGS = ObjectType(
    "DeploymentCapacitySettings", {"designatedCapacity": None, "priority": None}
)
DEPLOYMENT_PROPERTIES = ObjectType(
    "DeploymentProperties",
    {
        "model": DEPLOYMENT_MODEL,
        "scaleSettings": SCALE_SETTINGS,
        "raiPolicyName": None,
        "versionUpgradeOption": None,
        "currentCapacity": None,
        "capacitySettings": CAPACITY_SETTINGS,
        "parentDeploymentName": None,
        "spilloverDeploymentName": None,
    },
    frozenset(
        {
            "provisioningState",
            "capabilities",
            "callRateLimit",
            "rateLimits",
            "dynamicThrottlingEnabled",
        }
    ),
)
DEPLOYMENT = ObjectType(
    "Deployment",
    {"sku": SKU, "tags": None, "properties": DEPLOYMENT_PROPERTIES},
    frozenset({"id", "name", "type", "systemData", "etag"}),
)
PATCH = ObjectType("PatchResourceTagsAndSku", {"tags": None, "sku": SKU})


def _refuse(detail: str, path: str) -> ArmError:
    return ArmError(
        400,
        "InvalidRequestContent",
        f"The request content was invalid and could not be deserialized: '{detail}'.",
        target=path,
    )


def check(value: Any, kind: ObjectType, path: str = "") -> None:
    """Refuse members ``kind`` does not have or only reports; nested published objects are
    checked the same way (their value types are checked where the body is read)."""
    if not isinstance(value, dict):
        return
    for name, item in value.items():
        where = f"{path}.{name}" if path else str(name)
        if name in kind.read_only:
            raise _refuse(
                f"The member '{name}' of object of type '{kind.name}' is read-only and cannot "
                f"be set. Path '{where}'.",
                where,
            )
        if name not in kind.members:
            raise _refuse(
                f"Could not find member '{name}' on object of type '{kind.name}'. Path '{where}'.",
                where,
            )
        nested = kind.members[name]
        if nested is not None:
            check(item, nested, where)
