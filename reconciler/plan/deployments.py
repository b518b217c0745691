"""Planning deployments: create, update in place, replace only what Azure cannot update, delete
what this stack made and the spec dropped, never touch anything else.

Only fields the spec declares are compared (model name and version, sku name and capacity, the
stack's own tags), so server-filled defaults (raiPolicyName, versionUpgradeOption,
currentCapacity, …) never show as changes. Azure updates capacity, tags and the model version
in place; a new model name or sku name needs delete-then-create under the same name (replace).
A delete or replace of a deployment that is protected turns into an error at the spec line:
protected means the spec sets `prevent_destroy` or Azure's deployment carries its tag (the tag
holds even when the same change drops the flag or the entry; see naming.is_protected).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.plan.desired import DesiredDeployment, JobRef
from reconciler.plan.model import Action, Change, FieldChange, PlanIssue, ResourceType
from reconciler.plan.naming import (
    META_JOB,
    META_STACK,
    OUR_TAGS,
    TAG_PREVENT_DESTROY,
    TAG_STACK,
    is_protected,
    stack_tags,
)
from reconciler.plan.observed import ObservedAccount, ObservedDeployment
from reconciler.plan.resolve import Resolver, Target, TargetState


@dataclass(frozen=True)
class DeploymentPlan:
    """A deployment change with what the checks need to look at it again."""

    change: Change
    account: ObservedAccount
    desired: DesiredDeployment | None  # None: a deployment of this stack that left the spec
    target: Target | None
    observed: ObservedDeployment | None


def deployment_json(account: ObservedAccount, observed: ObservedDeployment) -> dict[str, Any]:
    model: dict[str, Any] = {
        "format": observed.model_format,
        "name": observed.model_name,
        "version": observed.model_version,
    }
    if observed.source:
        model["source"] = observed.source
    if observed.source_account:
        model["sourceAccount"] = observed.source_account
    return {
        "account": account.key,
        "account_name": account.name,
        "name": observed.name,
        "model": model,
        "sku": {"name": observed.sku_name, "capacity": observed.capacity},
        "tags": dict(sorted(observed.tags.items())),
        "provisioning_state": observed.provisioning_state,
    }


def wanted_tags(stack: str, prevent_destroy: bool, existing: Mapping[str, str]) -> dict[str, str]:
    """The stack's tags, keeping whatever else people tagged the deployment with."""
    kept = {k: v for k, v in existing.items() if k not in OUR_TAGS}
    return dict(sorted({**kept, **stack_tags(stack, prevent_destroy)}.items()))


def same_sku(a: str, b: str) -> bool:
    return a.lower() == b.lower()  # Azure's own examples write "standard" and "Standard"


def plan_deployments(
    resolver: Resolver, job_changes: Mapping[str, Change], issues: list[PlanIssue]
) -> list[DeploymentPlan]:
    stack = resolver.desired.stack
    plans: list[DeploymentPlan] = []
    claimed: dict[tuple[str, str], str] = {}
    for key in sorted(resolver.desired.deployments):
        desired = resolver.desired.deployments[key]
        account = resolver.account(desired.account)
        if account is None:
            continue
        slot = (desired.account, desired.azure_name)
        if slot in claimed:
            issues.append(
                PlanIssue(
                    f"{claimed[slot]} already uses the name {desired.azure_name} "
                    f"in account {desired.account}",
                    desired.address,
                    desired.where("name"),
                )
            )
            continue
        claimed[slot] = desired.address
        existing = account.deployment(desired.azure_name)
        if existing is not None and existing.tags.get(TAG_STACK) != stack:
            issues.append(_collision(stack, desired, account, existing))
            continue
        plans.append(_plan_one(resolver, desired, account, existing, job_changes, issues))
    addresses = {plan.change.address for plan in plans} | {
        d.address for d in resolver.desired.deployments.values()
    }
    for account_key in sorted(resolver.observed.accounts):
        if account_key not in resolver.desired.accounts:
            continue
        account = resolver.observed.accounts[account_key]
        for existing in sorted(account.deployments, key=lambda d: d.name):
            if existing.tags.get(TAG_STACK) != stack or (account_key, existing.name) in claimed:
                continue
            address = f"deployment.{existing.name}"
            if address in addresses:
                address = f"deployment.{existing.name}@{account_key}"
            addresses.add(address)
            plans.append(_plan_removed(resolver, address, account, existing, issues))
    return plans


