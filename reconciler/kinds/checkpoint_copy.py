"""The checkpoint copy kind: a job's checkpoint copied into another account (Azure's preview
copy API), so that a deployment there can serve it.

Why a kind of its own: Azure documents deploying a job's final model in another region or
subscription with `properties.model.source`, but a checkpoint reaches another account only by
the copy (docs/azure.md, "Checkpoints in another account"). The copy is a write with its own
long-running status, so the plan shows it, apply polls it, and the deployment depends on it.

Identity: the source account's copy status of the checkpoint (GET …/checkpoints/{id}/copy),
whose `copiedAccountDetails` lists each destination (`destinationResourceId`, compared without
case as ARM ids are) with `status` InProgress, Completed or Failed. The destination itself does
not show it: the docs say a copied checkpoint appears neither in the portal nor in the list of
checkpoints there. Address: `checkpoint_copy.JOB-EPOCH@DESTINATION` (the epoch is the last
`-`-separated part, so job names with dashes stay unambiguous).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from reconciler.kinds.decision import Decision
from reconciler.plan.model import Action, ResourceType
from reconciler.plan.observed import ObservedCopy

TYPE = ResourceType.CHECKPOINT_COPY
PREVIEW_HEADER = "aoai-copy-ft-checkpoints"  # value "preview": Azure's v1 API docs

# Azure's CopiedAccountDetails.status values (azure-v1 spec, CopiedAccountDetails)
COMPLETED = "Completed"
IN_PROGRESS = "InProgress"
FAILED = "Failed"

# The documented prerequisites (MicrosoftDocs/azure-ai-docs, fine-tuning how-to, "Copy a model
# (preview)"), named when a copy fails: Azure's status says only "Failed".
PREREQUISITES = (
    "the destination account has at least one fine-tuning job",
    "the destination does not disable public network access",
    "the source account's user-assigned managed identity holds the Azure AI User role on the "
    "destination",
    "source and destination are in one tenant",
)


def address(job: str, epoch: int, destination: str) -> str:
    return f"checkpoint_copy.{job}-{epoch}@{destination}"


class CopyReason(StrEnum):
    ABSENT = "absent"  # not copied to that account: copy it
    COPY_FAILED = "copy-failed"  # Azure reports the last copy failed: copy again
    COPYING = "copying"  # a copy is under way: wait for it
    COPIED = "copied"  # the destination holds it
    WAITS_FOR_JOB = "waits-for-job"  # the checkpoint exists once its job has trained
    BLOCKED = "blocked"  # the checkpoint cannot be had (job failed, epoch not kept)


@dataclass(frozen=True)
class CopyAfter:
    """The copy the spec needs: epoch `checkpoint` of `job` (trained in `source`) in
    `destination`. `job_id`/`checkpoint_id` are None until the job has trained."""

    job: str
    checkpoint: int
    source: str
    source_name: str
    destination: str
    destination_name: str
    destination_resource_id: str
    region: str
    job_id: str | None = None
    checkpoint_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "checkpoint": self.checkpoint,
            "source": self.source,
            "source_name": self.source_name,
            "destination": self.destination,
            "destination_name": self.destination_name,
            "destination_resource_id": self.destination_resource_id,
            "region": self.region,
            "job_id": self.job_id,
            "checkpoint_id": self.checkpoint_id,
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> CopyAfter:
        def text(key: str) -> str | None:
            value = data.get(key)
            return str(value) if value is not None else None

        return CopyAfter(
            job=str(data["job"]),
            checkpoint=int(data["checkpoint"]),
            source=str(data["source"]),
            source_name=str(data["source_name"]),
            destination=str(data["destination"]),
            destination_name=str(data["destination_name"]),
            destination_resource_id=str(data["destination_resource_id"]),
            region=str(data["region"]),
            job_id=text("job_id"),
            checkpoint_id=text("checkpoint_id"),
        )


@dataclass(frozen=True)
class CopyBefore:
    """What the source account reports about the copy to this destination."""

    checkpoint_id: str
    status: ObservedCopy

    def to_json(self) -> dict[str, Any]:
        return {"checkpoint_id": self.checkpoint_id, **self.status.to_json()}

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> CopyBefore:
        return CopyBefore(str(data["checkpoint_id"]), ObservedCopy.from_json(data))


# -- identity and decision -----------------------------------------------------------------


class Readiness(StrEnum):
    """How far the checkpoint to copy is known."""

    KNOWN = "known"  # its job trained and kept that epoch
    PENDING = "pending"  # its job is created by this plan
    WAIT = "wait"  # its job is training
    BLOCKED = "blocked"  # cannot be had


def identify(destination_resource_id: str, copies: tuple[ObservedCopy, ...]) -> ObservedCopy | None:
    """The copy to that destination (ARM ids compare without case)."""
    wanted = destination_resource_id.rstrip("/").lower()
    found = [c for c in copies if c.destination_resource_id.rstrip("/").lower() == wanted]
    return found[-1] if found else None


def decide(
    readiness: Readiness,
    current: ObservedCopy | None,
    *,
    note: str = "",
    destination_name: str = "",
) -> Decision[CopyReason]:
    """What to do so that the destination holds the checkpoint."""
    if readiness is Readiness.BLOCKED:
        return Decision(Action.NO_OP, CopyReason.BLOCKED, {"note": note})
    if readiness is Readiness.WAIT:
        return Decision(Action.WAIT, CopyReason.WAITS_FOR_JOB, {"note": note})
    if readiness is Readiness.PENDING:
        return Decision(
            Action.CREATE, CopyReason.ABSENT, {"destination_name": destination_name, "note": note}
        )
    if current is None:
        return Decision(Action.CREATE, CopyReason.ABSENT, {"destination_name": destination_name})
    status = current.status.lower()
    if status == COMPLETED.lower():
        return Decision(Action.NO_OP, CopyReason.COPIED, {"destination_name": destination_name})
    if status == FAILED.lower():
        return Decision(Action.CREATE, CopyReason.COPY_FAILED, {})
    return Decision(Action.WAIT, CopyReason.COPYING, {"status": current.status})


__all__ = [
    "COMPLETED",
    "FAILED",
    "IN_PROGRESS",
    "PREREQUISITES",
    "PREVIEW_HEADER",
    "TYPE",
    "CopyAfter",
    "CopyBefore",
    "CopyReason",
    "ObservedCopy",
    "Readiness",
    "address",
    "decide",
    "identify",
]
