"""The deployment kind: a model served under a name in one account, owned by a stack's tags.

Identity: the deployment of that name in that account; it is this stack's when it carries
`reconciler-stack: STACK` (one without it, or another stack's, is never changed or deleted).
Only fields the spec declares are compared (model name and version, sku name and capacity, the
stack's own tags, and SPEC §5.3's rai_policy, version_upgrade and spillover_to when written), so
server-filled defaults (raiPolicyName, versionUpgradeOption, currentCapacity, …) never show as
changes; a model version that is not known (or not written) is not compared. Azure updates
capacity, tags, the model version and the §5.3 fields in place; a new model name
or sku name needs delete-then-create under the same name (replace), as does `--replace`. A
protected deployment (the spec's `prevent_destroy`, or Azure's tag: see naming.is_protected) is
never replaced or deleted: the decision says so, the planner turns it into an error, apply
refuses.

The field comparison is a flat dict of six declared fields with two rules of its own (sku names
compare without case, an unknown version is not compared): plain code reads clearer than a
generic deep diff with custom operators.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from reconciler.kinds.decision import Decision
from reconciler.plan.deployment_fields import SETTINGS as SETTINGS
from reconciler.plan.deployment_fields import settings_json
from reconciler.plan.desired import DesiredDeployment
from reconciler.plan.model import Action, FieldChange, ResourceType
from reconciler.plan.naming import OUR_TAGS, TAG_STACK, is_protected, stack_tags
from reconciler.plan.observed import ObservedAccount, ObservedDeployment

TYPE = ResourceType.DEPLOYMENT


class TargetState(StrEnum):
    READY = "ready"  # the model is known
    PENDING = "pending"  # its job is created by this plan: the model is known once it trains
    WAIT = "wait"  # its job is training (or waits for one that is)
    BLOCKED = "blocked"  # its job failed, or the checkpoint does not exist


class DeploymentReason(StrEnum):
    BLOCKED = "blocked"  # the model cannot be made (its job failed, no such checkpoint)
    WAITS_FOR_JOB = "waits-for-job"  # none yet, and its model's job is training
    ABSENT = "absent"  # no deployment of that name: create it
    WAITS_THEN_REPLACE = "waits-then-replace"  # serves the old model until the new one exists
    MODEL_CHANGED = "model-changed"  # Azure cannot change the model name: replace
    SKU_CHANGED = "sku-changed"  # Azure cannot change the sku name: replace
    REPLACE_ASKED = "replace-asked"  # --replace
    PROVISIONING = "provisioning"  # an operation runs on it in Azure: wait
    PROVISIONING_FAILED = "provisioning-failed"  # put it again
    DIFFERS = "differs"  # capacity, model version, stack tags or a §5.3 field: update in place
    MATCHES = "matches"  # as the spec wants
    LEFT_SPEC = "left-spec"  # carries the stack's tag, no longer in the spec: delete
    DELETING = "deleting"  # being deleted in Azure
    GONE = "gone"  # not there (apply: already deleted)
    FOREIGN = "foreign"  # not this stack's: never touched
    GATE_FAILED = "gate-failed"  # its new job's metrics fail its gate: keeps its model (§5.8)


#: why a deployment is replaced, as a reason code
_REPLACE_CAUSE = {
    "model": DeploymentReason.MODEL_CHANGED,
    "sku": DeploymentReason.SKU_CHANGED,
    "asked": DeploymentReason.REPLACE_ASKED,
}


def same_sku(a: str, b: str) -> bool:
    return a.lower() == b.lower()  # Azure's own examples write "standard" and "Standard"


def wanted_tags(stack: str, prevent_destroy: bool, existing: Mapping[str, str]) -> dict[str, str]:
    """The stack's tags, keeping whatever else people tagged the deployment with."""
    kept = {k: v for k, v in existing.items() if k not in OUR_TAGS}
    return dict(sorted({**kept, **stack_tags(stack, prevent_destroy)}.items()))


# -- payloads ------------------------------------------------------------------------------


def _model_json(model: Mapping[str, Any] | None) -> dict[str, str] | None:
    return None if model is None else {str(k): str(v) for k, v in model.items()}


def _opt(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return None if value is None else str(value)


@dataclass(frozen=True)
class DeploymentAfter:
    """The deployment as the spec wants it (the model is None until its job has trained)."""

    account: str
    account_name: str
    name: str
    model: Mapping[str, str] | None  # Azure's properties.model: format, name, version[, source]
    sku_name: str
    capacity: int
    tags: Mapping[str, str]
    job: str | None = None  # the spec job whose model (or checkpoint) it serves
    checkpoint: int | None = None
    # SPEC §5.3; None: not declared (Azure's value is kept)
    rai_policy: str | None = None
    version_upgrade: str | None = None
    spillover_to: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "account": self.account,
            "account_name": self.account_name,
            "name": self.name,
            "model": dict(self.model) if self.model is not None else None,
            "sku": {"name": self.sku_name, "capacity": self.capacity},
            "tags": dict(self.tags),
            **settings_json(self.rai_policy, self.version_upgrade, self.spillover_to),
        }
        if self.job is not None:
            data["job"] = self.job
            if self.checkpoint is not None:
                data["checkpoint"] = self.checkpoint
        return data

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> DeploymentAfter:
        sku = data["sku"]
        checkpoint = data.get("checkpoint")
        return DeploymentAfter(
            account=str(data["account"]),
            account_name=str(data["account_name"]),
            name=str(data["name"]),
            model=_model_json(data.get("model")),
            sku_name=str(sku["name"]),
            capacity=int(sku["capacity"]),
            tags={str(k): str(v) for k, v in (data.get("tags") or {}).items()},
            job=str(data["job"]) if data.get("job") is not None else None,
            checkpoint=int(checkpoint) if checkpoint is not None else None,
            rai_policy=_opt(data, "rai_policy"),
            version_upgrade=_opt(data, "version_upgrade"),
            spillover_to=_opt(data, "spillover_to"),
        )


