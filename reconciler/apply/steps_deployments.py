"""Writing deployments: PUT (create, update in place), replace (DELETE then PUT under the same
name: Azure cannot change a deployment's model or sku name), DELETE of what left the spec.

Level-triggered: each step reads the deployment first and acts on what Azure holds now, not on
what the plan saw. Already as wanted: done, nothing written. Gone before a DELETE: done. One
that is not this stack's, or that carries the prevent-destroy tag, is never deleted or
replaced. A write waits for Azure's long-running operation (polled at short intervals, as
Retry-After says); 409 RequestConflict, 429 and 5xx are retried. Writes to one account never
overlap: the executor gives every deployment step of an account the same serial key.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.apply.context import ApplyContext
from reconciler.apply.scheduler import Outcome, TaskContext
from reconciler.apply.steps_jobs import StepError, model_of_job
from reconciler.azure import lookup, write
from reconciler.azure.credentials import auxiliary_token
from reconciler.azure.observe import AccountAccess, observed_deployment
from reconciler.errors import NotFoundError
from reconciler.model_ids import split_model_id
from reconciler.plan.deployments import same_sku, wanted_tags
from reconciler.plan.model import Action, Change
from reconciler.plan.naming import (
    MODEL_FORMAT,
    OUR_TAGS,
    TAG_PREVENT_DESTROY,
    TAG_STACK,
    has_prevent_destroy_tag,
    is_protected,
)
from reconciler.plan.observed import ObservedDeployment
from reconciler.plan.resolve import Resolver

JSON = dict[str, Any]
# Server-side properties a PUT would reset to their defaults; kept as they are.
_KEPT_PROPERTIES = {
    "raiPolicyName": "rai_policy_name",
    "versionUpgradeOption": "version_upgrade_option",
}


@dataclass(frozen=True)
class Wanted:
    """A deployment as this apply will write it."""

    account: str  # the spec's account key
    name: str  # the Azure deployment name
    model: Mapping[str, str]  # format, name, version[, source | sourceAccount]
    sku_name: str
    capacity: int
    prevent_destroy: bool

    def tags(self, stack: str, current: Mapping[str, str]) -> dict[str, str]:
        return wanted_tags(stack, self.prevent_destroy, current)


def differences(wanted: Wanted, current: ObservedDeployment, stack: str) -> list[str]:
    """The declared fields in which Azure's deployment differs from the wanted one."""
    found = []
    if current.model_name != wanted.model.get("name"):
        found.append(f"model {current.model_name} → {wanted.model.get('name')}")
    elif wanted.model.get("version") and current.model_version != wanted.model.get("version"):
        found.append(f"model version {current.model_version} → {wanted.model.get('version')}")
    if not same_sku(current.sku_name, wanted.sku_name):
        found.append(f"sku {current.sku_name} → {wanted.sku_name}")
    if current.capacity != wanted.capacity:
        found.append(f"capacity {current.capacity} → {wanted.capacity}")
    tags = wanted.tags(stack, current.tags)
    if any(current.tags.get(k) != tags.get(k) for k in OUR_TAGS):
        found.append("stack tags")
    if current.provisioning_failed:
        found.append("provisioning failed")
    return found


def replace_reason(wanted: Wanted, current: ObservedDeployment) -> str | None:
    """What a replace changes (Azure updates neither model nor sku name in place), or None.

    Written "what Azure has → what the spec wants", as the plan writes a field's change, so
    that "replaced X: model A → B" cannot be read the wrong way round.
    """
    if current.model_name != wanted.model.get("name"):
        return f"model {current.model_name} → {wanted.model.get('name')}"
    if not same_sku(current.sku_name, wanted.sku_name):
        return f"sku {current.sku_name} → {wanted.sku_name}"
    return None


def deployment_label(change: Change) -> str:
    data = change.after or change.before or {}
    where = data.get("account_name")
    name = data.get("name")
    if change.action is Action.DELETE:
        return f"delete deployment {name} in {where}"
    sku = data.get("sku") or {}
    what = f"{sku.get('name')} {sku.get('capacity')}"
    verbs = {Action.CREATE: "create", Action.UPDATE: "update", Action.REPLACE: "replace"}
    return f"{verbs.get(change.action, 'put')} deployment {name} in {where} ({what})"


