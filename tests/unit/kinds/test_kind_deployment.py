"""The deployment kind: declared fields only, in place where Azure allows it, replace where it
cannot, never a deployment of another stack, never a protected one destroyed."""

from __future__ import annotations

import dataclasses
from typing import Any

from reconciler.kinds import deployment
from reconciler.kinds.deployment import (
    DeploymentAfter,
    DeploymentBefore,
    DeploymentReason,
    TargetState,
    WantedDeployment,
)
from reconciler.plan.model import Action, FieldChange, ResourceType
from reconciler.plan.observed import ObservedAccount, ObservedDeployment
from reconciler.plan.render_reason import reason_text

MODEL = "gpt-4.1-mini-2025-04-14.ft-abc"
WANTED = WantedDeployment(
    name="chat",
    model={"format": "OpenAI", "name": MODEL, "version": "1"},
    sku_name="Standard",
    capacity=2,
    prevent_destroy=False,
)
OURS = {"managed-by": "reconciler", "reconciler-stack": "clippy", "owner": "team-x"}


def _deployed(**fields: Any) -> ObservedDeployment:
    values: dict[str, Any] = {
        "name": "chat",
        "sku_name": "standard",
        "capacity": 2,
        "model_name": MODEL,
        "model_version": "1",
        "tags": OURS,
    }
    values.update(fields)
    return ObservedDeployment(**values)


def _decide(
    current: ObservedDeployment | None, wanted: WantedDeployment = WANTED, **options: Any
) -> deployment.DeploymentDecision:
    return deployment.decide(wanted, current, stack="clippy", account_name="aoai-swc", **options)


def _text(decision: deployment.DeploymentDecision) -> str:
    return reason_text(ResourceType.DEPLOYMENT, decision.because, changed=decision.changed)


def test_identity_is_the_name() -> None:
    chat, other = _deployed(), _deployed(name="other")
    account = ObservedAccount("swc", "/subscriptions/s/x", "aoai-swc", "swedencentral")
    account = dataclasses.replace(account, deployments=(other, chat))
    assert deployment.identify("chat", account) is chat
    assert deployment.identify("missing", account) is None
    assert deployment.identify("chat", dataclasses.replace(account, deployments=(other,))) is None


def test_as_wanted_whatever_else_it_carries() -> None:
    decision = _decide(
        _deployed(rai_policy="custom", version_upgrade="NoAutoUpgrade", spillover_to="std")
    )
    assert (decision.action, decision.reason) == (Action.NO_OP, DeploymentReason.MATCHES)
    assert decision.changed == ()
    assert _text(decision) == "matches the spec in aoai-swc"


def test_capacity_version_and_tags_are_updated_in_place() -> None:
    decision = _decide(
        _deployed(capacity=1, model_version="0", tags={"reconciler-stack": "clippy"})
    )
    assert (decision.action, decision.reason) == (Action.UPDATE, DeploymentReason.DIFFERS)
    assert [c.field for c in decision.changed] == [
        "model.version",
        "sku.capacity",
        "tags.managed-by",
    ]
    assert _text(decision) == (
        "model version 0 → 1, capacity 1 → 2, stack tags restored (updated in place)"
    )


SET = dataclasses.replace(
    WANTED, rai_policy="strict", version_upgrade="NoAutoUpgrade", spillover_to="std"
)


def test_the_fields_of_spec_5_3_are_compared_only_where_written() -> None:
    same = _deployed(rai_policy="strict", version_upgrade="noautoupgrade", spillover_to="std")
    assert _decide(same, SET).reason is DeploymentReason.MATCHES  # the enum's case is no change
    decision = _decide(_deployed(rai_policy="Microsoft.DefaultV2", version_upgrade=None), SET)
    assert (decision.action, decision.reason) == (Action.UPDATE, DeploymentReason.DIFFERS)
    assert list(decision.changed) == [
        FieldChange("rai_policy", "Microsoft.DefaultV2", "strict"),
        FieldChange("version_upgrade", None, "NoAutoUpgrade"),
        FieldChange("spillover_to", None, "std"),
    ]
    assert _text(decision) == (
        "rai_policy Microsoft.DefaultV2 → strict, version_upgrade (not set) → NoAutoUpgrade, "
        "spillover_to (not set) → std (updated in place)"
    )
    created = _decide(None, SET)
    assert [c.field for c in created.changed][-3:] == [
        "rai_policy",
        "version_upgrade",
        "spillover_to",
    ]


def test_a_version_not_written_is_not_compared() -> None:
    unversioned = dataclasses.replace(
        WANTED, model={"format": "OpenAI", "name": MODEL, "version": ""}
    )
    assert _decide(_deployed(model_version="7"), unversioned).reason is DeploymentReason.MATCHES


def test_another_model_or_sku_name_can_only_be_replaced() -> None:
    other_model = _decide(_deployed(model_name="gpt-4.1-mini-2025-04-14.ft-old"))
    assert (other_model.action, other_model.reason) == (
        Action.REPLACE,
        DeploymentReason.MODEL_CHANGED,
    )
    # what Azure has → what the spec wants, as every field change reads
    assert FieldChange("model.name", "gpt-4.1-mini-2025-04-14.ft-old", MODEL) in other_model.changed
    other_sku = _decide(_deployed(sku_name="GlobalStandard"))
    assert (other_sku.action, other_sku.reason) == (Action.REPLACE, DeploymentReason.SKU_CHANGED)
    asked = _decide(_deployed(), replace=True)
    assert (asked.action, asked.reason) == (Action.REPLACE, DeploymentReason.REPLACE_ASKED)
    assert not (other_model.refused or other_sku.refused or asked.refused)


