"""Writing deployments: PUT (create, update in place), replace (DELETE then PUT under the same
name: Azure cannot change a deployment's model or sku name), DELETE of what left the spec.

Level-triggered: each step reads the deployment first and acts on what Azure holds now, not on
what the plan saw, through the deployment kind's decision (`reconciler.kinds.deployment`, as
the planner does). Already as wanted: done, nothing written. Gone before a DELETE: done. One
that is not this stack's, or that carries the prevent-destroy tag, is never deleted or
replaced. A write waits for Azure's long-running operation (polled at short intervals, as
Retry-After says); 409 RequestConflict, 429 and 5xx are retried. Writes to one account never
overlap: the executor gives every deployment step of an account the same serial key.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from reconciler.apply import smoke
from reconciler.apply.context import ApplyContext
from reconciler.apply.gate_check import gate_before_put, planned_block
from reconciler.apply.scheduler import Outcome, TaskContext
from reconciler.apply.steps_jobs import StepError, model_of_job
from reconciler.azure import lookup, write
from reconciler.azure.credentials import auxiliary_token
from reconciler.azure.observe import AccountAccess, observed_deployment
from reconciler.errors import NotFoundError
from reconciler.kinds import deployment as deployment_kind
from reconciler.kinds.deployment import (
    DeploymentAfter,
    DeploymentBefore,
    DeploymentDecision,
    DeploymentReason,
    WantedDeployment,
)
from reconciler.model_ids import split_model_id
from reconciler.plan.desired import DesiredDeployment
from reconciler.plan.model import Action, Change
from reconciler.plan.naming import (
    MODEL_FORMAT,
    TAG_PREVENT_DESTROY,
    TAG_STACK,
    has_prevent_destroy_tag,
)
from reconciler.plan.observed import ObservedDeployment
from reconciler.plan.render_reason import update_phrases
from reconciler.plan.resolve import Resolver

JSON = dict[str, Any]


def deployment_label(change: Change) -> str:
    data = change.after or change.before
    assert isinstance(data, DeploymentAfter | DeploymentBefore)
    if change.action is Action.DELETE:
        return f"delete deployment {data.name} in {data.account_name}"
    what = f"{data.sku_name} {data.capacity}"
    verbs = {Action.CREATE: "create", Action.UPDATE: "update", Action.REPLACE: "replace"}
    return (
        f"{verbs.get(change.action, 'put')} deployment {data.name} in {data.account_name} ({what})"
    )


def _after(change: Change) -> DeploymentAfter:
    after = change.after
    if not isinstance(after, DeploymentAfter):
        raise TypeError(f"{change.address}: not a deployment to put")
    return after


def wanted_of(
    change: Change, desired: DesiredDeployment | None, model: Mapping[str, str]
) -> WantedDeployment:
    """The deployment as this apply writes it: the planned one, with its model now known."""
    after = _after(change)
    prevent = (
        desired.prevent_destroy if desired is not None else has_prevent_destroy_tag(after.tags)
    )
    return WantedDeployment(
        name=after.name,
        model=dict(model),
        sku_name=after.sku_name,
        capacity=after.capacity,
        prevent_destroy=prevent,
        rai_policy=after.rai_policy,
        version_upgrade=after.version_upgrade,
        spillover_to=after.spillover_to,
    )


def put_decision(
    change: Change,
    wanted: WantedDeployment,
    current: ObservedDeployment | None,
    stack: str,
    replace: frozenset[str],
) -> DeploymentDecision:
    """The deployment kind's decision on the deployment read right before a write: the same
    `decide` as the planner's."""
    return deployment_kind.decide(
        wanted,
        current,
        stack=stack,
        account_name=_after(change).account_name,
        replace=change.address in replace,
    )


def _wanted(app: ApplyContext, change: Change, ctx: TaskContext) -> WantedDeployment:
    after = _after(change)
    key = change.address.removeprefix("deployment.")
    desired = app.desired.deployments.get(key)
    model = dict(after.model) if after.model is not None else None
    if model is None:
        job_name = str(after.job)
        value = ctx.value_of(f"job.{job_name}")
        if not isinstance(value, dict):
            raise StepError(f"job.{job_name} gave no model to deploy")
        job = app.desired.jobs[job_name]
        model_id = model_of_job(app, ctx, job.account, value, after.checkpoint)
        name, version = split_model_id(model_id)
        model = {"format": MODEL_FORMAT, "name": name, "version": version}
        if desired is not None:
            resolver = Resolver(app.desired, app.observed, app.replace)
            model.update(resolver.source_of(desired, job))
    return wanted_of(change, desired, model)