def _collision(
    stack: str, desired: DesiredDeployment, account: ObservedAccount, existing: ObservedDeployment
) -> PlanIssue:
    owner = existing.tags.get(TAG_STACK)
    whose = f"belongs to stack {owner}" if owner else f"does not carry the tag {TAG_STACK}: {stack}"
    return PlanIssue(
        f"a deployment named {existing.name} already exists in {account.name} and {whose}; "
        "reconciler never changes or deletes a deployment it did not create: choose another "
        f"name, or tag the existing one {TAG_STACK}: {stack} to adopt it",
        desired.address,
        desired.where("name"),
    )


def _plan_one(
    resolver: Resolver,
    desired: DesiredDeployment,
    account: ObservedAccount,
    existing: ObservedDeployment | None,
    job_changes: Mapping[str, Change],
    issues: list[PlanIssue],
) -> DeploymentPlan:
    stack = resolver.desired.stack
    target = resolver.target(desired)
    tags = wanted_tags(stack, desired.prevent_destroy, existing.tags if existing else {})
    after: dict[str, Any] = {
        "account": desired.account,
        "account_name": account.name,
        "name": desired.azure_name,
        "model": target.model,
        "sku": {"name": desired.sku_name, "capacity": desired.capacity},
        "tags": tags,
    }
    depends_on: tuple[str, ...] = ()
    if isinstance(desired.model, JobRef):
        after["job"] = desired.model.job
        if desired.model.checkpoint is not None:
            after["checkpoint"] = desired.model.checkpoint
        job_change = job_changes.get(f"job.{desired.model.job}")
        if job_change is not None and job_change.is_change:
            depends_on = (job_change.address,)
    before = deployment_json(account, existing) if existing else None
    details: dict[str, Any] = {}

    def result(action: Action, reason: str) -> DeploymentPlan:
        change = Change(
            desired.address,
            ResourceType.DEPLOYMENT,
            action,
            reason,
            before,
            after,
            depends_on,
            details,
        )
        return DeploymentPlan(change, account, desired, target, existing)

    if target.state is TargetState.BLOCKED:
        details["status"] = "blocked"
        issues.append(
            PlanIssue(
                f"cannot be deployed: {target.note}" + _retry_hint(target),
                desired.address,
                desired.where("model"),
            )
        )
        return result(Action.NO_OP, f"blocked: {target.note}")

    job_address = target.job.address if target.job else "its job"
    changed = _field_changes(desired, tags, existing, target.model, f"(model of {job_address})")
    details["changed"] = [c.to_json() for c in changed]
    fields = {c.field for c in changed}

    if existing is None:
        if target.state is TargetState.WAIT:
            return result(Action.WAIT, f"waits for {target.note}")
        reason = f"no deployment named {desired.azure_name} in {account.name}"
        if target.state is TargetState.PENDING:
            reason += f"; it serves the model of {target.note}"
        return result(Action.CREATE, reason)

    why_replace = ""
    if "model.name" in fields:
        why_replace = "Azure cannot change the model of a deployment"
    elif "sku.name" in fields:
        why_replace = "Azure cannot change the sku name of a deployment"
    elif desired.address in resolver.replace:
        why_replace = "replacement asked with --replace"
    if why_replace and is_protected(existing.tags, desired.prevent_destroy):
        issues.append(_replace_refused(desired, existing, why_replace, fields))
    if target.state is TargetState.WAIT:
        return result(
            Action.WAIT,
            f"waits for {target.note}; serves {existing.model_name} until then, "
            f"then is replaced ({why_replace})",
        )
    if why_replace:
        if target.state is TargetState.PENDING:
            why_replace += f"; the new model comes from {target.note}"
        return result(Action.REPLACE, why_replace)
    if existing.provisioning_in_progress:
        state = existing.provisioning_state
        return result(Action.WAIT, f"provisioning in progress in {account.name} ({state})")
    if existing.provisioning_failed:
        return result(Action.UPDATE, "provisioning failed in Azure; putting it again")
    if changed:
        return result(Action.UPDATE, _update_reason(changed))
    return result(Action.NO_OP, f"matches the spec in {account.name}")


def _replace_refused(
    desired: DesiredDeployment, existing: ObservedDeployment, why: str, fields: set[str]
) -> PlanIssue:
    keep = "model" if "model.name" in fields else "sku"
    lift = (
        "apply prevent_destroy: false on its own first (that only updates the tag in place), "
        f"or remove the tag in Azure; or keep the current {keep}"
    )
    if desired.prevent_destroy:
        message = f"prevent_destroy forbids replacing it ({why}); {lift}"
    else:
        message = (
            f'Azure marks it protected ({TAG_PREVENT_DESTROY}: "true"), so it is not replaced '
            f"({why}) whatever the spec now says; {lift}"
        )
    cause = "model" if "model.name" in fields else "sku.name" if "sku.name" in fields else ""
    return PlanIssue(message, desired.address, desired.where("prevent_destroy", cause))


