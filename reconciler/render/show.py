"""``reconciler show``'s output: each job (status, progress, latest metrics, the loss curve as a
terminal sparkline) and deployment (sku, capacity, model, provisioning state), as text or JSON;
and ``show PLANFILE``: a saved plan, as ``plan`` printed it."""

from __future__ import annotations

import json

from reconciler.commands.show import DeploymentView, JobView
from reconciler.plan import Plan, render_json, render_markdown, render_text
from reconciler.promotion.chart import SPARK as SPARK
from reconciler.promotion.chart import at_fractions, sparkline, xychart


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


def render_show_markdown(stack: str, jobs: list[JobView], deployments: list[DeploymentView]) -> str:
    """The state as markdown (an issue, a job summary): each job with each succeeded job's
    train-loss curve as a Mermaid xychart, then each deployment."""
    lines = [f"## reconciler state: stack `{stack}`", ""]
    if jobs:
        lines += ["| job | account | id | status | model |", "|---|---|---|---|---|"]
        for view in jobs:
            job = view.job
            if job is None:
                lines.append(f"| `job.{view.name}` | {view.account} | – | not in Azure yet | – |")
                continue
            model = f"`{job.fine_tuned_model}`" if job.fine_tuned_model else "–"
            lines.append(
                f"| `job.{view.name}` | {view.account} | `{job.id}` | {job.status.value} "
                f"| {model} |"
            )
        lines.append("")
    for view in jobs:
        if not view.losses or view.job is None:
            continue
        points = [(step, value) for step, value in enumerate(view.losses, start=1)]
        lines += xychart(
            f"train_loss: job.{view.name}", "train loss", [at_fractions(points, len(points))]
        )
        lines += ["", f"Train loss of `job.{view.name}` ({view.job.id}).", ""]
    if deployments:
        lines += ["| deployment | account | sku | model | state |", "|---|---|---|---|---|"]
        for d in deployments:
            if d.state is None:
                lines.append(
                    f"| `deployment.{d.name}` | {d.account} | – | – | not deployed "
                    f"(plan: {d.planned}) |"
                )
                continue
            sku = d.state.get("sku") or {}
            model = (d.state.get("model") or {}).get("name", "")
            lines.append(
                f"| `deployment.{d.name}` | {d.account}/{d.azure_name} "
                f"| {sku.get('name')} x{sku.get('capacity')} | `{model}` "
                f"| {d.state.get('provisioning_state', '')} |"
            )
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def render_saved_plan(plan: Plan, fmt: str, *, color: bool = False) -> str:
    """``show PLANFILE``: a plan saved by ``plan --out``, as ``plan`` printed it (text, json
    without the saving details, or markdown for a pull request)."""
    if fmt == "json":
        return render_json(plan)
    if fmt == "markdown":
        return render_markdown(plan)
    return render_text(plan, color=color)
