"""`reconciler show`: each resource's state (``show_state``), or a saved plan (``saved_plan``).

Jobs: status, progress, latest metrics and the loss curve from the job's results.csv;
deployments: sku, capacity, model, provisioning state and the endpoint that serves them.
``reconciler.render.show`` renders them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.azure import read
from reconciler.azure.lookup import data_plane_for
from reconciler.commands.pipeline import Session, compute_plan, prepare
from reconciler.cost.estimate import priced
from reconciler.cost.prices import prices_with_override
from reconciler.errors import Diagnostic
from reconciler.kinds.deployment import DeploymentAfter, DeploymentBefore
from reconciler.kinds.job import JobBefore
from reconciler.plan import Plan
from reconciler.plan.model import ResourceType
from reconciler.plan.observed import Observed, ObservedJob
from reconciler.plan.saved import saved_plan_of
from reconciler.project import project_root


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


@dataclass
class ShowResult:
    stack: str
    jobs: list[JobView]
    deployments: list[DeploymentView]


def saved_plan(target: Path, prices: Path | None = None) -> Plan | None:
    """The plan saved in ``target`` (a file from ``plan --out``); None for a spec directory.
    ``prices``: its cost counted again with these prices (a file inside its spec's project)."""
    saved = saved_plan_of(target)
    if saved is None:
        return None
    if prices is None:
        return saved.plan  # as it was saved, cost included (if it was saved with one)
    return priced(saved.plan, prices_with_override(prices, project_root(saved.spec_dir)))


def show_state(
    spec_dir: Path,
    *,
    log_http: Path | None = None,
    allow_env: Iterable[str] = (),
    on_warning: Callable[[Diagnostic], None] | None = None,
) -> ShowResult:
    """Each job and deployment of the spec as Azure has it now, with the plan's action for it;
    a succeeded job's train_loss curve read from its results.csv."""
    prepared = prepare(spec_dir, on_warning=on_warning, allow_env=allow_env)
    with Session.open(log_http) as session:
        observation = session.observe(prepared)
        result = compute_plan(prepared, observation)
        owners = {name: job.account for name, job in prepared.desired.jobs.items()}
        jobs = job_views(result, observation.observed, owners)
        for view in jobs:
            if view.job is None or view.job.status.value != "succeeded":
                continue
            access = observation.access[view.account]
            client = data_plane_for(session.clients, access)
            text = read.job_results_csv(client, access.name, view.job.id)
            view.losses = loss_curve(text) if text else []
    endpoints = {key: access.endpoint for key, access in observation.access.items()}
    return ShowResult(prepared.desired.stack, jobs, deployment_views(result, endpoints))
