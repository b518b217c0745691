"""How a plan becomes scheduler tasks: one per change to carry out, dependencies from the plan,
one serial key per account for deployment writes, deletes last. Plans are the golden cases'."""

from __future__ import annotations

import json
from pathlib import Path

from reconciler.apply.context import ApplyContext, ExecOptions
from reconciler.apply.executor import build_tasks
from reconciler.apply.scheduler import TaskStatus, run_tasks
from reconciler.azure.clients import Clients
from reconciler.azure.observe import AccountAccess
from reconciler.azure.target import Target
from reconciler.plan import Change, Desired, Observed, Plan

CASES = Path(__file__).resolve().parents[2] / "cases"


def _case(name: str) -> tuple[Plan, ApplyContext]:
    folder = CASES / name
    plan = Plan.from_json(json.loads((folder / "expected.json").read_text()))
    desired = Desired.from_json(json.loads((folder / "desired.json").read_text()))
    observed = Observed.from_json(json.loads((folder / "observed.json").read_text()))
    access = {
        key: AccountAccess(key, a.subscription_id, a.resource_group, a.name, "", a.tenant_id, None)
        for key, a in desired.accounts.items()
    }
    app = ApplyContext(
        desired=desired,
        observed=observed,
        access=access,
        clients=Clients(Target("https://management.invalid")),
        target=Target("https://management.invalid"),
        dataset_paths={},
        replace=frozenset(),
        options=ExecOptions(),
    )
    return plan, app


def test_only_changes_become_tasks_with_the_plans_dependencies() -> None:
    plan, app = _case("fresh-stack")
    tasks = {t.id: t for t in build_tasks(plan, app)}
    assert set(tasks) == {c.address for c in plan.changes if c.is_change}
    assert tasks["job.clippy"].depends_on == ("file.clippy-train@swc", "file.clippy-valid@swc")
    assert tasks["deployment.clippy-swc"].depends_on == ("job.clippy",)
    assert tasks["job.clippy"].serial_key is None  # data plane: no serialization needed


def test_deployment_writes_are_serialized_per_account() -> None:
    plan, app = _case("fresh-stack")
    tasks = {t.id: t for t in build_tasks(plan, app)}
    swc = tasks["deployment.clippy-swc"].serial_key
    ncus = tasks["deployment.clippy-ncus"].serial_key
    assert swc is not None and ncus is not None and swc != ncus
    assert swc == app.desired.accounts["swc"].arm_id.lower()


def test_uploads_of_one_content_to_one_account_never_overlap() -> None:
    plan, app = _case("dataset-two-accounts")
    keys = {t.id: t.serial_key for t in build_tasks(plan, app)}
    assert keys["file.clippy-train@swc"] != keys["file.clippy-train@ncus"]
    assert keys["file.clippy-train@swc"] != keys["file.clippy-valid@swc"]
    assert keys["file.clippy-train@swc"] is not None


def test_dependencies_on_no_op_changes_are_dropped() -> None:
    plan, app = _case("continuous-training-chain")
    tasks = {t.id: t for t in build_tasks(plan, app)}
    assert "job.clippy" not in tasks  # trained already: nothing to do, nothing to wait for
    assert tasks["job.clippy-more-more"].depends_on == ("file.more-train@swc", "job.clippy-more")


def test_a_chains_tasks_wait_for_the_jobs_they_continue_from() -> None:
    plan, app = _case("continuous-training-chain-children-first")
    tasks = {t.id: t for t in build_tasks(plan, app)}
    assert tasks["job.a-leaf"].depends_on == ("file.leaf-train@swc", "job.m-mid")
    assert tasks["job.m-mid"].depends_on == ("file.mid-train@swc", "job.z-root")
    assert tasks["deployment.leaf-swc"].depends_on == ("job.a-leaf",)


def test_a_child_whose_plan_lacks_its_parent_fails_naming_the_parent() -> None:
    """Defence in depth: were the planner to forget the dependency (as it once did when a child's
    name sorted first), the step fails saying what is missing, before any request."""
    plan, app = _case("continuous-training-chain-mid-training")
    leaf = plan.change("job.a-leaf")
    assert leaf is not None and leaf.depends_on == ("job.m-mid",)
    forgot = Change.from_json({**leaf.to_json(), "depends_on": []})
    only = Plan(plan.stack, (forgot,))
    report = run_tasks(build_tasks(only, app))
    result = report.results["job.a-leaf"]
    assert result.status is TaskStatus.FAILED
    assert result.message == (
        "needs the model of job.m-mid, which this apply neither created nor waited for "
        "(the plan lists no dependency on job.m-mid); nothing was created"
    )


def test_deletes_come_after_everything_else() -> None:
    fresh, app = _case("fresh-stack")
    removed, _ = _case("entry-removed")
    delete = removed.change("deployment.clippy-ncus")
    assert delete is not None
    gone = Change.from_json({**delete.to_json(), "address": "deployment.old"})
    plan = Plan(fresh.stack, (*fresh.changes, gone))
    tasks = build_tasks(plan, app)
    assert tasks[-1].id == "deployment.old"
    assert tasks[-1].depends_on == ()
    # the same serial key as the account's creates: when both are ready, the creates go first
    assert tasks[-1].serial_key == {t.id: t for t in tasks}["deployment.clippy-ncus"].serial_key


def test_every_task_has_a_label_naming_what_it_does() -> None:
    plan, app = _case("fresh-stack")
    labels = {t.id: t.label for t in build_tasks(plan, app)}
    assert labels["file.clippy-train@swc"].startswith("upload clippy-train")
    assert labels["job.clippy"] == "create fine-tuning job clippy in aoai-swc"
    assert labels["deployment.clippy-ncus"] == (
        "create deployment clippy-ncus in aoai-ncus (ProvisionedManaged 50)"
    )