def _wanted(app: ApplyContext, change: Change, ctx: TaskContext) -> Wanted:
    after = change.after or {}
    key = change.address.removeprefix("deployment.")
    desired = app.desired.deployments.get(key)
    prevent = (
        desired.prevent_destroy
        if desired is not None
        else has_prevent_destroy_tag(after.get("tags") or {})
    )
    sku = after.get("sku") or {}
    model = after.get("model")
    if not model:
        job_name = str(after.get("job"))
        value = ctx.value_of(f"job.{job_name}")
        if not isinstance(value, dict):
            raise StepError(f"job.{job_name} gave no model to deploy")
        checkpoint = after.get("checkpoint")
        job = app.desired.jobs[job_name]
        model_id = model_of_job(
            app, ctx, job.account, value, int(checkpoint) if checkpoint is not None else None
        )
        name, version = split_model_id(model_id)
        model = {"format": MODEL_FORMAT, "name": name, "version": version}
        if desired is not None:
            resolver = Resolver(app.desired, app.observed, app.replace)
            model.update(resolver.source_of(desired, job))
    return Wanted(
        account=str(after["account"]),
        name=str(after["name"]),
        model={str(k): str(v) for k, v in dict(model).items()},
        sku_name=str(sku["name"]),
        capacity=int(sku["capacity"]),
        prevent_destroy=prevent,
    )


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


def _foreign(current: ObservedDeployment, stack: str) -> str | None:
    owner = current.tags.get(TAG_STACK)
    if owner == stack:
        return None
    whose = f"belongs to stack {owner}" if owner else f"does not carry {TAG_STACK}: {stack}"
    return f"{current.name} now exists and {whose}; reconciler does not touch it"


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
    wanted: Wanted,
    current: ObservedDeployment | None,
) -> JSON:
    stack = app.desired.stack
    body = write.deployment_body(
        model_name=wanted.model["name"],
        model_version=wanted.model.get("version", ""),
        sku_name=wanted.sku_name,
        capacity=wanted.capacity,
        tags=wanted.tags(stack, current.tags if current is not None else {}),
        model_format=wanted.model.get("format", MODEL_FORMAT),
        source=wanted.model.get("source"),
        source_account=wanted.model.get("sourceAccount"),
    )
    if current is not None:
        for field, attribute in _KEPT_PROPERTIES.items():
            if current.extra.get(field) is not None:
                setattr(body.properties, attribute, current.extra[field])
    arm = lookup.arm_for(app.clients, access)
    token = _auxiliary(app, wanted.model)

    def look_again() -> JSON | None:
        # A PUT that failed after Azure took it may be provisioning now: wait for it, and take
        # it when it came out as wanted instead of writing again.
        found, _ = _settled(app, ctx, access, wanted.name)
        succeeded = found is not None and found.provisioning_state.lower() == "succeeded"
        if found is not None and succeeded and not differences(wanted, found, stack):
            return found.to_json()
        return None

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
        if change.action is Action.DELETE:
            return _run_delete(app, change, ctx)
        return _run_put(app, change, ctx)
    except StepError as exc:
        return Outcome.failed(str(exc))


def _run_delete(app: ApplyContext, change: Change, ctx: TaskContext) -> Outcome:
    before = change.before or {}
    access = app.account(str(before["account"]))
    name = str(before["name"])
    current, settled = _settled(app, ctx, access, name)
    if current is None:
        return Outcome.done(f"{name} is already gone from {access.name}")
    foreign = _foreign(current, app.desired.stack)
    if foreign is not None:
        return Outcome.failed(f"not deleted: {foreign}")
    if is_protected(current.tags):
        return Outcome.failed(
            f'not deleted: {name} in {access.name} carries {TAG_PREVENT_DESTROY}: "true"'
        )
    if not settled:
        return Outcome.pending(f"{name} is still {current.provisioning_state} in {access.name}")
    _delete(app, ctx, access, name)
    return Outcome.done(f"deleted {name} from {access.name}")


def _run_put(app: ApplyContext, change: Change, ctx: TaskContext) -> Outcome:
    after = change.after or {}
    access = app.account(str(after["account"]))
    name = str(after["name"])
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
    if current is not None:
        foreign = _foreign(current, stack)
        if foreign is not None:
            return Outcome.failed(foreign)
        changed = differences(wanted, current, stack)
        if not changed:
            return Outcome.done(f"{name} in {access.name} already as wanted")
        why = replace_reason(wanted, current)
        if why is not None:
            if change.action not in (Action.REPLACE, Action.WAIT):
                return Outcome.failed(
                    f"{name} in {access.name} needs a replace the plan did not show ({why}); "
                    "run plan again"
                )
            if is_protected(current.tags, wanted.prevent_destroy):
                return Outcome.failed(
                    f"not replaced: {name} in {access.name} is protected by prevent_destroy ({why})"
                )
            _delete(app, ctx, access, name)
            result = _put(app, ctx, access, wanted, current)
            return Outcome.done(f"replaced {name} in {access.name}: {why}", value=result)
        result = _put(app, ctx, access, wanted, current)
        return Outcome.done(f"updated {name} in {access.name}: {', '.join(changed)}", value=result)
    result = _put(app, ctx, access, wanted, None)
    model = wanted.model.get("name")
    return Outcome.done(
        f"created {name} in {access.name} ({model}, {wanted.sku_name} {wanted.capacity})",
        value=result,
    )