def _read(
    app: ApplyContext, ctx: TaskContext, access: AccountAccess, name: str
) -> ObservedDeployment | None:
    arm = lookup.arm_for(app.clients, access)
    raw = app.call(
        ctx,
        f"GET deployment {name} in {access.name}",
        lambda: lookup.get_deployment(arm, access.resource_group, access.name, name),
    )
    return observed_deployment(raw) if raw is not None else None


def _settled(
    app: ApplyContext, ctx: TaskContext, access: AccountAccess, name: str
) -> tuple[ObservedDeployment | None, bool]:
    """The deployment once no operation runs on it; (last seen, False) when time ran out."""
    started = app.clock()
    while True:
        current = _read(app, ctx, access, name)
        if current is None or not current.provisioning_in_progress:
            return current, True
        if app.out_of_time() or app.clock() - started >= app.options.provisioning_wait_seconds:
            return current, False
        ctx.update(f"{name} is {current.provisioning_state} in {access.name}")
        app.pause(ctx, app.options.deployment_poll_seconds)


def _foreign(name: str, decision: DeploymentDecision, stack: str) -> str:
    owner = decision.facts.get("owner")
    whose = f"belongs to stack {owner}" if owner else f"does not carry {TAG_STACK}: {stack}"
    return f"{name} now exists and {whose}; reconciler does not touch it"


def _replaced_what(decision: DeploymentDecision) -> str:
    """What a replace changes, "what Azure has → what the spec wants" as the plan writes a
    field's change, so that "replaced X: model A → B" cannot be read the wrong way round."""
    for field, label in (("model.name", "model"), ("sku.name", "sku")):
        for change in decision.changed:
            if change.field == field:
                return f"{label} {change.before} → {change.after}"
    return "replacement asked with --replace"


def _updated_what(decision: DeploymentDecision) -> str:
    found = update_phrases(decision.changed)
    if decision.reason is DeploymentReason.PROVISIONING_FAILED:
        found.append("provisioning failed")
    return ", ".join(found)


def _auxiliary(app: ApplyContext, model: Mapping[str, str]) -> str | None:
    """For a model trained in another tenant (``sourceAccount``): the management token of the
    *source* account's tenant (None, the default tenant, when the spec gives it none)."""
    source = model.get("sourceAccount")
    if not source:
        return None
    tenant = next(
        (a.tenant_id for a in app.desired.accounts.values() if a.arm_id.lower() == source.lower()),
        None,
    )
    return auxiliary_token(app.target, tenant)


def _put(
    app: ApplyContext,
    ctx: TaskContext,
    access: AccountAccess,
    wanted: WantedDeployment,
    current: ObservedDeployment | None,
) -> JSON:
    stack = app.desired.stack
    assert wanted.model is not None  # apply resolves the model before it writes
    model = wanted.model
    body = write.deployment_body(
        model_name=model["name"],
        model_version=model.get("version", ""),
        sku_name=wanted.sku_name,
        capacity=wanted.capacity,
        tags=wanted.tags(stack, current.tags if current is not None else {}),
        model_format=model.get("format", MODEL_FORMAT),
        source=model.get("source"),
        source_account=model.get("sourceAccount"),
    )
    wanted_settings = wanted.settings()
    # A §5.3 field the spec leaves out is put back as Azure holds it: a PUT without it would
    # reset it to the server's default.
    for field, attribute in write.DEPLOYMENT_SETTING_ATTRIBUTES.items():
        value = wanted_settings.get(field)
        if value is None and current is not None:
            value = getattr(current, field)
        if value is not None:
            setattr(body.properties, attribute, value)
    arm = lookup.arm_for(app.clients, access)
    token = _auxiliary(app, model)

    def look_again() -> JSON | None:
        # A PUT that failed after Azure took it may be provisioning now: wait for it, and take
        # it when it came out as wanted instead of writing again.
        found, _ = _settled(app, ctx, access, wanted.name)
        if found is None or found.provisioning_state.lower() != "succeeded":
            return None
        again = deployment_kind.decide(wanted, found, stack=stack, account_name=access.name)
        as_wanted = again.action is Action.NO_OP and not again.foreign
        return found.to_json() if as_wanted else None

    ctx.update(f"PUT {wanted.name} in {access.name}")
    return app.call(
        ctx,
        f"PUT deployment {wanted.name} in {access.name}",
        lambda: write.put_deployment(
            arm, access.resource_group, access.name, wanted.name, body, auxiliary_token=token
        ),
        before_retry=look_again,
    )


