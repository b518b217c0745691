"""Planning deployments: create, update in place, replace only what Azure cannot update, delete
what this stack made and the spec dropped, never touch anything else.

What a deployment is in Azure and what to do about it is the deployment kind's decision
(`reconciler.kinds.deployment`: declared fields only, replace only for a model or sku name).
This module walks the spec and the stack's deployments in Azure, and turns what the decision
refuses into errors at the spec line: a name used twice, a deployment of that name that is not
this stack's, a delete or replace of a protected deployment (the spec sets `prevent_destroy` or
Azure's deployment carries its tag; the tag holds even when the same change drops the flag or
the entry; see naming.is_protected).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.kinds import deployment as deployment_kind
from reconciler.kinds.deployment import (
    DeploymentAfter,
    DeploymentBefore,
    DeploymentDecision,
    WantedDeployment,
)
from reconciler.kinds.deployment import same_sku as same_sku
from reconciler.kinds.deployment import wanted_tags as wanted_tags
from reconciler.plan.deployment_settings import check_rai_policy, order_spillover
from reconciler.plan.desired import DesiredDeployment, JobRef
from reconciler.plan.model import Change, PlanIssue, ResourceType
from reconciler.plan.naming import META_JOB, META_STACK, TAG_PREVENT_DESTROY, TAG_STACK
from reconciler.plan.observed import ObservedAccount, ObservedDeployment
from reconciler.plan.promotion import gate_change
from reconciler.plan.render_reason import replace_text
from reconciler.plan.resolve import Resolver, Target, TargetState
from reconciler.plan.smoke_test import smoke_details


@dataclass(frozen=True)
class DeploymentPlan:
    """A deployment change with what the checks need to look at it again."""

    change: Change
    account: ObservedAccount
    desired: DesiredDeployment | None  # None: a deployment of this stack that left the spec
    target: Target | None
    observed: ObservedDeployment | None


def deployment_json(account: ObservedAccount, observed: ObservedDeployment) -> dict[str, Any]:
    return DeploymentBefore.of(account.key, account.name, observed).to_json()


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
        existing = deployment_kind.identify(desired.azure_name, account)
        planned = _plan_one(resolver, desired, account, existing, job_changes, issues)
        if planned is not None:
            plans.append(planned)
    addresses = {plan.change.address for plan in plans} | {
        d.address for d in resolver.desired.deployments.values()
    }
    for account_key in sorted(resolver.observed.accounts):
        if account_key not in resolver.desired.accounts:
            continue
        account = resolver.observed.accounts[account_key]
        for existing in sorted(account.deployments, key=lambda d: d.name):
            if (
                deployment_kind.owner_of(existing) != stack
                or (account_key, existing.name) in claimed
            ):
                continue
            address = f"deployment.{existing.name}"
            if address in addresses:
                address = f"deployment.{existing.name}@{account_key}"
            addresses.add(address)
            plans.append(_plan_removed(resolver, address, account, existing, issues))
    return order_spillover(resolver, plans, issues)


def _collision(
    stack: str, desired: DesiredDeployment, account: ObservedAccount, existing: ObservedDeployment
) -> PlanIssue:
    owner = existing.tags.get(TAG_STACK)
    whose = f"belongs to stack {owner}" if owner else f"does not carry the tag {TAG_STACK}: {stack}"
    adopt = (
        f"tag the existing one {TAG_STACK}: {stack} to adopt it"
        if owner
        else f"adopt it with `reconciler import DIR {desired.address}` (adds only the stack's tags)"
    )
    return PlanIssue(
        f"a deployment named {existing.name} already exists in {account.name} and {whose}; "
        "reconciler never changes or deletes a deployment it did not create: choose another "
        f"name, or {adopt}",
        desired.address,
        desired.where("name"),
    )


def _wanted(desired: DesiredDeployment, target: Target, unknown_model: str) -> WantedDeployment:
    """The spec's deployment with the model it should serve, as far as it is known."""
    return WantedDeployment(
        name=desired.azure_name,
        model=target.model,
        sku_name=desired.sku_name,
        capacity=desired.capacity,
        prevent_destroy=desired.prevent_destroy,
        state=target.state,
        note=target.note,
        unknown_model=unknown_model,
        rai_policy=desired.rai_policy,
        version_upgrade=desired.version_upgrade,
        spillover_to=desired.spillover_to,
    )


