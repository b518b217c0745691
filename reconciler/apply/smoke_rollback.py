"""``apply --rollback-on-smoke-failure``: put a deployment back as it was before this apply.

What is put back is the deployment as apply read it right before its PUT: model (format, name,
version, source or sourceAccount), sku and capacity, the §5.3 settings and the tags, exactly.
Like every write of apply the rollback is level-triggered: it reads the deployment first and
acts on what Azure holds now.

- Nothing was there before (this apply created it): it is deleted, and the report says so.
- A different model name or sku name: Azure cannot change those in place, so, as the forward
  step did, the deployment is deleted and then PUT as it was.
- Otherwise one PUT with the old fields.

It never touches a deployment that is not this stack's (tag ``reconciler-stack``), nor deletes
one that carries the prevent-destroy tag; it then says why it did not roll back.
"""

from __future__ import annotations

from reconciler.apply.context import ApplyContext
from reconciler.apply.scheduler import TaskContext
from reconciler.azure import lookup, write
from reconciler.azure.observe import AccountAccess
from reconciler.kinds import deployment as deployment_kind
from reconciler.kinds.deployment import DeploymentAfter, WantedDeployment
from reconciler.plan.model import Action, Change
from reconciler.plan.naming import MODEL_FORMAT, TAG_PREVENT_DESTROY, has_prevent_destroy_tag
from reconciler.plan.observed import ObservedDeployment


def model_of(before: ObservedDeployment) -> dict[str, str]:
    """Azure's ``properties.model`` of the deployment as it was."""
    model = before.arm_model()
    model["format"] = model["format"] or MODEL_FORMAT
    return model


def model_text(before: ObservedDeployment) -> str:
    """What it served and on which sku: "<model> (version 1), Standard 1"."""
    version = f" (version {before.model_version})" if before.model_version else ""
    return f"{before.model_name}{version}, {before.sku_name} {before.capacity}"


def _as_before(before: ObservedDeployment) -> WantedDeployment:
    return WantedDeployment(
        name=before.name,
        model=model_of(before),
        sku_name=before.sku_name,
        capacity=before.capacity,
        prevent_destroy=has_prevent_destroy_tag(before.tags),
        rai_policy=before.rai_policy,
        version_upgrade=before.version_upgrade,
        spillover_to=before.spillover_to,
    )


def _put_back(
    app: ApplyContext, ctx: TaskContext, access: AccountAccess, before: ObservedDeployment
) -> None:
    from reconciler.apply.steps_deployments import auxiliary_token_for

    body = write.deployment_body(
        model_name=before.model_name,
        model_version=before.model_version,
        sku_name=before.sku_name,
        capacity=before.capacity,
        tags=dict(before.tags),
        model_format=before.model_format or MODEL_FORMAT,
        source=before.source,
        source_account=before.source_account,
    )
    for field, attribute in write.DEPLOYMENT_SETTING_ATTRIBUTES.items():
        value = getattr(before, field)
        if value is not None:
            setattr(body.properties, attribute, value)
    arm = lookup.arm_for(app.clients, access)
    token = auxiliary_token_for(app, model_of(before))
    ctx.update(f"rollback: PUT {before.name} in {access.name}")
    app.call(
        ctx,
        f"PUT deployment {before.name} in {access.name} (rollback)",
        lambda: write.put_deployment(
            arm, access.resource_group, access.name, before.name, body, auxiliary_token=token
        ),
    )


def roll_back(
    app: ApplyContext,
    ctx: TaskContext,
    change: Change,
    access: AccountAccess,
    before: ObservedDeployment | None,
) -> str:
    """Put the deployment of ``change`` back as ``before`` (None: delete it); what was done,
    as a sentence."""
    from reconciler.apply.steps_deployments import delete_deployment, settled_deployment

    stack = app.desired.stack
    after = change.after
    assert isinstance(after, DeploymentAfter)  # a rollback follows a PUT
    name = after.name
    current, _ = settled_deployment(app, ctx, access, name)
    if current is not None and deployment_kind.owner_of(current) != stack:
        return (
            f"not rolled back: {name} in {access.name} is no longer this stack's; "
            "reconciler does not touch it"
        )
    if before is None:
        if current is None:
            return f"nothing to roll back: {name} is already gone from {access.name}"
        if has_prevent_destroy_tag(current.tags):
            return (
                f'not rolled back: {name} in {access.name} carries {TAG_PREVENT_DESTROY}: "true", '
                "so reconciler does not delete it"
            )
        delete_deployment(app, ctx, access, name)
        return (
            f"rolled back {change.address}: deleted {name} from {access.name}; this apply "
            "created it, nothing was there before"
        )
    if current is not None:
        decision = deployment_kind.decide(
            _as_before(before), current, stack=stack, account_name=access.name
        )
        if decision.action is Action.NO_OP and dict(current.tags) == dict(before.tags):
            return f"nothing to roll back: {change.address} serves {model_text(before)} again"
        if decision.action is Action.REPLACE:
            if has_prevent_destroy_tag(current.tags):
                return (
                    f"not rolled back: putting back {model_text(before)} needs a delete, and "
                    f'{name} in {access.name} carries {TAG_PREVENT_DESTROY}: "true"'
                )
            delete_deployment(app, ctx, access, name)
    _put_back(app, ctx, access, before)
    return f"rolled back {change.address} to {model_text(before)}"
