"""A change's reason as people read it: the one place where reason codes become text.

The kinds decide with closed reason codes and the facts a text needs (`reconciler.kinds`); the
JSON, text and markdown renderers all show the text made here, so a reason reads the same
everywhere and the planner builds no prose. Adding a kind adds one function below.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from reconciler.kinds.checkpoint_copy import CopyReason
from reconciler.kinds.deployment import DeploymentReason
from reconciler.kinds.file import FileReason
from reconciler.kinds.job import JobReason
from reconciler.plan.deployment_fields import SETTINGS as DEPLOYMENT_SETTINGS
from reconciler.plan.desired import JobRef
from reconciler.plan.model import Because, Change, FieldChange, ResourceType
from reconciler.plan.naming import TAG_PREVENT_DESTROY, TAG_STACK
from reconciler.promotion.gate import MetricVerdict


def render_reason(change: Change) -> str:
    return reason_text(change.type, change.because, address=change.address, changed=change.changed)


def reason_text(
    resource: ResourceType,
    because: Because,
    *,
    address: str = "",
    changed: Sequence[FieldChange] = (),
) -> str:
    return _BY_TYPE[resource](because, address, changed)


def _when(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _file(because: Because, address: str, changed: Sequence[FieldChange]) -> str:
    f = because.facts
    where = f.get("account_name")
    code = FileReason(because.code)
    if code is FileReason.REPLACE_ASKED:
        return f"upload again to {where}, as --replace asks"
    if code is FileReason.PRESENT:
        return f"already in {where} as {f['file_id']}"
    if code is FileReason.NOT_NEEDED:
        held = f"{f['file_id']} is {f['status']}" if f.get("file_id") else "not uploaded"
        return f"{held} in {where}; no job to be created needs it"
    if code is FileReason.PROCESSING:
        return f"{f['file_id']} is {f['status']} in {where}"
    if code is FileReason.REJECTED:
        why = f.get("why") or "no reason given"
        return f"{f['file_id']} in {where} was rejected ({why}); uploading again"
    return f"no file with this content in {where}"


def _starts_from(facts: Mapping[str, Any], parent: str = "") -> str:
    """ "the model of job.x" or "the checkpoint of epoch 2 of job.x"; `parent` describes job.x."""
    what = JobRef(str(facts["parent"]), facts.get("checkpoint")).what
    return f"the {what} of {parent or 'job.' + str(facts['parent'])}"


def _job(because: Because, address: str, changed: Sequence[FieldChange]) -> str:
    f = because.facts
    code = JobReason(because.code)
    if code is JobReason.TRAINED:
        return f"trained as {f['job_id']}: {f['model']}"
    if code is JobReason.TRAINING:
        text = f"{f['job_id']} is {f['status']}"
        if f.get("progress"):
            text += f" ({f['progress']})"
        if f.get("estimated_finish"):
            text += f", estimated to finish {_when(int(f['estimated_finish']))}"
        return text
    if code is JobReason.FAILED:
        return (
            f"{f['job_id']} {f['status']}: {f['note']}; not retried "
            f"(plan --replace {address} retries it)"
        )
    if code is JobReason.BLOCKED:
        return f"blocked: {f['note']}"
    if code is JobReason.WAITS_FOR_PARENT:
        return f"waits for {f['note']}; it starts from {_starts_from(f)}"
    if code is JobReason.RETRY_ASKED:
        return f"retry of {f['job_id']} ({f['status']}: {f['why']}), as --replace asks"
    if code is JobReason.RETRAIN_ASKED:
        return f"train again ({f['job_id']} {f['status']}), as --replace asks"
    text = f"no job with this fingerprint in {f['account_name']}"
    if f.get("note"):  # continues from a job this plan creates too
        text += f"; it starts from {_starts_from(f, str(f['note']))}"
    if f.get("previous"):
        text += f"; changed since {f['previous']}: {', '.join(f.get('changed') or ())}"
    return text


_REPLACE_TEXT = {
    "model": "Azure cannot change the model of a deployment",
    "sku": "Azure cannot change the sku name of a deployment",
    "asked": "replacement asked with --replace",
    "": "",
}


def examples_changed(added: Any, removed: Any) -> str:
    """'1 example added, 3 removed' (counts as the caller formats them)."""
    noun = "example" if added == 1 else "examples"
    return f"{_count(added)} {noun} added, {_count(removed)} removed"


def _count(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def replace_text(cause: str) -> str:
    """Why a deployment is replaced: "model", "sku" or "asked" (by --replace)."""
    return _REPLACE_TEXT[cause]


def update_text(changed: Iterable[FieldChange]) -> str:
    """ "capacity 1 → 2, stack tags restored (updated in place)" """
    return ", ".join(update_phrases(changed)) + " (updated in place)"


def update_phrases(changed: Iterable[FieldChange]) -> list[str]:
    """What an in-place update of a deployment changes, a phrase per field: "capacity 1 → 2",
    "prevent-destroy tag added", "stack tags restored" (the plan's reason and apply's report)."""
    changes = list(changed)
    parts = []
    for change in changes:
        if change.field == "sku.capacity":
            parts.append(f"capacity {change.before} → {change.after}")
        elif change.field == "model.version":
            parts.append(f"model version {change.before} → {change.after}")
        elif change.field == f"tags.{TAG_PREVENT_DESTROY}":
            parts.append("prevent-destroy tag " + ("added" if change.after else "removed"))
        elif change.field in DEPLOYMENT_SETTINGS:  # SPEC §5.3
            before = "(not set)" if change.before is None else change.before
            parts.append(f"{change.field} {before} → {change.after}")
    if any(
        c.field.startswith("tags.") and c.field != f"tags.{TAG_PREVENT_DESTROY}" for c in changes
    ):
        parts.append("stack tags restored")
    return parts


def _serves(serves: Mapping[str, Any]) -> str:
    job, job_id = serves["job"], serves["job_id"]
    if serves.get("checkpoint"):
        epoch = f"epoch {serves['epoch']}" if serves.get("epoch") else "a checkpoint"
        return f"the checkpoint of {epoch} of job.{job} ({job_id})"
    return f"the model of job.{job} ({job_id})"


def _deployment(because: Because, address: str, changed: Sequence[FieldChange]) -> str:
    f = because.facts
    code = DeploymentReason(because.code)
    pending = f"; the new model comes from {f['note']}" if f.get("note") else ""
    if code is DeploymentReason.BLOCKED:
        return f"blocked: {f['note']}"
    if code is DeploymentReason.WAITS_FOR_JOB:
        return f"waits for {f['note']}"
    if code is DeploymentReason.ABSENT:
        text = f"no deployment named {f['name']} in {f['account_name']}"
        if f.get("note"):
            text += f"; it serves the model of {f['note']}"
        return text
    if code is DeploymentReason.WAITS_THEN_REPLACE:
        return (
            f"waits for {f['note']}; serves {f['serving']} until then, "
            f"then is replaced ({_REPLACE_TEXT[str(f.get('cause') or '')]})"
        )
    if code is DeploymentReason.MODEL_CHANGED:
        return _REPLACE_TEXT["model"] + pending
    if code is DeploymentReason.SKU_CHANGED:
        return _REPLACE_TEXT["sku"] + pending
    if code is DeploymentReason.REPLACE_ASKED:
        return _REPLACE_TEXT["asked"] + pending
    if code is DeploymentReason.PROVISIONING:
        return f"provisioning in progress in {f['account_name']} ({f['state']})"
    if code is DeploymentReason.PROVISIONING_FAILED:
        return "provisioning failed in Azure; putting it again"
    if code is DeploymentReason.DIFFERS:
        return update_text(changed)
    if code is DeploymentReason.MATCHES:
        return f"matches the spec in {f['account_name']}"
    if code is DeploymentReason.LEFT_SPEC:
        text = f"carries {TAG_STACK}: {f['stack']} and is no longer in the spec"
        if f.get("serves"):
            text += f"; it serves {_serves(f['serves'])}"
        return text
    if code is DeploymentReason.DELETING:
        return f"being deleted in {f['account_name']}"
    if code is DeploymentReason.GONE:
        return "not in Azure"
    if code is DeploymentReason.GATE_FAILED:
        return gate_failed_text(f)
    owner = f.get("owner")
    return f"belongs to stack {owner}" if owner else f"does not carry the tag {TAG_STACK}"


def gate_failed_text(f: Mapping[str, Any]) -> str:
    """ "blocked by its gate: job.x (ftjob-1) has full_valid_loss 1.2 (needs ≤ 0.9); keeps
    serving M" """
    failing = "; ".join(
        MetricVerdict.from_json(m).line().removesuffix(": fails") for m in f.get("metrics") or ()
    )
    keeps = f"; keeps serving {f['serving']}" if f.get("serving") else "; not created"
    return f"blocked by its gate: {f['job']} ({f['job_id']}) has {failing}{keeps}"


def _checkpoint_copy(because: Because, address: str, changed: Sequence[FieldChange]) -> str:
    code, f = because.code, because.facts
    if code is CopyReason.ABSENT:
        text = f"not in {f['destination_name']}: copy it there (Azure's checkpoint copy, preview)"
        return text + (f" once {f['note']} has trained it" if f.get("note") else "")
    if code is CopyReason.COPY_FAILED:
        return "Azure reports the last copy failed: copy it again"
    if code is CopyReason.COPYING:
        return f"a copy is under way ({f['status']}): apply waits for it"
    if code is CopyReason.COPIED:
        return f"copied to {f['destination_name']}"
    if code is CopyReason.WAITS_FOR_JOB:
        return f"waits for {f['note']}"
    return f"cannot be copied: {f['note']}"


_BY_TYPE: dict[ResourceType, Callable[[Because, str, Sequence[FieldChange]], str]] = {
    ResourceType.FILE: _file,
    ResourceType.JOB: _job,
    ResourceType.DEPLOYMENT: _deployment,
    ResourceType.CHECKPOINT_COPY: _checkpoint_copy,
}