@dataclass(frozen=True)
class DeploymentBefore:
    """The deployment as Azure holds it (declared fields and provisioning state)."""

    account: str
    account_name: str
    name: str
    model: Mapping[str, str]
    sku_name: str
    capacity: int
    tags: Mapping[str, str]
    provisioning_state: str
    rai_policy: str | None = None
    version_upgrade: str | None = None
    spillover_to: str | None = None

    @staticmethod
    def of(account: str, account_name: str, observed: ObservedDeployment) -> DeploymentBefore:
        model = observed.arm_model()
        return DeploymentBefore(
            account=account,
            account_name=account_name,
            name=observed.name,
            model=model,
            sku_name=observed.sku_name,
            capacity=observed.capacity,
            tags=dict(sorted(observed.tags.items())),
            provisioning_state=observed.provisioning_state,
            rai_policy=observed.rai_policy,
            version_upgrade=observed.version_upgrade,
            spillover_to=observed.spillover_to,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "account_name": self.account_name,
            "name": self.name,
            "model": dict(self.model),
            "sku": {"name": self.sku_name, "capacity": self.capacity},
            "tags": dict(self.tags),
            "provisioning_state": self.provisioning_state,
            **settings_json(self.rai_policy, self.version_upgrade, self.spillover_to),
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> DeploymentBefore:
        sku = data["sku"]
        return DeploymentBefore(
            account=str(data["account"]),
            account_name=str(data["account_name"]),
            name=str(data["name"]),
            model=_model_json(data.get("model")) or {},
            sku_name=str(sku["name"]),
            capacity=int(sku["capacity"]),
            tags={str(k): str(v) for k, v in (data.get("tags") or {}).items()},
            provisioning_state=str(data.get("provisioning_state") or ""),
            rai_policy=_opt(data, "rai_policy"),
            version_upgrade=_opt(data, "version_upgrade"),
            spillover_to=_opt(data, "spillover_to"),
        )


# -- identity and decision -----------------------------------------------------------------


@dataclass(frozen=True)
class WantedDeployment:
    """A deployment of the spec with its model resolved as far as it can be."""

    name: str  # the Azure deployment name
    model: Mapping[str, str] | None  # None: not known yet (see `state`)
    sku_name: str
    capacity: int
    prevent_destroy: bool
    state: TargetState = TargetState.READY
    note: str = ""  # what its model waits for, or why it cannot be made
    unknown_model: str = "(model of its job)"  # shown as the model name while not known
    # SPEC §5.3; None: not declared, never compared
    rai_policy: str | None = None
    version_upgrade: str | None = None
    spillover_to: str | None = None

    def settings(self) -> dict[str, str]:
        """The §5.3 fields the spec declares."""
        return settings_json(self.rai_policy, self.version_upgrade, self.spillover_to)

    def tags(self, stack: str, current: Mapping[str, str]) -> dict[str, str]:
        return wanted_tags(stack, self.prevent_destroy, current)


def identify(name: str, account: ObservedAccount) -> ObservedDeployment | None:
    """The deployment of that name (Azure's names are unique within an account)."""
    return account.deployment(name)


def owner_of(current: ObservedDeployment) -> str | None:
    return current.tags.get(TAG_STACK)


@dataclass(frozen=True)
class DeploymentDecision(Decision[DeploymentReason]):
    # a replace or delete that a protection forbids: the planner reports it, apply refuses
    refused: bool = False
    # the deployment of that name is not this stack's: the planner reports it, apply refuses
    foreign: bool = False


def field_changes(
    wanted: WantedDeployment, current: ObservedDeployment | None, stack: str
) -> list[FieldChange]:
    """The declared fields that differ. A new deployment lists its model and sku; an existing
    one also its stack tags. A model not known yet shows as `wanted.unknown_model`."""
    model = wanted.model
    after: dict[str, Any] = {
        "model.name": model["name"] if model else wanted.unknown_model,
        "model.version": model["version"] if model else None,
        "sku.name": wanted.sku_name,
        "sku.capacity": wanted.capacity,
        **wanted.settings(),  # only those written: Azure's defaults are never compared
    }
    if current is None:
        return [FieldChange(f, None, v) for f, v in after.items() if v is not None]
    tags = wanted.tags(stack, current.tags)
    after.update({f"tags.{k}": tags.get(k) for k in OUR_TAGS})
    before: dict[str, Any] = {
        "model.name": current.model_name,
        "model.version": current.model_version,
        "sku.name": current.sku_name,
        "sku.capacity": current.capacity,
        "rai_policy": current.rai_policy,
        "version_upgrade": current.version_upgrade,
        "spillover_to": current.spillover_to,
        **{f"tags.{k}": current.tags.get(k) for k in OUR_TAGS},
    }
    changes: list[FieldChange] = []
    for field, new in after.items():
        old = before[field]
        if field == "model.version" and not new:
            continue  # not known until the job has trained, or not written
        if field == "sku.name" and same_sku(str(old), str(new)):
            continue
        if field == "version_upgrade" and str(old).lower() == str(new).lower():
            continue  # Azure's enum is modelAsString: its case carries no meaning
        if old != new:
            changes.append(FieldChange(field, old, new))
    return changes


def decide(
    wanted: WantedDeployment,
    current: ObservedDeployment | None,
    *,
    stack: str,
    account_name: str,
    replace: bool = False,
) -> DeploymentDecision:
    """What to do so that the deployment `current` (None: there is none) is `wanted`."""

    def decision(
        action: Action,
        reason: DeploymentReason,
        facts: Mapping[str, Any],
        changed: list[FieldChange] | None = None,
        refused: bool = False,
    ) -> DeploymentDecision:
        return DeploymentDecision(action, reason, dict(facts), tuple(changed or ()), refused)

    if current is not None and owner_of(current) != stack:
        owner = {"owner": owner_of(current)}
        return DeploymentDecision(Action.NO_OP, DeploymentReason.FOREIGN, owner, foreign=True)
    if wanted.state is TargetState.BLOCKED:
        return decision(Action.NO_OP, DeploymentReason.BLOCKED, {"note": wanted.note})
    changed = field_changes(wanted, current, stack)
    pending = {"note": wanted.note} if wanted.state is TargetState.PENDING else {}
    if current is None:
        if wanted.state is TargetState.WAIT:
            return decision(
                Action.WAIT, DeploymentReason.WAITS_FOR_JOB, {"note": wanted.note}, changed
            )
        facts = {"name": wanted.name, "account_name": account_name, **pending}
        return decision(Action.CREATE, DeploymentReason.ABSENT, facts, changed)
    fields = {c.field for c in changed}
    cause = (
        "model"
        if "model.name" in fields
        else "sku"
        if "sku.name" in fields
        else "asked"
        if replace
        else ""
    )
    refused = bool(cause) and is_protected(current.tags, wanted.prevent_destroy)
    if wanted.state is TargetState.WAIT:
        facts = {"note": wanted.note, "serving": current.model_name, "cause": cause}
        return decision(Action.WAIT, DeploymentReason.WAITS_THEN_REPLACE, facts, changed, refused)
    if cause:
        return decision(Action.REPLACE, _REPLACE_CAUSE[cause], pending, changed, refused)
    if current.provisioning_in_progress:
        facts = {"account_name": account_name, "state": current.provisioning_state}
        return decision(Action.WAIT, DeploymentReason.PROVISIONING, facts, changed)
    if current.provisioning_failed:
        return decision(Action.UPDATE, DeploymentReason.PROVISIONING_FAILED, {}, changed)
    if changed:
        return decision(Action.UPDATE, DeploymentReason.DIFFERS, {}, changed)
    return decision(Action.NO_OP, DeploymentReason.MATCHES, {"account_name": account_name})


def decide_removed(
    current: ObservedDeployment | None,
    *,
    stack: str,
    account_name: str,
    serves: Mapping[str, Any] | None = None,
) -> DeploymentDecision:
    """What to do about a deployment the spec no longer has; `serves`: the spec job whose model
    it serves, when Azure tells (job, job_id, checkpoint, epoch), for the reviewer."""
    if current is None:
        return DeploymentDecision(Action.NO_OP, DeploymentReason.GONE, {})
    if owner_of(current) != stack:
        owner = {"owner": owner_of(current)}
        return DeploymentDecision(Action.NO_OP, DeploymentReason.FOREIGN, owner, foreign=True)
    if current.provisioning_state.lower() == "deleting":
        return DeploymentDecision(
            Action.NO_OP, DeploymentReason.DELETING, {"account_name": account_name}
        )
    facts: dict[str, Any] = {"stack": stack}
    if serves is not None:
        facts["serves"] = dict(serves)
    return DeploymentDecision(
        Action.DELETE, DeploymentReason.LEFT_SPEC, facts, refused=is_protected(current.tags)
    )


__all__ = [
    "SETTINGS",
    "TYPE",
    "DeploymentAfter",
    "DeploymentBefore",
    "DeploymentDecision",
    "DeploymentReason",
    "DesiredDeployment",
    "ObservedDeployment",
    "TargetState",
    "WantedDeployment",
    "decide",
    "decide_removed",
    "field_changes",
    "identify",
    "owner_of",
    "same_sku",
    "wanted_tags",
]
