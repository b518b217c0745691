"""Drift: what in Azure no longer matches what the tool made, because of something done outside
it (a person in the portal, a script, or the service itself).

There is no state file, so "what the tool made" is read from Azure: deployments carrying the
stack's tag, jobs carrying (or matching) a fingerprint of the spec. The rule:

* A deployment of the spec that carries the stack's tag but differs in a declared field is
  drift: capacity, sku name, model version, the stack's tags, or provisioning that failed.
  Its model name counts too, unless Azure still serves the model of an earlier run of the same
  spec job (that is the tool's own pending rollout, shown by `plan`).
* A deployment of the spec that is missing, whose model exists (a base model, or its job
  succeeded), is judged on the account's ARM Activity Log (`ObservedAccount.activity`, read by
  reconciler/azure/activity.py only when something is missing), by the last write or delete of
  it in the log's window:
  - deleted by someone: drift, cause deleted-by-user, naming the caller and the time;
  - deleted by the service itself, or written long enough ago that the service's rule applies
    with no delete since (DeveloperTier: 24 hours; another fine-tuned deployment: 15 days
    without inference): drift, cause removed-by-service, saying what Azure does;
  - written, no delete, and no rule of the service explains it: drift, cause unknown;
  - neither written nor deleted in the window: never created, so *pending apply*, not drift.
  Without the log (not read, or unreadable: a warning says why), the rule of old holds: missing
  is drift with cause unknown where the tool would have made it already (its job's model
  exists, or another deployment of the stack exists in that account).
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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from reconciler.azure_limits import (
    DEVELOPER_TIER_LIFETIME_SECONDS,
    FINE_TUNED_IDLE_LIMIT_SECONDS,
)
from reconciler.azure_limits import DEVELOPER_TIER_SKU as DEVELOPER_SKU
from reconciler.model_ids import is_fine_tuned
from reconciler.plan.activity import ActivityEvent, ActivityLog, Operation, parse_time
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
from reconciler.plan.promotion import serving_job
from reconciler.plan.resolve import JobState, Resolver, Target, TargetState
from reconciler.quoting import quote

DEVELOPER_LIFETIME = timedelta(seconds=DEVELOPER_TIER_LIFETIME_SECONDS)
IDLE_LIMIT = timedelta(seconds=FINE_TUNED_IDLE_LIMIT_SECONDS)


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


class DriftCause(StrEnum):
    """Why Azure differs: a closed set a workflow may branch on (docs/drift.md)."""

    DELETED_BY_USER = "deleted-by-user"
    REMOVED_BY_SERVICE = "removed-by-service"
    CHANGED = "changed"
    NOT_OWNED = "not-owned"
    EXTRA = "extra"
    JOB_FAILED = "job-failed"
    JOB_CANCELLED = "job-cancelled"
    FILE_DELETED = "file-deleted"
    UNKNOWN = "unknown"
    NEVER_APPLIED = "never-applied"  # pending apply: listed apart, never counted as drift


@dataclass(frozen=True)
class DriftItem:
    address: str
    kind: DriftKind
    cause: DriftCause
    message: str
    before: JsonObject | None  # what the tool made (or would have): the spec's side
    after: JsonObject | None  # what Azure holds now (None: nothing)

    def to_json(self) -> JsonObject:
        return {
            "address": self.address,
            "kind": self.kind.value,
            "cause": self.cause.value,
            "message": self.message,
            "before": self.before,
            "after": self.after,
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> DriftItem:
        return DriftItem(
            address=str(data["address"]),
            kind=DriftKind(data["kind"]),
            cause=DriftCause(data["cause"]),
            message=str(data["message"]),
            before=data.get("before"),
            after=data.get("after"),
        )


@dataclass(frozen=True)
class DriftReport:
    """Drift, the spec's entries still waiting for apply, and what could not be known.

    ``activity_wanted``: accounts where a deployment is missing and the Activity Log was not
    read yet; the caller reads it (reconciler/azure/activity.py) and asks again."""

    stack: str
    items: tuple[DriftItem, ...] = ()
    pending: tuple[DriftItem, ...] = ()
    warnings: tuple[str, ...] = ()
    activity_wanted: frozenset[str] = field(default_factory=frozenset)

    @property
    def has_drift(self) -> bool:
        return bool(self.items)

    def counts(self) -> JsonObject:
        by_kind: dict[str, int] = {}
        by_cause: dict[str, int] = {}
        for item in self.items:
            by_kind[item.kind.value] = by_kind.get(item.kind.value, 0) + 1
            by_cause[item.cause.value] = by_cause.get(item.cause.value, 0) + 1
        return {
            "drift": len(self.items),
            "pending": len(self.pending),
            "by_kind": dict(sorted(by_kind.items())),
            "by_cause": dict(sorted(by_cause.items())),
        }

    def to_json(self, observed_digest: str = "") -> JsonObject:
        return {
            "format_version": FORMAT_VERSION,
            "stack": self.stack,
            "has_drift": self.has_drift,
            "counts": self.counts(),
            "drift": [item.to_json() for item in sorted_items(list(self.items))],
            "pending": [item.to_json() for item in sorted_items(list(self.pending))],
            "warnings": list(self.warnings),
            "observed_digest": observed_digest,
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> DriftReport:
        return DriftReport(
            stack=str(data["stack"]),
            items=tuple(DriftItem.from_json(i) for i in data.get("drift") or ()),
            pending=tuple(DriftItem.from_json(i) for i in data.get("pending") or ()),
            warnings=tuple(str(w) for w in data.get("warnings") or ()),
        )


def drift_json(
    stack: str,
    items: Sequence[DriftItem],
    observed_digest: str = "",
    *,
    pending: Sequence[DriftItem] = (),
    warnings: Sequence[str] = (),
) -> JsonObject:
    report = DriftReport(stack, tuple(items), tuple(pending), tuple(warnings))
    return report.to_json(observed_digest)


def sorted_items(items: list[DriftItem]) -> list[DriftItem]:
    return sorted(items, key=lambda i: (i.address, i.kind.value, i.message))


def drift(desired: Desired, observed: Observed) -> list[DriftItem]:
    """The drift only (see ``drift_report`` for what is pending and what could not be known)."""
    return list(drift_report(desired, observed).items)


@dataclass
class _Found:
    items: list[DriftItem] = field(default_factory=list)
    pending: list[DriftItem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    activity_wanted: set[str] = field(default_factory=set)

    def warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)


def drift_report(desired: Desired, observed: Observed) -> DriftReport:
    resolver = Resolver(desired, observed, frozenset())
    found = _Found()
    claimed: set[tuple[str, str]] = set()
    for key in sorted(desired.deployments):
        deployment = desired.deployments[key]
        account = resolver.account(deployment.account)
        if account is None:
            continue
        claimed.add((deployment.account, deployment.azure_name))
        _deployment_drift(resolver, deployment, account, found)
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
            found.items.append(
                DriftItem(
                    address,
                    DriftKind.EXTRA,
                    DriftCause.EXTRA,
                    f"carries {TAG_STACK}: {desired.stack} in {account.name} but is not in the "
                    "spec (removed from the spec and not applied yet, or made outside reconciler)",
                    None,
                    deployment_json(account, existing),
                )
            )
    found.items.extend(_job_drift(resolver))
    return DriftReport(
        stack=desired.stack,
        items=tuple(sorted_items(found.items)),
        pending=tuple(sorted_items(found.pending)),
        warnings=tuple(found.warnings),
        activity_wanted=frozenset(found.activity_wanted),
    )


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
    resolver: Resolver, deployment: DesiredDeployment, account: ObservedAccount, found: _Found
) -> None:
    stack = resolver.desired.stack
    address = deployment.address
    existing = account.deployment(deployment.azure_name)
    target = resolver.target(deployment)
    if existing is None:
        if target.state is not TargetState.READY:
            return  # its job has no model yet: the tool's own pending work
        _missing(resolver, deployment, account, target, found)
        return
    now = deployment_json(account, existing)
    owner = existing.tags.get(TAG_STACK)
    if owner != stack:
        whose = f"belongs to stack {owner}" if owner else f"does not carry {TAG_STACK}: {stack}"
        # import adopts only an untagged deployment; another stack's stays theirs
        fix = (
            "rename the entry"
            if owner
            else f"`reconciler import DIR {address}` adopts it (tags only), or rename the entry"
        )
        found.items.append(
            DriftItem(
                address,
                DriftKind.NOT_OWNED,
                DriftCause.NOT_OWNED,
                f"{existing.name} in {account.name} {whose} (the tag was changed outside "
                f"reconciler, or someone else made it); reconciler will not change it: {fix}",
                {"tags": {TAG_STACK: stack}},
                {"tags": dict(sorted(existing.tags.items()))},
            )
        )
        return

    def item(kind: DriftKind, message: str, before: JsonObject, after: JsonObject) -> None:
        found.items.append(
            DriftItem(
                address,
                kind,
                DriftCause.CHANGED,
                f"{existing.name} in {account.name}: {message}",
                before,
                after,
            )
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
        if (
            existing.model_name != name
            and not _earlier_run(resolver, deployment, existing)
            and not _held_by_gate(resolver, deployment, existing)
        ):
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


def _missing(
    resolver: Resolver,
    deployment: DesiredDeployment,
    account: ObservedAccount,
    target: Target,
    found: _Found,
) -> None:
    """A spec deployment Azure does not hold, whose model exists: drift with its cause, or
    pending apply when the Activity Log shows it was never created."""
    assert target.model is not None
    from_job = isinstance(deployment.model, JobRef)
    fine_tuned = from_job or is_fine_tuned(target.model["name"])
    developer = same_sku(deployment.sku_name, DEVELOPER_SKU)
    name = f"{deployment.azure_name} in {account.name}"
    expected = _expected(resolver, deployment, account, target)

    def add(cause: DriftCause, message: str) -> None:
        item = DriftItem(deployment.address, DriftKind.MISSING, cause, message, expected, None)
        (found.pending if cause is DriftCause.NEVER_APPLIED else found.items).append(item)

    log = account.activity
    if log is None or log.unreadable is not None:
        if log is None:
            found.activity_wanted.add(account.key)
        else:
            found.warn(
                f"{log.unreadable}; without it drift cannot tell who deleted a missing "
                "deployment, or whether it was ever applied: missing deployments are reported "
                "as drift with cause unknown"
            )
        if not from_job and not _stack_applied(resolver.desired.stack, account):
            return  # never applied in this account, as far as can be told without the log
        held = (
            "; or its promotion gate held its creation back (`reconciler plan` shows it blocked)"
            if deployment.gate is not None
            else ""
        )
        add(DriftCause.UNKNOWN, f"{name} is missing ({_likely(developer, fine_tuned)}){held}")
        return

    history = log.of(f"{account.arm_id}/deployments/{deployment.azure_name}")
    last = history[-1] if history else None
    if last is None:
        add(
            DriftCause.NEVER_APPLIED,
            f"{name} was never created (no write or delete of it in the Activity Log's "
            f"{_window(log)}): pending apply; `reconciler apply` creates it",
        )
        return
    again = "apply deploys it again" if fine_tuned else "apply creates it again"
    if last.operation is Operation.DELETE and last.by_service:
        add(
            DriftCause.REMOVED_BY_SERVICE,
            f"{name} was removed by Azure at {_when(last.at)}: "
            f"{_service_rule(developer, fine_tuned)}; {again}",
        )
        return
    if last.operation is Operation.DELETE:
        add(
            DriftCause.DELETED_BY_USER,
            f"{name} was deleted by {quote(last.caller)} at {_when(last.at)}, outside "
            f"reconciler; {again}",
        )
        return
    age = _now(log, last) - last.moment
    if fine_tuned and (age >= IDLE_LIMIT or (developer and age >= DEVELOPER_LIFETIME)):
        add(
            DriftCause.REMOVED_BY_SERVICE,
            f"{name} is gone with no deletion in the Activity Log since it was written at "
            f"{_when(last.at)}: {_service_rule(developer, fine_tuned)}; {again}",
        )
        return
    add(
        DriftCause.UNKNOWN,
        f"{name} is missing: the Activity Log shows it written by {quote(last.caller)} at "
        f"{_when(last.at)} and no deletion since (cause unknown); {again}",
    )


def _likely(developer: bool, fine_tuned: bool) -> str:
    if developer:
        return (
            "Azure removes DeveloperTier deployments 24 hours after they are created, or it "
            "was deleted outside reconciler; apply deploys it again"
        )
    if fine_tuned:
        return (
            "deleted outside reconciler, or removed by Azure after 15 days without inference "
            "for fine-tuned deployments"
        )
    return "deleted outside reconciler"


def _service_rule(developer: bool, fine_tuned: bool) -> str:
    if developer:
        return "Azure removes DeveloperTier deployments 24 hours after they are created"
    if fine_tuned:
        return "Azure removes a fine-tuned deployment after 15 days without inference"
    return "the service removed it"


def _now(log: ActivityLog, event: ActivityEvent) -> datetime:
    """When the log was read (never before its newest event: clocks differ)."""
    return max(parse_time(log.until), event.moment)


def _window(log: ActivityLog) -> str:
    """How far back the log reaches, in whole days: not its start time, which moves every run
    and would make a scheduled drift issue's body differ each day with nothing changed."""
    try:
        days = round((parse_time(log.until) - parse_time(log.since)).total_seconds() / 86400)
    except ValueError:
        return f"window since {_when(log.since)}"
    return f"last {days} days"


def _when(stamp: str) -> str:
    """A timestamp for people: UTC to the second."""
    try:
        return parse_time(stamp).strftime("%Y-%m-%d %H:%M:%S UTC")
    except ValueError:
        return quote(stamp)


def _held_by_gate(
    resolver: Resolver, deployment: DesiredDeployment, existing: ObservedDeployment
) -> bool:
    """Whether a gated deployment serves a model of one of this stack's jobs: a promotion its
    gate holds back (SPEC §5.8) leaves it so, and Azure did not move (plan shows it blocked)."""
    if deployment.gate is None:
        return False
    return serving_job(resolver.observed, resolver.desired.stack, existing.model_name) is not None


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
                    DriftCause.JOB_CANCELLED if cancelled else DriftCause.JOB_FAILED,
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
                    DriftCause.FILE_DELETED,
                    f"{file_id} ({dataset}) in {account.name} was deleted outside reconciler "
                    f"while {match.id} is still {match.status.value}",
                    {"id": file_id, "sha256": resolver.desired.datasets[dataset].sha256},
                    None,
                )
            )
    return items
