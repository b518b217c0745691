"""Planning checkpoint copies: a deployment of `{job: J, checkpoint: N}` in another account
than J's needs the checkpoint copied there first (reconciler.kinds.checkpoint_copy; the rule
and its sources are in docs/azure.md).

One copy per (job, epoch, destination), however many deployments there serve it; each of them
depends on it. The documented prerequisites that the observation shows are checked here, as
errors at the deployment's `model`: source and destination in one tenant, the destination
allowing public network access, the destination holding at least one fine-tuning job (or
getting one from this plan, which the copy then waits for). The permission the copy needs (a
managed identity of the source with a role on the destination) cannot be read: it is named
when a copy fails.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from reconciler.kinds import checkpoint_copy as copy_kind
from reconciler.kinds.checkpoint_copy import CopyAfter, CopyBefore, Readiness
from reconciler.kinds.deployment import TargetState
from reconciler.plan.desired import Desired, DesiredDeployment, JobRef
from reconciler.plan.model import Change, PlanIssue, ResourceType
from reconciler.plan.resolve import Resolver

_READINESS = {
    TargetState.READY: Readiness.KNOWN,
    TargetState.PENDING: Readiness.PENDING,
    TargetState.WAIT: Readiness.WAIT,
    TargetState.BLOCKED: Readiness.BLOCKED,
}


def copied_checkpoint(desired: Desired, deployment: DesiredDeployment) -> JobRef | None:
    """The checkpoint a deployment serves from another account's job (so it needs a copy)."""
    model = deployment.model
    if not isinstance(model, JobRef) or model.checkpoint is None:
        return None
    job = desired.jobs.get(model.job)
    if job is None or job.account == deployment.account:
        return None
    return model


def copy_address(desired: Desired, deployment: DesiredDeployment) -> str | None:
    ref = copied_checkpoint(desired, deployment)
    if ref is None or ref.checkpoint is None:
        return None
    return copy_kind.address(ref.job, ref.checkpoint, deployment.account)


def plan_copies(
    resolver: Resolver, job_changes: Mapping[str, Change], issues: list[PlanIssue]
) -> dict[str, Change]:
    desired = resolver.desired
    first: dict[str, DesiredDeployment] = {}
    for key in sorted(desired.deployments):
        deployment = desired.deployments[key]
        address = copy_address(desired, deployment)
        if address is not None:
            first.setdefault(address, deployment)
    changes: dict[str, Change] = {}
    for address, deployment in first.items():
        change = _plan_one(resolver, address, deployment, job_changes, issues)
        if change is not None:
            changes[address] = change
    return changes


def _plan_one(
    resolver: Resolver,
    address: str,
    deployment: DesiredDeployment,
    job_changes: Mapping[str, Change],
    issues: list[PlanIssue],
) -> Change | None:
    desired = resolver.desired
    ref = copied_checkpoint(desired, deployment)
    assert ref is not None and ref.checkpoint is not None
    job = desired.jobs[ref.job]
    source, destination = resolver.account(job.account), resolver.account(deployment.account)
    if source is None or destination is None:
        return None  # the planner reports accounts it could not read
    origin, here = desired.accounts[job.account], desired.accounts[deployment.account]
    where = deployment.where("model")
    depends_on = [f"job.{ref.job}"] if _is_change(job_changes, f"job.{ref.job}") else []
    if origin.tenant_id != here.tenant_id:
        issues.append(
            PlanIssue(
                f"the checkpoint of epoch {ref.checkpoint} of job.{ref.job} would have to be "
                f"copied from tenant {origin.tenant_id or '(default)'} to "
                f"{here.tenant_id or '(default)'}; Azure copies checkpoints only within one "
                "tenant: deploy the job's final model (model: {job: "
                f"{ref.job}}}), or train the job in this tenant",
                address,
                where,
            )
        )
    if (destination.public_network_access or "").lower() == "disabled":
        issues.append(
            PlanIssue(
                f"{destination.name} disables public network access, and Azure copies a "
                "checkpoint only into an account that allows it (at least while the copy is "
                "requested): enable it, or deploy in another account",
                address,
                where,
            )
        )
    if not destination.jobs:
        planned = sorted(
            a
            for a, c in job_changes.items()
            if c.is_change and desired.jobs[a.removeprefix("job.")].account == here.key
        )
        if planned:
            depends_on.append(planned[0])
        else:
            issues.append(
                PlanIssue(
                    f"{destination.name} has no fine-tuning job, and Azure copies a checkpoint "
                    "only into an account with at least one: run a fine-tuning job there "
                    "first (a job of this spec in that account will do)",
                    address,
                    where,
                )
            )
    target = resolver.target(deployment)
    readiness = _READINESS[target.state]
    checkpoint_id = target.model["name"] if target.model is not None else None
    job_id = target.job.match.id if target.job and target.job.match else None
    arm_id = destination.arm_id or here.arm_id
    current = None
    if checkpoint_id is not None:
        current = copy_kind.identify(arm_id, source.copies.get(checkpoint_id, ()))
    decision = copy_kind.decide(
        readiness, current, note=target.note, destination_name=destination.name
    )
    after = CopyAfter(
        job=ref.job,
        checkpoint=ref.checkpoint,
        source=job.account,
        source_name=source.name,
        destination=deployment.account,
        destination_name=destination.name,
        destination_resource_id=arm_id,
        region=destination.location,
        job_id=job_id if checkpoint_id is not None else None,
        checkpoint_id=checkpoint_id,
    )
    before = CopyBefore(checkpoint_id, current) if checkpoint_id and current else None
    details = {"status": "blocked"} if readiness is Readiness.BLOCKED else {}
    return Change(
        address,
        ResourceType.CHECKPOINT_COPY,
        decision.action,
        decision.because,
        before,
        after,
        tuple(depends_on),
        details,
    )


def _is_change(changes: Mapping[str, Change], address: str) -> bool:
    change = changes.get(address)
    return change is not None and change.is_change


def with_copies(desired: Desired, deployment: Change, copies: Mapping[str, Change]) -> Change:
    """The deployment's change, depending on the copy of its checkpoint while that is to do."""
    key = deployment.address.removeprefix("deployment.")
    spec = desired.deployments.get(key)
    if spec is None:
        return deployment
    address = copy_address(desired, spec)
    copy = copies.get(address) if address is not None else None
    if copy is None or not copy.is_change or copy.address in deployment.depends_on:
        return deployment
    return dataclasses.replace(deployment, depends_on=(*deployment.depends_on, copy.address))
