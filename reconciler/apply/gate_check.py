"""Apply's side of promotion gates (SPEC.md §5.8), right before a deployment's PUT.

A deployment whose model becomes known during this apply (its job trained in this run, or
finished since the plan) is gated here on the job's final metrics read now, with the same
`evaluate` as the planner: when the gate fails, nothing is written and the step ends
`blocked by its gate`, one line per metric against its bound. A deployment the plan moved with
its gate checked on that very model is not read again; one that serves the job's model already
is no move and is never gated. A saved plan's `blocked` change is not carried out: reported
as blocked, as planned.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.apply.context import ApplyContext
from reconciler.apply.scheduler import Outcome, TaskContext
from reconciler.azure import lookup, read
from reconciler.azure.observe import observed_job
from reconciler.kinds.deployment import DeploymentAfter, WantedDeployment
from reconciler.plan.desired import JobRef
from reconciler.plan.model import Change
from reconciler.plan.observed import ObservedDeployment, ObservedJob
from reconciler.plan.render_reason import render_reason
from reconciler.plan.resolve import Resolver
from reconciler.promotion.gate import MetricVerdict, evaluate
from reconciler.promotion.metrics import JobResults, final_results


def planned_block(change: Change) -> Outcome:
    """A saved or fresh plan's blocked change: reported, not carried out."""
    gate = change.details.get("gate")
    metrics = gate.get("metrics") if isinstance(gate, dict) else None
    lines = [MetricVerdict.from_json(m).line() for m in metrics or ()]
    return Outcome.gated("\n".join([render_reason(change), *lines]))


def _checked_at_plan(change: Change) -> bool:
    gate = change.details.get("gate")
    after = change.after
    return (
        isinstance(gate, dict)
        and gate.get("metrics") is not None
        and isinstance(after, DeploymentAfter)
        and after.model is not None
    )


def _job_now(app: ApplyContext, ctx: TaskContext, job_name: str) -> ObservedJob | None:
    """The job whose model is deployed: as this apply's job step left it, else as observed."""
    try:
        value = ctx.value_of(f"job.{job_name}")
    except LookupError:
        value = None
    if isinstance(value, Mapping) and value.get("id"):
        return observed_job(dict(value))
    resolution = Resolver(app.desired, app.observed, app.replace).job(job_name)
    return resolution.match


def read_results(app: ApplyContext, ctx: TaskContext, account: str, job: ObservedJob) -> JobResults:
    access = app.account(account)
    client = lookup.data_plane_for(app.clients, access)
    checkpoints: list[dict[str, Any]] = app.call(
        ctx,
        f"list checkpoints of {job.id} in {access.name}",
        lambda: read.list_checkpoints(client, access.name, job.id),
    )
    if job.result_files:
        file_id = job.result_files[0]
        text: str | None = app.call(
            ctx,
            f"read results of {job.id} in {access.name}",
            lambda: read.file_text(client, access.name, file_id),
        )
    else:
        text = app.call(
            ctx,
            f"read results of {job.id} in {access.name}",
            lambda: read.job_results_csv(client, access.name, job.id),
        )
    return final_results(job.id, checkpoints, text)


def gate_before_put(
    app: ApplyContext,
    change: Change,
    ctx: TaskContext,
    wanted: WantedDeployment,
    current: ObservedDeployment | None,
) -> Outcome | None:
    """None: write the deployment; else the outcome that holds it back."""
    desired = app.desired.deployments.get(change.address.removeprefix("deployment."))
    if desired is None or desired.gate is None or not isinstance(desired.model, JobRef):
        return None
    model = (wanted.model or {}).get("name")
    if current is not None and current.model_name == model:
        return None  # serves that model already: no move
    if _checked_at_plan(change):
        return None
    job_name = desired.model.job
    job = _job_now(app, ctx, job_name)
    if job is None:
        return Outcome.failed(f"cannot check the gate: job.{job_name} is not found in Azure")
    ctx.update(f"reading the final metrics of {job.id} for the gate")
    results = read_results(app, ctx, app.desired.jobs[job_name].account, job)
    verdict = evaluate(desired.gate, results)
    if verdict.unreported:
        missing = ", ".join(verdict.unreported)
        return Outcome.failed(
            f"not deployed: job.{job_name} ({job.id}) finished without reporting {missing}, "
            "which its gate bounds"
        )
    if verdict.holds:
        ctx.log(f"{change.address}: gate holds on {job.id}: " + "; ".join(verdict.lines()))
        return None
    keeps = f"keeps serving {current.model_name}" if current is not None else "not created"
    head = f"gate fails on job.{job_name} ({job.id}); {keeps}"
    for metric in verdict.metrics:  # the progress: one line per metric against its bound
        ctx.log(f"{change.address}: gate: {metric.line()}")
    return Outcome.gated("\n".join([head, *(m.line() for m in verdict.failing())]))
