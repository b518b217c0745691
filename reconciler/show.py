"""`reconciler show`: each resource's state, for people (text) and scripts (json).

Jobs: status, progress, latest metrics and the loss curve from the job's results.csv (as a
terminal sparkline); deployments: sku, capacity, model, provisioning state and the endpoint
that serves them. `show PLANFILE` renders a saved plan instead (``render_saved_plan``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.kinds.deployment import DeploymentAfter, DeploymentBefore
from reconciler.kinds.job import JobBefore
from reconciler.plan import Plan, render_json, render_markdown, render_text
from reconciler.plan.model import ResourceType
from reconciler.plan.observed import Observed, ObservedJob

SPARK = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float], width: int = 40) -> str:
    """The values, resampled to at most `width` points, as block characters (low to high)."""
    if not values:
        return ""
    if len(values) > width:
        step = len(values) / width
        values = [values[int(i * step)] for i in range(width)]
    low, high = min(values), max(values)
    span = high - low or 1.0
    return "".join(
        SPARK[min(len(SPARK) - 1, int((v - low) / span * (len(SPARK) - 1)))] for v in values
    )


def loss_curve(results_csv: str) -> list[float]:
    """train_loss by step from a results.csv (columns as the service documents them)."""
    rows = csv.DictReader(io.StringIO(results_csv))
    out: list[float] = []
    for row in rows:
        value = (row.get("train_loss") or "").strip()
        try:
            out.append(float(value))
        except ValueError:
            continue
    return out


@dataclass
class JobView:
    name: str
    account: str
    job: ObservedJob | None
    planned: str  # the plan's action for it
    losses: list[float] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        job = self.job
        return {
            "name": self.name,
            "account": self.account,
            "planned": self.planned,
            "id": job.id if job else None,
            "status": job.status.value if job else None,
            "fine_tuned_model": job.fine_tuned_model if job else None,
            "progress": job.progress.to_json() if job and job.progress else None,
            "error": job.error_message if job else None,
            "latest_metrics": dict(job.checkpoints[-1].metrics)
            if job and job.checkpoints
            else None,
            "train_loss": self.losses,
        }


@dataclass
class DeploymentView:
    name: str
    account: str
    azure_name: str
    planned: str
    state: dict[str, Any] | None
    # The account's Azure OpenAI endpoint (clients call it with `azure_name` as the model).
    endpoint: str | None = None
    wanted: dict[str, Any] | None = None  # what the spec asks for, where it resolves now

    @property
    def model_id(self) -> str | None:
        """The model it serves (a fine-tuned model's id), else the one the spec will deploy."""
        for side in (self.state, self.wanted):
            model = (side or {}).get("model")
            if isinstance(model, dict) and isinstance(model.get("name"), str):
                return str(model["name"])
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "account": self.account,
            "azure_name": self.azure_name,
            "endpoint": self.endpoint,
            "model_id": self.model_id,
            "planned": self.planned,
            "state": self.state,
        }


def job_views(plan: Plan, observed: Observed, accounts: dict[str, str]) -> list[JobView]:
    views = []
    for change in plan.changes:
        if change.type is not ResourceType.JOB:
            continue
        name = change.address.split(".", 1)[1]
        account = accounts.get(name, "")
        job_id = change.before.id if isinstance(change.before, JobBefore) else None
        found = None
        if job_id and account in observed.accounts:
            found = next((j for j in observed.accounts[account].jobs if j.id == job_id), None)
        views.append(JobView(name, account, found, change.action.value))
    return views


def deployment_views(
    plan: Plan, endpoints: Mapping[str, str] | None = None
) -> list[DeploymentView]:
    """Each deployment of the plan; ``endpoints``: each account's endpoint, by account key."""
    views = []
    for change in plan.changes:
        if change.type is not ResourceType.DEPLOYMENT:
            continue
        side = change.before or change.after
        assert isinstance(side, DeploymentBefore | DeploymentAfter)
        views.append(
            DeploymentView(
                name=change.address.split(".", 1)[1],
                account=side.account,
                azure_name=side.name,
                planned=change.action.value,
                state=change.before.to_json() if change.before else None,
                endpoint=(endpoints or {}).get(side.account),
                wanted=change.after.to_json() if change.after else None,
            )
        )
    return views


def render_show_text(jobs: list[JobView], deployments: list[DeploymentView]) -> str:
    lines = ["Jobs:"] if jobs else []
    for view in jobs:
        job = view.job
        if job is None:
            lines.append(f"  {view.name} ({view.account}): not in Azure yet (plan: {view.planned})")
            continue
        head = f"  {view.name} ({view.account}): {job.id} {job.status.value}"
        if job.progress is not None and job.progress.describe():
            head += f", {job.progress.describe()}"
        lines.append(head)
        if job.fine_tuned_model:
            lines.append(f"      model: {job.fine_tuned_model}")
        if job.error_message:
            lines.append(f"      error: {job.error_message}")
        if job.checkpoints:
            metrics = job.checkpoints[-1].metrics
            shown = ", ".join(f"{k} {v:.4g}" for k, v in sorted(metrics.items()) if "loss" in k)
            if shown:
                lines.append(f"      latest: {shown}")
        if view.losses:
            first, last = view.losses[0], view.losses[-1]
            lines.append(f"      train loss {first:.3f} {sparkline(view.losses)} {last:.3f}")
    if deployments:
        lines.append("Deployments:")
    for d in deployments:
        if d.state is None:
            lines.append(f"  {d.name} ({d.account}): not deployed (plan: {d.planned})")
            continue
        sku = d.state.get("sku") or {}
        model = (d.state.get("model") or {}).get("name", "")
        state = d.state.get("provisioning_state", "")
        lines.append(
            f"  {d.name} ({d.account}/{d.azure_name}): {sku.get('name')} x{sku.get('capacity')}, "
            f"{state}, model {model}" + ("" if d.planned == "no-op" else f" (plan: {d.planned})")
        )
    return "\n".join(lines) + "\n"


def render_show_json(stack: str, jobs: list[JobView], deployments: list[DeploymentView]) -> str:
    doc = {
        "stack": stack,
        "jobs": [j.to_json() for j in jobs],
        "deployments": [d.to_json() for d in deployments],
    }
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def render_saved_plan(plan: Plan, fmt: str, *, color: bool = False) -> str:
    """``show PLANFILE``: a plan saved by ``plan --out``, as ``plan`` printed it (text, json
    without the saving details, or markdown for a pull request)."""
    if fmt == "json":
        return render_json(plan)
    if fmt == "markdown":
        return render_markdown(plan)
    return render_text(plan, color=color)