def _plan_one(
    resolver: Resolver,
    desired: DesiredDeployment,
    account: ObservedAccount,
    existing: ObservedDeployment | None,
    job_changes: Mapping[str, Change],
    issues: list[PlanIssue],
) -> DeploymentPlan | None:
    """The deployment's change; None (and an error) when the name is another's in Azure."""
    stack = resolver.desired.stack
    target = resolver.target(desired)
    job_address = target.job.address if target.job else "its job"
    wanted = _wanted(desired, target, f"(model of {job_address})")
    job: str | None = None
    depends_on: tuple[str, ...] = ()
    if isinstance(desired.model, JobRef):
        job = desired.model.job
        job_change = job_changes.get(f"job.{desired.model.job}")
        if job_change is not None and job_change.is_change:
            depends_on = (job_change.address,)
    after = DeploymentAfter(
        account=desired.account,
        account_name=account.name,
        name=desired.azure_name,
        model=target.model,
        sku_name=desired.sku_name,
        capacity=desired.capacity,
        tags=wanted.tags(stack, existing.tags if existing else {}),
        job=job,
        checkpoint=desired.model.checkpoint if isinstance(desired.model, JobRef) else None,
        rai_policy=desired.rai_policy,
        version_upgrade=desired.version_upgrade,
        spillover_to=desired.spillover_to,
    )
    check_rai_policy(desired, account, issues)
    decision = deployment_kind.decide(
        wanted,
        existing,
        stack=stack,
        account_name=account.name,
        replace=desired.address in resolver.replace,
    )
    if decision.foreign and existing is not None:
        issues.append(_collision(stack, desired, account, existing))
        return None
    details: dict[str, Any] = {}
    if target.state is TargetState.BLOCKED:
        details["status"] = "blocked"
        issues.append(
            PlanIssue(
                f"cannot be deployed: {target.note}" + _retry_hint(target),
                desired.address,
                desired.where("model"),
            )
        )
    else:
        details["changed"] = [c.to_json() for c in decision.changed]
        details.update(smoke_details(desired.smoke_test, decision.action))
    if decision.refused and existing is not None:
        issues.append(_replace_refused(desired, existing, decision))
    change = Change(
        desired.address,
        ResourceType.DEPLOYMENT,
        decision.action,
        decision.because,
        DeploymentBefore.of(account.key, account.name, existing) if existing else None,
        after,
        depends_on,
        details,
    )
    change = gate_change(resolver, desired, target, change, issues)
    return DeploymentPlan(change, account, desired, target, existing)


def _replace_refused(
    desired: DesiredDeployment, existing: ObservedDeployment, decision: DeploymentDecision
) -> PlanIssue:
    fields = {c.field for c in decision.changed}
    why = replace_text(_replace_cause(fields))
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


def _replace_cause(fields: set[str]) -> str:
    return "model" if "model.name" in fields else "sku" if "sku.name" in fields else "asked"


def _served_job(resolver: Resolver, model: str) -> dict[str, Any] | None:
    """Which of this stack's spec jobs trained the model a deployment serves, if Azure tells:
    a reviewer recognises a deletion by the entry it came from, not by its Azure name."""
    stack = resolver.desired.stack
    for key in sorted(resolver.observed.accounts):
        for job in resolver.observed.accounts[key].jobs:
            name = job.metadata.get(META_JOB)
            if name is None or job.metadata.get(META_STACK) != stack:
                continue
            if job.fine_tuned_model == model:
                return {"job": name, "job_id": job.id, "checkpoint": False, "epoch": None}
            for checkpoint in job.checkpoints:
                if checkpoint.id == model:
                    return {
                        "job": name,
                        "job_id": job.id,
                        "checkpoint": True,
                        "epoch": checkpoint.epoch,
                    }
    return None


def _plan_removed(
    resolver: Resolver,
    address: str,
    account: ObservedAccount,
    existing: ObservedDeployment,
    issues: list[PlanIssue],
) -> DeploymentPlan:
    decision = deployment_kind.decide_removed(
        existing,
        stack=resolver.desired.stack,
        account_name=account.name,
        serves=_served_job(resolver, existing.model_name),
    )
    if decision.refused:
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
    before = DeploymentBefore.of(account.key, account.name, existing)
    change = Change(
        address, ResourceType.DEPLOYMENT, decision.action, decision.because, before, None
    )
    return DeploymentPlan(change, account, None, None, existing)