def _retry_hint(target: Target) -> str:
    if (
        target.job is not None
        and target.job.match is not None
        and target.job.match.status.finished_badly
    ):
        return f"; fix the job's inputs, or retry it with plan --replace {target.job.address}"
    return ""


def _field_changes(
    desired: DesiredDeployment,
    tags: Mapping[str, str],
    existing: ObservedDeployment | None,
    model: Mapping[str, str] | None,
    unknown_model: str,
) -> list[FieldChange]:
    """The declared fields that differ. A new deployment lists its model and sku; an existing
    one also its stack tags. A model not known yet shows as `unknown_model`."""
    after: dict[str, Any] = {
        "model.name": model["name"] if model else unknown_model,
        "model.version": model["version"] if model else None,
        "sku.name": desired.sku_name,
        "sku.capacity": desired.capacity,
    }
    if existing is None:
        return [FieldChange(f, None, v) for f, v in after.items() if v is not None]
    after.update({f"tags.{k}": tags.get(k) for k in OUR_TAGS})
    before: dict[str, Any] = {
        "model.name": existing.model_name,
        "model.version": existing.model_version,
        "sku.name": existing.sku_name,
        "sku.capacity": existing.capacity,
        **{f"tags.{k}": existing.tags.get(k) for k in OUR_TAGS},
    }
    changes: list[FieldChange] = []
    for field, new in after.items():
        old = before[field]
        if field == "model.version" and model is None:
            continue  # not known until the job has trained
        if field == "sku.name" and same_sku(str(old), str(new)):
            continue
        if old != new:
            changes.append(FieldChange(field, old, new))
    return changes


def _update_reason(changed: list[FieldChange]) -> str:
    parts = []
    for change in changed:
        if change.field == "sku.capacity":
            parts.append(f"capacity {change.before} → {change.after}")
        elif change.field == "model.version":
            parts.append(f"model version {change.before} → {change.after}")
        elif change.field == f"tags.{TAG_PREVENT_DESTROY}":
            parts.append("prevent-destroy tag " + ("added" if change.after else "removed"))
    if any(
        c.field.startswith("tags.") and c.field != f"tags.{TAG_PREVENT_DESTROY}" for c in changed
    ):
        parts.append("stack tags restored")
    return ", ".join(parts) + " (updated in place)"


def _served_job(resolver: Resolver, model: str) -> str | None:
    """Which of this stack's spec jobs trained the model a deployment serves, if Azure tells:
    a reviewer recognises a deletion by the entry it came from, not by its Azure name."""
    stack = resolver.desired.stack
    for key in sorted(resolver.observed.accounts):
        for job in resolver.observed.accounts[key].jobs:
            name = job.metadata.get(META_JOB)
            if name is None or job.metadata.get(META_STACK) != stack:
                continue
            if job.fine_tuned_model == model:
                return f"the model of job.{name} ({job.id})"
            for checkpoint in job.checkpoints:
                if checkpoint.id == model:
                    epoch = f"epoch {checkpoint.epoch}" if checkpoint.epoch else "a checkpoint"
                    return f"the checkpoint of {epoch} of job.{name} ({job.id})"
    return None


def _plan_removed(
    resolver: Resolver,
    address: str,
    account: ObservedAccount,
    existing: ObservedDeployment,
    issues: list[PlanIssue],
) -> DeploymentPlan:
    before = deployment_json(account, existing)
    stack = resolver.desired.stack
    if existing.provisioning_state.lower() == "deleting":
        action, reason = Action.NO_OP, f"being deleted in {account.name}"
    else:
        action = Action.DELETE
        reason = f"carries {TAG_STACK}: {stack} and is no longer in the spec"
        origin = _served_job(resolver, existing.model_name)
        if origin is not None:
            reason += f"; it serves {origin}"
        if is_protected(existing.tags):
            issues.append(
                PlanIssue(
                    f"deployment {existing.name} in {account.name} left the spec but carries "
                    f'{TAG_PREVENT_DESTROY}: "true"; to delete it, put the entry back with '
                    "prevent_destroy: false and apply (that only updates the tag in place), "
                    "or remove the tag in Azure",
                    address,
                    resolver.desired.stack_location,
                )
            )
    change = Change(address, ResourceType.DEPLOYMENT, action, reason, before, None)
    return DeploymentPlan(change, account, None, None, existing)
