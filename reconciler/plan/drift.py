"""Drift: what in Azure no longer matches what the tool made, because of something done outside
it (a person in the portal, a script, or the service itself).

There is no state file, so "what the tool made" is read from Azure: deployments carrying the
stack's tag, jobs carrying (or matching) a fingerprint of the spec. The rule:

* A deployment of the spec that carries the stack's tag but differs in a declared field is
  drift: capacity, sku name, model version, the stack's tags, or provisioning that failed.
  Its model name counts too, unless Azure still serves the model of an earlier run of the same
  spec job (that is the tool's own pending rollout, shown by `plan`).
* A deployment of the spec that is missing is drift when the tool would have made it already:
  its model exists (a base model, or its job succeeded) and either it serves a job's model or
  another deployment of the stack exists in that account (so the stack was applied there).
  The cause cannot be known from a missing resource: it was deleted outside reconciler, or Azure
  removed it: a DeveloperTier deployment 24 hours after its creation, any other fine-tuned
  deployment after 15 days without inference. The message names the likely one.
* A deployment whose name the spec uses but without the stack's tag is drift (the tag was
  removed, or someone else made it): reconciler will not touch it.
* A deployment with the stack's tag that the spec no longer has is drift (removed from the spec
  but not applied yet, or made outside the tool).
* A job whose fingerprint matches the spec and that failed or was cancelled is drift.
* A file a job still training needs, deleted from the account, is drift.

Pending work of the tool's own is not drift: a job still training, a deployment waiting for it,
uploads and jobs the spec asks for that were never made (those are `plan` changes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from reconciler.azure_limits import DEVELOPER_TIER_SKU as DEVELOPER_SKU
from reconciler.model_ids import is_fine_tuned
from reconciler.plan.deployments import deployment_json, same_sku, wanted_tags
from reconciler.plan.desired import Desired, DesiredDeployment, JobRef, file_address
from reconciler.plan.jobs import job_json
from reconciler.plan.model import FORMAT_VERSION, JsonObject
from reconciler.plan.naming import META_JOB, OUR_TAGS, TAG_STACK
from reconciler.plan.observed import (
    FileState,
    JobStatus,
    Observed,
    ObservedAccount,
    ObservedDeployment,
)
from reconciler.plan.resolve import JobState, Resolver, Target, TargetState


class DriftKind(StrEnum):
    MISSING = "missing"
    CAPACITY = "capacity"
    SKU = "sku"
    MODEL = "model"
    TAGS = "tags"
    PROVISIONING_FAILED = "provisioning-failed"
    NOT_OWNED = "not-owned"
    EXTRA = "extra"
    JOB_FAILED = "job-failed"
    JOB_CANCELLED = "job-cancelled"
    FILE_MISSING = "file-missing"


@dataclass(frozen=True)
class DriftItem:
    address: str
    kind: DriftKind
    cause: str
    before: JsonObject | None  # what the tool made (or would have): the spec's side
    after: JsonObject | None  # what Azure holds now (None: nothing)

    def to_json(self) -> JsonObject:
        return {
            "address": self.address,
            "kind": self.kind.value,
            "cause": self.cause,
            "before": self.before,
            "after": self.after,
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> DriftItem:
        return DriftItem(
            address=str(data["address"]),
            kind=DriftKind(data["kind"]),
            cause=str(data["cause"]),
            before=data.get("before"),
            after=data.get("after"),
        )


def drift_json(stack: str, items: list[DriftItem], observed_digest: str = "") -> JsonObject:
    return {
        "format_version": FORMAT_VERSION,
        "stack": stack,
        "drift": [item.to_json() for item in sorted_items(items)],
        "observed_digest": observed_digest,
    }


def sorted_items(items: list[DriftItem]) -> list[DriftItem]:
    return sorted(items, key=lambda i: (i.address, i.kind.value, i.cause))


def drift(desired: Desired, observed: Observed) -> list[DriftItem]:
    resolver = Resolver(desired, observed, frozenset())
    items: list[DriftItem] = []
    claimed: set[tuple[str, str]] = set()
    for key in sorted(desired.deployments):
        deployment = desired.deployments[key]
        account = resolver.account(deployment.account)
        if account is None:
            continue
        claimed.add((deployment.account, deployment.azure_name))
        items.extend(_deployment_drift(resolver, deployment, account))
    addresses = {d.address for d in desired.deployments.values()}
    for account_key in sorted(observed.accounts):
        if account_key not in desired.accounts:
            continue
        account = observed.accounts[account_key]
        for existing in sorted(account.deployments, key=lambda d: d.name):
            if existing.tags.get(TAG_STACK) != desired.stack:
                continue
            if (account_key, existing.name) in claimed:
                continue
            address = f"deployment.{existing.name}"
            if address in addresses:
                address = f"deployment.{existing.name}@{account_key}"
            addresses.add(address)
            items.append(
                DriftItem(
                    address,
                    DriftKind.EXTRA,
                    f"carries {TAG_STACK}: {desired.stack} in {account.name} but is not in the "
                    "spec (removed from the spec and not applied yet, or made outside reconciler)",
                    None,
                    deployment_json(account, existing),
                )
            )
    items.extend(_job_drift(resolver))
    return sorted_items(items)


def _stack_applied(stack: str, account: ObservedAccount) -> bool:
    return any(d.tags.get(TAG_STACK) == stack for d in account.deployments)


def _expected(
    resolver: Resolver, deployment: DesiredDeployment, account: ObservedAccount, target: Target
) -> JsonObject:
    existing = account.deployment(deployment.azure_name)
    return {
        "account": deployment.account,
        "account_name": account.name,
        "name": deployment.azure_name,
        "model": target.model,
        "sku": {"name": deployment.sku_name, "capacity": deployment.capacity},
        "tags": wanted_tags(
            resolver.desired.stack, deployment.prevent_destroy, existing.tags if existing else {}
        ),
    }


def _deployment_drift(
    resolver: Resolver, deployment: DesiredDeployment, account: ObservedAccount
) -> list[DriftItem]:
    stack = resolver.desired.stack
    address = deployment.address
    existing = account.deployment(deployment.azure_name)
    target = resolver.target(deployment)
    if existing is None:
        if target.state is not TargetState.READY:
            return []  # its job has no model yet: the tool's own pending work
        from_job = isinstance(deployment.model, JobRef)
        if not from_job and not _stack_applied(stack, account):
            return []  # never applied in this account
        assert target.model is not None
        fine_tuned = from_job or is_fine_tuned(target.model["name"])
        if same_sku(deployment.sku_name, DEVELOPER_SKU):
            cause = (
                "missing: Azure removes DeveloperTier deployments 24 hours after they are "
                "created (or it was deleted outside reconciler); apply deploys it again"
            )
        elif fine_tuned:
            cause = (
                "missing (deleted outside reconciler, or removed by Azure after 15 days "
                "without inference for fine-tuned deployments)"
            )
        else:
            cause = "missing (deleted outside reconciler)"
        return [
            DriftItem(
                address,
                DriftKind.MISSING,
                f"{deployment.azure_name} in {account.name} is {cause}",
                _expected(resolver, deployment, account, target),
                None,
            )
        ]
    now = deployment_json(account, existing)
    owner = existing.tags.get(TAG_STACK)
    if owner != stack:
        whose = f"belongs to stack {owner}" if owner else f"does not carry {TAG_STACK}: {stack}"
        return [
            DriftItem(
                address,
                DriftKind.NOT_OWNED,
                f"{existing.name} in {account.name} {whose} (the tag was changed outside "
                "reconciler, or someone else made it); reconciler will not change it",
                {"tags": {TAG_STACK: stack}},
                {"tags": dict(sorted(existing.tags.items()))},
            )
        ]
    items: list[DriftItem] = []

    def item(kind: DriftKind, cause: str, before: JsonObject, after: JsonObject) -> None:
        items.append(
            DriftItem(address, kind, f"{existing.name} in {account.name}: {cause}", before, after)
        )

    if existing.provisioning_failed:
        item(
            DriftKind.PROVISIONING_FAILED,
            "provisioning failed in Azure",
            {"provisioning_state": "Succeeded"},
            {"provisioning_state": existing.provisioning_state},
        )
    if existing.capacity != deployment.capacity:
        item(
            DriftKind.CAPACITY,
            f"capacity is {existing.capacity}, the spec says {deployment.capacity} (changed "
            "outside reconciler, or the spec changed and is not applied yet)",
            {"sku": {"capacity": deployment.capacity}},
            {"sku": {"capacity": existing.capacity}},
        )
    if not same_sku(existing.sku_name, deployment.sku_name):
        item(
            DriftKind.SKU,
            f"sku is {existing.sku_name}, the spec says {deployment.sku_name}",
            {"sku": {"name": deployment.sku_name}},
            {"sku": {"name": existing.sku_name}},
        )
    if target.state is TargetState.READY and target.model is not None:
        name, version = target.model["name"], target.model["version"]
        if existing.model_name != name and not _earlier_run(resolver, deployment, existing):
            item(
                DriftKind.MODEL,
                f"serves {existing.model_name}, the spec says {name} (changed outside "
                "reconciler, or the spec changed and is not applied yet)",
                {"model": {"name": name, "version": version}},
                {"model": now["model"]},
            )
        elif existing.model_name == name and existing.model_version != version:
            item(
                DriftKind.MODEL,
                f"serves version {existing.model_version} of {name}, the spec says {version} "
                "(upgraded by Azure's versionUpgradeOption, or changed outside reconciler)",
                {"model": {"name": name, "version": version}},
                {"model": now["model"]},
            )
    wanted = wanted_tags(stack, deployment.prevent_destroy, existing.tags)
    ours = {k: wanted.get(k) for k in OUR_TAGS}
    theirs = {k: existing.tags.get(k) for k in OUR_TAGS}
    if ours != theirs:
        differs = ", ".join(k for k in OUR_TAGS if ours[k] != theirs[k])
        item(
            DriftKind.TAGS,
            f"tags changed outside reconciler ({differs})",
            {"tags": {k: v for k, v in ours.items() if v is not None}},
            {"tags": {k: v for k, v in theirs.items() if v is not None}},
        )
    return items


def _earlier_run(
    resolver: Resolver, deployment: DesiredDeployment, existing: ObservedDeployment
) -> bool:
    """Whether the deployment serves the model of an earlier run of the spec job it names."""
    if not isinstance(deployment.model, JobRef):
        return False
    job = resolver.desired.jobs[deployment.model.job]
    account = resolver.account(job.account)
    if account is None:
        return False
    for observed in account.jobs:
        if observed.metadata.get(META_JOB) != job.name:
            continue
        models = {observed.fine_tuned_model, *(c.id for c in observed.checkpoints)}
        if existing.model_name in models:
            return True
    return False


def _job_drift(resolver: Resolver) -> list[DriftItem]:
    items: list[DriftItem] = []
    for resolution in resolver.jobs():
        match = resolution.match
        job = resolution.job
        account = resolver.account(job.account)
        if match is None or account is None:
            continue
        if resolution.state is JobState.FAILED:
            cancelled = match.status is JobStatus.CANCELLED
            items.append(
                DriftItem(
                    job.address,
                    DriftKind.JOB_CANCELLED if cancelled else DriftKind.JOB_FAILED,
                    f"{match.id} in {account.name} was cancelled outside reconciler"
                    if cancelled
                    else f"{match.id} in {account.name} failed: {resolution.note}",
                    {"fingerprint": resolution.fingerprint},
                    job_json(match),
                )
            )
        if resolution.state is not JobState.TRAINING:
            continue
        for dataset, file_id in (
            (job.training_data, match.training_file),
            (job.validation_data, match.validation_file),
        ):
            if dataset is None or file_id is None:
                continue
            held = account.file(file_id)
            if held is not None and held.state is not FileState.GONE:
                continue
            items.append(
                DriftItem(
                    file_address(dataset, job.account),
                    DriftKind.FILE_MISSING,
                    f"{file_id} ({dataset}) in {account.name} was deleted outside reconciler "
                    f"while {match.id} is still {match.status.value}",
                    {"id": file_id, "sha256": resolver.desired.datasets[dataset].sha256},
                    None,
                )
            )
    return items