def _delete(app: ApplyContext, ctx: TaskContext, access: AccountAccess, name: str) -> None:
    arm = lookup.arm_for(app.clients, access)

    def gone() -> str | None:
        found, _ = _settled(app, ctx, access, name)
        return "gone" if found is None else None

    def delete() -> str:
        with contextlib.suppress(NotFoundError):  # already gone: what was wanted
            write.delete_deployment(arm, access.resource_group, access.name, name)
        return "deleted"

    ctx.update(f"DELETE {name} in {access.name}")
    app.call(ctx, f"DELETE deployment {name} in {access.name}", delete, before_retry=gone)


def run_deployment(app: ApplyContext, change: Change, ctx: TaskContext) -> Outcome:
    try:
        if change.action is Action.BLOCKED:
            return planned_block(change)  # its gate failed at plan time: nothing to write
        if change.action is Action.DELETE:
            return _run_delete(app, change, ctx)
        return _run_put(app, change, ctx)
    except StepError as exc:
        return Outcome.failed(str(exc))


def _run_delete(app: ApplyContext, change: Change, ctx: TaskContext) -> Outcome:
    before = change.before
    assert isinstance(before, DeploymentBefore)
    access = app.account(before.account)
    name = before.name
    stack = app.desired.stack
    current, settled = _settled(app, ctx, access, name)
    decision = deployment_kind.decide_removed(current, stack=stack, account_name=access.name)
    if current is None:
        return Outcome.done(f"{name} is already gone from {access.name}")
    if decision.foreign:
        return Outcome.failed(f"not deleted: {_foreign(name, decision, stack)}")
    if decision.refused:
        return Outcome.failed(
            f'not deleted: {name} in {access.name} carries {TAG_PREVENT_DESTROY}: "true"'
        )
    if not settled or decision.action is not Action.DELETE:
        state = current.provisioning_state if current is not None else "gone"
        return Outcome.pending(f"{name} is still {state} in {access.name}")
    _delete(app, ctx, access, name)
    return Outcome.done(f"deleted {name} from {access.name}")


def _run_put(app: ApplyContext, change: Change, ctx: TaskContext) -> Outcome:
    after = _after(change)
    access = app.account(after.account)
    name = after.name
    stack = app.desired.stack
    depends_on_job = any(d.startswith("job.") for d in change.depends_on)
    if change.action is Action.WAIT and not depends_on_job and not app.options.wait:
        return Outcome.pending(change.reason)  # someone's write is provisioning: not ours to wait
    wanted = _wanted(app, change, ctx)
    current, settled = _settled(app, ctx, access, name)
    if not settled and current is not None:
        if app.out_of_time():
            app.mark_timed_out(ctx.task_id)
        return Outcome.pending(f"{name} is still {current.provisioning_state} in {access.name}")
    decision = put_decision(change, wanted, current, stack, app.replace)
    if decision.foreign:
        return Outcome.failed(_foreign(name, decision, stack))
    held = gate_before_put(app, change, ctx, wanted, current)  # SPEC §5.8
    if held is not None:
        return held
    if current is None:
        result = _put(app, ctx, access, wanted, None)
        model = (wanted.model or {}).get("name")
        created = Outcome.done(
            f"created {name} in {access.name} ({model}, {wanted.sku_name} {wanted.capacity})",
            value=result,
        )
        return smoke.after_put(app, ctx, change, None, created)
    if decision.action is Action.NO_OP:
        return Outcome.done(f"{name} in {access.name} already as wanted")
    if decision.action is Action.REPLACE:
        why = _replaced_what(decision)
        if change.action not in (Action.REPLACE, Action.WAIT):
            return Outcome.failed(
                f"{name} in {access.name} needs a replace the plan did not show ({why}); "
                "run plan again"
            )
        if decision.refused:
            return Outcome.failed(
                f"not replaced: {name} in {access.name} is protected by prevent_destroy ({why})"
            )
        _delete(app, ctx, access, name)
        result = _put(app, ctx, access, wanted, current)
        replaced = Outcome.done(f"replaced {name} in {access.name}: {why}", value=result)
        return smoke.after_put(app, ctx, change, current, replaced)
    if decision.action is not Action.UPDATE:  # an operation started on it since it settled
        return Outcome.pending(f"{name} is {current.provisioning_state} in {access.name}")
    result = _put(app, ctx, access, wanted, current)
    what = _updated_what(decision)
    updated = Outcome.done(f"updated {name} in {access.name}: {what}", value=result)
    return smoke.after_put(app, ctx, change, current, updated)


# What a rollback after a failed smoke test (apply/smoke_rollback.py) writes with.
settled_deployment = _settled
delete_deployment = _delete
auxiliary_token_for = _auxiliary
