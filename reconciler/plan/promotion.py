"""The planner's side of promotion gates and of the metrics side by side (SPEC.md §5.8).

A deployment *moves* when the plan creates it, or replaces the model it serves, with the final
model of one of the spec's jobs (a model-version update or a sku change is no move). A gated
deployment moves only when the gate holds on that job's final metrics
(`reconciler.promotion.gate.evaluate`, the same apply calls); when it fails, the change is
`blocked` (Action.BLOCKED, reason `gate-failed` with each metric against its bound): nothing
is written to the deployment, which keeps serving what it serves. A gated metric the job did
not report is an error at the gate's place. While the job is created by this plan or still
training, the gate is shown as checked when the job finishes (apply checks it then).

For a move that replaces the model of one of this stack's jobs, `details.promotion` carries
both jobs' final metrics and loss curves (display data: a saved plan keeps them).

The metrics are read by `reconciler.azure.job_results` only for the jobs `wanted_results`
names (from a first plan without them), so a plan without promotions reads nothing more.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from reconciler.kinds.deployment import DeploymentAfter, DeploymentBefore, DeploymentReason
from reconciler.plan.desired import Desired, DesiredDeployment
from reconciler.plan.model import Action, Because, Change, Plan, PlanIssue, ResourceType
from reconciler.plan.naming import META_JOB, META_STACK
from reconciler.plan.observed import Observed, ObservedJob
from reconciler.plan.resolve import JobState, Resolver, Target, TargetState
from reconciler.promotion.gate import evaluate
from reconciler.promotion.metrics import JobResults

#: the actions by which a deployment comes to serve another model
_MOVES = (Action.CREATE, Action.REPLACE, Action.UPDATE)


def moves_to(change: Change) -> str | None:
    """The model name a deployment change moves to (a job's final model only), else None."""
    after, before = change.after, change.before
    if not isinstance(after, DeploymentAfter) or after.job is None or after.checkpoint is not None:
        return None
    if after.model is None or change.action not in _MOVES:
        return None
    name = after.model.get("name")
    if isinstance(before, DeploymentBefore) and before.model.get("name") == name:
        return None
    return name


def serving_job(observed: Observed, stack: str, model: str) -> tuple[str, str, ObservedJob] | None:
    """(account key, spec job name, job) of this stack's job that trained ``model`` (as
    `plan.deployments._served_job` finds it), final model or checkpoint."""
    for key in sorted(observed.accounts):
        for job in observed.accounts[key].jobs:
            name = job.metadata.get(META_JOB)
            if name is None or job.metadata.get(META_STACK) != stack:
                continue
            if job.fine_tuned_model == model or any(c.id == model for c in job.checkpoints):
                return key, name, job
    return None


def _new_job(resolver: Resolver, desired: DesiredDeployment) -> tuple[str, ObservedJob] | None:
    """(account key, job) of the trained job whose model the deployment moves to."""
    model = desired.model
    if isinstance(model, str):
        return None
    resolution = resolver.job(model.job)
    if resolution.state is not JobState.TRAINED or resolution.match is None:
        return None
    return resolution.job.account, resolution.match


def wanted_results(desired: Desired, observed: Observed, plan: Plan) -> dict[str, set[str]]:
    """Account key -> the ids of the jobs whose final metrics this plan needs: the new job of a
    gated deployment that moves, and both jobs of a promotion (a move from one of this stack's
    jobs' models to another's)."""
    resolver = Resolver(desired, observed, frozenset())
    wanted: dict[str, set[str]] = {}
    for change in plan.changes:
        if change.type is not ResourceType.DEPLOYMENT or moves_to(change) is None:
            continue
        entry = desired.deployments.get(change.address.removeprefix("deployment."))
        if entry is None:
            continue
        new = _new_job(resolver, entry)
        if new is None:
            continue
        before = change.before
        served = (
            serving_job(observed, desired.stack, before.model.get("name", ""))
            if isinstance(before, DeploymentBefore)
            else None
        )
        if entry.gate is None and served is None:
            continue
        wanted.setdefault(new[0], set()).add(new[1].id)
        if served is not None and served[2].id != new[1].id:
            wanted.setdefault(served[0], set()).add(served[2].id)
    return wanted


def _results(observed: Observed, account: str, job_id: str) -> JobResults | None:
    found = observed.accounts.get(account)
    return found.results.get(job_id) if found is not None else None


def _side(name: str, job: ObservedJob, results: JobResults | None) -> dict[str, Any]:
    side: dict[str, Any] = {"job": name, "job_id": job.id, "model": job.fine_tuned_model}
    if results is not None:
        side["metrics"] = dict(sorted(results.metrics.items()))
        side["total_steps"] = results.total_steps
        side["curves"] = {k: [list(p) for p in v] for k, v in sorted(results.curves.items())}
    return side


def gate_change(
    resolver: Resolver,
    desired: DesiredDeployment,
    target: Target,
    change: Change,
    issues: list[PlanIssue],
) -> Change:
    """The deployment's change with its gate applied and its promotion's metrics attached."""
    if not isinstance(desired.model, str) and desired.gate is not None:
        pending = target.state in (TargetState.PENDING, TargetState.WAIT)
        if pending and change.is_change:
            details = {
                **change.details,
                "gate": {"pending": f"job.{desired.model.job}", "bounds": dict(desired.gate)},
            }
            return dataclasses.replace(change, details=details)
    if moves_to(change) is None:
        return change
    new = _new_job(resolver, desired)
    if new is None:
        return change
    account, job = new
    observed = resolver.observed
    results = _results(observed, account, job.id)
    details = dict(change.details)
    before = change.before
    served = (
        serving_job(observed, resolver.desired.stack, before.model.get("name", ""))
        if isinstance(before, DeploymentBefore)
        else None
    )
    job_name = str(getattr(desired.model, "job", ""))
    if served is not None and served[2].id != job.id:
        details["promotion"] = {
            "serving": _side(served[1], served[2], _results(observed, served[0], served[2].id)),
            "new": _side(job_name, job, results),
        }
    if desired.gate is None:
        return dataclasses.replace(change, details=details)
    if results is None:  # not read (a plan made before its metrics are): apply checks it
        details["gate"] = {"unread": f"job.{job_name}", "bounds": dict(desired.gate)}
        return dataclasses.replace(change, details=details)
    verdict = evaluate(desired.gate, results)
    details["gate"] = {"job_id": job.id, "metrics": [m.to_json() for m in verdict.metrics]}
    for metric in verdict.unreported:
        issues.append(
            PlanIssue(
                f"gate.{metric}: job.{job_name} ({job.id}) finished without reporting {metric} "
                f"(it reports: {', '.join(sorted(results.metrics)) or 'no metrics'})",
                desired.address,
                desired.where(f"gate.{metric}", "gate"),
            )
        )
    if verdict.holds or verdict.unreported:
        return dataclasses.replace(change, details=details)
    details.pop("smoke_test", None)  # nothing is written, so nothing is smoke-tested
    facts: Mapping[str, Any] = {
        "job": f"job.{job_name}",
        "job_id": job.id,
        "metrics": [m.to_json() for m in verdict.failing()],
        "serving": before.model.get("name") if isinstance(before, DeploymentBefore) else None,
    }
    return dataclasses.replace(
        change,
        action=Action.BLOCKED,
        because=Because(DeploymentReason.GATE_FAILED, facts),
        details=details,
        depends_on=(),
    )