def test_a_protected_deployment_is_never_replaced() -> None:
    protected = _deployed(model_name="old", tags={**OURS, "reconciler-prevent-destroy": "true"})
    assert _decide(protected).refused  # Azure's tag holds whatever the spec now says
    assert _decide(
        _deployed(model_name="old"), dataclasses.replace(WANTED, prevent_destroy=True)
    ).refused
    # an update in place is no destruction
    assert not _decide(dataclasses.replace(protected, model_name=MODEL, capacity=9)).refused


def test_provisioning_is_waited_for_and_a_failed_one_put_again() -> None:
    busy = _decide(_deployed(provisioning_state="Updating"))
    assert (busy.action, busy.reason) == (Action.WAIT, DeploymentReason.PROVISIONING)
    failed = _decide(_deployed(provisioning_state="Failed"))
    assert (failed.action, failed.reason) == (Action.UPDATE, DeploymentReason.PROVISIONING_FAILED)


def test_a_missing_deployment_is_created_once_its_model_is_known() -> None:
    created = _decide(None)
    assert (created.action, created.reason) == (Action.CREATE, DeploymentReason.ABSENT)
    assert _text(created) == "no deployment named chat in aoai-swc"
    waiting = dataclasses.replace(WANTED, model=None, state=TargetState.WAIT, note="job.x, …")
    assert _decide(None, waiting).reason is DeploymentReason.WAITS_FOR_JOB
    then = _decide(_deployed(model_name="old"), waiting)
    assert (then.action, then.reason) == (Action.WAIT, DeploymentReason.WAITS_THEN_REPLACE)
    assert _text(then) == (
        "waits for job.x, …; serves old until then, then is replaced "
        "(Azure cannot change the model of a deployment)"
    )
    blocked = dataclasses.replace(WANTED, model=None, state=TargetState.BLOCKED, note="x")
    assert _decide(None, blocked).reason is DeploymentReason.BLOCKED


def test_another_stacks_deployment_is_never_touched() -> None:
    for tags in ({}, {"reconciler-stack": "other"}):
        foreign = _decide(_deployed(tags=tags))
        assert (foreign.action, foreign.reason) == (Action.NO_OP, DeploymentReason.FOREIGN)
        removed = deployment.decide_removed(_deployed(tags=tags), stack="clippy", account_name="a")
        assert removed.reason is DeploymentReason.FOREIGN


def test_a_deployment_that_left_the_spec_is_deleted_unless_protected() -> None:
    serves = {"job": "clippy", "job_id": "ftjob-1", "checkpoint": True, "epoch": 2}
    left = deployment.decide_removed(_deployed(), stack="clippy", account_name="a", serves=serves)
    assert (left.action, left.reason, left.refused) == (
        Action.DELETE,
        DeploymentReason.LEFT_SPEC,
        False,
    )
    assert _text(left) == (
        "carries reconciler-stack: clippy and is no longer in the spec; "
        "it serves the checkpoint of epoch 2 of job.clippy (ftjob-1)"
    )
    protected = _deployed(tags={**OURS, "reconciler-prevent-destroy": "true"})
    assert deployment.decide_removed(protected, stack="clippy", account_name="a").refused
    deleting = _deployed(provisioning_state="Deleting")
    assert (
        deployment.decide_removed(deleting, stack="clippy", account_name="a").reason
        is DeploymentReason.DELETING
    )
    gone = deployment.decide_removed(None, stack="clippy", account_name="a")
    assert (gone.action, gone.reason) == (Action.NO_OP, DeploymentReason.GONE)


def test_payloads_round_trip() -> None:
    before = DeploymentBefore.of("swc", "aoai-swc", _deployed(source="/subscriptions/x"))
    assert before.model["source"] == "/subscriptions/x"
    assert DeploymentBefore.from_json(before.to_json()) == before
    after = DeploymentAfter("swc", "aoai-swc", "chat", None, "Standard", 1, OURS, "clippy", 2)
    assert after.to_json()["checkpoint"] == 2
    assert DeploymentAfter.from_json(after.to_json()) == after
    spilled = _deployed(rai_policy="strict", version_upgrade="NoAutoUpgrade", spillover_to="s")
    before = DeploymentBefore.of("swc", "aoai-swc", spilled)
    assert before.to_json()["spillover_to"] == "s"
    assert DeploymentBefore.from_json(before.to_json()) == before
    after = dataclasses.replace(after, rai_policy="strict", spillover_to="s")
    assert DeploymentAfter.from_json(after.to_json()) == after
    base = DeploymentAfter("swc", "aoai-swc", "chat", WANTED.model, "Standard", 1, OURS)
    assert "rai_policy" not in base.to_json()  # not declared: not in the plan either
    assert "job" not in base.to_json() and DeploymentAfter.from_json(base.to_json()) == base


def test_what_apply_alone_sees_has_a_text_too() -> None:
    gone = deployment.decide_removed(None, stack="clippy", account_name="a")
    assert _text(gone) == "not in Azure"
    foreign = _decide(_deployed(tags={"reconciler-stack": "other"}))
    assert _text(foreign) == "belongs to stack other"
    untagged = _decide(_deployed(tags={}))
    assert _text(untagged) == "does not carry the tag reconciler-stack"
    deleting = deployment.decide_removed(
        _deployed(provisioning_state="Deleting"), stack="clippy", account_name="aoai-swc"
    )
    assert _text(deleting) == "being deleted in aoai-swc"
